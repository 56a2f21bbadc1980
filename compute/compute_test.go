package compute

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

const (
	typeBucket         = "aws:s3/bucketV2:BucketV2"
	typeBucketPolicy   = "aws:s3/bucketPolicy:BucketPolicy"
	typeLB             = "aws:lb/loadBalancer:LoadBalancer"
	typeTargetGroup    = "aws:lb/targetGroup:TargetGroup"
	typeListener       = "aws:lb/listener:Listener"
	typeWebACL         = "aws:wafv2/webAcl:WebAcl"
	typeWebACLAssoc    = "aws:wafv2/webAclAssociation:WebAclAssociation"
	typeWebACLLogging  = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	typeLogGroup       = "aws:cloudwatch/logGroup:LogGroup"
	typeLaunchTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	typeASG            = "aws:autoscaling/group:Group"
	typePolicy         = "aws:autoscaling/policy:Policy"

	testCertificate   = "arn:aws:acm:us-east-1:123456789012:certificate/0b3f7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
	testProfile       = "arn:aws:iam::123456789012:instance-profile/8byte-test-app"
	testSecret        = "arn:aws:secretsmanager:us-east-1:123456789012:secret:8byte-test-db-connection-AbCdEf" //nolint:gosec // a secret's ARN, not a credential
	testAccessLogs    = "8byte-test-access-logs"
	testProdImageTag  = "3f9c2ab"
	testRepositoryURL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app"
	invokeELBAccount  = "aws:elb/getServiceAccount:getServiceAccount"
)

var account = tests.Account

// testArgs returns the args main.go would pass for env with its default config (prod names an image tag,
// which it has no default for, and a certificate).
func testArgs(env settings.Environment) *Args {
	cfg := DefaultConfig(env)
	cfg.RepositoryURL = testRepositoryURL
	cfg.ImageTag = testProdImageTag
	if env.IsProd() {
		cfg.CertificateArn = testCertificate
	}
	prefix := settings.Prefix(env)
	return &Args{
		Environment:         env,
		Account:             account,
		Config:              cfg,
		AppPort:             8000,
		MetricsNamespace:    "8byte/" + env.String(),
		LogRetentionDays:    testRetention(env),
		VpcId:               pulumi.String("vpc-0123"),
		PublicSubnetIds:     pulumi.ToStringArray([]string{"subnet-pub-a", "subnet-pub-b"}),
		PrivateSubnetIds:    pulumi.ToStringArray([]string{"subnet-priv-a", "subnet-priv-b"}),
		AlbSecurityGroupId:  pulumi.String("sg-alb"),
		AppSecurityGroupId:  pulumi.String("sg-app"),
		InstanceProfileArn:  pulumi.String(testProfile),
		ConnectionSecretArn: pulumi.String(testSecret),
		AccessLogBucketName: pulumi.String(testAccessLogs),
		AppLogGroupName:     pulumi.String(prefix + "-app"),
		SystemLogGroupName:  pulumi.String(prefix + "-system"),
	}
}

// testRetention is the stack's log retention of env.
func testRetention(env settings.Environment) int {
	if env.IsProd() {
		return 365
	}
	return 30
}

// runCompute builds a Compute for env under mocks. change, when not nil, adjusts the args first; it may
// register resources of other tiers (it runs inside the program).
func runCompute(t *testing.T, env settings.Environment, change func(ctx *pulumi.Context, args *Args) error) (*tests.Mocks, *Compute) {
	t.Helper()
	mocks, c, err := tryCompute(env, change)
	require.NoError(t, err)
	return mocks, c
}

// tryCompute is runCompute that returns NewCompute's own error (the engine wraps the program's).
func tryCompute(env settings.Environment, change func(ctx *pulumi.Context, args *Args) error) (*tests.Mocks, *Compute, error) {
	args := testArgs(env)
	var c *Compute
	var newErr error
	mocks, err := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		if change != nil {
			if err := change(ctx, args); err != nil {
				return err
			}
		}
		c, newErr = NewCompute(ctx, settings.Prefix(env), args)
		return newErr
	})
	if newErr != nil {
		return mocks, c, newErr
	}
	return mocks, c, err
}

// only returns the single resource of typ, failing the test when there are more or none.
func only(t *testing.T, mocks *tests.Mocks, typ string) *tests.Resource {
	t.Helper()
	rs := mocks.OfType(typ)
	require.Len(t, rs, 1, typ)
	return rs[0]
}

func TestEveryChildIsParentedByTheComponent(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runCompute(t, env, nil)
			component := tests.AssertAllDescendFrom(t, mocks, ComponentType)
			assert.Equal(t, "8byte-"+env.String(), component.Name)
			assert.Greater(t, len(mocks.All()), 20)
		})
	}
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Args)
		want   string
	}{
		{"invalid config", func(a *Args) { a.Config.MinSize = 3 },
			"config 8byte:compute.minSize: invalid value 3: must not exceed compute.maxSize (2)"},
		{"privileged port", func(a *Args) { a.AppPort = 80 },
			"compute 8byte-dev: app port 80 must be 1024-65535: the container runs as a non-root user without capabilities"},
		{"certificate of another region", func(a *Args) {
			a.Config.CertificateArn = strings.Replace(testCertificate, "us-east-1", "eu-west-1", 1)
		}, `config 8byte:compute.certificateArn: invalid value "arn:aws:acm:eu-west-1:123456789012:certificate/0b3f7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b": must be a certificate of account 123456789012 in region us-east-1 (aws): an ALB only uses ACM certificates of its own account and region; request one for your host name (README: DNS and the certificate) and set its ARN`},
		{"certificate of another account", func(a *Args) {
			a.Config.CertificateArn = strings.Replace(testCertificate, tests.AccountID, "210987654321", 1)
		}, `config 8byte:compute.certificateArn: invalid value "arn:aws:acm:us-east-1:210987654321:certificate/0b3f7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b": must be a certificate of account 123456789012 in region us-east-1 (aws): an ALB only uses ACM certificates of its own account and region; request one for your host name (README: DNS and the certificate) and set its ARN`},
		{"repository of another account", func(a *Args) {
			a.Config.RepositoryURL = strings.Replace(testRepositoryURL, tests.AccountID, "210987654321", 1)
		}, `config 8byte:compute.repositoryUrl: invalid value "210987654321.dkr.ecr.us-east-1.amazonaws.com/8byte-app": must be the repository of account 123456789012 in region us-east-1: set the output repositoryUrl of this account's bootstrap stack (README: from zero)`},
		{"repository of another region", func(a *Args) {
			a.Config.RepositoryURL = strings.Replace(testRepositoryURL, "us-east-1", "eu-west-1", 1)
		}, `config 8byte:compute.repositoryUrl: invalid value "123456789012.dkr.ecr.eu-west-1.amazonaws.com/8byte-app": must be the repository of account 123456789012 in region us-east-1: set the output repositoryUrl of this account's bootstrap stack (README: from zero)`},
		{"AWS namespace", func(a *Args) { a.MetricsNamespace = "AWS/EC2" },
			`compute 8byte-dev: metrics namespace "AWS/EC2" must be set and must not start with AWS/`},
		{"bad log retention", func(a *Args) { a.LogRetentionDays = 31 },
			"compute 8byte-dev: log retention 31 days is not a CloudWatch Logs retention period [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]"},
		{"no account", func(a *Args) { a.Account = settings.Account{} },
			"compute 8byte-dev: the account (id, partition, region, DNS suffix) is required"},
		{"missing wiring", func(a *Args) { a.ConnectionSecretArn, a.VpcId = nil, nil },
			"compute 8byte-dev: missing inputs from the other tiers: ConnectionSecretArn, VpcId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mocks, c, err := tryCompute(settings.Dev, func(_ *pulumi.Context, a *Args) error { tc.change(a); return nil })
			require.EqualError(t, err, tc.want)
			assert.Nil(t, c)
			assert.Empty(t, mocks.All())
		})
	}
	_, err := NewCompute(nil, "8byte-dev", nil)
	assert.EqualError(t, err, "compute 8byte-dev: args are required (environment, account, config, wiring)")
}

func TestOutputs(t *testing.T) {
	cases := []struct {
		env    settings.Environment
		scheme string
		waf    bool
	}{{settings.Dev, "http://", true}, {settings.Prod, "https://", true}}
	for _, tc := range cases {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, c := runCompute(t, tc.env, nil)
			alb, tg := only(t, mocks, typeLB), only(t, mocks, typeTargetGroup)
			dns := alb.Out["dnsName"].(string)
			require.NotEmpty(t, dns)
			assert.Equal(t, dns, tests.AwaitString(t, c.AlbDNSName))
			assert.Equal(t, tc.scheme+dns, tests.AwaitString(t, c.AlbURL))
			assert.Equal(t, alb.Out["arn"], tests.AwaitString(t, c.AlbArn))
			assert.Equal(t, alb.Out["arnSuffix"], tests.AwaitString(t, c.AlbArnSuffix))
			assert.Equal(t, tg.Out["arn"], tests.AwaitString(t, c.TargetGroupArn))
			assert.Equal(t, tg.Out["arnSuffix"], tests.AwaitString(t, c.TargetGroupArnSuffix))
			assert.Equal(t, only(t, mocks, typeASG).Out["name"], tests.AwaitString(t, c.AsgName))
			assert.Empty(t, mocks.OfType("aws:ecr/repository:Repository"), "the registry is the bootstrap project's")
			assert.Equal(t, only(t, mocks, typeWebACL).Out["arn"], tests.AwaitString(t, c.WebACLArn))
			assert.Equal(t, only(t, mocks, typeBucket).Out["bucket"], tests.AwaitString(t, c.AlbLogBucketName))
		})
	}

	_, c := runCompute(t, settings.Dev, func(_ *pulumi.Context, a *Args) error { a.Config.WafEnabled = false; return nil })
	assert.Empty(t, tests.AwaitString(t, c.WebACLArn))
}
