package compute

import (
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AMIParameter returns the launch template's image: the public SSM parameter of the latest Amazon Linux
// 2023 AMI for arch, resolved by EC2 at every launch (so new instances always boot the patched AMI).
func AMIParameter(arch string) string {
	return "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch
}

// rootDevice is the root device name of the Amazon Linux 2023 AMIs.
const rootDevice = "/dev/xvda"

// GroupMetrics are the Auto Scaling group metrics published to CloudWatch (every group metric; the
// warm-pool ones do not apply).
var GroupMetrics = []string{
	"GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity",
	"GroupInServiceInstances", "GroupPendingInstances", "GroupStandbyInstances", "GroupTerminatingInstances", "GroupTotalInstances",
	"GroupInServiceCapacity", "GroupPendingCapacity", "GroupStandbyCapacity", "GroupTerminatingCapacity", "GroupTotalCapacity",
}

// launchTemplate creates the template of the app instances: the AL2023 AMI of the instance type's
// architecture, private only, IMDSv2 with hop limit 1, encrypted root volume, user data running the image.
func (b *builder) launchTemplate() error {
	args, cfg := b.args, b.args.Config
	// One ApplyT over the other tiers' outputs renders the script; it creates nothing.
	userData := pulumi.All(args.ConnectionSecretArn, args.AppLogGroupName, args.SystemLogGroupName).ApplyT(
		func(v []any) (string, error) {
			script, err := newUserData(args, v[0].(string), v[1].(string), v[2].(string)).Render()
			return base64.StdEncoding.EncodeToString([]byte(script)), err
		}).(pulumi.StringOutput)

	var tagSpecs ec2.LaunchTemplateTagSpecificationArray
	for _, resourceType := range []string{"instance", "volume", "network-interface"} {
		tagSpecs = append(tagSpecs, ec2.LaunchTemplateTagSpecificationArgs{
			ResourceType: pulumi.String(resourceType),
			Tags:         b.instanceTags(),
		})
	}

	var err error
	b.template, err = ec2.NewLaunchTemplate(b.ctx, b.child("app"), &ec2.LaunchTemplateArgs{
		Description:  pulumi.String("App instances of " + b.name + " running image tag " + cfg.ImageTag),
		ImageId:      pulumi.String(AMIParameter(cfg.Architecture())),
		InstanceType: pulumi.String(cfg.InstanceType),
		IamInstanceProfile: &ec2.LaunchTemplateIamInstanceProfileArgs{
			Arn: args.InstanceProfileArn,
		},
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{ec2.LaunchTemplateNetworkInterfaceArgs{
			DeviceIndex:              pulumi.Int(0),
			AssociatePublicIpAddress: pulumi.String("false"),
			DeleteOnTermination:      pulumi.String("true"),
			SecurityGroups:           pulumi.StringArray{args.AppSecurityGroupId},
		}},
		Monitoring: &ec2.LaunchTemplateMonitoringArgs{Enabled: pulumi.Bool(true)},
		// IMDSv2 only, one hop: the container reaches IMDS because it shares the host's network stack.
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
			HttpProtocolIpv6:        pulumi.String("disabled"),
			InstanceMetadataTags:    pulumi.String("disabled"),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String(rootDevice),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeType:          pulumi.String("gp3"),
				VolumeSize:          pulumi.Int(cfg.RootVolumeGiB),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		TagSpecifications:    tagSpecs,
		UpdateDefaultVersion: pulumi.Bool(true),
		UserData:             userData,
		Tags:                 pulumi.StringMap{"Name": pulumi.String(b.child("app"))},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("launch template: %w", err)
	}
	return nil
}

// instanceTags are the tags of everything the Auto Scaling group launches.
func (b *builder) instanceTags() pulumi.StringMap {
	tags := pulumi.StringMap{"Name": pulumi.String(b.child("app"))}
	for k, v := range stackTags(b.args.Environment) {
		tags[k] = pulumi.String(v)
	}
	return tags
}

// autoScaling creates the Auto Scaling group of the app instances in the private subnets behind the target
// group, with rolling instance refresh and target tracking on CPU and on requests per instance.
func (b *builder) autoScaling() error {
	cfg := b.args.Config
	var tags autoscaling.GroupTagArray
	keys := []string{"Name"}
	values := map[string]string{"Name": b.child("app")}
	for k, v := range stackTags(b.args.Environment) {
		keys = append(keys, k)
		values[k] = v
	}
	slices.Sort(keys)
	for _, k := range keys {
		tags = append(tags, autoscaling.GroupTagArgs{Key: pulumi.String(k), Value: pulumi.String(values[k]), PropagateAtLaunch: pulumi.Bool(true)})
	}

	var maxLifetime pulumi.IntPtrInput
	if cfg.MaxInstanceLifetimeDays > 0 {
		maxLifetime = pulumi.Int(cfg.MaxInstanceLifetimeDays * 24 * 60 * 60)
	}
	minHealthy := cfg.InstanceRefreshMinHealthyPercentage
	// Launch before terminating, as far as AWS allows: max - min may not exceed 100.
	maxHealthy := min(minHealthy+100, 200)

	var err error
	b.asg, err = autoscaling.NewGroup(b.ctx, b.child("app"), &autoscaling.GroupArgs{
		VpcZoneIdentifiers: b.args.PrivateSubnetIds,
		TargetGroupArns:    pulumi.StringArray{b.targetGroup.Arn},
		MinSize:            pulumi.Int(cfg.MinSize),
		MaxSize:            pulumi.Int(cfg.MaxSize),
		DesiredCapacity:    pulumi.Int(cfg.DesiredCapacity),
		// The version number (not "$Latest"), so that every template change is an update of the group,
		// which starts the instance refresh.
		LaunchTemplate: &autoscaling.GroupLaunchTemplateArgs{
			Id:      b.template.ID(),
			Version: pulumi.Sprintf("%d", b.template.LatestVersion),
		},
		HealthCheckType:        pulumi.String("ELB"),
		HealthCheckGracePeriod: pulumi.Int(cfg.WarmupSeconds),
		DefaultInstanceWarmup:  pulumi.Int(cfg.WarmupSeconds),
		MaxInstanceLifetime:    maxLifetime,
		InstanceMaintenancePolicy: &autoscaling.GroupInstanceMaintenancePolicyArgs{
			MinHealthyPercentage: pulumi.Int(minHealthy),
			MaxHealthyPercentage: pulumi.Int(maxHealthy),
		},
		InstanceRefresh: &autoscaling.GroupInstanceRefreshArgs{
			Strategy: pulumi.String("Rolling"),
			Preferences: &autoscaling.GroupInstanceRefreshPreferencesArgs{
				MinHealthyPercentage: pulumi.Int(minHealthy),
				MaxHealthyPercentage: pulumi.Int(maxHealthy),
				InstanceWarmup:       pulumi.Sprintf("%d", cfg.WarmupSeconds),
				// No AutoRollback: AWS refuses it for templates whose AMI is an SSM parameter.
			},
		},
		MetricsGranularity: pulumi.String("1Minute"),
		EnabledMetrics:     pulumi.ToStringArray(GroupMetrics),
		Tags:               tags,
	}, b.parent, pulumi.IgnoreChanges([]string{"desiredCapacity"}))
	if err != nil {
		return fmt.Errorf("auto scaling group: %w", err)
	}
	return b.scalingPolicies()
}

// scalingPolicies hold average CPU and ALB requests per instance at their targets. With two target
// tracking policies the group scales out when either asks and in only when both allow.
func (b *builder) scalingPolicies() error {
	cfg := b.args.Config
	policies := []struct {
		role   string
		metric string
		label  pulumi.StringPtrInput
		target int
	}{
		{"cpu", "ASGAverageCPUUtilization", nil, cfg.CPUTargetPercent},
		{"requests", "ALBRequestCountPerTarget", pulumi.Sprintf("%s/%s", b.alb.ArnSuffix, b.targetGroup.ArnSuffix), cfg.RequestsPerTargetTarget},
	}
	for _, p := range policies {
		if _, err := autoscaling.NewPolicy(b.ctx, b.child("scale-"+p.role), &autoscaling.PolicyArgs{
			AutoscalingGroupName: b.asg.Name,
			PolicyType:           pulumi.String("TargetTrackingScaling"),
			TargetTrackingConfiguration: &autoscaling.PolicyTargetTrackingConfigurationArgs{
				PredefinedMetricSpecification: &autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(p.metric),
					ResourceLabel:        p.label,
				},
				TargetValue: pulumi.Float64(float64(p.target)),
			},
		}, b.parent); err != nil {
			return fmt.Errorf("%s scaling policy: %w", p.role, err)
		}
	}
	return nil
}
