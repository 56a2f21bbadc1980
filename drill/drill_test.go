package drill

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock advances only when the drill sleeps or a fake step takes time.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	return nil
}

type fakeCloud struct {
	backups   []Backup
	listErr   error
	published []Metric
	region    string
	stack     string
}

func (f *fakeCloud) ReplicatedBackups(_ context.Context, region string) ([]Backup, error) {
	if region != "us-west-2" {
		return nil, fmt.Errorf("asked %s", region)
	}
	return f.backups, f.listErr
}

func (f *fakeCloud) PutMetrics(ctx context.Context, region, stack string, metrics []Metric) error {
	f.region, f.stack, f.published = region, stack, metrics
	return ctx.Err()
}

type fakeStack struct {
	clock      *fakeClock
	upTakes    time.Duration
	upErr      error
	destroyErr error
	config     map[string]string
	calls      []string
	// destroyCtxErr is the teardown context's error when Destroy was called.
	destroyCtxErr error
}

func (f *fakeStack) SetConfig(_ context.Context, values map[string]string) error {
	f.calls = append(f.calls, "config")
	f.config = values
	return nil
}

func (f *fakeStack) Up(context.Context) error {
	f.calls = append(f.calls, "up")
	f.clock.now = f.clock.now.Add(f.upTakes)
	return f.upErr
}

func (f *fakeStack) Output(_ context.Context, name string) (string, error) {
	if name != "albDnsName" {
		return "", fmt.Errorf("no output %s", name)
	}
	return "8byte-prod-dr-alb-1234.us-west-2.elb.amazonaws.com", nil
}

func (f *fakeStack) Destroy(ctx context.Context) error {
	f.calls = append(f.calls, "destroy")
	f.destroyCtxErr = ctx.Err()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return f.destroyErr
}

// fakeApp answers /ready with notReady 503s first, then 200; /data-check with heartbeat.
type fakeApp struct {
	notReady  int
	heartbeat string
	probes    int
	onProbe   func()
}

func (f *fakeApp) Get(_ context.Context, alb, path string) (int, []byte, error) {
	if alb != "8byte-prod-dr-alb-1234.us-west-2.elb.amazonaws.com" {
		return 0, nil, fmt.Errorf("dialed %s", alb)
	}
	switch path {
	case "/ready":
		f.probes++
		if f.onProbe != nil {
			f.onProbe()
		}
		if f.probes <= f.notReady {
			return 503, []byte(`{"status":"unavailable","reason":"database unreachable"}`), nil
		}
		return 200, []byte(`{"status":"ready"}`), nil
	case "/data-check":
		return 200, []byte(`{"heartbeats":{"prod":"` + f.heartbeat + `","prod-dr":"2026-12-01T06:41:10Z"}}`), nil
	}
	return 404, nil, nil
}

var drillStart = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

func testConfig() Config {
	return Config{
		Stack: "prod-dr", Region: "us-west-2",
		SourceIdentifier: "postgres-8byte-prod", SourceRegion: "us-east-1", SourceEnvironment: "prod",
		MetricsRegion: "us-east-1", ReadyTimeout: 30 * time.Minute, PollInterval: 30 * time.Second,
	}
}

const (
	backupsArn = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-l2ijcexjp7xq7hoj4siexample"
	replicaKey = "arn:aws:kms:us-west-2:123456789012:key/0b5c1f3e-9a0d-4a54-8c5e-7a1b2c3d4e5f"
)

// world is a drill's fake surroundings: prod's backups replicated to us-west-2 with a restore point 8
// minutes before the drill, a 40-minute deployment and an application ready at the third probe.
func world() (*fakeClock, *fakeCloud, *fakeStack, *fakeApp) {
	clock := &fakeClock{now: drillStart}
	cloud := &fakeCloud{backups: []Backup{
		{Arn: "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-other", SourceIdentifier: "postgres-8byte-dev", SourceRegion: "us-east-1", Status: "replicating", KmsKeyID: replicaKey, LatestRestorable: drillStart},
		{Arn: backupsArn, SourceIdentifier: "postgres-8byte-prod", SourceRegion: "us-east-1", Status: "replicating", KmsKeyID: replicaKey, EngineVersion: "17.4", LatestRestorable: drillStart.Add(-8 * time.Minute)},
	}}
	stack := &fakeStack{clock: clock, upTakes: 40 * time.Minute}
	app := &fakeApp{notReady: 2, heartbeat: "2026-12-01T05:51:30Z"}
	return clock, cloud, stack, app
}

func TestDrillMeasuresRTOAndRPOAndTearsDown(t *testing.T) {
	clock, cloud, stack, app := world()
	res, err := Run(context.Background(), testConfig(), Deps{Cloud: cloud, Stack: stack, App: app, Clock: clock})
	require.NoError(t, err)

	assert.Equal(t, map[string]string{
		"8byte:recovery.sourceBackupsArn": backupsArn,
		"8byte:recovery.kmsKeyArn":        replicaKey,
		"8byte:recovery.sourceRegion":     "us-east-1",
		"8byte:recovery.restoreTime":      "2026-12-01T05:52:00Z",
		"8byte:recovery.drill":            "true",
	}, stack.config, "restores prod's backups to the restore point fixed at the start, as a drill")
	assert.Equal(t, []string{"config", "up", "destroy"}, stack.calls)
	// 40 minutes of deployment, then two 503s 30 s apart: ready at 06:41:00.
	assert.Equal(t, time.Date(2026, 12, 1, 6, 41, 0, 0, time.UTC), res.Ready)
	assert.Equal(t, 41*time.Minute, res.RTO)
	assert.Equal(t, 8*time.Minute, res.RPO)
	assert.Equal(t, time.Date(2026, 12, 1, 5, 51, 30, 0, time.UTC), res.Heartbeat)
	assert.True(t, res.MetTargets())
	assert.Equal(t, []Metric{{"DrillSucceeded", 1, "Count"}, {"RTOSeconds", 2460, "Seconds"}, {"RPOSeconds", 480, "Seconds"}}, cloud.published)
	assert.Equal(t, "us-east-1", cloud.region, "metrics go where the source stack's alarms are")
	assert.Equal(t, "prod-dr", cloud.stack)

	summary := res.Summary(testConfig())
	assert.Contains(t, summary, "## Disaster-recovery drill prod-dr: passed")
	assert.Contains(t, summary, "| **RTO** (start to ready) | 41m0s (target 1h30m0s) |")
	assert.Contains(t, summary, "| **RPO** (restore point to start) | 8m0s (target 30m0s) |")
	assert.Contains(t, summary, "The recovery stack prod-dr was destroyed.")
}

func TestDrillTearsDownAndAlarmsOnEveryFailure(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*fakeClock, *fakeCloud, *fakeStack, *fakeApp)
		err    string
		calls  []string
	}{
		{"no replicated backups of the source", func(_ *fakeClock, c *fakeCloud, _ *fakeStack, _ *fakeApp) { c.backups = c.backups[:1] },
			"no automated backups of postgres-8byte-prod replicated from us-east-1 are in us-west-2", []string{"destroy"}},
		{"listing fails", func(_ *fakeClock, c *fakeCloud, _ *fakeStack, _ *fakeApp) { c.listErr = errors.New("ExpiredToken") },
			"listing the automated backups in us-west-2: ExpiredToken", []string{"destroy"}},
		{"backups still without a restorable time", func(_ *fakeClock, c *fakeCloud, _ *fakeStack, _ *fakeApp) {
			c.backups[1].LatestRestorable = time.Time{}
		},
			"have no restorable time", []string{"destroy"}},
		{"deployment fails", func(_ *fakeClock, _ *fakeCloud, s *fakeStack, _ *fakeApp) {
			s.upErr = errors.New("InvalidParameterCombination")
		},
			"deploying the recovery stack prod-dr: InvalidParameterCombination", []string{"config", "up", "destroy"}},
		{"never ready", func(_ *fakeClock, _ *fakeCloud, _ *fakeStack, a *fakeApp) { a.notReady = 1 << 30 },
			`not ready within 30m0s (last answer: status 503 {"status":"unavailable","reason":"database unreachable"})`, []string{"config", "up", "destroy"}},
		{"the data is not the restored data", func(_ *fakeClock, _ *fakeCloud, _ *fakeStack, a *fakeApp) { a.heartbeat = "2026-12-01T06:40:00Z" },
			"is after the restore point", []string{"config", "up", "destroy"}},
		{"the source had stopped writing", func(_ *fakeClock, _ *fakeCloud, _ *fakeStack, a *fakeApp) { a.heartbeat = "2026-12-01T04:00:00Z" },
			"older than the restore point", []string{"config", "up", "destroy"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock, cloud, stack, app := world()
			tc.mutate(clock, cloud, stack, app)
			res, err := Run(context.Background(), testConfig(), Deps{Cloud: cloud, Stack: stack, App: app, Clock: clock})
			require.ErrorContains(t, err, tc.err)
			assert.False(t, res.Succeeded())
			assert.Equal(t, tc.calls, stack.calls, "the recovery stack is destroyed whatever failed")
			assert.Equal(t, []Metric{{"DrillSucceeded", 0, "Count"}}, cloud.published, "a failed drill raises the drill alarm")
			assert.Contains(t, res.Summary(testConfig()), "drill prod-dr: FAILED")
		})
	}
}

func TestCancelledDrillStillTearsDown(t *testing.T) {
	clock, cloud, stack, app := world()
	ctx, cancel := context.WithCancel(context.Background())
	app.notReady = 5
	app.onProbe = cancel // the job is canceled while it waits for the application
	_, err := Run(ctx, testConfig(), Deps{Cloud: cloud, Stack: stack, App: app, Clock: clock})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"config", "up", "destroy"}, stack.calls)
	require.NoError(t, stack.destroyCtxErr, "the teardown runs on a context the cancellation does not end")
	assert.Equal(t, []Metric{{"DrillSucceeded", 0, "Count"}}, cloud.published)
}

func TestTeardownFailureFailsTheDrill(t *testing.T) {
	clock, cloud, stack, app := world()
	stack.destroyErr = errors.New("DependencyViolation")
	res, err := Run(context.Background(), testConfig(), Deps{Cloud: cloud, Stack: stack, App: app, Clock: clock})
	require.ErrorContains(t, err, "destroying the recovery stack prod-dr (destroy it by hand: pulumi destroy --stack prod-dr): DependencyViolation")
	assert.True(t, res.Succeeded(), "the recovery itself worked")
	assert.Contains(t, res.Summary(testConfig()), "**Teardown failed:**")
}

func TestMissedTargetsFailTheDrillButPublishTheMeasurements(t *testing.T) {
	cases := []struct {
		name    string
		upTakes time.Duration
		lag     time.Duration
		rto     time.Duration
		rpo     time.Duration
	}{
		{"RTO", 95 * time.Minute, 8 * time.Minute, 96 * time.Minute, 8 * time.Minute},
		{"RPO", 40 * time.Minute, 31 * time.Minute, 41 * time.Minute, 31 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock, cloud, stack, app := world()
			stack.upTakes = tc.upTakes
			cloud.backups[1].LatestRestorable = drillStart.Add(-tc.lag)
			app.heartbeat = drillStart.Add(-tc.lag - 30*time.Second).Format(time.RFC3339)
			res, err := Run(context.Background(), testConfig(), Deps{Cloud: cloud, Stack: stack, App: app, Clock: clock})
			require.ErrorContains(t, err, "drill missed its targets")
			assert.Equal(t, tc.rto, res.RTO)
			assert.Equal(t, tc.rpo, res.RPO)
			assert.Equal(t, []Metric{{"DrillSucceeded", 1, "Count"}, {"RTOSeconds", tc.rto.Seconds(), "Seconds"}, {"RPOSeconds", tc.rpo.Seconds(), "Seconds"}}, cloud.published)
			assert.Contains(t, res.Summary(testConfig()), "missed its targets")
		})
	}
}

func TestTargetsAreTheDesignedOnes(t *testing.T) {
	assert.Equal(t, 90*time.Minute, Targets.RTO)
	assert.Equal(t, 30*time.Minute, Targets.RPO)
}

func TestConfigIsValidated(t *testing.T) {
	cfg := testConfig()
	cfg.Region = "us-east-1"
	_, err := Run(context.Background(), cfg, Deps{})
	require.EqualError(t, err, "drill: the recovery region us-east-1 must differ from the source region")
	cfg = testConfig()
	cfg.PollInterval = time.Hour
	_, err = Run(context.Background(), cfg, Deps{})
	require.ErrorContains(t, err, "poll interval (1h0m0s) must be positive, the interval the shorter")
}
