// Package compute is the compute tier: the internet-facing Application Load Balancer (TLS listeners,
// access logs, WAF web ACL) and the launch template and Auto Scaling group that run the app container on
// EC2 in the private subnets, with rolling instance refresh and target-tracking scaling. The image comes
// from the account's ECR repository, which the bootstrap project owns (config compute.repositoryUrl).
package compute

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// ComponentType is the type token of the Compute component.
const ComponentType = "8byte:compute:Compute"

// Args configures a Compute. Plain values decide what exists; inputs wire in the other tiers' resources.
type Args struct {
	Environment settings.Environment
	Account     settings.Account
	Config      Config
	// AppPort is the port the app listens on, on the host (the container uses the host network); 1024 or
	// above, since the container runs as a non-root user without capabilities.
	AppPort int
	// MetricsNamespace is the CloudWatch namespace of the instances' memory and disk metrics, `8byte/<env>`.
	MetricsNamespace string
	// LogRetentionDays is the retention of the WAF log group (the stack's log retention).
	LogRetentionDays int

	// From the network tier.
	VpcId              pulumi.StringInput
	PublicSubnetIds    pulumi.StringArrayInput
	PrivateSubnetIds   pulumi.StringArrayInput
	AlbSecurityGroupId pulumi.StringInput
	AppSecurityGroupId pulumi.StringInput
	// InstanceProfileArn is the IAM tier's instance profile of the app instances.
	InstanceProfileArn pulumi.StringInput
	// ConnectionSecretArn is the data tier's secret with the database connection JSON. It exists before
	// the database does: nothing here may wait for the database instance.
	ConnectionSecretArn pulumi.StringInput
	// AccessLogBucketName is the data tier's bucket receiving S3 server access logs (of the ALB log bucket).
	AccessLogBucketName pulumi.StringInput
	// AppLogGroupName and SystemLogGroupName are the observability tier's pre-created log groups of the
	// container output and of the instances' system logs.
	AppLogGroupName    pulumi.StringInput
	SystemLogGroupName pulumi.StringInput
}

// Compute is the web-facing part of the stack: load balancer, firewall and instances.
type Compute struct {
	pulumi.ResourceState

	AlbDNSName           pulumi.StringOutput `pulumi:"albDnsName"`
	AlbURL               pulumi.StringOutput `pulumi:"albUrl"`
	AlbArn               pulumi.StringOutput `pulumi:"albArn"`
	AlbArnSuffix         pulumi.StringOutput `pulumi:"albArnSuffix"`
	TargetGroupArn       pulumi.StringOutput `pulumi:"targetGroupArn"`
	TargetGroupArnSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	AsgName              pulumi.StringOutput `pulumi:"asgName"`
	// WebACLArn is the WAF web ACL's ARN, "" when the WAF is off.
	WebACLArn        pulumi.StringOutput `pulumi:"webAclArn"`
	AlbLogBucketName pulumi.StringOutput `pulumi:"albLogBucketName"`
}

// NewCompute validates args and creates the compute tier of a stack.
func NewCompute(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Compute, error) {
	if err := validateArgs(name, args); err != nil {
		return nil, err
	}

	c := &Compute{}
	if err := ctx.RegisterComponentResource(ComponentType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("register compute %s: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, component: c, parent: pulumi.Parent(c)}
	steps := []func() error{b.logBucket, b.loadBalancer, b.firewall, b.launchTemplate, b.autoScaling}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("compute %s: %w", name, err)
		}
	}

	scheme := "http://"
	if args.Config.CertificateArn != "" {
		scheme = "https://"
	}
	c.AlbDNSName = b.alb.DnsName
	c.AlbURL = pulumi.Sprintf("%s%s", scheme, b.alb.DnsName)
	c.AlbArn = b.alb.Arn
	c.AlbArnSuffix = b.alb.ArnSuffix
	c.TargetGroupArn = b.targetGroup.Arn
	c.TargetGroupArnSuffix = b.targetGroup.ArnSuffix
	c.AsgName = b.asg.Name
	c.WebACLArn = pulumi.String("").ToStringOutput()
	if b.webACL != nil {
		c.WebACLArn = b.webACL.Arn
	}
	c.AlbLogBucketName = b.albLogs.Name
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"albDnsName":           c.AlbDNSName,
		"albUrl":               c.AlbURL,
		"albArn":               c.AlbArn,
		"albArnSuffix":         c.AlbArnSuffix,
		"targetGroupArn":       c.TargetGroupArn,
		"targetGroupArnSuffix": c.TargetGroupArnSuffix,
		"asgName":              c.AsgName,
		"webAclArn":            c.WebACLArn,
		"albLogBucketName":     c.AlbLogBucketName,
	}); err != nil {
		return nil, fmt.Errorf("register compute %s outputs: %w", name, err)
	}
	return c, nil
}

// validateArgs checks everything NewCompute needs before it registers anything.
func validateArgs(name string, args *Args) error {
	if args == nil {
		return fmt.Errorf("compute %s: args are required (environment, account, config, wiring)", name)
	}
	if err := args.Config.Validate(args.Environment); err != nil {
		return err
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("compute %s: "+format, append([]any{name}, a...)...)
	}
	acct := args.Account
	if acct.ID == "" || acct.Region == "" || acct.Partition == "" || acct.DNSSuffix == "" {
		return fail("the account (id, partition, region, DNS suffix) is required")
	}
	if err := args.Config.CheckAccount(acct); err != nil {
		return err
	}
	if args.AppPort < 1024 || args.AppPort > 65535 {
		return fail("app port %d must be 1024-65535: the container runs as a non-root user without capabilities", args.AppPort)
	}
	if args.MetricsNamespace == "" || strings.HasPrefix(args.MetricsNamespace, "AWS/") {
		return fail("metrics namespace %q must be set and must not start with AWS/", args.MetricsNamespace)
	}
	if !slices.Contains(settings.LogRetentionDays, args.LogRetentionDays) {
		return fail("log retention %d days is not a CloudWatch Logs retention period %v", args.LogRetentionDays, settings.LogRetentionDays)
	}
	wiring := map[string]bool{
		"VpcId": args.VpcId != nil, "PublicSubnetIds": args.PublicSubnetIds != nil, "PrivateSubnetIds": args.PrivateSubnetIds != nil,
		"AlbSecurityGroupId": args.AlbSecurityGroupId != nil, "AppSecurityGroupId": args.AppSecurityGroupId != nil,
		"InstanceProfileArn": args.InstanceProfileArn != nil, "ConnectionSecretArn": args.ConnectionSecretArn != nil,
		"AccessLogBucketName": args.AccessLogBucketName != nil, "AppLogGroupName": args.AppLogGroupName != nil,
		"SystemLogGroupName": args.SystemLogGroupName != nil,
	}
	var missing []string
	for field, set := range wiring {
		if !set {
			missing = append(missing, field)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fail("missing inputs from the other tiers: %s", strings.Join(missing, ", "))
	}
	return nil
}

// builder carries the state of one NewCompute call between its steps.
type builder struct {
	ctx       *pulumi.Context
	name      string
	args      *Args
	component *Compute
	parent    pulumi.ResourceOption // for children; invokes take pulumi.Parent(component)

	albLogs     *secure.Bucket
	alb         *lb.LoadBalancer
	targetGroup *lb.TargetGroup
	webACL      *wafv2.WebAcl // nil when the WAF is off
	template    *ec2.LaunchTemplate
	asg         *autoscaling.Group
}

// child returns the logical name of a child resource: the component's name and the child's role.
func (b *builder) child(role string) string { return b.name + "-" + role }

// stackTags are the tags the provider's defaultTags put on every taggable resource. Resources launched by
// the Auto Scaling group (instances, volumes) and the group's own tag list do not get defaultTags, so
// they carry these explicitly.
func stackTags(env settings.Environment) map[string]string {
	return map[string]string{"Project": settings.Namespace, "Environment": env.String(), "ManagedBy": "pulumi"}
}
