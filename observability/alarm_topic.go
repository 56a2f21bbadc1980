package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// The SNS topic is encrypted with a customer-managed key: with the AWS managed `alias/aws/sns` key,
// CloudWatch alarms, RDS events and Auto Scaling notifications are silently dropped, because those
// services cannot use that key. The key policy lets exactly these publishers encrypt.
var (
	// topicKeyActions are what a publisher to a KMS-encrypted topic needs on the topic's key.
	topicKeyActions = []string{"kms:Decrypt", "kms:GenerateDataKey*"}
	// publish is the one action the topic policy grants.
	publish = []string{"sns:Publish"}
)

// AutoScalingRoleARN is the ARN of the account's Auto Scaling service-linked role; Auto Scaling publishes
// the group's notifications, and encrypts them, as this role.
func AutoScalingRoleARN(account settings.Account) string {
	return account.GlobalARN("iam", "role/aws-service-role/"+account.Service("autoscaling")+"/AWSServiceRoleForAutoScaling")
}

// asAutoScalingRole is the principal and condition of statements for the Auto Scaling service-linked
// role. KMS and SNS reject policies that name a role which does not exist yet, and that role only appears
// when the account's first Auto Scaling group is created (after this tier's Logging). Matching the caller's
// ARN in a condition grants the same, to that role only, whether or not it exists yet.
func asAutoScalingRole(account settings.Account) (policy.Principal, policy.Conditions) {
	return policy.Everyone(), policy.Conditions{"ArnEquals": {"aws:PrincipalArn": {AutoScalingRoleARN(account)}}}
}

// topicKeyGrants are the statements of the alarm topic key's policy after the account's administration.
func topicKeyGrants(account settings.Account) []policy.Statement {
	principal, conditions := asAutoScalingRole(account)
	conditions["StringEquals"] = map[string][]string{"kms:CallerAccount": {account.ID}}
	return []policy.Statement{
		{
			Sid:       "AlarmAndEventPublishersEncrypt",
			Effect:    policy.Allow,
			Principal: policy.Services(account.Service("cloudwatch"), account.Service("events.rds")),
			Action:    topicKeyActions,
			Resource:  []string{"*"},
		},
		{
			Sid:       "AutoScalingNotificationsEncrypt",
			Effect:    policy.Allow,
			Principal: principal,
			Action:    topicKeyActions,
			Resource:  []string{"*"},
			Condition: conditions,
		},
	}
}

// topicPolicy is the alarm topic's access policy: TLS only; CloudWatch alarms, RDS events of this
// account, the Auto Scaling role and the account itself may publish; nobody else.
func topicPolicy(account settings.Account, topicArn string) policy.Document {
	autoScaling, autoScalingOnly := asAutoScalingRole(account)
	return policy.New(
		policy.DenyInsecureTransport(publish, topicArn),
		policy.Statement{
			Sid:       "CloudWatchAlarmsPublish",
			Effect:    policy.Allow,
			Principal: policy.Services(account.Service("cloudwatch")),
			Action:    publish,
			Resource:  []string{topicArn},
			Condition: policy.Conditions{
				"StringEquals": {"aws:SourceAccount": {account.ID}},
				"ArnLike":      {"aws:SourceArn": {account.ARN("cloudwatch", "alarm:*")}},
			},
		},
		policy.Statement{
			Sid:       "RdsEventsPublish",
			Effect:    policy.Allow,
			Principal: policy.Services(account.Service("events.rds")),
			Action:    publish,
			Resource:  []string{topicArn},
			Condition: policy.Conditions{"StringEquals": {"aws:SourceAccount": {account.ID}}},
		},
		policy.Statement{
			Sid:       "AutoScalingNotificationsPublish",
			Effect:    policy.Allow,
			Principal: autoScaling,
			Action:    publish,
			Resource:  []string{topicArn},
			Condition: autoScalingOnly,
		},
		policy.Statement{
			Sid:       "AccountPublishes",
			Effect:    policy.Allow,
			Principal: policy.AWS(account.RootARN()),
			Action:    publish,
			Resource:  []string{topicArn},
		},
	)
}

// alarmTopic creates the KMS-encrypted alarm topic, its policy and one email subscription per address,
// and returns the topic's ARN.
func alarmTopic(ctx *pulumi.Context, name string, args *LoggingArgs, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	acct := args.Account
	key, err := secure.NewKey(ctx, name+"-alarms-key", &secure.KeyArgs{
		Environment: args.Environment,
		Account:     acct,
		Purpose:     "alarms",
		Description: "Encrypts the alarm notifications of " + name,
		Grants:      func(map[string]string) []policy.Statement { return topicKeyGrants(acct) },
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("alarm topic key: %w", err)
	}
	topic, err := sns.NewTopic(ctx, name+"-alarms", &sns.TopicArgs{
		DisplayName:    pulumi.String(name + " alarms"),
		KmsMasterKeyId: key.Arn,
		Tags:           cloud.NameTag(name + "-alarms"),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("alarm topic: %w", err)
	}
	if _, err := sns.NewTopicPolicy(ctx, name+"-alarms-policy", &sns.TopicPolicyArgs{
		Arn: topic.Arn,
		Policy: cloud.PolicyJSON(pulumi.StringMap{"topic": topic.Arn}, func(v map[string]string) policy.Document {
			return topicPolicy(acct, v["topic"])
		}),
	}, parent); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("alarm topic policy: %w", err)
	}
	for _, email := range args.Config.AlarmEmails {
		// The address is the stable key of its subscription. AWS mails a confirmation link; until it is
		// followed the subscription stays pending (and AWS drops it after three days).
		if _, err := sns.NewTopicSubscription(ctx, name+"-alarms-email-"+email, &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, parent); err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("alarm email subscription %s: %w", email, err)
		}
	}
	return topic.Arn, nil
}
