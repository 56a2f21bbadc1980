package iam

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

const (
	testProviderARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	testKeyARN      = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func TestGitHubIsOffByDefault(t *testing.T) {
	for _, env := range settings.Environments {
		cfg := DefaultConfig(env)
		assert.Equal(t, Config{}, cfg, env)
		assert.NoError(t, cfg.Validate(env), env)
	}
}

func TestValidConfigs(t *testing.T) {
	cases := map[string]Config{
		"existing provider":   {Enabled: true, Repository: "8byte/infra", OidcProviderArn: testProviderARN},
		"odd repository name": {Enabled: true, Repository: "Some-Org/my.repo_name-2", OidcProviderArn: testProviderARN},
		"backend and key": {Enabled: true, Repository: "a/b", OidcProviderArn: testProviderARN, StateBucket: "8byte-pulumi-state", //nolint:gosec // G101: a key ARN, not a credential
			SecretsProviderKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"},
		"disabled with values kept": {Repository: "a/b", OidcProviderArn: testProviderARN},
		"china partition":           {Enabled: true, Repository: "a/b", OidcProviderArn: "arn:aws-cn:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		"longest names":             {Enabled: true, Repository: strings.Repeat("o", 39) + "/" + strings.Repeat("r", 100), OidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		"immutable ids":             {Enabled: true, Repository: "8byte/infra", OwnerID: "123456", RepositoryID: "7890123", OidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		"immutable form":            {Enabled: true, Repository: "8byte@123456/infra@7890123", OidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		"immutable form and ids":    {Enabled: true, Repository: "8byte@123456/infra@7890123", OwnerID: "123456", OidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		"drill role": {Enabled: true, Repository: "8byte/infra", OidcProviderArn: testProviderARN,
			Drill: DrillConfig{Stack: "prod-dr", Region: "us-west-2", SecretsProviderKeyArn: "arn:aws:kms:us-west-2:123456789012:key/33333333-3333-4333-8333-333333333333"}}, //nolint:gosec // G101: a key ARN, not a credential
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			assert.NoError(t, cfg.Validate(settings.Prod))
		})
	}
}

func TestNumericIDsDecodeFromNumbersAndStrings(t *testing.T) {
	var c Config
	require.NoError(t, json.Unmarshal([]byte(`{"ownerId": 123456, "repositoryId": "7890123"}`), &c))
	assert.Equal(t, NumericID("123456"), c.OwnerID)
	assert.Equal(t, NumericID("7890123"), c.RepositoryID)
	assert.Error(t, json.Unmarshal([]byte(`{"ownerId": true}`), &c))
}

func TestConfigValidation(t *testing.T) {
	enabled := func(change func(*Config)) Config {
		c := Config{Enabled: true, Repository: "8byte/infra", OidcProviderArn: testProviderARN}
		change(&c)
		return c
	}
	const repoRule = `must be "owner/repo": an owner of letters, digits and single hyphens (at most 39), a repository of letters, digits, '.', '_' and '-' (at most 100)`
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"enabled without repository", enabled(func(c *Config) { c.Repository = "" }),
			`config 8byte:github.repository: invalid value "": ` + repoRule},
		{"no owner", enabled(func(c *Config) { c.Repository = "infra" }),
			`config 8byte:github.repository: invalid value "infra": ` + repoRule},
		{"two slashes", enabled(func(c *Config) { c.Repository = "a/b/c" }),
			`config 8byte:github.repository: invalid value "a/b/c": ` + repoRule},
		{"wildcard", enabled(func(c *Config) { c.Repository = "8byte/*" }),
			`config 8byte:github.repository: invalid value "8byte/*": ` + repoRule},
		{"owner with a leading hyphen", enabled(func(c *Config) { c.Repository = "-8byte/infra" }),
			`config 8byte:github.repository: invalid value "-8byte/infra": ` + repoRule},
		{"owner with a double hyphen", enabled(func(c *Config) { c.Repository = "a--b/infra" }),
			`config 8byte:github.repository: invalid value "a--b/infra": ` + repoRule},
		{"owner with an underscore", enabled(func(c *Config) { c.Repository = "a_b/infra" }),
			`config 8byte:github.repository: invalid value "a_b/infra": ` + repoRule},
		{"owner too long", enabled(func(c *Config) { c.Repository = strings.Repeat("o", 40) + "/r" }),
			`config 8byte:github.repository: invalid value "` + strings.Repeat("o", 40) + `/r": ` + repoRule},
		{"repository too long", enabled(func(c *Config) { c.Repository = "o/" + strings.Repeat("r", 101) }),
			`config 8byte:github.repository: invalid value "o/` + strings.Repeat("r", 101) + `": ` + repoRule},
		{"repository dot", enabled(func(c *Config) { c.Repository = "o/.." }),
			`config 8byte:github.repository: invalid value "o/..": ` + repoRule},
		{"owner id without repository id", enabled(func(c *Config) { c.OwnerID = "123" }),
			`config 8byte:github.ownerId: invalid value "123": set ownerId and repositoryId together (both numeric ids, see docs/ci.md), or neither`},
		{"id not numeric", enabled(func(c *Config) { c.OwnerID, c.RepositoryID = "123", "0x1f" }),
			`config 8byte:github.repositoryId: invalid value "0x1f": must be GitHub's numeric id (digits, no leading zero; see docs/ci.md)`},
		{"immutable form with one id", enabled(func(c *Config) { c.Repository = "8byte@123/infra" }),
			`config 8byte:github.repository: invalid value "8byte@123/infra": give both ids ("owner@<owner id>/repo@<repository id>") or none ("owner/repo")`},
		{"ids that contradict the repository", enabled(func(c *Config) { c.Repository, c.RepositoryID = "8byte@123/infra@456", "789" }),
			`config 8byte:github.repositoryId: invalid value "789": differs from the id 456 in repository "8byte@123/infra@456"`},
		{"malformed repository while disabled", Config{Repository: "owner repo"},
			`config 8byte:github.repository: invalid value "owner repo": ` + repoRule},
		{"no provider", enabled(func(c *Config) { c.OidcProviderArn = "" }),
			`config 8byte:github.oidcProviderArn: invalid value "": the GitHub roles need the account's OIDC provider: set the bootstrap project's output oidcProviderArn`},
		{"state key alias", enabled(func(c *Config) { c.StateKeyArn = "alias/8byte-bootstrap-state" }),
			`config 8byte:github.stateKeyArn: invalid value "alias/8byte-bootstrap-state": must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (the bootstrap output stateKeyArn)`},
		{"provider of another issuer", enabled(func(c *Config) {
			c.OidcProviderArn = "arn:aws:iam::123456789012:oidc-provider/gitlab.com"
		}), `config 8byte:github.oidcProviderArn: invalid value "arn:aws:iam::123456789012:oidc-provider/gitlab.com": must be the ARN of the account's GitHub OIDC provider, arn:<partition>:iam::<account>:oidc-provider/token.actions.githubusercontent.com`},
		{"provider ARN without account", enabled(func(c *Config) {
			c.OidcProviderArn = "arn:aws:iam:::oidc-provider/token.actions.githubusercontent.com"
		}), `config 8byte:github.oidcProviderArn: invalid value "arn:aws:iam:::oidc-provider/token.actions.githubusercontent.com": must be the ARN of the account's GitHub OIDC provider, arn:<partition>:iam::<account>:oidc-provider/token.actions.githubusercontent.com`},
		{"bucket with capitals", enabled(func(c *Config) { c.StateBucket = "State-Bucket" }),
			`config 8byte:github.stateBucket: invalid value "State-Bucket": must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens`},
		{"bucket ARN", enabled(func(c *Config) { c.StateBucket = "arn:aws:s3:::state" }),
			`config 8byte:github.stateBucket: invalid value "arn:aws:s3:::state": must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens`},
		{"bucket with double dots", enabled(func(c *Config) { c.StateBucket = "state..bucket" }),
			`config 8byte:github.stateBucket: invalid value "state..bucket": must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens`},
		{"bucket of the stack", enabled(func(c *Config) { c.StateBucket = "8byte-prod-state" }),
			`config 8byte:github.stateBucket: invalid value "8byte-prod-state": must not be named like this stack's own buckets (8byte-prod-*): a stack cannot hold its own state, and the preview role may not read their objects`},
		{"key alias", enabled(func(c *Config) { c.SecretsProviderKeyArn = "arn:aws:kms:us-east-1:123456789012:alias/pulumi" }),
			`config 8byte:github.secretsProviderKeyArn: invalid value "arn:aws:kms:us-east-1:123456789012:alias/pulumi": must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (IAM authorizes the key, not an alias)`},
		{"key id only", enabled(func(c *Config) { c.SecretsProviderKeyArn = "1234abcd-12ab-34cd-56ef-1234567890ab" }), // gitleaks:allow (a made-up key id)
			`config 8byte:github.secretsProviderKeyArn: invalid value "1234abcd-12ab-34cd-56ef-1234567890ab": must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (IAM authorizes the key, not an alias)`},
		{"drill stack with capitals", enabled(func(c *Config) { c.Drill = DrillConfig{Stack: "Prod-DR", Region: "us-west-2"} }),
			`config 8byte:github.drill.stack: invalid value "Prod-DR": must be the recovery stack's name: stack name "Prod-DR": must be lowercase letters, digits and single inner hyphens, start with a letter, at most 12 characters (it is part of every physical name, e.g. the load balancer's)`},
		{"drill of this stack", enabled(func(c *Config) { c.Drill = DrillConfig{Stack: "prod", Region: "us-west-2"} }),
			`config 8byte:github.drill.stack: invalid value "prod": must be another stack than this one (prod): the drill role creates and destroys it`},
		{"drill region missing", enabled(func(c *Config) { c.Drill = DrillConfig{Stack: "prod-dr"} }),
			`config 8byte:github.drill.region: invalid value "": must be the recovery stack's AWS region, such as us-west-2`},
		{"drill region malformed", enabled(func(c *Config) { c.Drill = DrillConfig{Stack: "prod-dr", Region: "us-west"} }),
			`config 8byte:github.drill.region: invalid value "us-west": must be the recovery stack's AWS region, such as us-west-2`},
		{"drill without the GitHub roles", Config{Drill: DrillConfig{Stack: "prod-dr", Region: "us-west-2"}},
			`config 8byte:github.drill.stack: invalid value "prod-dr": the drill role is a GitHub role: set github.enabled (with repository and oidcProviderArn)`},
		{"drill key alias", enabled(func(c *Config) {
			c.Drill = DrillConfig{Stack: "prod-dr", Region: "us-west-2", SecretsProviderKeyArn: "alias/pulumi"} //nolint:gosec // G101: a key alias, not a credential
		}), `config 8byte:github.drill.secretsProviderKeyArn: invalid value "alias/pulumi": must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (IAM authorizes the key, not an alias)`},
		{"drill key without stack", enabled(func(c *Config) { c.Drill = DrillConfig{SecretsProviderKeyArn: testKeyARN} }),
			`config 8byte:github.drill.stack: invalid value "": set the recovery stack whose secrets-provider key drill.secretsProviderKeyArn is`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.EqualError(t, tc.cfg.Validate(settings.Prod), tc.want)
		})
	}
}

// The recovery stack runs in the region prod replicates to: a drill role for the stack's own region is
// refused before any resource is registered.
func TestDrillRegionMustDifferFromTheStacks(t *testing.T) {
	args := testArgs(settings.Prod)
	gitHub(args)
	args.Config.Drill = DrillConfig{Stack: "prod-dr", Region: "us-east-1"}
	assert.EqualError(t, validate("8byte-prod", args),
		`config 8byte:github.drill.region: invalid value "us-east-1": must differ from this stack's region us-east-1: the recovery stack runs in the region the backups are replicated to`)
	args.Config.Drill.Region = "us-west-2"
	assert.NoError(t, validate("8byte-prod", args))
}
