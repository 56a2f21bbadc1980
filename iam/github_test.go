package iam

import (
	"strings"
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
			// drift.yml runs on main (schedule, workflow_dispatch) in no GitHub environment; prod's pull
			// requests preview in the reviewed prod-preview environment.
			previews := map[settings.Environment][]string{
				settings.Dev:  {"repo:8byte/infra:pull_request", "repo:8byte/infra:ref:refs/heads/main"},
				settings.Prod: {"repo:8byte/infra:environment:prod-preview", "repo:8byte/infra:ref:refs/heads/main"},
			}
			for role, subjects := range map[string][]string{
				"github-preview": previews[env],
				"github-deploy":  {"repo:8byte/infra:environment:" + env.Name},
			} {
				r := find(t, mocks, typeRole, pre+"-"+role)
				assert.Equal(t, boundary, r.String("permissionsBoundary"), role)
				assert.Equal(t, 10800, r.Int("maxSessionDuration"), role)
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
	assert.Equal(t, "repo:8byte/infra:environment:prod", EnvironmentSubject("8byte/infra", "prod"))
}

// A repository that sends immutable subjects is trusted in exactly that form, for every subject.
func TestImmutableSubjects(t *testing.T) {
	for _, cfg := range []Config{
		{Enabled: true, Repository: "8byte/infra", OwnerID: "1234", RepositoryID: "56789", OidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		{Enabled: true, Repository: "8byte@1234/infra@56789", OidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
	} {
		mocks, _ := runIAM(t, settings.Prod, func(a *Args) { a.Config = cfg })
		preview := document(t, find(t, mocks, typeRole, "8byte-prod-github-preview"), "assumeRolePolicy")
		assert.Equal(t, []string{"repo:8byte@1234/infra@56789:environment:prod-preview", "repo:8byte@1234/infra@56789:ref:refs/heads/main"},
			preview.Statement[0].Condition["StringEquals"]["token.actions.githubusercontent.com:sub"])
		deploy := document(t, find(t, mocks, typeRole, "8byte-prod-github-deploy"), "assumeRolePolicy")
		assert.Equal(t, []string{"repo:8byte@1234/infra@56789:environment:prod"},
			deploy.Statement[0].Condition["StringEquals"]["token.actions.githubusercontent.com:sub"])
	}
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
	for _, st := range ciStatements(t, mocks, "8byte-dev-github-deploy") {
		assert.NotContains(t, []string{"ListOwnState", "AccessOwnState", "UseSecretsProvider"}, st.Sid, "no backend configured")
	}
}

// ciStatements returns the statements of the managed policies attached to the CI role.
func ciStatements(t *testing.T, mocks *tests.Mocks, roleName string) []policy.Statement {
	t.Helper()
	var out []policy.Statement
	for _, a := range mocks.OfType(typeAttachment) {
		if a.String("role") != roleName {
			continue
		}
		for _, p := range mocks.OfType(typePolicy) {
			if p.Out["arn"] == a.String("policyArn") {
				out = append(out, document(t, p, "policy").Statement...)
			}
		}
	}
	require.NotEmpty(t, out, "no policies on %s", roleName)
	return out
}

// Each CI role reaches its own stack's state only: the checkpoint (preview), also the locks, history and
// backups (deploy), listing only their prefixes; preview decrypts with the stack's key, deploy encrypts too.
func TestStateAccessIsPerStack(t *testing.T) {
	mocks, _ := runIAM(t, settings.Prod, gitHub)
	const bucket = "arn:aws:s3:::8byte-pulumi-state"
	list := policy.Statement{Sid: "ListOwnState", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{bucket},
		Condition: policy.Conditions{"StringEquals": {"s3:prefix": {".pulumi/stacks/8byte/prod.json", ".pulumi/locks/organization/8byte/prod/", ".pulumi/history/8byte/prod/"}}}}
	meta := policy.Statement{Sid: "ReadBackendMeta", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{bucket + "/.pulumi/meta.yaml"}}
	preview := ciStatements(t, mocks, "8byte-prod-github-preview")
	assert.Contains(t, preview, list)
	assert.Contains(t, preview, meta)
	assert.Contains(t, preview, policy.Statement{Sid: "AccessOwnState", Effect: "Allow", Action: []string{"s3:GetObject"},
		Resource: []string{bucket + "/.pulumi/stacks/8byte/prod.json*"}})
	assert.Contains(t, preview, policy.Statement{Sid: "UseSecretsProvider", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{testKeyARN}})
	deploy := ciStatements(t, mocks, "8byte-prod-github-deploy")
	assert.Contains(t, deploy, list)
	assert.Contains(t, deploy, policy.Statement{Sid: "AccessOwnState", Effect: "Allow", Action: []string{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
		Resource: []string{bucket + "/.pulumi/stacks/8byte/prod.json*", bucket + "/.pulumi/*/8byte/prod/*"}})
	assert.Contains(t, deploy, policy.Statement{Sid: "UseSecretsProvider", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, Resource: []string{testKeyARN}})
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
			deploy := ciStatements(t, mocks, p+"-github-deploy")
			allowed := func(action, resource string) bool {
				for _, st := range deploy {
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
	const stateKey = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
	mocks, _ := runIAM(t, settings.Dev, func(a *Args) {
		a.Config = Config{Enabled: true, Repository: "acme/shop", OidcProviderArn: testProviderARN, StateBucket: "8byte-bootstrap-state", StateKeyArn: stateKey}
	})
	want := func(actions ...string) policy.Statement {
		return policy.Statement{Sid: "UseStateKeyThroughS3", Effect: "Allow", Action: actions, Resource: []string{stateKey},
			Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {"s3.us-east-1.amazonaws.com"}}}}
	}
	// The CI roles' permissions are customer managed policies <key>-1, <key>-2, ... (managedPolicies).
	statementsOf := func(key string) []policy.Statement {
		var out []policy.Statement
		for _, p := range mocks.OfType(typePolicy) {
			if strings.HasPrefix(p.Name, key+"-") {
				out = append(out, document(t, p, "policy").Statement...)
			}
		}
		require.NotEmpty(t, out, "no managed policies %s-N", key)
		return out
	}
	for key, st := range map[string]policy.Statement{
		"8byte-dev-github-deploy-permissions": want("kms:Decrypt", "kms:GenerateDataKey"),
		"8byte-dev-github-preview-read":       want("kms:Decrypt"),
	} {
		assert.Contains(t, statementsOf(key), st, key)
	}
}
