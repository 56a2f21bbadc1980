package observability

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// MonitoringType is the type token of the Monitoring component.
const MonitoringType = "8byte:observability:Monitoring"

// MonitoringArgs configures a Monitoring. Config.CloudTrailEnabled decides whether the trail exists; the
// inputs wire in the other tiers' resources.
type MonitoringArgs struct {
	Environment settings.Environment
	Account     settings.Account
	Config      Config
	// MetricsNamespace is the stack's custom CloudWatch namespace, `8byte/<env>`: the app-log metrics go
	// there, and the CloudWatch agent publishes the instances' memory and disk metrics there.
	MetricsNamespace string

	// From Logging.
	AlarmTopicArn   pulumi.StringInput
	AppLogGroupName pulumi.StringInput
	// From the compute tier: the ALB's and the target group's ARN suffixes (their CloudWatch dimensions)
	// and the Auto Scaling group's name.
	AlbArnSuffix         pulumi.StringInput
	TargetGroupArnSuffix pulumi.StringInput
	AsgName              pulumi.StringInput
	// From the data tier: the RDS instance identifier and the bucket receiving S3 server access logs.
	DbInstanceIdentifier pulumi.StringInput
	AccessLogBucketName  pulumi.StringInput
	// PermissionsBoundaryArn is the IAM tier's permissions boundary, set on the trail's delivery role.
	PermissionsBoundaryArn pulumi.StringInput
}

// Monitoring is what watches the running stack: alarms, notifications, the dashboard and the audit trail.
type Monitoring struct {
	pulumi.ResourceState

	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`
	DashboardURL  pulumi.StringOutput `pulumi:"dashboardUrl"`
	// TrailArn and TrailBucketName are "" when Config.CloudTrailEnabled is off.
	TrailArn        pulumi.StringOutput `pulumi:"trailArn"`
	TrailBucketName pulumi.StringOutput `pulumi:"trailBucketName"`
}

// consoleHosts are the AWS console hosts of the partitions this program supports.
var consoleHosts = map[string]string{
	"aws":        "console.aws.amazon.com",
	"aws-cn":     "console.amazonaws.cn",
	"aws-us-gov": "console.amazonaws-us-gov.com",
}

// validate checks everything NewMonitoring needs before it registers anything.
func (a *MonitoringArgs) validate() error {
	if a.Account.ID == "" || a.Account.Region == "" {
		return errors.New("account (id, partition, region) is required")
	}
	if _, ok := consoleHosts[a.Account.Partition]; !ok {
		return fmt.Errorf("partition %q is not supported (aws, aws-cn, aws-us-gov)", a.Account.Partition)
	}
	if err := a.Config.Validate(a.Environment); err != nil {
		return err
	}
	if a.MetricsNamespace == "" || strings.HasPrefix(a.MetricsNamespace, "AWS/") {
		return fmt.Errorf("metrics namespace %q must be set and must not start with AWS/", a.MetricsNamespace)
	}
	required := map[string]pulumi.StringInput{
		"AlarmTopicArn": a.AlarmTopicArn, "AppLogGroupName": a.AppLogGroupName,
		"AlbArnSuffix": a.AlbArnSuffix, "TargetGroupArnSuffix": a.TargetGroupArnSuffix, "AsgName": a.AsgName,
		"DbInstanceIdentifier": a.DbInstanceIdentifier,
	}
	if a.Config.CloudTrailEnabled {
		required["AccessLogBucketName"] = a.AccessLogBucketName
		required["PermissionsBoundaryArn"] = a.PermissionsBoundaryArn
	}
	var missing []string
	for field, input := range required {
		if input == nil {
			missing = append(missing, field)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("missing inputs: %s", strings.Join(missing, ", "))
	}
	return nil
}

// monitor creates Monitoring's children step by step and keeps what later steps and the outputs need.
type monitor struct {
	ctx    *pulumi.Context
	name   string
	args   *MonitoringArgs
	parent pulumi.ResourceOption
	// topic is the alarm and OK action of every alarm: the alarm topic.
	topic pulumi.Array

	dashboardRes *cloudwatch.Dashboard
	trailRes     *cloudtrail.Trail
	trailBucket  *secure.Bucket
}

// child returns the logical name of a child resource: "<component>-<role>".
func (b *monitor) child(role string) string { return b.name + "-" + role }

// NewMonitoring validates args and creates the alarms, notifications, dashboard and (when enabled) the
// CloudTrail trail with its CIS alarms.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args == nil {
		return nil, fmt.Errorf("monitoring %s: args are required", name)
	}
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("monitoring %s: %w", name, err)
	}

	m := &Monitoring{}
	if err := ctx.RegisterComponentResource(MonitoringType, name, m, opts...); err != nil {
		return nil, fmt.Errorf("register monitoring %s: %w", name, err)
	}
	b := &monitor{ctx: ctx, name: name, args: args, parent: pulumi.Parent(m), topic: pulumi.Array{args.AlarmTopicArn}}
	steps := []func() error{b.appAlarms, b.loadBalancerAlarms, b.autoScalingAlarms, b.databaseAlarms, b.drillAlarms, b.dashboard, b.trail}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("monitoring %s: %w", name, err)
		}
	}

	m.DashboardName = b.dashboardRes.DashboardName
	m.DashboardURL = pulumi.Sprintf("https://%s/cloudwatch/home?region=%s#dashboards/dashboard/%s",
		consoleHosts[args.Account.Partition], args.Account.Region, b.dashboardRes.DashboardName)
	m.TrailArn, m.TrailBucketName = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	if b.trailRes != nil {
		m.TrailArn, m.TrailBucketName = b.trailRes.Arn, b.trailBucket.Name
	}
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"dashboardName":   m.DashboardName,
		"dashboardUrl":    m.DashboardURL,
		"trailArn":        m.TrailArn,
		"trailBucketName": m.TrailBucketName,
	}); err != nil {
		return nil, fmt.Errorf("register monitoring %s outputs: %w", name, err)
	}
	return m, nil
}
