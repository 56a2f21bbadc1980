package data

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// serviceEndpoint returns the kms:ViaService value of service in the account's region, e.g.
// "rds.us-east-1.amazonaws.com".
func serviceEndpoint(acct settings.Account, service string) string {
	return fmt.Sprintf("%s.%s.%s", service, acct.Region, acct.DNSSuffix)
}

// useThroughRDS is the key-policy statement of a key that RDS encrypts with (storage, snapshots,
// Performance Insights, replicated backups): principals of this account may use the key, but only through
// RDS in the key's region. It is the policy of the AWS managed aws/rds key: whoever may create and read
// the RDS resources needs no KMS grant in IAM for them, and outside RDS the key is only usable as far as
// an IAM policy allows it (the account-administration statement).
func useThroughRDS(acct settings.Account) policy.Statement {
	return policy.Statement{
		Sid:       "UseThroughRDS",
		Effect:    policy.Allow,
		Principal: policy.Everyone(),
		Action: []string{
			"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
			"kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey",
		},
		Resource: []string{"*"},
		Condition: policy.Conditions{"StringEquals": {
			"kms:CallerAccount": {acct.ID},
			"kms:ViaService":    {serviceEndpoint(acct, "rds")},
		}},
	}
}

// appReadsSecrets is the key-policy statement of the secrets key: the application role may decrypt, and
// only through Secrets Manager (it reads secret values; it never calls KMS itself).
func appReadsSecrets(acct settings.Account, appRoleArn string) policy.Statement {
	return policy.Statement{
		Sid:       "AppReadsSecretsThroughSecretsManager",
		Effect:    policy.Allow,
		Principal: policy.AWS(appRoleArn),
		Action:    []string{"kms:Decrypt"},
		Resource:  []string{"*"},
		Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {serviceEndpoint(acct, "secretsmanager")}}},
	}
}

// keys creates the database key (storage and Performance Insights) and the secrets key (the RDS-managed
// password secret and the connection secret). Anything else a principal of the account does with them
// goes through IAM (the account-administration statement of every key).
func (b *builder) keys() error {
	acct := b.args.Account
	var err error
	b.databaseKey, err = secure.NewKey(b.ctx, b.child("database-key"), &secure.KeyArgs{
		Environment: b.args.Environment,
		Account:     acct,
		Purpose:     "database",
		Description: "Encrypts the storage, snapshots and Performance Insights of " + b.identifier,
		Grants:      func(map[string]string) []policy.Statement { return []policy.Statement{useThroughRDS(acct)} },
	}, b.parent)
	if err != nil {
		return fmt.Errorf("database key: %w", err)
	}
	b.secretsKey, err = secure.NewKey(b.ctx, b.child("secrets-key"), &secure.KeyArgs{
		Environment: b.args.Environment,
		Account:     acct,
		Purpose:     "secrets",
		Description: "Encrypts the database secrets of " + b.name,
		Inputs:      pulumi.StringMap{"appRole": b.args.AppRoleArn},
		Grants: func(v map[string]string) []policy.Statement {
			return []policy.Statement{appReadsSecrets(acct, v["appRole"])}
		},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("secrets key: %w", err)
	}
	return nil
}
