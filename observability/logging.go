// Package observability is the observability and audit tier. Logging (created before compute) holds the
// application and system log groups and the encrypted alarm topic with its email subscriptions;
// Monitoring (created after compute and data) holds the alarms, the Auto Scaling and RDS notifications,
// the dashboard, and the account's CloudTrail trail with the CIS AWS Foundations alarms.
package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/settings"
)

// LoggingType is the type token of the Logging component.
const LoggingType = "8byte:observability:Logging"

// AppLogGroupName is the log group of the app container's output (the docker awslogs driver writes to it).
// It is explicit (not auto-named) because the instance role's policy (`8byte-<env>-*`), the docker log
// driver and the CloudWatch agent find it by name, and it must exist before the first instance starts;
// keep it stable, a rename replaces the group.
func AppLogGroupName(env settings.Environment) string { return settings.Prefix(env) + "-app" }

// SystemLogGroupName is the log group of the instances' system logs, shipped by the CloudWatch agent;
// explicit for the same reasons as AppLogGroupName.
func SystemLogGroupName(env settings.Environment) string { return settings.Prefix(env) + "-system" }

// LoggingArgs configures a Logging.
type LoggingArgs struct {
	Environment settings.Environment
	Account     settings.Account
	Config      Config
}

// Logging is what must exist before the instances start: their log groups and the alarm topic.
type Logging struct {
	pulumi.ResourceState

	AppLogGroupName    pulumi.StringOutput `pulumi:"appLogGroupName"`
	SystemLogGroupName pulumi.StringOutput `pulumi:"systemLogGroupName"`
	// AlarmTopicArn is the SNS topic every alarm and notification of the stack goes to.
	AlarmTopicArn pulumi.StringOutput `pulumi:"alarmTopicArn"`
	// LogRetentionDays is the retention of the stack's log groups, for other tiers' log groups.
	LogRetentionDays int
}

// NewLogging validates args and creates the log groups and the alarm topic of a stack.
func NewLogging(ctx *pulumi.Context, name string, args *LoggingArgs, opts ...pulumi.ResourceOption) (*Logging, error) {
	if args == nil || args.Account.ID == "" {
		return nil, fmt.Errorf("logging %s: args with environment and account are required", name)
	}
	if err := args.Config.Validate(args.Environment); err != nil {
		return nil, err
	}

	if warning := args.Config.RecipientWarning(); warning != "" {
		if err := ctx.Log.Warn(warning, nil); err != nil {
			return nil, fmt.Errorf("logging %s: %w", name, err)
		}
	}

	l := &Logging{LogRetentionDays: args.Config.LogRetentionDays}
	if err := ctx.RegisterComponentResource(LoggingType, name, l, opts...); err != nil {
		return nil, fmt.Errorf("register logging %s: %w", name, err)
	}
	parent := pulumi.Parent(l)
	retention := args.Config.LogRetentionDays
	appLogs, err := newLogGroup(ctx, name+"-app-logs", AppLogGroupName(args.Environment), retention, parent)
	if err != nil {
		return nil, fmt.Errorf("logging %s: %w", name, err)
	}
	systemLogs, err := newLogGroup(ctx, name+"-system-logs", SystemLogGroupName(args.Environment), retention, parent)
	if err != nil {
		return nil, fmt.Errorf("logging %s: %w", name, err)
	}
	topicArn, err := alarmTopic(ctx, name, args, parent)
	if err != nil {
		return nil, fmt.Errorf("logging %s: %w", name, err)
	}

	l.AppLogGroupName = appLogs.Name
	l.SystemLogGroupName = systemLogs.Name
	l.AlarmTopicArn = topicArn
	if err := ctx.RegisterResourceOutputs(l, pulumi.Map{
		"appLogGroupName":    l.AppLogGroupName,
		"systemLogGroupName": l.SystemLogGroupName,
		"alarmTopicArn":      l.AlarmTopicArn,
		"logRetentionDays":   pulumi.Int(l.LogRetentionDays),
	}); err != nil {
		return nil, fmt.Errorf("register logging %s outputs: %w", name, err)
	}
	return l, nil
}

// newLogGroup creates a log group with an explicit name (the callers say why) and a retention.
func newLogGroup(ctx *pulumi.Context, logicalName, groupName string, retentionDays int, parent pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	group, err := cloudwatch.NewLogGroup(ctx, logicalName, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		RetentionInDays: pulumi.Int(retentionDays),
		Tags:            cloud.NameTag(groupName),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("log group %s: %w", groupName, err)
	}
	return group, nil
}
