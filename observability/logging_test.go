package observability

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

func TestLogGroupsHaveExplicitNamesAndRetentionPerEnvironment(t *testing.T) {
	for env, retention := range map[settings.Environment]int{settings.Dev: 30, settings.Prod: 365} {
		t.Run(env.Name, func(t *testing.T) {
			mocks, l, err := runLogging(t, env, nil)
			require.NoError(t, err)
			groups := mocks.OfType(typeLogGroup)
			require.Len(t, groups, 2)
			names := map[string]int{}
			for _, g := range groups {
				names[g.String("name")] = g.Int("retentionInDays")
			}
			prefix := "8byte-" + env.Name
			assert.Equal(t, map[string]int{prefix + "-app": retention, prefix + "-system": retention}, names)
			assert.Equal(t, prefix+"-app", tests.AwaitString(t, l.AppLogGroupName))
			assert.Equal(t, prefix+"-system", tests.AwaitString(t, l.SystemLogGroupName))
			assert.Equal(t, retention, l.LogRetentionDays)
		})
	}
}

func TestConfiguredRetentionIsUsed(t *testing.T) {
	mocks, l, err := runLogging(t, settings.Prod, func(a *LoggingArgs) { a.Config.LogRetentionDays = 731 })
	require.NoError(t, err)
	for _, g := range mocks.OfType(typeLogGroup) {
		assert.Equal(t, 731, g.Int("retentionInDays"), g.Describe())
	}
	assert.Equal(t, 731, l.LogRetentionDays)
}

func TestAlarmTopicIsEncryptedWithItsOwnKey(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, l, err := runLogging(t, env, nil)
			require.NoError(t, err)
			topics := mocks.OfType(typeTopic)
			require.Len(t, topics, 1)
			keys := mocks.OfType(typeKey)
			require.Len(t, keys, 1)
			assert.Equal(t, keys[0].Out["arn"], topics[0].String("kmsMasterKeyId"), "a customer-managed key, never alias/aws/sns")
			assert.True(t, keys[0].Bool("enableKeyRotation"))
			assert.Equal(t, env.IsProd(), keys[0].RetainOnDelete)
			assert.Equal(t, topics[0].Out["arn"], tests.AwaitString(t, l.AlarmTopicArn))

			got := statements(t, keys[0], "policy")
			require.Len(t, got, 3)
			assert.Equal(t, secure.AccountAdministration(account), got[0])
			assert.Equal(t, []policy.Statement{
				{
					Sid: "AlarmAndEventPublishersEncrypt", Effect: "Allow",
					Principal: policy.Services("cloudwatch.amazonaws.com", "events.rds.amazonaws.com"),
					Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: []string{"*"},
				},
				{
					Sid: "AutoScalingNotificationsEncrypt", Effect: "Allow", Principal: policy.AWS("*"),
					Action: []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: []string{"*"},
					Condition: policy.Conditions{
						"ArnEquals":    {"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"}},
						"StringEquals": {"kms:CallerAccount": {"123456789012"}},
					},
				},
			}, got[1:])
		})
	}
}

func TestTopicPolicyAllowsOnlyTheAlarmSourcesOverTLS(t *testing.T) {
	mocks, _, err := runLogging(t, settings.Prod, nil)
	require.NoError(t, err)
	topic := mocks.OfType(typeTopic)[0]
	topicArn := topic.Out["arn"].(string)
	assert.Equal(t, "arn:aws:sns:us-east-1:123456789012:8byte-prod-alarms", topicArn)
	policies := mocks.OfType(typeTopicPolicy)
	require.Len(t, policies, 1)
	assert.Equal(t, topicArn, policies[0].String("arn"))
	assert.Equal(t, []policy.Statement{
		{
			Sid: "DenyInsecureTransport", Effect: "Deny", Principal: policy.AWS("*"), Action: []string{"sns:Publish"},
			Resource: []string{topicArn}, Condition: policy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
		},
		{
			Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Principal: policy.Services("cloudwatch.amazonaws.com"),
			Action: []string{"sns:Publish"}, Resource: []string{topicArn},
			Condition: policy.Conditions{
				"StringEquals": {"aws:SourceAccount": {"123456789012"}},
				"ArnLike":      {"aws:SourceArn": {"arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"}},
			},
		},
		{
			Sid: "RdsEventsPublish", Effect: "Allow", Principal: policy.Services("events.rds.amazonaws.com"),
			Action: []string{"sns:Publish"}, Resource: []string{topicArn},
			Condition: policy.Conditions{"StringEquals": {"aws:SourceAccount": {"123456789012"}}},
		},
		{
			Sid: "AutoScalingNotificationsPublish", Effect: "Allow", Principal: policy.AWS("*"),
			Action: []string{"sns:Publish"}, Resource: []string{topicArn},
			Condition: policy.Conditions{"ArnEquals": {"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"}}},
		},
		{
			Sid: "AccountPublishes", Effect: "Allow", Principal: policy.AWS("arn:aws:iam::123456789012:root"),
			Action: []string{"sns:Publish"}, Resource: []string{topicArn},
		},
	}, statements(t, policies[0], "policy"))
}

func TestOneEmailSubscriptionPerAddress(t *testing.T) {
	emails := []string{"ops@example.com", "on-call@example.org"}
	mocks, _, err := runLogging(t, settings.Prod, func(a *LoggingArgs) { a.Config.AlarmEmails = emails })
	require.NoError(t, err)
	topicArn := mocks.OfType(typeTopic)[0].Out["arn"]
	subs := mocks.OfType(typeSubscription)
	require.Len(t, subs, len(emails))
	var endpoints []string
	for _, s := range subs {
		assert.Equal(t, "email", s.String("protocol"))
		assert.Equal(t, topicArn, s.String("topic"))
		assert.Equal(t, "8byte-prod-alarms-email-"+s.String("endpoint"), s.Name, "the address is the subscription's stable key")
		endpoints = append(endpoints, s.String("endpoint"))
	}
	assert.ElementsMatch(t, emails, endpoints)

	mocks, _, err = runLogging(t, settings.Dev, func(a *LoggingArgs) { a.Config.AlarmEmails = nil })
	require.NoError(t, err)
	assert.Empty(t, mocks.OfType(typeSubscription), "dev may run without subscribers")
}

func TestLoggingChildrenDescendFromTheComponent(t *testing.T) {
	mocks, _, err := runLogging(t, settings.Prod, nil)
	require.NoError(t, err)
	tests.AssertAllDescendFrom(t, mocks, LoggingType)
}

func TestInvalidLoggingArgsRegisterNothing(t *testing.T) {
	cases := map[string]struct {
		change func(*LoggingArgs)
		want   string
	}{
		"no address in prod": {func(a *LoggingArgs) { a.Config.AlarmEmails = nil },
			"config 8byte:observability.alarmEmails: invalid value []: prod needs at least one address to send alarms to"},
		"no account": {func(a *LoggingArgs) { a.Account = settings.Account{} },
			"logging 8byte-prod: args with environment and account are required"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mocks, _, err := runLogging(t, settings.Prod, tc.change)
			require.ErrorContains(t, err, tc.want)
			assert.Empty(t, mocks.All())
		})
	}
}
