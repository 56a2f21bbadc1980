package main

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/tests"
)

// userAccount is a real user's account: not AWS's documentation account, so the stand-ins are refused.
const userAccount = "210987654321"

// setField returns a copy of config with the field of the structured key set to value.
func setField(t *testing.T, config map[string]string, key, field string, value any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range config {
		out[k] = v
	}
	obj := map[string]any{}
	if raw, ok := out[key]; ok {
		require.NoError(t, json.Unmarshal([]byte(raw), &obj))
	}
	obj[field] = value
	b, err := json.Marshal(obj)
	require.NoError(t, err)
	out[key] = string(b)
	return out
}

// inUserAccount runs the whole program for stack in userAccount.
func inUserAccount(t *testing.T, stack string, config map[string]string) (*tests.Mocks, error) {
	t.Helper()
	mocks := tests.NewMocks(stack)
	mocks.AccountID = userAccount
	err := mocks.Run(config, func(ctx *pulumi.Context) error {
		_, err := deploy(ctx)
		return err
	})
	return mocks, err
}

// userProdConfig is Pulumi.prod.yaml with every stand-in replaced by a value of userAccount.
func userProdConfig(t *testing.T) map[string]string {
	t.Helper()
	cfg := stackConfig(t, "prod")
	cfg = setField(t, cfg, "8byte:compute", "repositoryUrl", userAccount+".dkr.ecr.us-east-1.amazonaws.com/8byte-app")
	cfg = setField(t, cfg, "8byte:compute", "imageTag", "4b825dc")
	cfg = setField(t, cfg, "8byte:compute", "certificateArn", "arn:aws:acm:us-east-1:"+userAccount+":certificate/0d4c6c2e-8f7e-4c5a-9b1e-2f5a7c9d3e10")
	cfg = setField(t, cfg, "8byte:github", "repository", "acme/shop")
	cfg = setField(t, cfg, "8byte:github", "oidcProviderArn", "arn:aws:iam::"+userAccount+":oidc-provider/token.actions.githubusercontent.com")
	return setField(t, cfg, "8byte:observability", "alarmEmails", []string{"oncall@acme.io"})
}

func TestRealValuesDeployInAUserAccount(t *testing.T) {
	require.Equal(t, DocumentationAccountID, tests.AccountID, "the committed stand-ins run in the mock account")
	mocks, err := inUserAccount(t, "prod", userProdConfig(t))
	require.NoError(t, err)
	assert.NotEmpty(t, mocks.OfType("aws:rds/instance:Instance"))
}

// TestStandInsAreRefusedBeforeAnythingIsCreated puts back, one at a time, a stand-in of the committed
// stack files (or a value of another account or region) into a real user's config: each is refused with
// a message naming the key and what to set, and not one resource is registered.
func TestStandInsAreRefusedBeforeAnythingIsCreated(t *testing.T) {
	committed := stackConfig(t, "prod")
	var compute, github, observability map[string]any
	require.NoError(t, json.Unmarshal([]byte(committed["8byte:compute"]), &compute))
	require.NoError(t, json.Unmarshal([]byte(committed["8byte:github"]), &github))
	require.NoError(t, json.Unmarshal([]byte(committed["8byte:observability"]), &observability))

	cases := []struct {
		name, key, field string
		value            any
		want             string
	}{
		{"stand-in certificate", "8byte:compute", "certificateArn", compute["certificateArn"],
			`config 8byte:compute.certificateArn: invalid value "arn:aws:acm:us-east-1:123456789012:certificate/0d4c6c2e-8f7e-4c5a-9b1e-2f5a7c9d3e10": must be a certificate of account 210987654321 in region us-east-1 (aws)`},
		{"certificate of another region", "8byte:compute", "certificateArn", "arn:aws:acm:eu-west-1:" + userAccount + ":certificate/0d4c6c2e-8f7e-4c5a-9b1e-2f5a7c9d3e10",
			`config 8byte:compute.certificateArn: invalid value "arn:aws:acm:eu-west-1:210987654321:certificate/0d4c6c2e-8f7e-4c5a-9b1e-2f5a7c9d3e10": must be a certificate of account 210987654321 in region us-east-1 (aws)`},
		{"stand-in registry", "8byte:compute", "repositoryUrl", compute["repositoryUrl"],
			`config 8byte:compute.repositoryUrl: invalid value "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app": must be the repository of account 210987654321 in region us-east-1: set the output repositoryUrl of this account's bootstrap stack (README: from zero)`},
		{"stand-in image tag", "8byte:compute", "imageTag", compute["imageTag"],
			`config 8byte:compute.imageTag: invalid value "bootstrap": is the stand-in of the committed stack files; no image has it: push the first image (README: the first image) and set its tag (CI sets the tree hash of app/)`},
		{"example repository", "8byte:github", "repository", github["repository"],
			`config 8byte:github.repository: invalid value "8byte/infra": is the example repository of the committed stack files: set the owner/repo whose workflows deploy this stack (or github.enabled false)`},
		{"stand-in OIDC provider", "8byte:github", "oidcProviderArn", github["oidcProviderArn"],
			`config 8byte:github.oidcProviderArn: invalid value "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com": must be the OIDC provider of account 210987654321: set the output oidcProviderArn of this account's bootstrap stack (README: from zero)`},
		{"reserved-domain alarm e-mail", "8byte:observability", "alarmEmails", observability["alarmEmails"],
			`config 8byte:observability.alarmEmails: invalid value ["platform-oncall@8byte.example"]: "platform-oncall@8byte.example" is in example, a domain reserved for examples (RFC 2606, RFC 6761) that never receives mail: set the addresses that are woken up`},
		{"reserved second-level domain", "8byte:observability", "alarmEmails", []string{"oncall@acme.io", "ops@Mail.Example.COM"},
			`config 8byte:observability.alarmEmails: invalid value ["oncall@acme.io" "ops@Mail.Example.COM"]: "ops@Mail.Example.COM" is in example.com, a domain reserved for examples (RFC 2606, RFC 6761) that never receives mail: set the addresses that are woken up`},
		{"OIDC provider created by the stack", "8byte:github", "createOidcProvider", true,
			"config 8byte:github.createOidcProvider is no longer read: the bootstrap project creates the account's GitHub OIDC provider"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mocks, err := inUserAccount(t, "prod", setField(t, userProdConfig(t), tc.key, tc.field, tc.value))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, mocks.All(), "nothing may be registered before a stand-in is refused")
		})
	}
}

func TestReservedDomains(t *testing.T) {
	for email, want := range map[string]string{
		"a@example": "example", "a@b.test": "test", "a@x.invalid": "invalid", "a@localhost": "localhost",
		"a@example.org": "example.org", "a@deep.sub.example.net.": "example.net",
	} {
		got, reserved := reservedDomain(email)
		assert.True(t, reserved, email)
		assert.Equal(t, want, got, email)
	}
	for _, email := range []string{"a@example.io", "a@testing.com", "a@myexample.com", "a@corp.io"} {
		_, reserved := reservedDomain(email)
		assert.False(t, reserved, email)
	}
}
