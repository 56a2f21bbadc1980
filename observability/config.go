package observability

import (
	"net/mail"
	"slices"

	"github.com/8byte/infra/contract"
	"github.com/8byte/infra/settings"
)

// Config is the `8byte:observability` stack-config object: log retention, who gets alarm emails, whether
// the stack creates the account's CloudTrail trail, and the alarm thresholds.
type Config struct {
	// LogRetentionDays is how long the app, system and CloudTrail log groups keep their events.
	LogRetentionDays int `json:"logRetentionDays"`
	// AlarmEmails are the addresses subscribed to the alarm topic; each must confirm its subscription.
	AlarmEmails []string `json:"alarmEmails,omitempty"`
	// CloudTrailEnabled creates the multi-region trail with its bucket, key, log group and CIS alarms. A
	// trail covers the whole account: turn it off for a stack whose account already has one.
	CloudTrailEnabled bool `json:"cloudTrailEnabled"`

	// AppErrorThreshold is how many ERROR lines the app may log in 5 minutes before the alarm fires.
	AppErrorThreshold int `json:"appErrorThreshold"`
	// AuthFailureThreshold is how many of the app's database checks (one a minute per instance) may see
	// the database refuse its credentials in 5 minutes before the alarm fires. At most 4, so that one
	// instance reaches it: it checks 5 times in 5 minutes, 4 allowing for when the minutes start.
	AuthFailureThreshold int `json:"authFailureThreshold"`
	// Elb5xxThreshold and Target5xxThreshold are how many 5xx responses the load balancer itself, and the
	// instances behind it, may return in 5 minutes.
	Elb5xxThreshold    int `json:"elb5xxThreshold"`
	Target5xxThreshold int `json:"target5xxThreshold"`
	// LatencyP95Ms is the highest acceptable 95th-percentile target response time, in milliseconds.
	LatencyP95Ms int `json:"latencyP95Ms"`
	// UnhealthyHostMinutes is for how many consecutive minutes a target may be unhealthy before the alarm.
	UnhealthyHostMinutes int `json:"unhealthyHostMinutes"`
	// AsgCPUPercent and DbCPUPercent are the average CPU utilizations that count as too high.
	AsgCPUPercent int `json:"asgCpuPercent"`
	DbCPUPercent  int `json:"dbCpuPercent"`
	// DbFreeStorageGb (GiB) and DbFreeMemoryMb (MiB) are the lowest acceptable free storage and freeable
	// memory of the database instance.
	DbFreeStorageGb int `json:"dbFreeStorageGb"`
	DbFreeMemoryMb  int `json:"dbFreeMemoryMb"`
	// DbConnections is the number of database connections that counts as too many.
	DbConnections int `json:"dbConnections"`
	// RecoveryDrillStack is the recovery stack whose disaster-recovery drills this stack alarms on (prod:
	// prod-dr); empty for none. The drills publish their outcome, RTO and RPO in this stack's region.
	RecoveryDrillStack string `json:"recoveryDrillStack,omitempty"`
}

// DefaultConfig returns the observability defaults of env. Dev keeps logs a month, has no trail (the
// account's trail belongs to prod) and tolerates more before it alarms; prod keeps logs a year, records
// the account's API activity and alarms early. Database thresholds fit each environment's default
// instance (db.t4g.micro with 20 GiB in dev, db.m7g.large with 100 GiB in prod).
func DefaultConfig(env settings.Environment) Config {
	if env.IsProd() {
		return Config{
			LogRetentionDays:     365,
			CloudTrailEnabled:    true,
			AppErrorThreshold:    5,
			AuthFailureThreshold: 3,
			Elb5xxThreshold:      10,
			Target5xxThreshold:   10,
			LatencyP95Ms:         1000,
			UnhealthyHostMinutes: 3,
			AsgCPUPercent:        75,
			DbCPUPercent:         80,
			DbFreeStorageGb:      10,
			DbFreeMemoryMb:       512,
			DbConnections:        400,
		}
	}
	return Config{
		LogRetentionDays:     30,
		AppErrorThreshold:    10,
		AuthFailureThreshold: 3,
		Elb5xxThreshold:      20,
		Target5xxThreshold:   20,
		LatencyP95Ms:         2000,
		UnhealthyHostMinutes: 5,
		AsgCPUPercent:        85,
		DbCPUPercent:         85,
		DbFreeStorageGb:      4,
		DbFreeMemoryMb:       64,
		DbConnections:        60,
	}
}

// maxEvaluationMinutes bounds UnhealthyHostMinutes: one-minute periods, and CloudWatch evaluates at most a
// day of them.
const maxEvaluationMinutes = 24 * 60

// Validate checks the observability config of env; every error names the key, the value and what is
// allowed.
func (c Config) Validate(env settings.Environment) error {
	if err := settings.CheckLogRetention("observability.logRetentionDays", env, c.LogRetentionDays); err != nil {
		return err
	}
	if err := validateEmails(env, c.AlarmEmails); err != nil {
		return err
	}
	if c.RecoveryDrillStack != "" {
		if err := settings.CheckName(c.RecoveryDrillStack); err != nil {
			return settings.Invalid("observability.recoveryDrillStack", c.RecoveryDrillStack, "must name a stack: %v", err)
		}
		if c.RecoveryDrillStack == env.Name {
			return settings.Invalid("observability.recoveryDrillStack", c.RecoveryDrillStack, "must name the recovery stack, not this stack")
		}
	}
	percents := []struct {
		key   string
		value int
	}{
		{"observability.asgCpuPercent", c.AsgCPUPercent},
		{"observability.dbCpuPercent", c.DbCPUPercent},
	}
	for _, p := range percents {
		if err := settings.CheckRange(p.key, p.value, 1, 100); err != nil {
			return err
		}
	}
	if err := settings.CheckRange("observability.unhealthyHostMinutes", c.UnhealthyHostMinutes, 1, maxEvaluationMinutes); err != nil {
		return err
	}
	counts := []struct {
		key   string
		value int
	}{
		{"observability.appErrorThreshold", c.AppErrorThreshold},
		{"observability.elb5xxThreshold", c.Elb5xxThreshold},
		{"observability.target5xxThreshold", c.Target5xxThreshold},
		{"observability.latencyP95Ms", c.LatencyP95Ms},
		{"observability.dbFreeStorageGb", c.DbFreeStorageGb},
		{"observability.dbFreeMemoryMb", c.DbFreeMemoryMb},
		{"observability.dbConnections", c.DbConnections},
	}
	for _, n := range counts {
		if n.value <= 0 {
			return settings.Invalid(n.key, n.value, "must be greater than 0")
		}
	}
	return validateAuthFailureThreshold(c.AuthFailureThreshold)
}

// validateAuthFailureThreshold accepts what one instance can reach: it logs one database check per
// interval of the log contract, so a 5-minute period holds one check fewer than it fits (its start does
// not wait for a check).
func validateAuthFailureThreshold(threshold int) error {
	logs, err := contract.Load()
	if err != nil {
		return err
	}
	most := fiveMinutes/logs.DatabaseCheckIntervalSeconds - 1
	if threshold < 1 || threshold > most {
		return settings.Invalid("observability.authFailureThreshold", threshold,
			"must be between 1 and %d: the app checks the database every %d s, so one instance refused by the database logs %d failed checks in 5 minutes at the least, and a higher threshold would never fire on one instance",
			most, logs.DatabaseCheckIntervalSeconds, most)
	}
	return nil
}

// RecipientWarning is the warning a stack without alarm recipients shows at every preview and update
// (dev may run without; prod requires recipients), or "" when there are recipients.
func (c Config) RecipientWarning() string {
	if len(c.AlarmEmails) > 0 {
		return ""
	}
	return "observability.alarmEmails is empty: the alarms of this stack notify nobody; set observability.alarmEmails to the addresses that should receive them"
}

// validateEmails accepts bare addresses ("ops@example.com", no display name), each once; prod needs at
// least one, or its alarms would reach nobody.
func validateEmails(env settings.Environment, emails []string) error {
	const key = "observability.alarmEmails"
	if env.IsProd() && len(emails) == 0 {
		return settings.Invalid(key, emails, "prod needs at least one address to send alarms to")
	}
	for i, e := range emails {
		addr, err := mail.ParseAddress(e)
		if err != nil || addr.Name != "" || addr.Address != e {
			return settings.Invalid(key, e, "must be a plain email address such as ops@example.com")
		}
		if slices.Contains(emails[:i], e) {
			return settings.Invalid(key, e, "is listed twice")
		}
	}
	return nil
}
