package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"

	"github.com/8byte/infra/report"
)

// The report's replace-on-change table (report.ReplaceOnChange) is checked here, not in package report:
// the check needs the pulumi-aws argument types, which this package links anyway, and package report's
// own tests stay free of the provider SDK (a test binary linking pulumi-aws costs seconds per run).

// replaceArgs are the pulumi-aws argument types of the types in report.ReplaceOnChange; their element types carry the
// provider's input names (`pulumi:"..."` tags).
var replaceArgs = map[string]pulumi.Input{
	"aws:rds/instance:Instance":               rds.InstanceArgs{},
	"aws:s3/bucketV2:BucketV2":                s3.BucketV2Args{},
	"aws:kms/key:Key":                         kms.KeyArgs{},
	"aws:secretsmanager/secret:Secret":        secretsmanager.SecretArgs{},
	"aws:cloudwatch/logGroup:LogGroup":        cloudwatch.LogGroupArgs{},
	"aws:ecr/repository:Repository":           ecr.RepositoryArgs{},
	"aws:ec2/launchTemplate:LaunchTemplate":   ec2.LaunchTemplateArgs{},
	"aws:autoscaling/group:Group":             autoscaling.GroupArgs{},
	"aws:lb/loadBalancer:LoadBalancer":        lb.LoadBalancerArgs{},
	"aws:lb/targetGroup:TargetGroup":          lb.TargetGroupArgs{},
	"aws:ec2/vpc:Vpc":                         ec2.VpcArgs{},
	"aws:ec2/subnet:Subnet":                   ec2.SubnetArgs{},
	"aws:ec2/securityGroup:SecurityGroup":     ec2.SecurityGroupArgs{},
	"aws:rds/subnetGroup:SubnetGroup":         rds.SubnetGroupArgs{},
	"aws:rds/parameterGroup:ParameterGroup":   rds.ParameterGroupArgs{},
	"aws:iam/role:Role":                       awsiam.RoleArgs{},
	"aws:iam/policy:Policy":                   awsiam.PolicyArgs{},
	"aws:iam/instanceProfile:InstanceProfile": awsiam.InstanceProfileArgs{},
	"aws:sns/topic:Topic":                     sns.TopicArgs{},
	"aws:kms/alias:Alias":                     kms.AliasArgs{},
	"aws:cloudtrail/trail:Trail":              cloudtrail.TrailArgs{},
	"aws:wafv2/webAcl:WebAcl":                 wafv2.WebAclArgs{},
	"aws:ec2/natGateway:NatGateway":           ec2.NatGatewayArgs{},
	"aws:ec2/eip:Eip":                         ec2.EipArgs{},
	"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": rds.InstanceAutomatedBackupsReplicationArgs{},
}

func TestReplaceOnChangeNamesRealInputs(t *testing.T) {
	for typ, inputs := range report.ReplaceOnChange {
		a, ok := replaceArgs[typ]
		if !assert.True(t, ok, "add the pulumi-aws Args of %s to the test", typ) {
			continue
		}
		names := map[string]bool{}
		et := a.ElementType()
		for i := range et.NumField() {
			name, _, _ := strings.Cut(et.Field(i).Tag.Get("pulumi"), ",")
			names[name] = true
		}
		for _, in := range inputs {
			assert.True(t, names[in], "%s has no input %q (%s)", typ, in, reflect.TypeOf(a))
		}
	}
}
