package iam

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
	typeRole        = "aws:iam/role:Role"
	typeRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	typeAttachment  = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typePolicy      = "aws:iam/policy:Policy"
	typeProfile     = "aws:iam/instanceProfile:InstanceProfile"
	typeOIDC        = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	testStateBucket = "8byte-pulumi-state"
)

var account = tests.Account

// testArgs returns the args main.go would pass for env with its default config.
func testArgs(env settings.Environment) *Args {
	return &Args{
		Environment:       env,
		Account:           account,
		Config:            DefaultConfig(env),
		AppRepositoryName: settings.Prefix(env) + "-app",
		MetricsNamespace:  "8byte/" + env.Name,
	}
}

// gitHub turns the GitHub roles on, with this stack creating the provider, a state bucket and a key.
func gitHub(a *Args) {
	a.Config = Config{Enabled: true, Repository: "8byte/infra", OidcProviderArn: testProviderARN, StateBucket: testStateBucket, SecretsProviderKeyArn: testKeyARN}
}

// runIAM builds an IAM for env under mocks; change, when not nil, adjusts the args first.
func runIAM(t *testing.T, env settings.Environment, change func(*Args)) (*tests.Mocks, *IAM) {
	t.Helper()
	args := testArgs(env)
	if change != nil {
		change(args)
	}
	var c *IAM
	mocks, err := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		var err error
		c, err = NewIAM(ctx, settings.Prefix(env), args)
		return err
	})
	require.NoError(t, err)
	return mocks, c
}

// document parses the policy JSON at path of r.
func document(t *testing.T, r *tests.Resource, path string) policy.Document {
	t.Helper()
	require.NotNil(t, r)
	var doc policy.Document
	require.NoError(t, r.JSON(path, &doc))
	assert.Equal(t, policy.Version, doc.Version, "%s %s", r.Describe(), path)
	return doc
}

// find returns the resource of typ named name, failing the test when there is none.
func find(t *testing.T, mocks *tests.Mocks, typ, name string) *tests.Resource {
	t.Helper()
	r := mocks.Find(typ, name)
	require.NotNil(t, r, "no %s %s", typ, name)
	return r
}

func TestEveryChildIsParentedByTheComponent(t *testing.T) {
	mocks, _ := runIAM(t, settings.Prod, gitHub)
	component := find(t, mocks, ComponentType, "8byte-prod")
	assert.Contains(t, component.Parent, "::pulumi:pulumi:Stack::", "the component is a direct child of the stack")
	count := 0
	for _, r := range mocks.All() {
		if r != component {
			assert.Equal(t, component.URN, r.Parent, "%s is not parented by the iam component", r.Describe())
			count++
		}
	}
	assert.Equal(t, 21, count, "13 + the CI roles' managed policies and their attachments (the OIDC provider is the bootstrap project's)")
}

func TestWhatEachEnvironmentCreates(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runIAM(t, env, nil)
			p := settings.Prefix(env)
			var names []string
			for _, r := range mocks.All() {
				names = append(names, r.Type+" "+r.Name)
			}
			assert.ElementsMatch(t, []string{
				ComponentType + " " + p,
				typePolicy + " " + p + "-boundary",
				typeRole + " " + p + "-app-role",
				typeRolePolicy + " " + p + "-app-runtime",
				typeAttachment + " " + p + "-app-session-manager",
				typeProfile + " " + p + "-app-profile",
				typeRole + " " + p + "-monitoring-role",
				typeAttachment + " " + p + "-monitoring-policy",
			}, names)
		})
	}
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name    string
		resName string
		change  func(*Args)
		want    string
	}{
		{"nil args", "8byte-dev", nil, "iam 8byte-dev: args are required (environment, account, repository, namespace)"},
		{"invalid config", "8byte-dev", func(a *Args) { a.Config.Enabled = true },
			`config 8byte:github.repository: invalid value "": must be "owner/repo": an owner of letters, digits and single hyphens (at most 39), a repository of letters, digits, '.', '_' and '-' (at most 100)`},
		{"name outside the prefix", "app", func(*Args) {}, "iam app: the component name must start with 8byte-dev, the prefix its policies match"},
		{"name of another environment", "8byte-prod", func(*Args) {}, "iam 8byte-prod: the component name must start with 8byte-dev, the prefix its policies match"},
		{"no account", "8byte-dev", func(a *Args) { a.Account = settings.Account{} },
			"iam 8byte-dev: the account (id, partition, region, DNS suffix) is required"},
		{"bad repository", "8byte-dev", func(a *Args) { a.AppRepositoryName = "8byte-dev-App" }, `iam 8byte-dev: "8byte-dev-App" is not an ECR repository name`},
		{"AWS namespace", "8byte-dev", func(a *Args) { a.MetricsNamespace = "AWS/EC2" },
			`iam 8byte-dev: metrics namespace "AWS/EC2" must be a custom CloudWatch namespace such as 8byte/dev`},
		{"provider of another account", "8byte-dev", func(a *Args) {
			a.Config = Config{Enabled: true, Repository: "a/b", OidcProviderArn: "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com"}
		}, `config 8byte:github.oidcProviderArn: invalid value "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com": a role can only trust an OIDC provider of its own account: the provider must be in account 123456789012 (partition aws)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var args *Args
			if tc.change != nil {
				args = testArgs(settings.Dev)
				tc.change(args)
			}
			var got error
			mocks, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
				_, got = NewIAM(ctx, tc.resName, args)
				return got
			})
			assert.Error(t, err)
			assert.EqualError(t, got, tc.want)
			assert.Empty(t, mocks.All(), "resources registered despite invalid args")
		})
	}
}

func TestAppRole(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, c := runIAM(t, env, nil)
			p := settings.Prefix(env)
			role := find(t, mocks, typeRole, p+"-app-role")
			boundary := find(t, mocks, typePolicy, p+"-boundary")
			assert.Equal(t, boundary.Out["arn"], role.String("permissionsBoundary"))
			assert.Equal(t, 3600, role.Int("maxSessionDuration"))
			assert.Equal(t, p+"-app-role", role.Tag("Name"))
			assert.Equal(t, []policy.Statement{{
				Effect: "Allow", Principal: policy.Principal{"Service": {"ec2.amazonaws.com"}}, Action: []string{"sts:AssumeRole"},
			}}, document(t, role, "assumeRolePolicy").Statement)

			runtime := find(t, mocks, typeRolePolicy, p+"-app-runtime")
			assert.Equal(t, role.Out["name"], runtime.String("role"))
			groups := "arn:aws:logs:us-east-1:123456789012:log-group:" + p + "-*"
			assert.Equal(t, []policy.Statement{
				{Sid: "WriteStackLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
					Resource: []string{groups, groups + ":log-stream:*"}},
				{Sid: "PublishEnvironmentMetrics", Effect: "Allow", Action: []string{"cloudwatch:PutMetricData"}, Resource: []string{"*"},
					Condition: policy.Conditions{"StringEquals": {"cloudwatch:namespace": {"8byte/" + env.Name}}}},
				{Sid: "RegistryLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
				{Sid: "PullAppImage", Effect: "Allow", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
					Resource: []string{"arn:aws:ecr:us-east-1:123456789012:repository/" + p + "-app"}},
			}, document(t, runtime, "policy").Statement)

			ssm := find(t, mocks, typeAttachment, p+"-app-session-manager")
			assert.Equal(t, role.Out["name"], ssm.String("role"))
			assert.Equal(t, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", ssm.String("policyArn"))

			profile := find(t, mocks, typeProfile, p+"-app-profile")
			assert.Equal(t, role.Out["name"], profile.String("role"))
			assert.Equal(t, profile.Out["arn"], tests.AwaitString(t, c.InstanceProfileArn))
			assert.Equal(t, profile.Out["name"], tests.AwaitString(t, c.InstanceProfileName))
			assert.Equal(t, role.Out["arn"], tests.AwaitString(t, c.AppRoleArn))
			assert.Equal(t, role.Out["name"], tests.AwaitString(t, c.AppRoleName))
			assert.Equal(t, boundary.Out["arn"], tests.AwaitString(t, c.PermissionsBoundaryArn))
		})
	}
}

func TestMonitoringRoleHasTheManagedPolicyAndNothingElse(t *testing.T) {
	mocks, c := runIAM(t, settings.Prod, nil)
	role := find(t, mocks, typeRole, "8byte-prod-monitoring-role")
	assert.Equal(t, find(t, mocks, typePolicy, "8byte-prod-boundary").Out["arn"], role.String("permissionsBoundary"))
	assert.Equal(t, []policy.Statement{{
		Effect: "Allow", Principal: policy.Principal{"Service": {"monitoring.rds.amazonaws.com"}}, Action: []string{"sts:AssumeRole"},
		Condition: policy.Conditions{"StringEquals": {"aws:SourceAccount": {tests.AccountID}}},
	}}, document(t, role, "assumeRolePolicy").Statement)
	var attached []string
	for _, a := range mocks.OfType(typeAttachment) {
		if a.String("role") == role.Out["name"] {
			attached = append(attached, a.String("policyArn"))
		}
	}
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"}, attached)
	for _, p := range mocks.OfType(typeRolePolicy) {
		assert.NotEqual(t, role.Out["name"], p.String("role"), "the monitoring role has an inline policy %s", p.Name)
	}
	assert.Equal(t, role.Out["arn"], tests.AwaitString(t, c.MonitoringRoleArn))
}
