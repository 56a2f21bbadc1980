package observability

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/8byte/infra/settings"
)

func TestDefaultConfigs(t *testing.T) {
	dev, prod := DefaultConfig(settings.Dev), DefaultConfig(settings.Prod)
	assert.NoError(t, dev.Validate(settings.Dev))
	assert.EqualError(t, prod.Validate(settings.Prod),
		"config 8byte:observability.alarmEmails: invalid value []: prod needs at least one address to send alarms to",
		"prod has no default address: the stack file must name who gets the alarms")
	prod.AlarmEmails = []string{"ops@example.com"}
	assert.NoError(t, prod.Validate(settings.Prod))

	assert.Equal(t, 30, dev.LogRetentionDays)
	assert.Equal(t, 365, prod.LogRetentionDays)
	assert.False(t, dev.CloudTrailEnabled, "the account's trail belongs to prod")
	assert.True(t, prod.CloudTrailEnabled)
	assert.Less(t, prod.LatencyP95Ms, dev.LatencyP95Ms, "prod alarms earlier")
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name   string
		env    settings.Environment
		change func(*Config)
		want   string
	}{
		{"retention AWS refuses", settings.Dev, func(c *Config) { c.LogRetentionDays = 31 },
			"config 8byte:observability.logRetentionDays: invalid value 31: must be one of the CloudWatch Logs retention periods [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]"},
		{"short prod retention", settings.Prod, func(c *Config) { c.LogRetentionDays = 180 },
			"config 8byte:observability.logRetentionDays: invalid value 180: prod keeps logs for at least 365 days"},
		{"no email in prod", settings.Prod, func(c *Config) { c.AlarmEmails = nil },
			"config 8byte:observability.alarmEmails: invalid value []: prod needs at least one address to send alarms to"},
		{"not an address", settings.Dev, func(c *Config) { c.AlarmEmails = []string{"ops-at-example.com"} },
			`config 8byte:observability.alarmEmails: invalid value "ops-at-example.com": must be a plain email address such as ops@example.com`},
		{"address with a display name", settings.Dev, func(c *Config) { c.AlarmEmails = []string{"Ops <ops@example.com>"} },
			`config 8byte:observability.alarmEmails: invalid value "Ops <ops@example.com>": must be a plain email address such as ops@example.com`},
		{"address with spaces", settings.Prod, func(c *Config) { c.AlarmEmails = []string{" ops@example.com"} },
			`config 8byte:observability.alarmEmails: invalid value " ops@example.com": must be a plain email address such as ops@example.com`},
		{"empty address", settings.Dev, func(c *Config) { c.AlarmEmails = []string{""} },
			`config 8byte:observability.alarmEmails: invalid value "": must be a plain email address such as ops@example.com`},
		{"duplicate address", settings.Prod, func(c *Config) { c.AlarmEmails = []string{"ops@example.com", "ops@example.com"} },
			`config 8byte:observability.alarmEmails: invalid value "ops@example.com": is listed twice`},
		{"cpu above 100", settings.Dev, func(c *Config) { c.AsgCPUPercent = 101 },
			"config 8byte:observability.asgCpuPercent: invalid value 101: must be between 1 and 100"},
		{"db cpu zero", settings.Prod, func(c *Config) { c.DbCPUPercent = 0 },
			"config 8byte:observability.dbCpuPercent: invalid value 0: must be between 1 and 100"},
		{"unhealthy for no minutes", settings.Dev, func(c *Config) { c.UnhealthyHostMinutes = 0 },
			"config 8byte:observability.unhealthyHostMinutes: invalid value 0: must be between 1 and 1440"},
		{"unhealthy longer than a day", settings.Dev, func(c *Config) { c.UnhealthyHostMinutes = 1441 },
			"config 8byte:observability.unhealthyHostMinutes: invalid value 1441: must be between 1 and 1440"},
		{"zero app errors", settings.Dev, func(c *Config) { c.AppErrorThreshold = 0 },
			"config 8byte:observability.appErrorThreshold: invalid value 0: must be greater than 0"},
		{"negative auth failures", settings.Prod, func(c *Config) { c.AuthFailureThreshold = -1 },
			"config 8byte:observability.authFailureThreshold: invalid value -1: must be between 1 and 4: the app checks the database every 60 s, so one instance refused by the database logs 4 failed checks in 5 minutes at the least, and a higher threshold would never fire on one instance"},
		{"auth failures one instance never reaches", settings.Prod, func(c *Config) { c.AuthFailureThreshold = 20 },
			"config 8byte:observability.authFailureThreshold: invalid value 20: must be between 1 and 4: the app checks the database every 60 s, so one instance refused by the database logs 4 failed checks in 5 minutes at the least, and a higher threshold would never fire on one instance"},
		{"zero elb 5xx", settings.Dev, func(c *Config) { c.Elb5xxThreshold = 0 },
			"config 8byte:observability.elb5xxThreshold: invalid value 0: must be greater than 0"},
		{"zero target 5xx", settings.Dev, func(c *Config) { c.Target5xxThreshold = 0 },
			"config 8byte:observability.target5xxThreshold: invalid value 0: must be greater than 0"},
		{"zero latency", settings.Prod, func(c *Config) { c.LatencyP95Ms = 0 },
			"config 8byte:observability.latencyP95Ms: invalid value 0: must be greater than 0"},
		{"zero free storage", settings.Dev, func(c *Config) { c.DbFreeStorageGb = 0 },
			"config 8byte:observability.dbFreeStorageGb: invalid value 0: must be greater than 0"},
		{"negative free memory", settings.Dev, func(c *Config) { c.DbFreeMemoryMb = -64 },
			"config 8byte:observability.dbFreeMemoryMb: invalid value -64: must be greater than 0"},
		{"zero connections", settings.Prod, func(c *Config) { c.DbConnections = 0 },
			"config 8byte:observability.dbConnections: invalid value 0: must be greater than 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tc.env)
			tc.change(&cfg)
			assert.EqualError(t, cfg.Validate(tc.env), tc.want)
		})
	}
}

func TestValidEmailsAreAccepted(t *testing.T) {
	cfg := testConfig(settings.Prod)
	cfg.AlarmEmails = []string{"ops@example.com", "on-call+8byte@alerts.example.org"}
	assert.NoError(t, cfg.Validate(settings.Prod))
}

func TestAStackWithoutRecipientsSaysSo(t *testing.T) {
	dev := DefaultConfig(settings.Dev)
	assert.Equal(t, "observability.alarmEmails is empty: the alarms of this stack notify nobody; set observability.alarmEmails to the addresses that should receive them", dev.RecipientWarning())
	dev.AlarmEmails = []string{"ops@example.com"}
	assert.Empty(t, dev.RecipientWarning())
}

func TestAuthFailureThresholdsOneInstanceReaches(t *testing.T) {
	for _, threshold := range []int{1, 4} {
		cfg := DefaultConfig(settings.Prod)
		cfg.AlarmEmails, cfg.AuthFailureThreshold = []string{"ops@example.com"}, threshold
		assert.NoError(t, cfg.Validate(settings.Prod), "threshold %d", threshold)
	}
	assert.Equal(t, 3, DefaultConfig(settings.Dev).AuthFailureThreshold)
	assert.Equal(t, 3, DefaultConfig(settings.Prod).AuthFailureThreshold)
}
