package iam

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// everyDocument returns every policy document the component creates, by resource and input path.
func everyDocument(t *testing.T, mocks *tests.Mocks) map[*tests.Resource]policy.Document {
	t.Helper()
	docs := map[*tests.Resource]policy.Document{}
	for _, r := range mocks.All() {
		switch r.Type {
		case typeRole:
			docs[r] = document(t, r, "assumeRolePolicy")
		case typeRolePolicy, typePolicy:
			docs[r] = document(t, r, "policy")
		}
	}
	return docs
}

var serviceWildcard = regexp.MustCompile(`^[a-z0-9-]+:\*$`)

func TestNoPolicyGrantsTooMuch(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runIAM(t, env, gitHub)
			docs := everyDocument(t, mocks)
			require.GreaterOrEqual(t, len(docs), 8, "4 trust policies, the app's inline policy, the boundary, the CI roles' policies")
			for r, doc := range docs {
				isBoundary := r.Type == typePolicy && strings.HasSuffix(r.Name, "-boundary")
				for _, st := range doc.Statement {
					assert.Empty(t, st.NotAction, "%s uses NotAction", r.Name)
					for _, a := range st.Action {
						if st.Effect == policy.Deny {
							continue // denying a whole service is a limit, not a grant
						}
						assert.NotContains(t, []string{"*", "*:*", "iam:*"}, a, "%s: %s", r.Name, a)
						if serviceWildcard.MatchString(a) {
							assert.True(t, isBoundary && st.Effect == policy.Allow && !slices.Contains(st.Resource, "*"),
								"%s: service wildcard %s outside the boundary's resource-scoped ceiling", r.Name, a)
						}
					}
					if st.Effect != policy.Allow || !slices.Contains(st.Resource, "*") {
						continue
					}
					require.Len(t, st.Resource, 1, "%s: * beside other resources", r.Name)
					for _, a := range st.Action {
						grant, listed := WildcardResourceActions[a]
						if assert.True(t, listed, "%s allows %s on Resource *", r.Name, a) && grant.RequiredCondition != "" {
							var keys []string
							for _, kv := range st.Condition {
								for k := range kv {
									keys = append(keys, k)
								}
							}
							assert.Contains(t, keys, grant.RequiredCondition, "%s: %s on * without its condition", r.Name, a)
						}
					}
				}
			}
		})
	}
}

func TestTrustPoliciesNameOnlyServicesAndTheGitHubProvider(t *testing.T) {
	mocks, _ := runIAM(t, settings.Prod, gitHub)
	for _, r := range mocks.OfType(typeRole) {
		for _, st := range document(t, r, "assumeRolePolicy").Statement {
			assert.Equal(t, policy.Allow, st.Effect)
			for kind, ids := range st.Principal {
				assert.Contains(t, []string{"Service", "Federated"}, kind, r.Name)
				assert.NotContains(t, ids, "*", r.Name)
			}
			if _, federated := st.Principal["Federated"]; federated {
				assert.Equal(t, []string{"sts.amazonaws.com"}, st.Condition["StringEquals"]["token.actions.githubusercontent.com:aud"], r.Name)
				subjects := st.Condition["StringEquals"]["token.actions.githubusercontent.com:sub"]
				assert.NotEmpty(t, subjects, r.Name)
				for _, sub := range subjects {
					assert.NotContains(t, sub, "*", r.Name)
					assert.NotContains(t, sub, "?", r.Name)
				}
				assert.Empty(t, st.Condition["StringLike"], "%s: a wildcard subject would let any branch or repository in", r.Name)
			}
		}
	}
}

// The preview role reads the values of its own stack's secrets only (the connection secret, for its
// SecretVersion's refresh): its one grant of GetSecretValue names them, and an explicit denial covers
// every other secret.
func TestPreviewRoleReadsOnlyItsStacksSecretValues(t *testing.T) {
	mocks, _ := runIAM(t, settings.Prod, gitHub)
	own := "arn:aws:secretsmanager:us-east-1:123456789012:secret:8byte-prod-*"
	denied := false
	for _, st := range ciStatements(t, mocks, "8byte-prod-github-preview") {
		if !matchesAny(st.Action, "secretsmanager:GetSecretValue") {
			continue
		}
		if st.Effect == policy.Allow {
			assert.Equal(t, []string{own + "-??????"}, st.Resource)
		} else {
			assert.Equal(t, []string{own}, st.NotResource)
			denied = true
		}
	}
	assert.True(t, denied, "no denial of other secret values")
}

func TestWildcardAllowList(t *testing.T) {
	reads := regexp.MustCompile(`^[a-z0-9-]+:(Describe|List|Get)\*$`)
	for action, grant := range WildcardResourceActions {
		assert.NotEmpty(t, grant.Reason, action)
		assert.False(t, serviceWildcard.MatchString(action) || action == "*", "%s is a whole service", action)
		if strings.HasPrefix(grant.Reason, "a read-only") {
			assert.Regexp(t, reads, action, "%s is listed as a read", action)
		}
	}
	assert.Equal(t, "cloudwatch:namespace", WildcardResourceActions["cloudwatch:PutMetricData"].RequiredCondition)
	assert.Contains(t, WildcardResourceActions, "s3:GetAccountPublicAccessBlock")
	assert.Contains(t, WildcardResourceActions, "elasticloadbalancing:SetWebAcl")
	assert.Contains(t, WildcardResourceActions, "sns:Unsubscribe")
	assert.NotContains(t, WildcardResourceActions, "kms:Decrypt")
	assert.NotContains(t, WildcardResourceActions, "secretsmanager:GetSecretValue")
}
