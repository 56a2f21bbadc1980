package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// FlowLogGroupName returns the name of env's VPC flow-log group. It is explicit (not auto-named) because
// operators and the observability tier look it up by name; keep it stable, a rename replaces the group.
func FlowLogGroupName(env settings.Environment) string {
	return settings.Prefix(env) + "-vpc-flow-logs"
}

// flowLogs records ALL traffic of the VPC (accepted and rejected) to a CloudWatch log group through a
// delivery role that only the flow-logs service of this account can assume, and that can only write to
// that one group.
func (b *builder) flowLogs() error {
	acct := b.args.Account
	groupName := FlowLogGroupName(b.args.Environment)
	var err error
	b.flowLogGroup, err = cloudwatch.NewLogGroup(b.ctx, b.child("flow-logs"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		RetentionInDays: pulumi.Int(b.args.Config.FlowLogRetentionDays),
		Tags:            cloud.NameTag(groupName),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow log group: %w", err)
	}

	trust := policy.New(policy.AssumeRole(policy.Services(acct.Service("vpc-flow-logs")), policy.Conditions{
		"StringEquals": {"aws:SourceAccount": {acct.ID}},
		"ArnLike":      {"aws:SourceArn": {acct.ARN("ec2", "vpc-flow-log/*")}},
	}))
	trustJSON, err := trust.JSON()
	if err != nil {
		return err
	}
	role, err := awsiam.NewRole(b.ctx, b.child("flow-logs-role"), &awsiam.RoleArgs{
		Description:         pulumi.String("Delivers the VPC flow logs of " + b.name + " to CloudWatch Logs"),
		AssumeRolePolicy:    pulumi.String(trustJSON),
		PermissionsBoundary: b.args.PermissionsBoundary,
		Tags:                cloud.NameTag(b.child("flow-logs-role")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow log role: %w", err)
	}
	groupARN := acct.ARN("logs", "log-group:"+groupName)
	write := policy.New(
		policy.Statement{
			Sid:      "WriteFlowLogs",
			Effect:   policy.Allow,
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resource: []string{groupARN + ":*"},
		},
		policy.Statement{
			Sid:      "FindLogGroup",
			Effect:   policy.Allow,
			Action:   []string{"logs:DescribeLogGroups"},
			Resource: []string{acct.ARN("logs", "log-group:*")},
		},
	)
	writeJSON, err := write.JSON()
	if err != nil {
		return err
	}
	_, err = awsiam.NewRolePolicy(b.ctx, b.child("flow-logs-write"), &awsiam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(writeJSON),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow log role policy: %w", err)
	}

	_, err = ec2.NewFlowLog(b.ctx, b.child("flow-log"), &ec2.FlowLogArgs{
		VpcId:              b.vpcRes.ID(),
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     b.flowLogGroup.Arn,
		IamRoleArn:         role.Arn,
		// One-minute aggregation: rejected-connection spikes show up in the logs within a minute.
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   cloud.NameTag(b.child("flow-log")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow log: %w", err)
	}
	return nil
}
