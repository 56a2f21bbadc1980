package iam

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/tests"
)

const (
	connectionSecretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:8byte-dev-db-connection-AbCdEf" //nolint:gosec // G101: an ARN, not a credential
	passwordSecretARN   = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-XyZ123"             //nolint:gosec // G101: an ARN, not a credential
)

func secretAccessArgs(secrets, keys []string) *SecretAccessArgs {
	return &SecretAccessArgs{
		Account:    account,
		RoleName:   pulumi.String("8byte-dev-app-role"),
		SecretArns: pulumi.ToStringArray(secrets),
		KeyArns:    pulumi.ToStringArray(keys),
	}
}

func TestSecretAccessReadsExactlyTheGivenSecrets(t *testing.T) {
	var c *SecretAccess
	mocks, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
		var err error
		c, err = NewSecretAccess(ctx, "8byte-dev-secret-access", secretAccessArgs([]string{connectionSecretARN, passwordSecretARN}, []string{testKeyARN}))
		return err
	})
	require.NoError(t, err)
	component := find(t, mocks, SecretAccessType, "8byte-dev-secret-access")
	rp := find(t, mocks, typeRolePolicy, "8byte-dev-secret-access-policy")
	assert.Equal(t, component.URN, rp.Parent)
	assert.Len(t, mocks.All(), 2)
	assert.Equal(t, "8byte-dev-app-role", rp.String("role"))
	assert.Equal(t, []policy.Statement{
		{Sid: "ReadAppSecrets", Effect: "Allow", Action: []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"},
			Resource: []string{connectionSecretARN, passwordSecretARN}},
		{Sid: "DecryptAppSecrets", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{testKeyARN},
			Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {"secretsmanager.us-east-1.amazonaws.com"}}}},
	}, document(t, rp, "policy").Statement)
	assert.Equal(t, rp.Out["name"], tests.AwaitString(t, c.PolicyName))
}

func TestSecretAccessRejectsMissingArgs(t *testing.T) {
	cases := map[string]*SecretAccessArgs{
		"nil":        nil,
		"no account": {RoleName: pulumi.String("r"), SecretArns: pulumi.StringArray{}, KeyArns: pulumi.StringArray{}},
		"no role":    {Account: account, SecretArns: pulumi.StringArray{}, KeyArns: pulumi.StringArray{}},
		"no secrets": {Account: account, RoleName: pulumi.String("r"), KeyArns: pulumi.StringArray{}},
		"no keys":    {Account: account, RoleName: pulumi.String("r"), SecretArns: pulumi.StringArray{}},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var got error
			mocks, _ := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
				_, got = NewSecretAccess(ctx, "access", args)
				return got
			})
			assert.EqualError(t, got, "secret access access: account, role name, secret ARNs and key ARNs are required")
			assert.Empty(t, mocks.All())
		})
	}
}

func TestSecretAccessRejectsWrongARNs(t *testing.T) {
	cases := map[string]struct {
		secrets, keys []string
		want          string
	}{
		"no secret": {nil, []string{testKeyARN}, "secret access: no secret ARN given"},
		"no key":    {[]string{connectionSecretARN}, nil, "secret access: no key ARN given"},
		"pattern instead of a secret": {[]string{"8byte-dev-*"}, []string{testKeyARN},
			`secret access: "8byte-dev-*" is not a secret ARN (arn:aws:secretsmanager:...)`},
		"alias instead of a key": {[]string{connectionSecretARN}, []string{"alias/8byte-dev-secrets"},
			`secret access: "alias/8byte-dev-secrets" is not a key ARN (arn:aws:kms:...)`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
				_, err := NewSecretAccess(ctx, "access", secretAccessArgs(tc.secrets, tc.keys))
				return err
			})
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
