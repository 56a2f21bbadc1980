// Package foundation is what every application stack of an AWS account shares, deployed once per account
// by the bootstrap project (bootstrap/): the S3 bucket of Pulumi's self-managed state backend, one KMS key
// per application stack for its awskms:// secrets provider, the account's GitHub Actions OIDC provider,
// and the ECR repository of the app image. The application stacks read its outputs by config.
package foundation

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// ComponentType is the type token of the Foundation component.
const ComponentType = "8byte:foundation:Foundation"

// Fixed names. The bootstrap stack exists once per account, so its names need no stack name; a second
// bootstrap stack in the same account fails on them (and on the OIDC provider) instead of duplicating.
const (
	// Name is the component's name and the prefix of the bootstrap stack's auto-named resources.
	Name = settings.Namespace + "-bootstrap"
	// RepositoryName is the app image repository's explicit name: CI pushes to it by name and the
	// application stacks' instance roles may pull from it only.
	RepositoryName = settings.Namespace + "-app"
	// Project is the application project's name (Pulumi.yaml), the second level of the state layout.
	Project = settings.Namespace
	// GitHubOIDCURL is GitHub Actions' OIDC issuer; GitHubAudience the audience
	// aws-actions/configure-aws-credentials requests.
	GitHubOIDCURL  = "https://token.actions.githubusercontent.com"
	GitHubAudience = "sts.amazonaws.com"
)

// Environment is the bootstrap stack's environment: its names start with 8byte-bootstrap, and everything
// it holds is kept like prod's (retained on destroy, 30-day key deletion window, never force-deleted).
var Environment = settings.Environment{Name: "bootstrap", Profile: settings.ProdProfile}

// Args configures a Foundation.
type Args struct {
	Account settings.Account
	Config  Config
}

// Foundation is the account's shared part. Its outputs are what the application stacks and CI need.
type Foundation struct {
	pulumi.ResourceState

	// StateBucket is the state bucket's name; BackendURL the `pulumi login` URL of the backend in it.
	StateBucket pulumi.StringOutput `pulumi:"stateBucket"`
	BackendURL  pulumi.StringOutput `pulumi:"backendUrl"`
	// StateKeyArn is the KMS key of the state objects (SSE-KMS).
	StateKeyArn pulumi.StringOutput `pulumi:"stateKeyArn"`
	// SecretsProviders maps each application stack to its `--secrets-provider` string; SecretsKeyArns to
	// its key's ARN (config github.secretsProviderKeyArn of that stack).
	SecretsProviders pulumi.StringMapOutput `pulumi:"secretsProviders"`
	SecretsKeyArns   pulumi.StringMapOutput `pulumi:"secretsKeyArns"`
	// OidcProviderArn is the account's GitHub OIDC provider (config github.oidcProviderArn).
	OidcProviderArn pulumi.StringOutput `pulumi:"oidcProviderArn"`
	// RepositoryURL and RepositoryArn are the app image repository's (config compute.repositoryUrl).
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	RepositoryArn pulumi.StringOutput `pulumi:"repositoryArn"`
}

// StatePrefixes are the object prefixes of stack's state in Pulumi's self-managed ("DIY") backend with
// project-scoped stacks: checkpoint (and its .bak), locks, update history and backups, so that each stack's
// objects can be granted separately (the CI roles of a stack reach its own only).
func StatePrefixes(stack string) []string {
	return []string{
		".pulumi/stacks/" + Project + "/" + stack + ".json",
		".pulumi/locks/" + Project + "/" + stack + "/",
		".pulumi/history/" + Project + "/" + stack + "/",
		".pulumi/backups/" + Project + "/" + stack + "/",
	}
}

// NewFoundation validates args and creates the account's shared resources.
func NewFoundation(ctx *pulumi.Context, args *Args, opts ...pulumi.ResourceOption) (*Foundation, error) {
	if args == nil || args.Account.ID == "" || args.Account.Region == "" {
		return nil, fmt.Errorf("foundation: the account (id, partition, region, DNS suffix) is required")
	}
	if err := args.Config.Validate(); err != nil {
		return nil, err
	}
	if err := args.Config.CheckRegion(args.Account.Region); err != nil {
		return nil, err
	}
	f := &Foundation{}
	if err := ctx.RegisterComponentResource(ComponentType, Name, f, opts...); err != nil {
		return nil, fmt.Errorf("register foundation: %w", err)
	}
	b := &builder{ctx: ctx, args: args, out: f, parent: pulumi.Parent(f)}
	for _, step := range []func() error{b.state, b.secretsKeys, b.oidcProvider, b.registry} {
		if err := step(); err != nil {
			return nil, fmt.Errorf("foundation: %w", err)
		}
	}
	if err := ctx.RegisterResourceOutputs(f, pulumi.Map{
		"stateBucket": f.StateBucket, "backendUrl": f.BackendURL, "stateKeyArn": f.StateKeyArn,
		"secretsProviders": f.SecretsProviders, "secretsKeyArns": f.SecretsKeyArns,
		"oidcProviderArn": f.OidcProviderArn, "repositoryUrl": f.RepositoryURL, "repositoryArn": f.RepositoryArn,
	}); err != nil {
		return nil, fmt.Errorf("register foundation outputs: %w", err)
	}
	return f, nil
}

// builder carries the state of one NewFoundation call between its steps.
type builder struct {
	ctx    *pulumi.Context
	args   *Args
	out    *Foundation
	parent pulumi.ResourceOption
}

func child(role string) string { return Name + "-" + role }

// state creates the state bucket (SSE-KMS with its own key, versioned, private, TLS-only, access-logged,
// old versions expire, retained on destroy) and the bucket receiving its access logs.
func (b *builder) state() error {
	acct := b.args.Account
	logs, err := secure.NewBucket(b.ctx, child("access-logs"), &secure.BucketArgs{
		Environment: Environment,
		Account:     acct,
		Lifecycle:   secure.DefaultLifecycle(Environment),
		Statements: func(bucketArn string, _ map[string]string) []policy.Statement {
			return []policy.Statement{secure.ServerAccessLogDelivery(acct, bucketArn)}
		},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("access-log bucket: %w", err)
	}
	key, err := secure.NewKey(b.ctx, child("state-key"), &secure.KeyArgs{
		Environment: Environment, Account: acct, Purpose: "state",
		Description: "Encrypts the objects of the Pulumi state bucket",
	}, b.parent)
	if err != nil {
		return fmt.Errorf("state key: %w", err)
	}
	bucket, err := secure.NewBucket(b.ctx, child("state"), &secure.BucketArgs{
		Environment:     Environment,
		Account:         acct,
		KmsKeyArn:       key.Arn,
		AccessLogBucket: logs.Name,
		Lifecycle:       secure.StateLifecycle,
	}, b.parent)
	if err != nil {
		return fmt.Errorf("state bucket: %w", err)
	}
	b.out.StateBucket = bucket.Name
	b.out.StateKeyArn = key.Arn
	b.out.BackendURL = pulumi.Sprintf("s3://%s?region=%s", bucket.Name, acct.Region)
	return nil
}

// secretsKeys creates one key per application stack, for its awskms:// secrets provider.
func (b *builder) secretsKeys() error {
	providers, arns := pulumi.StringMap{}, pulumi.StringMap{}
	for _, stack := range b.args.Config.Stacks {
		key, err := secure.NewKey(b.ctx, child("secrets-"+stack), &secure.KeyArgs{
			Environment: Environment, Account: b.args.Account, Purpose: "secrets-" + stack, Alias: SecretsAlias(stack),
			Description: "Pulumi secrets provider of the " + stack + " stack",
		}, b.parent)
		if err != nil {
			return fmt.Errorf("secrets key of %s: %w", stack, err)
		}
		providers[stack] = pulumi.Sprintf("awskms://%s?region=%s", SecretsAlias(stack), b.args.Account.Region)
		arns[stack] = key.Arn
	}
	b.out.SecretsProviders = providers.ToStringMapOutput()
	b.out.SecretsKeyArns = arns.ToStringMapOutput()
	return nil
}

// oidcProvider creates the account's GitHub Actions OIDC provider, retained on destroy: every stack's CI
// roles trust it. AWS validates GitHub's tokens against its own trust store: no thumbprint is needed.
func (b *builder) oidcProvider() error {
	provider, err := awsiam.NewOpenIdConnectProvider(b.ctx, child("github-oidc"), &awsiam.OpenIdConnectProviderArgs{
		Url:           pulumi.String(GitHubOIDCURL),
		ClientIdLists: pulumi.StringArray{pulumi.String(GitHubAudience)},
		Tags:          cloud.NameTag(child("github-oidc")),
	}, b.parent, pulumi.RetainOnDelete(true))
	if err != nil {
		return fmt.Errorf("github oidc provider: %w", err)
	}
	b.out.OidcProviderArn = provider.Arn
	return nil
}

// LifecyclePolicy is an ECR lifecycle policy document.
type LifecyclePolicy struct {
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule is one rule of a LifecyclePolicy; lower RulePriority values are applied first.
type LifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description"`
	Selection    LifecycleSelection `json:"selection"`
	Action       LifecycleAction    `json:"action"`
}

// LifecycleSelection chooses the images a rule expires. A "tagged" selection needs a tag pattern or prefix
// list; an "untagged" one must have neither. CountUnit goes with CountType "sinceImagePushed" only.
type LifecycleSelection struct {
	TagStatus      string   `json:"tagStatus"`
	TagPatternList []string `json:"tagPatternList,omitempty"`
	CountType      string   `json:"countType"`
	CountUnit      string   `json:"countUnit,omitempty"`
	CountNumber    int      `json:"countNumber"`
}

// LifecycleAction is what a rule does to the images it selects; ECR only knows "expire".
type LifecycleAction struct {
	Type string `json:"type"`
}

// AppImageLifecycle expires untagged images after untaggedDays and keeps the keepTagged newest tagged ones.
func AppImageLifecycle(untaggedDays, keepTagged int) LifecyclePolicy {
	expire := LifecycleAction{Type: "expire"}
	return LifecyclePolicy{Rules: []LifecycleRule{
		{
			RulePriority: 1,
			Description:  fmt.Sprintf("Expire untagged images %d days after push", untaggedDays),
			Selection:    LifecycleSelection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: untaggedDays},
			Action:       expire,
		},
		{
			RulePriority: 2,
			Description:  fmt.Sprintf("Keep the %d most recent tagged images", keepTagged),
			Selection:    LifecycleSelection{TagStatus: "tagged", TagPatternList: []string{"*"}, CountType: "imageCountMoreThan", CountNumber: keepTagged},
			Action:       expire,
		},
	}}
}

// registry creates the app image repository: immutable tags, scan on push, KMS encryption with the AWS
// managed key, a lifecycle policy; retained on destroy and never deleted while it holds images.
func (b *builder) registry() error {
	repo, err := ecr.NewRepository(b.ctx, child("app-repository"), &ecr.RepositoryArgs{
		Name:                       pulumi.String(RepositoryName),
		ImageTagMutability:         pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS")},
		},
		ForceDelete: pulumi.Bool(false),
		Tags:        cloud.NameTag(RepositoryName),
	}, b.parent, pulumi.RetainOnDelete(true))
	if err != nil {
		return fmt.Errorf("ecr repository: %w", err)
	}
	lifecycle, err := json.Marshal(AppImageLifecycle(b.args.Config.Registry.UntaggedImageDays, b.args.Config.Registry.KeepTaggedImages))
	if err != nil {
		return fmt.Errorf("ecr lifecycle policy: %w", err)
	}
	if _, err := ecr.NewLifecyclePolicy(b.ctx, child("app-repository"), &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(string(lifecycle)),
	}, b.parent); err != nil {
		return fmt.Errorf("ecr lifecycle policy: %w", err)
	}
	if err := b.replication(); err != nil {
		return err
	}
	b.out.RepositoryURL = repo.RepositoryUrl
	b.out.RepositoryArn = repo.Arn
	return nil
}

// replication replicates the app repository's images to the replica regions of this account. It is the
// registry's one replication configuration (an account-wide setting of ECR in this region): no other stack
// may own one. Replicas exist from the first push after it; ECR creates the destination repository.
func (b *builder) replication() error {
	regions := b.args.Config.Registry.ReplicaRegions
	if len(regions) == 0 {
		return nil
	}
	var destinations ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArray
	for _, region := range regions {
		destinations = append(destinations, ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs{
			Region: pulumi.String(region), RegistryId: pulumi.String(b.args.Account.ID),
		})
	}
	if _, err := ecr.NewReplicationConfiguration(b.ctx, child("registry-replication"), &ecr.ReplicationConfigurationArgs{
		ReplicationConfiguration: &ecr.ReplicationConfigurationReplicationConfigurationArgs{
			Rules: ecr.ReplicationConfigurationReplicationConfigurationRuleArray{
				ecr.ReplicationConfigurationReplicationConfigurationRuleArgs{
					Destinations: destinations,
					RepositoryFilters: ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArray{
						ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs{
							Filter: pulumi.String(RepositoryName), FilterType: pulumi.String("PREFIX_MATCH"),
						},
					},
				},
			},
		},
	}, b.parent); err != nil {
		return fmt.Errorf("ecr replication: %w", err)
	}
	return nil
}
