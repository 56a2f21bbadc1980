// Package secure holds the two building blocks every tier that stores data uses: a customer-managed KMS
// key (rotation on, alias, a key policy naming who uses it) and a bucket that is private, encrypted,
// versioned, TLS-only, logged and lifecycled. Tiers compose them; they never build these by hand.
package secure

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// KeyType is the type token of the Key component.
const KeyType = "8byte:secure:Key"

// KeyArgs configures a Key.
type KeyArgs struct {
	Environment settings.Environment
	// Account is where the key lives; for a key in another region, the account with that region.
	Account settings.Account
	// Purpose names the key in its alias: alias/8byte-<env>-<purpose>.
	Purpose string
	// Alias, when set, is the whole alias name instead (the bootstrap project's secrets-provider keys are
	// alias/8byte-pulumi-<stack>, the name `pulumi stack init --secrets-provider` is given).
	Alias       string
	Description string
	// Inputs are output values the grant statements need (role ARNs, ...), resolved before Grants runs.
	Inputs pulumi.StringMap
	// Grants returns the statements for the services and roles that use the key. The key policy is the
	// account-administration statement followed by these.
	Grants func(inputs map[string]string) []policy.Statement
}

// Key is a customer-managed KMS key with automatic yearly rotation and an alias.
type Key struct {
	pulumi.ResourceState

	Arn       pulumi.StringOutput `pulumi:"arn"`
	KeyId     pulumi.StringOutput `pulumi:"keyId"`
	AliasName pulumi.StringOutput `pulumi:"aliasName"`
}

// DeletionWindowDays is how long a deleted key can still be recovered: the maximum in prod (a key deleted
// by mistake makes every backup it encrypts unreadable), the minimum in dev and in recovery drills.
func DeletionWindowDays(env settings.Environment) int {
	if env.Protected() {
		return 30
	}
	return 7
}

// AccountAdministration is the first statement of every key policy: the account may administer and use the
// key through IAM policies. Without it a key can become unmanageable; with it, access is decided by IAM
// policies, which this program scopes to the key's ARN.
func AccountAdministration(account settings.Account) policy.Statement {
	return policy.Statement{
		Sid:       "AccountAdministersTheKey",
		Effect:    policy.Allow,
		Principal: policy.AWS(account.RootARN()),
		Action:    []string{"kms:*"},
		Resource:  []string{"*"},
	}
}

// NewKey creates a customer-managed key and its alias. Pass pulumi.Provider in opts for another region.
func NewKey(ctx *pulumi.Context, name string, args *KeyArgs, opts ...pulumi.ResourceOption) (*Key, error) {
	if args == nil || args.Purpose == "" || args.Account.ID == "" {
		return nil, fmt.Errorf("key %s: environment, account and purpose are required", name)
	}
	k := &Key{}
	if err := ctx.RegisterComponentResource(KeyType, name, k, opts...); err != nil {
		return nil, fmt.Errorf("register key %s: %w", name, err)
	}
	parent := pulumi.Parent(k)
	keyPolicy := cloud.PolicyJSON(args.Inputs, func(v map[string]string) policy.Document {
		statements := []policy.Statement{AccountAdministration(args.Account)}
		if args.Grants != nil {
			statements = append(statements, args.Grants(v)...)
		}
		return policy.New(statements...)
	})
	childOpts := []pulumi.ResourceOption{parent}
	if args.Environment.Protected() {
		// Data encrypted with the key outlives the stack in backups and snapshots.
		childOpts = append(childOpts, pulumi.RetainOnDelete(true))
	}
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:          pulumi.String(args.Description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(DeletionWindowDays(args.Environment)),
		Policy:               keyPolicy,
		Tags:                 cloud.NameTag(name),
	}, childOpts...)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", name, err)
	}
	aliasName := fmt.Sprintf("alias/%s-%s", settings.Prefix(args.Environment), args.Purpose)
	if args.Alias != "" {
		aliasName = args.Alias
	}
	// The alias name is explicit: it is how people and policies find the key.
	alias, err := kms.NewAlias(ctx, name, &kms.AliasArgs{
		Name:        pulumi.String(aliasName),
		TargetKeyId: key.KeyId,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("key %s alias: %w", name, err)
	}
	k.Arn, k.KeyId, k.AliasName = key.Arn, key.KeyId, alias.Name
	if err := ctx.RegisterResourceOutputs(k, pulumi.Map{"arn": k.Arn, "keyId": k.KeyId, "aliasName": k.AliasName}); err != nil {
		return nil, fmt.Errorf("register key %s outputs: %w", name, err)
	}
	return k, nil
}
