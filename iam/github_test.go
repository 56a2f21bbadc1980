package iam

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

func TestGitHubRolesAreOffByDefault(t *testing.T) {
	mocks, c := runIAM(t, settings.Dev, nil)
	assert.Empty(t, mocks.OfType(typeOIDC))
	assert.Len(t, mocks.OfType(typeRole), 2, "only the app and monitoring roles")
	for _, out := range []string{tests.AwaitString(t, c.PreviewRoleArn), tests.AwaitString(t, c.DeployRoleArn), tests.AwaitString(t, c.OidcProviderArn)} {
		assert.Empty(t, out)
	}
}

func TestNoStackCreatesTheOidcProvider(t *testing.T) {
	mocks, c := runIAM(t, settings.Prod, gitHub)
	assert.Empty(t, mocks.OfType(typeOIDC), "the account's provider is the bootstrap project's")
	assert.Equal(t, testProviderARN, tests.AwaitString(t, c.OidcProviderArn))
}

func TestGitHubRoleTrust(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, c := runIAM(t, env, gitHub)
			pre := settings.Prefix(env)
			boundary := find(t, mocks, typePolicy, pre+"-boundary").Out["arn"]
			for role, subjects := range map[string][]string{
				// drift.yml runs on main (schedule, workflow_dispatch) in no GitHub environment.
				"github-preview": {"repo:8byte/infra:pull_request", "repo:8byte/infra:ref:refs/heads/main"},
				"github-deploy":  {"repo:8byte/infra:environment:" + env.Name},
			} {
				r := find(t, mocks, typeRole, pre+"-"+role)
				assert.Equal(t, boundary, r.String("permissionsBoundary"), role)
				assert.Equal(t, 3600, r.Int("maxSessionDuration"), role)
				assert.Equal(t, []policy.Statement{{
					Effect:    "Allow",
					Principal: policy.Principal{"Federated": {testProviderARN}},
					Action:    []string{"sts:AssumeRoleWithWebIdentity"},
					Condition: policy.Conditions{"StringEquals": {
						"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"},
						"token.actions.githubusercontent.com:sub": subjects,
					}},
				}}, document(t, r, "assumeRolePolicy").Statement, role)
			}
			assert.Equal(t, find(t, mocks, typeRole, pre+"-github-preview").Out["arn"], tests.AwaitString(t, c.PreviewRoleArn))
			assert.Equal(t, find(t, mocks, typeRole, pre+"-github-deploy").Out["arn"], tests.AwaitString(t, c.DeployRoleArn))
		})
	}
}

func TestSubjects(t *testing.T) {
	assert.Equal(t, "repo:8byte/infra:pull_request", PullRequestSubject("8byte/infra"))
	assert.Equal(t, "repo:8byte/infra:ref:refs/heads/main", MainBranchSubject("8byte/infra"))
	assert.Equal(t, "repo:8byte/infra:environment:prod", EnvironmentSubject("8byte/infra", settings.Prod))
}

func TestExistingOidcProvider(t *testing.T) {
	const existing = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	mocks, c := runIAM(t, settings.Dev, func(a *Args) {
		a.Config = Config{Enabled: true, Repository: "8byte/infra", OidcProviderArn: existing}
	})
	assert.Empty(t, mocks.OfType(typeOIDC))
	assert.Equal(t, existing, tests.AwaitString(t, c.OidcProviderArn))
	trust := document(t, find(t, mocks, typeRole, "8byte-dev-github-deploy"), "assumeRolePolicy")
	assert.Equal(t, policy.Principal{"Federated": {existing}}, trust.Statement[0].Principal)
	deploy := document(t, find(t, mocks, typeRolePolicy, "8byte-dev-github-deploy-permissions"), "policy")
	for _, st := range deploy.Statement {
		assert.NotEqual(t, "MaintainGitHubProvider", st.Sid, "the bootstrap project owns the provider")
		assert.NotContains(t, []string{"ListState", "AccessState", "UseSecretsProvider"}, st.Sid, "no backend configured")
	}
}

func TestPreviewRole(t *testing.T) {
	mocks, _ := runIAM(t, settings.Prod, gitHub)
	role := find(t, mocks, typeRole, "8byte-prod-github-preview")
	var attached []string
	for _, a := range mocks.OfType(typeAttachment) {
		if a.String("role") == role.Out["name"] {
			attached = append(attached, a.String("policyArn"))
		}
	}
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, attached)

	guard := find(t, mocks, typeRolePolicy, "8byte-prod-github-preview-guard")
	assert.Equal(t, role.Out["name"], guard.String("role"))
	assert.Equal(t, []policy.Statement{
		{Sid: "DenySecretValues", Effect: "Deny", Action: []string{"secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue"}, Resource: []string{"*"}},
		{Sid: "DenyDecryptThroughServices", Effect: "Deny", Action: []string{"kms:Decrypt"}, Resource: []string{"*"},
			Condition: policy.Conditions{"Null": {"kms:ViaService": {"false"}}, "StringNotLike": {"kms:ViaService": {"s3.*.amazonaws.com"}}}},
		{Sid: "DenyStackObjects", Effect: "Deny", Action: []string{"s3:GetObject", "s3:GetObjectVersion"}, Resource: []string{"arn:aws:s3:::8byte-prod-*/*"}},
		{Sid: "ListState", Effect: "Allow", Action: []string{"s3:GetBucketLocation", "s3:ListBucket"}, Resource: []string{"arn:aws:s3:::8byte-pulumi-state"}},
		{Sid: "AccessState", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::8byte-pulumi-state/*"}},
		{Sid: "UseSecretsProvider", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, Resource: []string{testKeyARN}},
	}, document(t, guard, "policy").Statement)
}

func TestPreviewWithoutStateBucketDeniesEveryDecryptionThroughServices(t *testing.T) {
	mocks, _ := runIAM(t, settings.Dev, func(a *Args) {
		a.Config = Config{Enabled: true, Repository: "8byte/infra", OidcProviderArn: testProviderARN}
	})
	guard := document(t, find(t, mocks, typeRolePolicy, "8byte-dev-github-preview-guard"), "policy")
	require.Len(t, guard.Statement, 3, "only the denials")
	assert.Equal(t, policy.Conditions{"Null": {"kms:ViaService": {"false"}}}, guard.Statement[1].Condition)
}

func TestDeployPolicy(t *testing.T) {
	mocks, _ := runIAM(t, settings.Dev, gitHub)
	boundary := find(t, mocks, typePolicy, "8byte-dev-boundary").Out["arn"].(string)
	deployPolicy := find(t, mocks, typeRolePolicy, "8byte-dev-github-deploy-permissions")
	assert.Equal(t, find(t, mocks, typeRole, "8byte-dev-github-deploy").Out["name"], deployPolicy.String("role"))

	const acct = tests.AccountID
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":us-east-1:" + acct + ":" + resource
	}
	anyRegion := func(service, resource string) string { return "arn:aws:" + service + ":*:" + acct + ":" + resource }
	iamARN := func(resource string) string { return "arn:aws:iam::" + acct + ":" + resource }
	want := []policy.Statement{
		{Sid: "ReadManagedServices", Effect: "Allow", Action: []string{
			"autoscaling:Describe*", "cloudtrail:Describe*", "cloudtrail:List*", "cloudwatch:Describe*", "cloudwatch:List*",
			"ec2:Describe*", "elasticloadbalancing:Describe*", "kms:List*", "logs:Describe*", "rds:Describe*",
			"sns:List*", "wafv2:List*", "iam:Get*", "iam:List*"}, Resource: []string{"*"}},
		{Sid: "ManageNetworkAndInstances", Effect: "Allow", Action: []string{"ec2:Allocate*", "ec2:Associate*", "ec2:Attach*",
			"ec2:Authorize*", "ec2:Create*", "ec2:Delete*", "ec2:Detach*", "ec2:Disassociate*", "ec2:Modify*", "ec2:Release*",
			"ec2:Replace*", "ec2:Revoke*", "ec2:UpdateSecurityGroupRuleDescriptions*", "ec2:RunInstances"},
			Resource: []string{arn("ec2", "*"), "arn:aws:ec2:us-east-1::image/*", "arn:aws:ec2:us-east-1::snapshot/*"}},
		{Sid: "ManageAutoScaling", Effect: "Allow", Action: []string{"autoscaling:Attach*", "autoscaling:Cancel*", "autoscaling:Create*",
			"autoscaling:Delete*", "autoscaling:Detach*", "autoscaling:Disable*", "autoscaling:Enable*", "autoscaling:Put*",
			"autoscaling:Resume*", "autoscaling:Set*", "autoscaling:Start*", "autoscaling:Suspend*", "autoscaling:Update*"},
			Resource: []string{arn("autoscaling", "*")}},
		{Sid: "ManageLoadBalancers", Effect: "Allow", Action: []string{"elasticloadbalancing:Add*", "elasticloadbalancing:Create*",
			"elasticloadbalancing:Delete*", "elasticloadbalancing:Deregister*", "elasticloadbalancing:Modify*",
			"elasticloadbalancing:Register*", "elasticloadbalancing:Remove*", "elasticloadbalancing:Set*"},
			Resource: []string{arn("elasticloadbalancing", "*")}},
		{Sid: "ManageWebACL", Effect: "Allow", Action: []string{"wafv2:Associate*", "wafv2:Create*", "wafv2:Delete*", "wafv2:Disassociate*",
			"wafv2:Get*", "wafv2:Put*", "wafv2:TagResource", "wafv2:UntagResource", "wafv2:Update*"},
			Resource: []string{arn("wafv2", "*"), arn("elasticloadbalancing", "loadbalancer/app/*")}},
		{Sid: "ManageDatabase", Effect: "Allow", Action: []string{"rds:Add*", "rds:Create*", "rds:Delete*", "rds:List*", "rds:Modify*",
			"rds:Reboot*", "rds:Remove*", "rds:Start*", "rds:Stop*"}, Resource: []string{anyRegion("rds", "*")}},
		{Sid: "ManageKeys", Effect: "Allow", Action: []string{"kms:CancelKeyDeletion", "kms:Create*", "kms:Decrypt", "kms:Delete*",
			"kms:Describe*", "kms:Enable*", "kms:Encrypt", "kms:GenerateDataKey*", "kms:Get*", "kms:List*", "kms:Put*",
			"kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:Update*"},
			Resource: []string{anyRegion("kms", "key/*"), anyRegion("kms", "alias/8byte-dev-*")}},
		{Sid: "CreateKeys", Effect: "Allow", Action: []string{"kms:CreateKey"}, Resource: []string{"*"}},
		{Sid: "ManageSecrets", Effect: "Allow", Action: []string{"secretsmanager:CancelRotateSecret", "secretsmanager:Create*",
			"secretsmanager:Delete*", "secretsmanager:Describe*", "secretsmanager:Get*", "secretsmanager:List*", "secretsmanager:Put*",
			"secretsmanager:RestoreSecret", "secretsmanager:RotateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource",
			"secretsmanager:Update*"}, Resource: []string{arn("secretsmanager", "secret:8byte-dev-*"), arn("secretsmanager", "secret:rds!*")}},
		{Sid: "ManageLogGroups", Effect: "Allow", Action: []string{"logs:AssociateKmsKey", "logs:Create*", "logs:Delete*",
			"logs:DisassociateKmsKey", "logs:List*", "logs:Put*", "logs:Tag*", "logs:Untag*"},
			Resource: []string{arn("logs", "log-group:8byte-dev-*"), arn("logs", "log-group:8byte-dev-*:log-stream:*"), arn("logs", "log-group:aws-waf-logs-8byte-dev*")}},
		{Sid: "ConfigureLogDelivery", Effect: "Allow", Action: []string{"logs:DeleteResourcePolicy", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"},
			Resource: []string{arn("logs", "*")}},
		{Sid: "ManageLogDeliveries", Effect: "Allow", Action: []string{"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:GetLogDelivery",
			"logs:ListLogDeliveries", "logs:UpdateLogDelivery"}, Resource: []string{"*"}},
		{Sid: "ManageAlarmsAndDashboards", Effect: "Allow", Action: []string{"cloudwatch:Delete*", "cloudwatch:Get*", "cloudwatch:Put*",
			"cloudwatch:TagResource", "cloudwatch:UntagResource"},
			Resource: []string{arn("cloudwatch", "alarm:8byte-dev-*"), "arn:aws:cloudwatch::" + acct + ":dashboard/8byte-dev-*"}},
		{Sid: "ManageTopics", Effect: "Allow", Action: []string{"sns:CreateTopic", "sns:DeleteTopic", "sns:Get*", "sns:Set*", "sns:Subscribe",
			"sns:TagResource", "sns:Unsubscribe", "sns:UntagResource"}, Resource: []string{arn("sns", "8byte-dev-*")}},
		{Sid: "ManageTrail", Effect: "Allow", Action: []string{"cloudtrail:AddTags", "cloudtrail:CreateTrail", "cloudtrail:DeleteTrail",
			"cloudtrail:Get*", "cloudtrail:Put*", "cloudtrail:RemoveTags", "cloudtrail:StartLogging", "cloudtrail:UpdateTrail"},
			Resource: []string{arn("cloudtrail", "trail/8byte-dev-*")}},
		{Sid: "ManageBuckets", Effect: "Allow", Action: []string{"s3:CreateBucket", "s3:Delete*", "s3:Get*", "s3:List*", "s3:Put*"},
			Resource: []string{"arn:aws:s3:::8byte-dev-*", "arn:aws:s3:::8byte-dev-*/*"}},
		{Sid: "RegistryLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
		{Sid: "ManageAppRepository", Effect: "Allow", Action: []string{"ecr:CreateRepository", "ecr:DeleteLifecyclePolicy",
			"ecr:DeleteRepository", "ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:ListTagsForResource",
			"ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:PutLifecyclePolicy", "ecr:TagResource",
			"ecr:UntagResource"}, Resource: []string{arn("ecr", "repository/8byte-dev-app")}},
		{Sid: "PushAppImage", Effect: "Allow", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
			"ecr:CompleteLayerUpload", "ecr:DescribeImages", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"},
			Resource: []string{arn("ecr", "repository/8byte-dev-app")}},
		{Sid: "ReadPublicAmiParameters", Effect: "Allow", Action: []string{"ssm:GetParameter", "ssm:GetParameters"},
			Resource: []string{"arn:aws:ssm:us-east-1::parameter/aws/service/*"}},
		{Sid: "CreateRolesWithinBoundary", Effect: "Allow", Action: []string{"iam:AttachRolePolicy", "iam:CreateRole",
			"iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"}, Resource: []string{iamARN("role/8byte-dev-*")},
			Condition: policy.Conditions{"StringEquals": {"iam:PermissionsBoundary": {boundary}}}},
		{Sid: "ManageStackRoles", Effect: "Allow", Action: []string{"iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
			"iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"},
			Resource: []string{iamARN("role/8byte-dev-*")}},
		{Sid: "ManageStackPolicies", Effect: "Allow", Action: []string{"iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy",
			"iam:DeletePolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"}, Resource: []string{iamARN("policy/8byte-dev-*")}},
		{Sid: "ManageInstanceProfiles", Effect: "Allow", Action: []string{"iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile",
			"iam:DeleteInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile"},
			Resource: []string{iamARN("instance-profile/8byte-dev-*")}},
		{Sid: "PassStackRoles", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: []string{iamARN("role/8byte-dev-*")},
			Condition: policy.Conditions{"StringEquals": {"iam:PassedToService": {"ec2.amazonaws.com", "monitoring.rds.amazonaws.com",
				"vpc-flow-logs.amazonaws.com", "cloudtrail.amazonaws.com"}}}},
		{Sid: "CreateServiceLinkedRoles", Effect: "Allow", Action: []string{"iam:CreateServiceLinkedRole"},
			Resource: []string{iamARN("role/aws-service-role/*")},
			Condition: policy.Conditions{"StringEquals": {"iam:AWSServiceName": {"autoscaling.amazonaws.com",
				"elasticloadbalancing.amazonaws.com", "rds.amazonaws.com"}}}},
		{Sid: "ListState", Effect: "Allow", Action: []string{"s3:GetBucketLocation", "s3:ListBucket"}, Resource: []string{"arn:aws:s3:::8byte-pulumi-state"}},
		{Sid: "AccessState", Effect: "Allow", Action: []string{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
			Resource: []string{"arn:aws:s3:::8byte-pulumi-state/*"}},
		{Sid: "UseSecretsProvider", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, Resource: []string{testKeyARN}},
	}
	assert.Equal(t, want, document(t, deployPolicy, "policy").Statement)
}

// app-image.yml pushes the image with the deploy role of its environment: every call it makes is granted
// on that environment's repository (the registry login on "*", as the only way AWS offers), and the
// boundary lets each through.
func TestDeployRoleCanPushTheAppImage(t *testing.T) {
	calls := []string{"ecr:DescribeImages", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
		"ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"}
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runIAM(t, env, gitHub)
			p := settings.Prefix(env)
			boundary := document(t, find(t, mocks, typePolicy, p+"-boundary"), "policy")
			deploy := document(t, find(t, mocks, typeRolePolicy, p+"-github-deploy-permissions"), "policy")
			allowed := func(action, resource string) bool {
				for _, st := range deploy.Statement {
					if st.Effect == policy.Allow && len(st.Condition) == 0 && matchesAny(st.Action, action) && matchesAny(st.Resource, resource) {
						return boundaryAllows(boundary, st, action, resource)
					}
				}
				return false
			}
			repository := "arn:aws:ecr:us-east-1:123456789012:repository/" + p + "-app"
			for _, action := range calls {
				assert.True(t, allowed(action, repository), "%s on %s", action, repository)
				assert.False(t, allowed(action, "arn:aws:ecr:us-east-1:123456789012:repository/other-app"), "%s on another repository", action)
			}
			assert.True(t, allowed("ecr:GetAuthorizationToken", "*"))
			assert.Contains(t, WildcardResourceActions, "ecr:GetAuthorizationToken")
		})
	}
}

func TestStateKeyIsUsedThroughS3Only(t *testing.T) {
	const stateKey = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d" //nolint:gosec // G101: a key ARN, not a credential
	mocks, _ := runIAM(t, settings.Dev, func(a *Args) {
		a.Config = Config{Enabled: true, Repository: "acme/shop", OidcProviderArn: testProviderARN, StateBucket: "8byte-bootstrap-state", StateKeyArn: stateKey}
	})
	want := func(actions ...string) policy.Statement {
		return policy.Statement{Sid: "UseStateKeyThroughS3", Effect: "Allow", Action: actions, Resource: []string{stateKey},
			Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {"s3.us-east-1.amazonaws.com"}}}}
	}
	for role, st := range map[string]policy.Statement{
		"8byte-dev-github-deploy-permissions": want("kms:Decrypt", "kms:GenerateDataKey"),
		"8byte-dev-github-preview-guard":      want("kms:Decrypt"),
	} {
		assert.Contains(t, document(t, find(t, mocks, typeRolePolicy, role), "policy").Statement, st, role)
	}
}
