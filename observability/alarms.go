package observability

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/contract"
)

// How an alarm treats periods without data, chosen per alarm:
const (
	// missingIsOK suits sparse metrics that are only published when something happens (5xx counts,
	// log-filter matches, latency without requests): no data means nothing went wrong.
	missingIsOK = "notBreaching"
	// missingIsBad suits metrics that are always published while the resource works (target health):
	// no data means the resource itself is gone.
	missingIsBad = "breaching"
	// missingIsUnknown suits utilization metrics of resources with their own outage signals (instance
	// health, RDS events): a gap shows as INSUFFICIENT_DATA rather than as a false threshold breach.
	missingIsUnknown = "missing"
)

// Comparison operators of the alarms.
const (
	above   = "GreaterThanThreshold"
	atLeast = "GreaterThanOrEqualToThreshold"
	below   = "LessThanThreshold"
)

// Periods (seconds) and unit conversions of the alarms.
const (
	fiveMinutes = 300
	oneMinute   = 60
	bytesPerMiB = 1 << 20
	bytesPerGiB = 1 << 30
	msPerSecond = 1000.0
)

// albNamespace is the CloudWatch namespace of Application Load Balancer metrics.
const albNamespace = "AWS/ApplicationELB"

// alarmSpec is one metric alarm. statistic is Sum, Average, Minimum, Maximum or a percentile ("p95").
type alarmSpec struct {
	role, description string
	namespace, metric string
	dimensions        pulumi.StringMap
	statistic         string
	period            int
	evaluationPeriods int
	// datapointsToAlarm, when set, is how many of the evaluation periods must breach ("M out of N").
	datapointsToAlarm int
	comparison        string
	threshold         float64
	treatMissingData  string
}

// alarm creates a metric alarm that notifies the alarm topic when it fires and when it recovers.
func (b *monitor) alarm(a alarmSpec) error {
	args := &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(a.description),
		Namespace:          pulumi.String(a.namespace),
		MetricName:         pulumi.String(a.metric),
		Dimensions:         a.dimensions,
		Period:             pulumi.Int(a.period),
		EvaluationPeriods:  pulumi.Int(a.evaluationPeriods),
		ComparisonOperator: pulumi.String(a.comparison),
		Threshold:          pulumi.Float64(a.threshold),
		TreatMissingData:   pulumi.String(a.treatMissingData),
		AlarmActions:       b.topic,
		OkActions:          b.topic,
		Tags:               cloud.NameTag(b.child(a.role)),
	}
	if strings.HasPrefix(a.statistic, "p") {
		args.ExtendedStatistic = pulumi.String(a.statistic)
		// A percentile over a handful of requests says little: too few samples leave the state unchanged.
		args.EvaluateLowSampleCountPercentiles = pulumi.String("ignore")
	} else {
		args.Statistic = pulumi.String(a.statistic)
	}
	if a.datapointsToAlarm > 0 {
		args.DatapointsToAlarm = pulumi.Int(a.datapointsToAlarm)
	}
	if _, err := cloudwatch.NewMetricAlarm(b.ctx, b.child(a.role), args, b.parent); err != nil {
		return fmt.Errorf("alarm %s: %w", a.role, err)
	}
	return nil
}

// logMetric creates a metric filter that counts the events of logGroup matching pattern as metric in
// namespace. No default value: the metric has data only when something matched.
func (b *monitor) logMetric(role string, logGroup pulumi.StringInput, pattern, namespace, metric string) error {
	if _, err := cloudwatch.NewLogMetricFilter(b.ctx, b.child(role), &cloudwatch.LogMetricFilterArgs{
		LogGroupName: logGroup,
		Pattern:      pulumi.String(pattern),
		MetricTransformation: &cloudwatch.LogMetricFilterMetricTransformationArgs{
			Name:      pulumi.String(metric),
			Namespace: pulumi.String(namespace),
			Value:     pulumi.String("1"), // each matching event counts once
			Unit:      pulumi.String("Count"),
		},
	}, b.parent); err != nil {
		return fmt.Errorf("metric filter %s: %w", role, err)
	}
	return nil
}

// Metric names of the two app-log metrics, in the stack's metrics namespace.
const (
	AppErrorMetric    = "ApplicationErrors"
	AuthFailureMetric = "AuthenticationFailures"
)

// databaseNotReadyMinutes is how long an instance's DatabaseReady may stay below 1 before the alarm.
const databaseNotReadyMinutes = 3

// AppErrorPattern matches every line the app logs at the error level (contract/log-events.json, format).
func AppErrorPattern(c contract.LogEvents) string {
	return fmt.Sprintf(`{ $.%s = %q }`, c.Format.LevelKey, c.Format.ErrorLevel)
}

// AuthFailurePattern matches the design's "failed authentication attempts": the app's database checks
// at which PostgreSQL refused its login. The app has no authentication of its own (it never answers
// 401/403), so the database login is the one authentication that can fail. The check runs once a minute
// per instance and its line is never suppressed as a repeat, so the count is the number of refused checks.
func AuthFailurePattern(c contract.LogEvents) string {
	return fmt.Sprintf(`{ ($.%s = %q) && ($.reason = %q) }`, c.Format.EventKey, contract.EventDatabaseCheck, contract.ReasonAuthFailed)
}

// appAlarms counts application errors and refused database logins in the app's logs, alarming when
// either reaches its threshold in five minutes, and alarms when an instance cannot use the database.
func (b *monitor) appAlarms() error {
	cfg, ns := b.args.Config, b.args.MetricsNamespace
	logs, err := contract.Load()
	if err != nil {
		return err
	}
	metrics := []struct {
		role, pattern, metric, description string
		threshold                          int
	}{
		{"app-errors", AppErrorPattern(logs), AppErrorMetric, "The app logged %d or more errors in 5 minutes", cfg.AppErrorThreshold},
		{"auth-failures", AuthFailurePattern(logs), AuthFailureMetric, "The database refused the app's credentials at %d or more of its once-a-minute checks in 5 minutes", cfg.AuthFailureThreshold},
	}
	for _, m := range metrics {
		if err := b.logMetric(m.role, b.args.AppLogGroupName, m.pattern, ns, m.metric); err != nil {
			return err
		}
		if err := b.alarm(alarmSpec{
			role: m.role, description: fmt.Sprintf(m.description, m.threshold),
			namespace: ns, metric: m.metric, statistic: "Sum", period: fiveMinutes, evaluationPeriods: 1,
			comparison: atLeast, threshold: float64(m.threshold), treatMissingData: missingIsOK,
		}); err != nil {
			return err
		}
	}
	// The app publishes DatabaseReady (no dimension) after every check, 0 when it cannot use the database:
	// the Minimum is 0 as soon as one instance fails. It publishes nothing while the connection secret has
	// no value yet (a first deployment), and no data at all is covered by the target-health alarm.
	return b.alarm(alarmSpec{
		role:        "database-ready",
		description: fmt.Sprintf("An app instance could not use the database for %d minutes (%s below 1)", databaseNotReadyMinutes, contract.MetricDatabaseReady),
		namespace:   ns, metric: contract.MetricDatabaseReady, statistic: "Minimum", period: oneMinute,
		evaluationPeriods: databaseNotReadyMinutes, comparison: below, threshold: 1, treatMissingData: missingIsOK,
	})
}

// loadBalancerAlarms watches the ALB: its own 5xx responses, the targets' 5xx responses, the p95 response
// time and unhealthy targets.
func (b *monitor) loadBalancerAlarms() error {
	cfg := b.args.Config
	alb := pulumi.StringMap{"LoadBalancer": b.args.AlbArnSuffix}
	targets := pulumi.StringMap{"LoadBalancer": b.args.AlbArnSuffix, "TargetGroup": b.args.TargetGroupArnSuffix}
	alarms := []alarmSpec{
		{
			role: "alb-5xx", description: fmt.Sprintf("The load balancer returned %d or more 5xx responses of its own in 5 minutes", cfg.Elb5xxThreshold),
			namespace: albNamespace, metric: "HTTPCode_ELB_5XX_Count", dimensions: alb, statistic: "Sum",
			period: fiveMinutes, evaluationPeriods: 1, comparison: atLeast, threshold: float64(cfg.Elb5xxThreshold), treatMissingData: missingIsOK,
		},
		{
			role: "target-5xx", description: fmt.Sprintf("The app instances returned %d or more 5xx responses in 5 minutes", cfg.Target5xxThreshold),
			namespace: albNamespace, metric: "HTTPCode_Target_5XX_Count", dimensions: targets, statistic: "Sum",
			period: fiveMinutes, evaluationPeriods: 1, comparison: atLeast, threshold: float64(cfg.Target5xxThreshold), treatMissingData: missingIsOK,
		},
		{
			role: "latency-p95", description: fmt.Sprintf("The 95th-percentile response time of the app was above %d ms in 3 of the last 5 minutes", cfg.LatencyP95Ms),
			namespace: albNamespace, metric: "TargetResponseTime", dimensions: targets, statistic: "p95",
			period: oneMinute, evaluationPeriods: 5, datapointsToAlarm: 3, comparison: above,
			threshold: float64(cfg.LatencyP95Ms) / msPerSecond, treatMissingData: missingIsOK,
		},
		{
			role: "unhealthy-hosts", description: fmt.Sprintf("At least one app instance failed its health checks for %d minutes", cfg.UnhealthyHostMinutes),
			namespace: albNamespace, metric: "UnHealthyHostCount", dimensions: targets, statistic: "Maximum",
			period: oneMinute, evaluationPeriods: cfg.UnhealthyHostMinutes, comparison: above, threshold: 0, treatMissingData: missingIsBad,
		},
	}
	for _, a := range alarms {
		if err := b.alarm(a); err != nil {
			return err
		}
	}
	return nil
}

// AutoScalingNotifications are the Auto Scaling events sent to the alarm topic: every launch and
// termination, and every failed one.
var AutoScalingNotifications = []string{
	"autoscaling:EC2_INSTANCE_LAUNCH",
	"autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
	"autoscaling:EC2_INSTANCE_TERMINATE",
	"autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
}

// autoScalingAlarms alarms on high average CPU of the group and sends its scaling events to the topic.
func (b *monitor) autoScalingAlarms() error {
	cfg := b.args.Config
	if err := b.alarm(alarmSpec{
		role: "asg-cpu", description: fmt.Sprintf("The app instances' average CPU was above %d%% for 10 minutes", cfg.AsgCPUPercent),
		namespace: "AWS/EC2", metric: "CPUUtilization", dimensions: pulumi.StringMap{"AutoScalingGroupName": b.args.AsgName},
		statistic: "Average", period: fiveMinutes, evaluationPeriods: 2, comparison: above,
		threshold: float64(cfg.AsgCPUPercent), treatMissingData: missingIsUnknown,
	}); err != nil {
		return err
	}
	if _, err := autoscaling.NewNotification(b.ctx, b.child("asg-notifications"), &autoscaling.NotificationArgs{
		GroupNames:    pulumi.StringArray{b.args.AsgName},
		Notifications: pulumi.ToStringArray(AutoScalingNotifications),
		TopicArn:      b.args.AlarmTopicArn,
	}, b.parent); err != nil {
		return fmt.Errorf("auto scaling notifications: %w", err)
	}
	return nil
}

// DatabaseEventCategories are the RDS event categories of the DB instance sent to the alarm topic.
var DatabaseEventCategories = []string{"availability", "failover", "failure", "low storage", "maintenance", "notification"}

// databaseAlarms watches the RDS instance's CPU, free storage, freeable memory and connections, and sends
// its failure, failover, low-storage and maintenance events to the topic.
func (b *monitor) databaseAlarms() error {
	cfg := b.args.Config
	db := pulumi.StringMap{"DBInstanceIdentifier": b.args.DbInstanceIdentifier}
	alarms := []alarmSpec{
		{
			role: "db-cpu", description: fmt.Sprintf("The database's average CPU was above %d%% for 15 minutes", cfg.DbCPUPercent),
			metric: "CPUUtilization", statistic: "Average", evaluationPeriods: 3, comparison: above, threshold: float64(cfg.DbCPUPercent),
		},
		{
			role: "db-free-storage", description: fmt.Sprintf("The database has less than %d GiB of free storage", cfg.DbFreeStorageGb),
			metric: "FreeStorageSpace", statistic: "Minimum", evaluationPeriods: 1, comparison: below, threshold: float64(cfg.DbFreeStorageGb) * bytesPerGiB,
		},
		{
			role: "db-free-memory", description: fmt.Sprintf("The database had less than %d MiB of freeable memory for 15 minutes", cfg.DbFreeMemoryMb),
			metric: "FreeableMemory", statistic: "Average", evaluationPeriods: 3, comparison: below, threshold: float64(cfg.DbFreeMemoryMb) * bytesPerMiB,
		},
		{
			role: "db-connections", description: fmt.Sprintf("The database had more than %d connections for 10 minutes", cfg.DbConnections),
			metric: "DatabaseConnections", statistic: "Maximum", evaluationPeriods: 2, comparison: above, threshold: float64(cfg.DbConnections),
		},
	}
	for _, a := range alarms {
		a.namespace, a.dimensions, a.period, a.treatMissingData = "AWS/RDS", db, fiveMinutes, missingIsUnknown
		if err := b.alarm(a); err != nil {
			return err
		}
	}
	if _, err := rds.NewEventSubscription(b.ctx, b.child("db-events"), &rds.EventSubscriptionArgs{
		SnsTopic:        b.args.AlarmTopicArn,
		SourceType:      pulumi.String("db-instance"),
		SourceIds:       pulumi.StringArray{b.args.DbInstanceIdentifier},
		EventCategories: pulumi.ToStringArray(DatabaseEventCategories),
		Tags:            cloud.NameTag(b.child("db-events")),
	}, b.parent); err != nil {
		return fmt.Errorf("database event subscription: %w", err)
	}
	return nil
}
