package iam

import (
	"fmt"
	"strings"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// SecretAccessType is the type token of the SecretAccess component.
const SecretAccessType = "8byte:iam:SecretAccess" //nolint:gosec // G101: a type token, not a credential

// SecretAccessArgs configures a SecretAccess.
type SecretAccessArgs struct {
	Account settings.Account
	// RoleName is the role that reads the secrets: the IAM component's AppRoleName.
	RoleName pulumi.StringInput
	// SecretArns are the exact secrets the role may read (data tier: the connection secret and the
	// RDS-managed master-password secret).
	SecretArns pulumi.StringArrayInput
	// KeyArns are the exact KMS keys that encrypt them (data tier: the secrets key).
	KeyArns pulumi.StringArrayInput
}

// SecretAccess is the policy that lets the application role read exactly the stack's secrets.
type SecretAccess struct {
	pulumi.ResourceState

	// PolicyName is the name of the role's inline policy.
	PolicyName pulumi.StringOutput `pulumi:"policyName"`
}

// secretReadStatements let a role read the secrets with ARNs secretARNs and decrypt them with the keys
// keyARNs, through Secrets Manager only.
func secretReadStatements(account settings.Account, secretARNs, keyARNs []string) []policy.Statement {
	return []policy.Statement{
		{
			Sid:      "ReadAppSecrets",
			Effect:   policy.Allow,
			Action:   actions("secretsmanager", "DescribeSecret", "GetSecretValue"),
			Resource: secretARNs,
		},
		{
			Sid:       "DecryptAppSecrets",
			Effect:    policy.Allow,
			Action:    []string{"kms:Decrypt"},
			Resource:  keyARNs,
			Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {viaService(account, "secretsmanager")}}},
		},
	}
}

// NewSecretAccess attaches to the role a policy reading exactly the given secrets and keys. Create it
// after the data tier; nothing that launches instances should wait for it (see the package doc).
func NewSecretAccess(ctx *pulumi.Context, name string, args *SecretAccessArgs, opts ...pulumi.ResourceOption) (*SecretAccess, error) {
	if args == nil || args.Account.ID == "" || args.RoleName == nil || args.SecretArns == nil || args.KeyArns == nil {
		return nil, fmt.Errorf("secret access %s: account, role name, secret ARNs and key ARNs are required", name)
	}
	c := &SecretAccess{}
	if err := ctx.RegisterComponentResource(SecretAccessType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("register secret access %s: %w", name, err)
	}
	acct := args.Account
	document := pulumi.All(args.SecretArns.ToStringArrayOutput(), args.KeyArns.ToStringArrayOutput()).ApplyT(
		func(values []any) (string, error) {
			secrets, keys := values[0].([]string), values[1].([]string)
			if err := checkARNs("secret", secrets, "arn:"+acct.Partition+":secretsmanager:"); err != nil {
				return "", err
			}
			if err := checkARNs("key", keys, "arn:"+acct.Partition+":kms:"); err != nil {
				return "", err
			}
			return policy.New(secretReadStatements(acct, secrets, keys)...).JSON()
		}).(pulumi.StringOutput)
	rp, err := awsiam.NewRolePolicy(ctx, name+"-policy", &awsiam.RolePolicyArgs{
		Role:   args.RoleName,
		Policy: document,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("secret access %s: role policy: %w", name, err)
	}
	c.PolicyName = rp.Name
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"policyName": c.PolicyName}); err != nil {
		return nil, fmt.Errorf("register secret access %s outputs: %w", name, err)
	}
	return c, nil
}

// checkARNs fails on an empty list (a policy statement needs a resource) or on an ARN of another kind.
func checkARNs(kind string, arns []string, prefix string) error {
	if len(arns) == 0 {
		return fmt.Errorf("secret access: no %s ARN given", kind)
	}
	for _, arn := range arns {
		if !strings.HasPrefix(arn, prefix) {
			return fmt.Errorf("secret access: %q is not a %s ARN (%s...)", arn, kind, prefix)
		}
	}
	return nil
}
