package observability

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

const (
	typeLogGroup     = "aws:cloudwatch/logGroup:LogGroup"
	typeMetricFilter = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
	typeAlarm        = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeDashboard    = "aws:cloudwatch/dashboard:Dashboard"
	typeTopic        = "aws:sns/topic:Topic"
	typeTopicPolicy  = "aws:sns/topicPolicy:TopicPolicy"
	typeSubscription = "aws:sns/topicSubscription:TopicSubscription"
	typeKey          = "aws:kms/key:Key"
	typeBucket       = "aws:s3/bucketV2:BucketV2"
	typeBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"
	typeBucketSSE    = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	typeBucketLog    = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typeTrail        = "aws:cloudtrail/trail:Trail"
	typeRole         = "aws:iam/role:Role"
	typeRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	typeAsgNotify    = "aws:autoscaling/notification:Notification"
	typeDbEvents     = "aws:rds/eventSubscription:EventSubscription"
)

// The other tiers' outputs, as main.go would pass them.
const (
	testTopicArn     = "arn:aws:sns:us-east-1:123456789012:8byte-test-alarms"
	testAppLogGroup  = "8byte-test-app"
	testAlbSuffix    = "app/8byte-test-alb/50dc6c495c0c9188"
	testTgSuffix     = "targetgroup/8byte-test-tg/73e2d6bc24d8a067"
	testAsgName      = "8byte-test-asg-4f1c2e"
	testDbIdentifier = "8byte-test-db"
	testAccessLogs   = "8byte-test-access-logs-9a8b7c"
	testBoundary     = "arn:aws:iam::123456789012:policy/8byte-boundary"
)

var account = tests.Account

// testConfig is env's default config with an alarm address (prod requires one).
func testConfig(env settings.Environment) Config {
	cfg := DefaultConfig(env)
	cfg.AlarmEmails = []string{"ops@example.com"}
	return cfg
}

// runLogging builds a Logging for env under mocks; change, when not nil, adjusts the args first.
func runLogging(t *testing.T, env settings.Environment, change func(*LoggingArgs)) (*tests.Mocks, *Logging, error) {
	t.Helper()
	args := &LoggingArgs{Environment: env, Account: account, Config: testConfig(env)}
	if change != nil {
		change(args)
	}
	var l *Logging
	mocks, err := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		var err error
		l, err = NewLogging(ctx, settings.Prefix(env), args)
		return err
	})
	return mocks, l, err
}

// testMonitoringArgs returns the args main.go would pass for env with its default config.
func testMonitoringArgs(env settings.Environment) *MonitoringArgs {
	return &MonitoringArgs{
		Environment:            env,
		Account:                account,
		Config:                 testConfig(env),
		MetricsNamespace:       "8byte/" + env.Name,
		AlarmTopicArn:          pulumi.String(testTopicArn),
		AppLogGroupName:        pulumi.String(testAppLogGroup),
		AlbArnSuffix:           pulumi.String(testAlbSuffix),
		TargetGroupArnSuffix:   pulumi.String(testTgSuffix),
		AsgName:                pulumi.String(testAsgName),
		DbInstanceIdentifier:   pulumi.String(testDbIdentifier),
		AccessLogBucketName:    pulumi.String(testAccessLogs),
		PermissionsBoundaryArn: pulumi.String(testBoundary),
	}
}

// runMonitoring builds a Monitoring for env under mocks; change, when not nil, adjusts the args first.
func runMonitoring(t *testing.T, env settings.Environment, change func(*MonitoringArgs)) (*tests.Mocks, *Monitoring, error) {
	t.Helper()
	args := testMonitoringArgs(env)
	if change != nil {
		change(args)
	}
	var m *Monitoring
	mocks, err := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		var err error
		m, err = NewMonitoring(ctx, settings.Prefix(env), args)
		return err
	})
	return mocks, m, err
}

// statements parses the policy document at path of r.
func statements(t *testing.T, r *tests.Resource, path string) []policy.Statement {
	t.Helper()
	var doc policy.Document
	require.NoError(t, r.JSON(path, &doc))
	assert.Equal(t, policy.Version, doc.Version)
	return doc.Statement
}
