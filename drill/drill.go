// Package drill runs a disaster-recovery drill: it restores the source stack's database from the backups
// RDS replicates into the recovery region, deploys the whole application there (the recovery stack),
// waits until the application reports ready against the restored database, checks the restored data,
// measures the recovery time (RTO) and the data lost (RPO), publishes both, and destroys the recovery
// stack again, whatever happened before.
//
// The outside world (the AWS CLI, the Pulumi CLI, HTTP, the clock) comes in through small interfaces, so
// that the drill's logic (timing, RTO/RPO, teardown on failure) is tested without AWS; cmd/drdrill wires
// the real ones.
package drill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Targets are the recovery objectives the drill is held to; the README's disaster-recovery section states
// the same numbers (a test checks it), and the drill alarms fire when a drill misses them.
var Targets = struct {
	// RTO is the longest acceptable time from the start of a recovery to an application that serves
	// requests against the restored database.
	RTO time.Duration
	// RPO is the most data, in time, a recovery may lose: the age of the restore point when the
	// recovery starts.
	RPO time.Duration
}{RTO: 90 * time.Minute, RPO: 30 * time.Minute}

// MetricsNamespace is the CloudWatch namespace of the drill's metrics, dimension Stack = the recovery stack.
const MetricsNamespace = "8byte/dr"

// The metrics of a drill.
const (
	MetricSucceeded = "DrillSucceeded" // 1 when the drill restored, served and checked the data; else 0
	MetricRTO       = "RTOSeconds"
	MetricRPO       = "RPOSeconds"
)

// Config says which drill to run.
type Config struct {
	// Stack is the recovery stack (e.g. prod-dr); it exists only during the drill.
	Stack string
	// Region is the recovery region, where the replicated backups are (the recovery stack's aws:region).
	Region string
	// SourceIdentifier is the RDS identifier of the source database (postgres-8byte-prod) and SourceRegion
	// its region; SourceEnvironment is the environment name the source application writes its heartbeat
	// under (prod).
	SourceIdentifier, SourceRegion, SourceEnvironment string
	// MetricsRegion is where the metrics go: the source stack's region, where its alarms live.
	MetricsRegion string
	// ReadyTimeout bounds the wait for /ready after the deployment; PollInterval spaces the probes.
	ReadyTimeout, PollInterval time.Duration
}

// Validate reports the first missing or inconsistent setting.
func (c Config) Validate() error {
	switch {
	case c.Stack == "" || c.Region == "" || c.SourceIdentifier == "" || c.SourceRegion == "" || c.SourceEnvironment == "" || c.MetricsRegion == "":
		return errors.New("drill: stack, region, source identifier, source region, source environment and metrics region are required")
	case c.Region == c.SourceRegion:
		return fmt.Errorf("drill: the recovery region %s must differ from the source region", c.Region)
	case c.ReadyTimeout <= 0 || c.PollInterval <= 0 || c.PollInterval > c.ReadyTimeout:
		return fmt.Errorf("drill: ready timeout (%s) and poll interval (%s) must be positive, the interval the shorter", c.ReadyTimeout, c.PollInterval)
	}
	return nil
}

// Backup is one entry of `aws rds describe-db-instance-automated-backups` in the recovery region.
type Backup struct {
	Arn              string    // DBInstanceAutomatedBackupsArn
	SourceIdentifier string    // DBInstanceIdentifier
	SourceRegion     string    // Region: where the source instance runs
	Status           string    // "replicating" for backups replicated from another region
	KmsKeyID         string    // the key of this region that encrypts them
	EngineVersion    string    // e.g. "17.4"
	LatestRestorable time.Time // RestoreWindow.LatestTime
}

// Metric is one data point the drill publishes.
type Metric struct {
	Name  string
	Value float64
	Unit  string // "Seconds" or "Count"
}

// Cloud is what the drill asks AWS.
type Cloud interface {
	// ReplicatedBackups lists the automated backups in region.
	ReplicatedBackups(ctx context.Context, region string) ([]Backup, error)
	// PutMetrics publishes metrics in region under MetricsNamespace with the dimension Stack=stack.
	PutMetrics(ctx context.Context, region, stack string, metrics []Metric) error
}

// Stack is the recovery stack in Pulumi.
type Stack interface {
	// SetConfig sets `pulumi config set --path` values of the stack (key -> value).
	SetConfig(ctx context.Context, values map[string]string) error
	// Up deploys the stack.
	Up(ctx context.Context) error
	// Output returns a stack output.
	Output(ctx context.Context, name string) (string, error)
	// Destroy deletes every resource of the stack.
	Destroy(ctx context.Context) error
}

// App is the recovered application, reached through the recovery stack's load balancer.
type App interface {
	// Get requests path from the load balancer at albDNSName and returns the status and body.
	Get(ctx context.Context, albDNSName, path string) (int, []byte, error)
}

// Clock is time, injectable.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

// Deps are the drill's connections to the world.
type Deps struct {
	Cloud Cloud
	Stack Stack
	App   App
	Clock Clock
}

// Result is what one drill measured.
type Result struct {
	Started      time.Time // the drill (and the simulated outage) began
	RestorePoint time.Time // the point in time the database was restored to
	Ready        time.Time // the application first answered /ready with 200
	Heartbeat    time.Time // the source application's last heartbeat found in the restored database
	Backup       Backup    // what was restored from
	// RTO is Ready - Started; RPO is Started - RestorePoint. Zero until measured.
	RTO, RPO time.Duration
	// Err is why the drill failed (nil: it restored, served and checked the data).
	Err error
	// TeardownErr is why the recovery stack could not be destroyed (nil: it was).
	TeardownErr error
}

// Succeeded reports whether the drill restored, served and verified the data.
func (r Result) Succeeded() bool { return r.Err == nil }

// MetTargets reports whether the measured RTO and RPO are within Targets.
func (r Result) MetTargets() bool {
	return r.Succeeded() && r.RTO <= Targets.RTO && r.RPO <= Targets.RPO
}

// Metrics returns the data points to publish: success always, RTO and RPO once measured.
func (r Result) Metrics() []Metric {
	succeeded := 0.0
	if r.Succeeded() {
		succeeded = 1
	}
	metrics := []Metric{{Name: MetricSucceeded, Value: succeeded, Unit: "Count"}}
	if r.Succeeded() {
		metrics = append(metrics,
			Metric{Name: MetricRTO, Value: r.RTO.Seconds(), Unit: "Seconds"},
			Metric{Name: MetricRPO, Value: r.RPO.Seconds(), Unit: "Seconds"})
	}
	return metrics
}

// The recovery stack's config keys the drill sets (package data's Recovery, `8byte:recovery`).
const (
	keySourceBackupsArn = "8byte:recovery.sourceBackupsArn"
	keyKmsKeyArn        = "8byte:recovery.kmsKeyArn"
	keySourceRegion     = "8byte:recovery.sourceRegion"
	keyRestoreTime      = "8byte:recovery.restoreTime"
	keyDrill            = "8byte:recovery.drill"
)

// Run runs one drill. It always tries to destroy the recovery stack before it returns, also when an
// earlier step failed or ctx was canceled (the teardown gets a context of its own), and always publishes
// the metrics, so that a failed drill raises the drill alarm. The error is the drill's failure, the
// teardown's, or a missed target, in that order of precedence.
func Run(ctx context.Context, cfg Config, deps Deps) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Started: deps.Clock.Now()}
	res.Err = restoreAndCheck(ctx, cfg, deps, &res)

	teardown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Hour)
	defer cancel()
	if err := deps.Stack.Destroy(teardown); err != nil {
		res.TeardownErr = fmt.Errorf("destroying the recovery stack %s (destroy it by hand: pulumi destroy --stack %s): %w", cfg.Stack, cfg.Stack, err)
	}
	metricsErr := deps.Cloud.PutMetrics(teardown, cfg.MetricsRegion, cfg.Stack, res.Metrics())

	switch {
	case res.Err != nil:
		return res, res.Err
	case res.TeardownErr != nil:
		return res, res.TeardownErr
	case metricsErr != nil:
		return res, fmt.Errorf("publishing the drill metrics: %w", metricsErr)
	case !res.MetTargets():
		return res, fmt.Errorf("drill missed its targets: RTO %s (target %s), RPO %s (target %s)",
			res.RTO.Round(time.Second), Targets.RTO, res.RPO.Round(time.Second), Targets.RPO)
	}
	return res, nil
}

// restoreAndCheck finds the replicated backups, deploys the recovery stack restored from them, waits for
// the application and checks the restored data, filling res as it goes.
func restoreAndCheck(ctx context.Context, cfg Config, deps Deps, res *Result) error {
	backups, err := deps.Cloud.ReplicatedBackups(ctx, cfg.Region)
	if err != nil {
		return fmt.Errorf("listing the automated backups in %s: %w", cfg.Region, err)
	}
	backup, err := pickBackup(backups, cfg)
	if err != nil {
		return err
	}
	res.Backup = backup
	// The restore point is fixed before the deployment, so that the RPO is exact: the newest point the
	// replicated backups can restore when the drill starts.
	res.RestorePoint = backup.LatestRestorable.UTC()
	res.RPO = res.Started.Sub(res.RestorePoint)

	if err := deps.Stack.SetConfig(ctx, map[string]string{
		keySourceBackupsArn: backup.Arn,
		keyKmsKeyArn:        backup.KmsKeyID,
		keySourceRegion:     backup.SourceRegion,
		keyRestoreTime:      res.RestorePoint.Format(time.RFC3339),
		keyDrill:            "true",
	}); err != nil {
		return fmt.Errorf("configuring the recovery stack %s: %w", cfg.Stack, err)
	}
	if err := deps.Stack.Up(ctx); err != nil {
		return fmt.Errorf("deploying the recovery stack %s: %w", cfg.Stack, err)
	}
	alb, err := deps.Stack.Output(ctx, "albDnsName")
	if err != nil || alb == "" {
		return fmt.Errorf("reading the recovery stack's albDnsName output: %w", errors.Join(err, errors.New("empty")))
	}
	if err := waitReady(ctx, cfg, deps, alb); err != nil {
		return err
	}
	res.Ready = deps.Clock.Now()
	res.RTO = res.Ready.Sub(res.Started)

	heartbeat, err := restoredHeartbeat(ctx, cfg, deps, alb)
	if err != nil {
		return err
	}
	res.Heartbeat = heartbeat
	// The restored data must be the source's: its last heartbeat is at or before the restore point, and
	// not older than the heartbeat interval plus the RPO target (the source kept writing until then).
	if heartbeat.After(res.RestorePoint.Add(time.Minute)) {
		return fmt.Errorf("restored data check: heartbeat %s is after the restore point %s: not the restored database",
			heartbeat.Format(time.RFC3339), res.RestorePoint.Format(time.RFC3339))
	}
	if res.RestorePoint.Sub(heartbeat) > Targets.RPO {
		return fmt.Errorf("restored data check: the last %s heartbeat (%s) is %s older than the restore point: the source was not writing",
			cfg.SourceEnvironment, heartbeat.Format(time.RFC3339), res.RestorePoint.Sub(heartbeat).Round(time.Second))
	}
	return nil
}

// pickBackup chooses the backups replicated from the source instance into this region.
func pickBackup(backups []Backup, cfg Config) (Backup, error) {
	var seen []string
	for _, b := range backups {
		if b.SourceIdentifier == cfg.SourceIdentifier && b.SourceRegion == cfg.SourceRegion && b.Status == "replicating" {
			if b.LatestRestorable.IsZero() || b.Arn == "" || b.KmsKeyID == "" {
				return Backup{}, fmt.Errorf("the replicated backups of %s in %s have no restorable time, ARN or key yet", cfg.SourceIdentifier, cfg.Region)
			}
			return b, nil
		}
		seen = append(seen, fmt.Sprintf("%s from %s (%s)", b.SourceIdentifier, b.SourceRegion, b.Status))
	}
	slices.Sort(seen)
	return Backup{}, fmt.Errorf("no automated backups of %s replicated from %s are in %s (found: %v); is database.backupReplication on in the source stack?",
		cfg.SourceIdentifier, cfg.SourceRegion, cfg.Region, seen)
}

// waitReady polls /ready until it answers 200 or ReadyTimeout passes.
func waitReady(ctx context.Context, cfg Config, deps Deps, alb string) error {
	deadline := deps.Clock.Now().Add(cfg.ReadyTimeout)
	var last string
	for {
		status, body, err := deps.App.Get(ctx, alb, "/ready")
		if err == nil && status == 200 {
			return nil
		}
		last = fmt.Sprintf("status %d %s", status, truncate(body))
		if err != nil {
			last = err.Error()
		}
		if !deps.Clock.Now().Add(cfg.PollInterval).Before(deadline) {
			return fmt.Errorf("the recovered application was not ready within %s (last answer: %s)", cfg.ReadyTimeout, last)
		}
		if err := deps.Clock.Sleep(ctx, cfg.PollInterval); err != nil {
			return fmt.Errorf("waiting for the recovered application: %w", err)
		}
	}
}

// heartbeats is the body of the application's GET /data-check.
type heartbeats struct {
	Heartbeats map[string]time.Time `json:"heartbeats"`
}

// restoredHeartbeat asks the recovered application for the source environment's last heartbeat.
func restoredHeartbeat(ctx context.Context, cfg Config, deps Deps, alb string) (time.Time, error) {
	status, body, err := deps.App.Get(ctx, alb, "/data-check")
	if err != nil {
		return time.Time{}, fmt.Errorf("restored data check: %w", err)
	}
	if status != 200 {
		return time.Time{}, fmt.Errorf("restored data check: status %d %s", status, truncate(body))
	}
	var hb heartbeats
	if err := json.Unmarshal(body, &hb); err != nil {
		return time.Time{}, fmt.Errorf("restored data check: %w", err)
	}
	at, ok := hb.Heartbeats[cfg.SourceEnvironment]
	if !ok {
		return time.Time{}, fmt.Errorf("restored data check: the restored database holds no heartbeat of %s", cfg.SourceEnvironment)
	}
	return at, nil
}

func truncate(body []byte) string {
	const limit = 200
	if len(body) > limit {
		return string(body[:limit]) + "..."
	}
	return string(body)
}
