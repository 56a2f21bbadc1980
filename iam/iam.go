// Package iam is the identity tier: the permissions boundary every role of the stack carries, the
// application instances' role and instance profile, the RDS enhanced-monitoring role, and the GitHub
// Actions OIDC roles that preview and deploy the stack.
//
// Permissions boundary. The IAM component is built first: its boundary policy is the ceiling of every
// role of the stack, including the other tiers' (VPC flow logs, CloudTrail delivery), which take its ARN
// in their Args. It covers what the stack's roles need (a managed policy holds 6,144 characters, so
// grants scoped to the stack's resources widen there to their whole services on those resources: the
// only service wildcards of the stack, in a policy that grants nothing) and denies escalation: changing
// or deleting the boundary, removing a boundary, and creating or changing a role or user without it. The
// deploy role may create and change roles only with this boundary set, so it cannot make a role more
// powerful than itself. Changes to the boundary document, and destroying the stack, are therefore
// applied by an administrator.
//
// GitHub Actions. With the `github` config enabled, a preview role (pull requests and the drift check on
// main; AWS ReadOnlyAccess with explicit denials of secret values and of decryption through AWS services)
// and a deploy role (the stack's GitHub environment: `pulumi up` and the image push) trust the account's
// GitHub OIDC provider, which one stack of the account creates. When disabled, the roles do not exist and their outputs are empty strings.
//
// Secrets. The application reads two secrets created after this tier: the connection secret and the
// RDS-managed master-password secret, whose ARN exists only once the database does. Rather than a name
// pattern, the application role gets exactly those ARNs (and their KMS key, through Secrets Manager only)
// from a second, separate component, SecretAccess, created after the data tier. The role itself depends
// on nothing of the data tier, so there is no cycle (the data tier's key policy names the role), and the
// instances do not wait for the database: the application retries until its secrets become readable.
//
// Names. Physical names are generated from the logical names, which all start with 8byte-<env>-, so the
// policies scope the stack's roles, policies, instance profiles, buckets, log groups, topics, alarms and
// trails by that prefix. Every Allow statement on Resource "*" uses only actions of
// WildcardResourceActions.
package iam

import (
	"fmt"
	"regexp"
	"strings"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/settings"
)

// ComponentType is the type token of the IAM component.
const ComponentType = "8byte:iam:IAM"

// Args configures an IAM.
type Args struct {
	Environment settings.Environment
	Account     settings.Account
	Config      Config
	// AppRepositoryName is the account's ECR repository of the application image (the bootstrap
	// project's, config compute.repositoryUrl); the instances may pull from it only.
	AppRepositoryName string
	// MetricsNamespace is the CloudWatch namespace the instances publish to, `8byte/<env>`.
	MetricsNamespace string
	// ManagesAccountSettings is true for the stack that manages the account's S3 Block Public Access
	// (data tier config manageAccountPublicAccessBlock): only its deploy role may change it.
	ManagesAccountSettings bool
}

// IAM is the stack's roles and their permissions boundary.
type IAM struct {
	pulumi.ResourceState

	AppRoleArn          pulumi.StringOutput `pulumi:"appRoleArn"`
	AppRoleName         pulumi.StringOutput `pulumi:"appRoleName"`
	InstanceProfileName pulumi.StringOutput `pulumi:"instanceProfileName"`
	InstanceProfileArn  pulumi.StringOutput `pulumi:"instanceProfileArn"`
	MonitoringRoleArn   pulumi.StringOutput `pulumi:"monitoringRoleArn"`
	// PermissionsBoundaryArn is the boundary every role of the stack must carry.
	PermissionsBoundaryArn pulumi.StringOutput `pulumi:"permissionsBoundaryArn"`
	// PreviewRoleArn, DeployRoleArn and OidcProviderArn are "" when the GitHub roles are disabled.
	PreviewRoleArn  pulumi.StringOutput `pulumi:"previewRoleArn"`
	DeployRoleArn   pulumi.StringOutput `pulumi:"deployRoleArn"`
	OidcProviderArn pulumi.StringOutput `pulumi:"oidcProviderArn"`
	// DrillRoleArn is the role of the dr-drill GitHub environment, "" without github.drill.
	DrillRoleArn pulumi.StringOutput `pulumi:"drillRoleArn"`
}

// ECR repository names: lowercase path components of letters, digits and . _ -.
var repositoryNamePattern = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)

// NewIAM validates args and creates the identity tier of a stack. name must be the stack's prefix
// (8byte-<env>) or start with it, so that the generated names match the policies' patterns.
func NewIAM(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*IAM, error) {
	if err := validate(name, args); err != nil {
		return nil, err
	}
	c := &IAM{}
	if err := ctx.RegisterComponentResource(ComponentType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("register iam %s: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(c), out: c}
	b.scope = newScope(args, b.child("boundary"))

	for _, step := range []func() error{b.permissionsBoundary, b.appRole, b.monitoringRole, b.github, b.drillRole} {
		if err := step(); err != nil {
			return nil, fmt.Errorf("iam %s: %w", name, err)
		}
	}
	c.PermissionsBoundaryArn = b.boundary.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"appRoleArn":             c.AppRoleArn,
		"appRoleName":            c.AppRoleName,
		"instanceProfileName":    c.InstanceProfileName,
		"instanceProfileArn":     c.InstanceProfileArn,
		"monitoringRoleArn":      c.MonitoringRoleArn,
		"permissionsBoundaryArn": c.PermissionsBoundaryArn,
		"previewRoleArn":         c.PreviewRoleArn,
		"deployRoleArn":          c.DeployRoleArn,
		"oidcProviderArn":        c.OidcProviderArn,
		"drillRoleArn":           c.DrillRoleArn,
	}); err != nil {
		return nil, fmt.Errorf("register iam %s outputs: %w", name, err)
	}
	return c, nil
}

func validate(name string, args *Args) error {
	if args == nil {
		return fmt.Errorf("iam %s: args are required (environment, account, repository, namespace)", name)
	}
	if err := args.Config.Validate(args.Environment); err != nil {
		return err
	}
	prefix := settings.Prefix(args.Environment)
	if name != prefix && !strings.HasPrefix(name, prefix+"-") {
		return fmt.Errorf("iam %s: the component name must start with %s, the prefix its policies match", name, prefix)
	}
	acct := args.Account
	if acct.ID == "" || acct.Partition == "" || acct.Region == "" || acct.DNSSuffix == "" {
		return fmt.Errorf("iam %s: the account (id, partition, region, DNS suffix) is required", name)
	}
	if !repositoryNamePattern.MatchString(args.AppRepositoryName) {
		return fmt.Errorf("iam %s: %q is not an ECR repository name", name, args.AppRepositoryName)
	}
	if args.MetricsNamespace == "" || strings.HasPrefix(args.MetricsNamespace, "AWS/") {
		return fmt.Errorf("iam %s: metrics namespace %q must be a custom CloudWatch namespace such as 8byte/dev", name, args.MetricsNamespace)
	}
	cfg := args.Config
	if cfg.OidcProviderArn != "" && !strings.HasPrefix(cfg.OidcProviderArn, acct.GlobalARN("iam", "")) {
		return settings.Invalid(ConfigKey+".oidcProviderArn", cfg.OidcProviderArn,
			"a role can only trust an OIDC provider of its own account: the provider must be in account %s (partition %s)", acct.ID, acct.Partition)
	}
	if d := cfg.Drill; d.enabled() && d.Region == acct.Region {
		return settings.Invalid(ConfigKey+".drill.region", d.Region,
			"must differ from this stack's region %s: the recovery stack runs in the region the backups are replicated to", acct.Region)
	}
	return nil
}

// builder creates the component's children.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	scope  scope
	parent pulumi.ResourceOption
	out    *IAM

	boundary *awsiam.Policy
}

// child returns the logical name of a child resource with the given role.
func (b *builder) child(role string) string { return b.name + "-" + role }
