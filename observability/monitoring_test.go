package observability

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// wantAlarm is what an alarm must watch and how.
type wantAlarm struct {
	namespace, metric string
	dimensions        map[string]any
	statistic         string // Statistic, or ExtendedStatistic for percentiles
	period, periods   int
	datapoints        int
	comparison        string
	threshold         float64
	missing           string
}

// expectedAlarms are the alarms of env's stack without the CIS alarms, by logical name.
func expectedAlarms(env settings.Environment) map[string]wantAlarm {
	cfg := testConfig(env)
	ns := "8byte/" + env.Name
	lb := map[string]any{"LoadBalancer": testAlbSuffix}
	targets := map[string]any{"LoadBalancer": testAlbSuffix, "TargetGroup": testTgSuffix}
	asg := map[string]any{"AutoScalingGroupName": testAsgName}
	db := map[string]any{"DBInstanceIdentifier": testDbIdentifier}
	p := "8byte-" + env.Name + "-"
	return map[string]wantAlarm{
		p + "app-errors":      {ns, "ApplicationErrors", nil, "Sum", 300, 1, 0, "GreaterThanOrEqualToThreshold", float64(cfg.AppErrorThreshold), "notBreaching"},
		p + "auth-failures":   {ns, "AuthenticationFailures", nil, "Sum", 300, 1, 0, "GreaterThanOrEqualToThreshold", float64(cfg.AuthFailureThreshold), "notBreaching"},
		p + "database-ready":  {ns, "DatabaseReady", nil, "Minimum", 60, 3, 0, "LessThanThreshold", 1, "notBreaching"},
		p + "alb-5xx":         {"AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum", 300, 1, 0, "GreaterThanOrEqualToThreshold", float64(cfg.Elb5xxThreshold), "notBreaching"},
		p + "target-5xx":      {"AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", targets, "Sum", 300, 1, 0, "GreaterThanOrEqualToThreshold", float64(cfg.Target5xxThreshold), "notBreaching"},
		p + "latency-p95":     {"AWS/ApplicationELB", "TargetResponseTime", targets, "p95", 60, 5, 3, "GreaterThanThreshold", float64(cfg.LatencyP95Ms) / 1000, "notBreaching"},
		p + "unhealthy-hosts": {"AWS/ApplicationELB", "UnHealthyHostCount", targets, "Maximum", 60, cfg.UnhealthyHostMinutes, 0, "GreaterThanThreshold", 0, "breaching"},
		p + "asg-cpu":         {"AWS/EC2", "CPUUtilization", asg, "Average", 300, 2, 0, "GreaterThanThreshold", float64(cfg.AsgCPUPercent), "missing"},
		p + "db-cpu":          {"AWS/RDS", "CPUUtilization", db, "Average", 300, 3, 0, "GreaterThanThreshold", float64(cfg.DbCPUPercent), "missing"},
		p + "db-free-storage": {"AWS/RDS", "FreeStorageSpace", db, "Minimum", 300, 1, 0, "LessThanThreshold", float64(cfg.DbFreeStorageGb) * (1 << 30), "missing"},
		p + "db-free-memory":  {"AWS/RDS", "FreeableMemory", db, "Average", 300, 3, 0, "LessThanThreshold", float64(cfg.DbFreeMemoryMb) * (1 << 20), "missing"},
		p + "db-connections":  {"AWS/RDS", "DatabaseConnections", db, "Maximum", 300, 2, 0, "GreaterThanThreshold", float64(cfg.DbConnections), "missing"},
	}
}

// threshold returns an alarm's threshold input as a number.
func threshold(r *tests.Resource) float64 {
	switch v := r.Get("threshold").(type) {
	case int:
		return float64(v)
	case float64:
		return v
	}
	return -1
}

func TestEveryAlarmNotifiesTheTopicAndWatchesTheWiredResources(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _, err := runMonitoring(t, env, func(a *MonitoringArgs) { a.Config.CloudTrailEnabled = false })
			require.NoError(t, err)
			want := expectedAlarms(env)
			alarms := mocks.OfType(typeAlarm)
			require.Len(t, alarms, len(want))
			for _, a := range alarms {
				w, ok := want[a.Name]
				require.True(t, ok, "unexpected alarm %s", a.Name)
				assert.Equal(t, []string{testTopicArn}, a.Strings("alarmActions"), a.Name)
				assert.Equal(t, []string{testTopicArn}, a.Strings("okActions"), a.Name)
				assert.Equal(t, w.namespace, a.String("namespace"), a.Name)
				assert.Equal(t, w.metric, a.String("metricName"), a.Name)
				if w.dimensions == nil {
					assert.Nil(t, a.Get("dimensions"), a.Name)
				} else {
					assert.Equal(t, w.dimensions, a.Get("dimensions"), a.Name)
				}
				if w.statistic == "p95" {
					assert.Equal(t, "p95", a.String("extendedStatistic"), a.Name)
					assert.Equal(t, "ignore", a.String("evaluateLowSampleCountPercentiles"), a.Name)
					assert.Empty(t, a.String("statistic"), a.Name)
				} else {
					assert.Equal(t, w.statistic, a.String("statistic"), a.Name)
					assert.Empty(t, a.String("extendedStatistic"), a.Name)
				}
				assert.Equal(t, w.period, a.Int("period"), a.Name)
				assert.Equal(t, w.periods, a.Int("evaluationPeriods"), a.Name)
				assert.Equal(t, w.datapoints, a.Int("datapointsToAlarm"), a.Name)
				assert.Equal(t, w.comparison, a.String("comparisonOperator"), a.Name)
				assert.InDelta(t, w.threshold, threshold(a), 1e-9, a.Name)
				assert.Equal(t, w.missing, a.String("treatMissingData"), a.Name)
				assert.NotEmpty(t, a.String("alarmDescription"), a.Name)
			}
		})
	}
}

func TestThresholdsComeFromConfig(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Dev, func(a *MonitoringArgs) {
		a.Config.LatencyP95Ms = 750
		a.Config.DbFreeStorageGb = 7
		a.Config.UnhealthyHostMinutes = 9
	})
	require.NoError(t, err)
	assert.InDelta(t, 0.75, threshold(mocks.Find(typeAlarm, "8byte-dev-latency-p95")), 1e-9)
	assert.InDelta(t, 7*float64(1<<30), threshold(mocks.Find(typeAlarm, "8byte-dev-db-free-storage")), 1)
	assert.Equal(t, 9, mocks.Find(typeAlarm, "8byte-dev-unhealthy-hosts").Int("evaluationPeriods"))
}

func TestAppLogMetricFiltersMatchTheAppsJSONLogs(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Dev, nil)
	require.NoError(t, err)
	filters := mocks.OfType(typeMetricFilter)
	require.Len(t, filters, 2, "dev has no trail, so no CIS filters")
	want := map[string][2]string{
		"8byte-dev-app-errors":    {`{ $.level = "ERROR" }`, "ApplicationErrors"},
		"8byte-dev-auth-failures": {`{ ($.event = "database_check") && ($.reason = "auth_failed") }`, "AuthenticationFailures"},
	}
	for _, f := range filters {
		w, ok := want[f.Name]
		require.True(t, ok, f.Name)
		assert.Equal(t, testAppLogGroup, f.String("logGroupName"))
		assert.Equal(t, w[0], f.String("pattern"))
		assert.Equal(t, w[1], f.String("metricTransformation.name"))
		assert.Equal(t, "8byte/dev", f.String("metricTransformation.namespace"))
		assert.Equal(t, "1", f.String("metricTransformation.value"))
		assert.Nil(t, f.Get("metricTransformation.defaultValue"), "sparse metric: no data when nothing matched")
	}
}

func TestScalingEventsAndDatabaseEventsGoToTheTopic(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	notifications := mocks.OfType(typeAsgNotify)
	require.Len(t, notifications, 1)
	assert.Equal(t, []string{testAsgName}, notifications[0].Strings("groupNames"))
	assert.Equal(t, testTopicArn, notifications[0].String("topicArn"))
	assert.ElementsMatch(t, []string{
		"autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
		"autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
	}, notifications[0].Strings("notifications"))

	subs := mocks.OfType(typeDbEvents)
	require.Len(t, subs, 1)
	assert.Equal(t, testTopicArn, subs[0].String("snsTopic"))
	assert.Equal(t, "db-instance", subs[0].String("sourceType"))
	assert.Equal(t, []string{testDbIdentifier}, subs[0].Strings("sourceIds"))
	assert.ElementsMatch(t, []string{"availability", "failover", "failure", "low storage", "maintenance", "notification"},
		subs[0].Strings("eventCategories"))
}

func TestMonitoringChildrenDescendFromTheComponent(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	tests.AssertAllDescendFrom(t, mocks, MonitoringType)
}

func TestInvalidMonitoringArgsRegisterNothing(t *testing.T) {
	cases := map[string]struct {
		change func(*MonitoringArgs)
		want   string
	}{
		"bad config": {func(a *MonitoringArgs) { a.Config.DbConnections = 0 },
			"monitoring 8byte-prod: config 8byte:observability.dbConnections: invalid value 0: must be greater than 0"},
		"no namespace": {func(a *MonitoringArgs) { a.MetricsNamespace = "" },
			`monitoring 8byte-prod: metrics namespace "" must be set and must not start with AWS/`},
		"AWS namespace": {func(a *MonitoringArgs) { a.MetricsNamespace = "AWS/EC2" },
			`monitoring 8byte-prod: metrics namespace "AWS/EC2" must be set and must not start with AWS/`},
		"missing wiring": {func(a *MonitoringArgs) { a.AsgName, a.AlarmTopicArn = nil, nil },
			"monitoring 8byte-prod: missing inputs: AlarmTopicArn, AsgName"},
		"trail without boundary": {func(a *MonitoringArgs) { a.PermissionsBoundaryArn = nil },
			"monitoring 8byte-prod: missing inputs: PermissionsBoundaryArn"},
		"unknown partition": {func(a *MonitoringArgs) { a.Account.Partition = "aws-iso" },
			`monitoring 8byte-prod: partition "aws-iso" is not supported (aws, aws-cn, aws-us-gov)`},
		"no account": {func(a *MonitoringArgs) { a.Account = settings.Account{} },
			"monitoring 8byte-prod: account (id, partition, region) is required"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mocks, _, err := runMonitoring(t, settings.Prod, tc.change)
			require.ErrorContains(t, err, tc.want)
			assert.Empty(t, mocks.All())
		})
	}
	t.Run("nil args", func(t *testing.T) {
		mocks, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
			_, err := NewMonitoring(ctx, "8byte-dev", nil)
			return err
		})
		require.ErrorContains(t, err, "monitoring 8byte-dev: args are required")
		assert.Empty(t, mocks.All())
	})
}

func TestTrailInputsAreOptionalWithoutTrail(t *testing.T) {
	mocks, m, err := runMonitoring(t, settings.Dev, func(a *MonitoringArgs) {
		a.AccessLogBucketName, a.PermissionsBoundaryArn = nil, nil
	})
	require.NoError(t, err)
	assert.Empty(t, mocks.OfType(typeTrail))
	assert.Empty(t, mocks.OfType(typeBucket))
	assert.Empty(t, mocks.OfType(typeKey))
	assert.Empty(t, mocks.OfType(typeLogGroup))
	assert.Empty(t, tests.AwaitString(t, m.TrailArn))
	assert.Empty(t, tests.AwaitString(t, m.TrailBucketName))
}

func TestDashboardOutputs(t *testing.T) {
	for _, env := range settings.Environments {
		mocks, m, err := runMonitoring(t, env, nil)
		require.NoError(t, err)
		name := fmt.Sprintf("8byte-%s", env)
		assert.Equal(t, name, mocks.OfType(typeDashboard)[0].String("dashboardName"))
		assert.Equal(t, name, tests.AwaitString(t, m.DashboardName))
		assert.Equal(t, "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/"+name,
			tests.AwaitString(t, m.DashboardURL))
	}
}
