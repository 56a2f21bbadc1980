package data

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

var rdsKeyActions = []string{
	"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey",
}

// keyPolicy returns the parsed key policy of the key named name.
func keyPolicy(t *testing.T, mocks *tests.Mocks, name string) (*tests.Resource, policy.Document) {
	t.Helper()
	key := mocks.Find(typeKey, name)
	require.NotNil(t, key, name)
	var doc policy.Document
	require.NoError(t, key.JSON("policy", &doc))
	return key, doc
}

func TestKeyPoliciesGrantOnlyTheirUsers(t *testing.T) {
	for _, tc := range []struct {
		env    settings.Environment
		window int
	}{{settings.Dev, 7}, {settings.Prod, 30}} {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, _ := runData(t, tc.env, nil)
			prefix := settings.Prefix(tc.env)

			key, doc := keyPolicy(t, mocks, prefix+"-database-key")
			assert.True(t, key.Bool("enableKeyRotation"))
			assert.Equal(t, tc.window, key.Int("deletionWindowInDays"))
			assert.Equal(t, policy.New(secure.AccountAdministration(account), policy.Statement{
				Sid: "UseThroughRDS", Effect: "Allow", Principal: policy.Everyone(), Action: rdsKeyActions, Resource: []string{"*"},
				Condition: policy.Conditions{"StringEquals": {
					"kms:CallerAccount": {"123456789012"},
					"kms:ViaService":    {"rds.us-east-1.amazonaws.com"},
				}},
			}), doc)

			key, doc = keyPolicy(t, mocks, prefix+"-secrets-key")
			assert.True(t, key.Bool("enableKeyRotation"))
			assert.Equal(t, policy.New(secure.AccountAdministration(account), policy.Statement{
				Sid: "AppReadsSecretsThroughSecretsManager", Effect: "Allow", Principal: policy.AWS(testAppRole),
				Action: []string{"kms:Decrypt"}, Resource: []string{"*"},
				Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {"secretsmanager.us-east-1.amazonaws.com"}}},
			}), doc)

			aliases := map[string]string{}
			for _, a := range mocks.OfType(typeAlias) {
				aliases[a.Name] = a.String("name")
			}
			want := map[string]string{
				prefix + "-database-key": "alias/" + prefix + "-database",
				prefix + "-secrets-key":  "alias/" + prefix + "-secrets",
			}
			if tc.env.IsProd() {
				want[prefix+"-replica-key"] = "alias/8byte-prod-database-replica"
			}
			assert.Equal(t, want, aliases)
		})
	}
}

func TestReplicaKeyIsUsedThroughRDSInTheReplicaRegion(t *testing.T) {
	mocks, _ := runData(t, settings.Prod, nil)
	key, doc := keyPolicy(t, mocks, "8byte-prod-replica-key")
	assert.True(t, key.Bool("enableKeyRotation"))
	assert.Equal(t, 30, key.Int("deletionWindowInDays"))
	assert.True(t, key.RetainOnDelete, "the replicated backups outlive the stack")
	require.Len(t, doc.Statement, 2)
	assert.Equal(t, secure.AccountAdministration(account), doc.Statement[0])
	assert.Equal(t, map[string][]string{
		"kms:CallerAccount": {"123456789012"},
		"kms:ViaService":    {"rds.us-west-2.amazonaws.com"},
	}, doc.Statement[1].Condition["StringEquals"])
	assert.Equal(t, rdsKeyActions, doc.Statement[1].Action)
}
