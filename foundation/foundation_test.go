package foundation

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/tests"
)

func runFoundation(t *testing.T, cfg Config) (*tests.Mocks, *Foundation) {
	t.Helper()
	var f *Foundation
	mocks, err := tests.Run("shared", nil, func(ctx *pulumi.Context) error {
		var err error
		f, err = NewFoundation(ctx, &Args{Account: tests.Account, Config: cfg})
		return err
	})
	require.NoError(t, err)
	return mocks, f
}

// byParent returns the resource of type typ whose parent component is named component.
func byParent(t *testing.T, mocks *tests.Mocks, typ, component string) *tests.Resource {
	t.Helper()
	for _, r := range mocks.OfType(typ) {
		if p := mocks.ByURN(r.Parent); p != nil && p.Name == component {
			return r
		}
	}
	t.Fatalf("no %s under %s", typ, component)
	return nil
}

func TestStateBucket(t *testing.T) {
	mocks, f := runFoundation(t, DefaultConfig())
	const state, logs = "8byte-bootstrap-state", "8byte-bootstrap-access-logs"

	bucket := mocks.Find("aws:s3/bucketV2:BucketV2", state)
	require.NotNil(t, bucket)
	assert.True(t, bucket.RetainOnDelete, "the state outlives the bootstrap stack")
	assert.False(t, bucket.Bool("forceDestroy"))
	assert.Equal(t, "Enabled", mocks.Find("aws:s3/bucketVersioningV2:BucketVersioningV2", state).String("versioningConfiguration.status"))
	pab := mocks.Find("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", state)
	for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.True(t, pab.Bool(flag), flag)
	}

	key := mocks.Find("aws:kms/key:Key", "8byte-bootstrap-state-key")
	require.NotNil(t, key)
	sse := mocks.Find("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", state)
	assert.Equal(t, "aws:kms", sse.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"))
	assert.Equal(t, key.Out["arn"], sse.String("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	assert.Equal(t, "alias/8byte-bootstrap-state", byParent(t, mocks, "aws:kms/alias:Alias", "8byte-bootstrap-state-key").String("name"))

	var doc policy.Document
	require.NoError(t, mocks.Find("aws:s3/bucketPolicy:BucketPolicy", state).JSON("policy", &doc))
	assert.Equal(t, []policy.Statement{policy.DenyInsecureTransport([]string{"s3:*"}, "arn:aws:s3:::"+state, "arn:aws:s3:::"+state+"/*")}, doc.Statement)

	logging := mocks.Find("aws:s3/bucketLoggingV2:BucketLoggingV2", state)
	assert.Equal(t, logs, logging.String("targetBucket"))

	lc := mocks.Find("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", state)
	assert.Nil(t, lc.Get("rules.0.expiration"), "the current state never expires")
	assert.Nil(t, lc.Get("rules.0.transitions"))
	assert.Equal(t, 30, lc.Int("rules.0.noncurrentVersionExpiration.noncurrentDays"), "replaced versions expire")

	assert.Equal(t, "s3://"+state+"?region=us-east-1", tests.AwaitString(t, f.BackendURL))
	assert.Equal(t, state, tests.AwaitString(t, f.StateBucket))
	assert.Equal(t, key.Out["arn"], tests.AwaitString(t, f.StateKeyArn))
}

func TestStatePrefixesFollowPulumisProjectScopedLayout(t *testing.T) {
	assert.Equal(t, []string{
		".pulumi/stacks/8byte/prod.json",
		".pulumi/locks/8byte/prod/",
		".pulumi/history/8byte/prod/",
		".pulumi/backups/8byte/prod/",
	}, StatePrefixes("prod"))
}

func TestOneSecretsKeyPerStack(t *testing.T) {
	mocks, f := runFoundation(t, Config{Stacks: []string{"dev", "staging", "prod"}, Registry: DefaultConfig().Registry})
	aliases := map[string]string{}
	for _, a := range mocks.OfType("aws:kms/alias:Alias") {
		aliases[a.String("name")] = a.String("targetKeyId")
	}
	for _, stack := range []string{"dev", "staging", "prod"} {
		key := mocks.Find("aws:kms/key:Key", "8byte-bootstrap-secrets-"+stack)
		require.NotNil(t, key, stack)
		assert.True(t, key.Bool("enableKeyRotation"))
		assert.True(t, key.RetainOnDelete, "a deleted key makes the stack's secrets unreadable")
		assert.Equal(t, 30, key.Int("deletionWindowInDays"))
		assert.Equal(t, key.Out["keyId"], aliases["alias/8byte-pulumi-"+stack], stack)
	}
	assert.Len(t, aliases, 4, "three secrets keys and the state key")
	assert.Equal(t, map[string]string{
		"dev":     "awskms://alias/8byte-pulumi-dev?region=us-east-1",
		"staging": "awskms://alias/8byte-pulumi-staging?region=us-east-1",
		"prod":    "awskms://alias/8byte-pulumi-prod?region=us-east-1",
	}, toStrings(tests.Await(t, f.SecretsProviders.ToStringMapOutput())))
	assert.Equal(t, mocks.Find("aws:kms/key:Key", "8byte-bootstrap-secrets-staging").Out["arn"],
		toStrings(tests.Await(t, f.SecretsKeyArns.ToStringMapOutput()))["staging"])
}

func toStrings(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]string)
	for k, s := range m {
		out[k] = s
	}
	return out
}

func TestExactlyOneOidcProvider(t *testing.T) {
	mocks, f := runFoundation(t, DefaultConfig())
	providers := mocks.OfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
	require.Len(t, providers, 1)
	p := providers[0]
	assert.Equal(t, "https://token.actions.githubusercontent.com", p.String("url"))
	assert.Equal(t, []string{"sts.amazonaws.com"}, p.Strings("clientIdLists"))
	assert.Nil(t, p.Get("thumbprintLists"), "AWS trusts GitHub's certificate itself")
	assert.True(t, p.RetainOnDelete, "every stack's CI roles trust it")
	assert.Equal(t, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", tests.AwaitString(t, f.OidcProviderArn))
}

func TestRegistry(t *testing.T) {
	mocks, f := runFoundation(t, Config{Stacks: []string{"dev"}, Registry: RegistryConfig{UntaggedImageDays: 5, KeepTaggedImages: 40}})
	repos := mocks.OfType("aws:ecr/repository:Repository")
	require.Len(t, repos, 1, "one repository per account: dev and prod run the same build")
	repo := repos[0]
	assert.Equal(t, "8byte-app", repo.String("name"))
	assert.Equal(t, "IMMUTABLE", repo.String("imageTagMutability"))
	assert.True(t, repo.Bool("imageScanningConfiguration.scanOnPush"))
	assert.Equal(t, []any{map[string]any{"encryptionType": "KMS"}}, repo.Get("encryptionConfigurations"))
	assert.False(t, repo.Bool("forceDelete"), "never deleted with its images")
	assert.True(t, repo.RetainOnDelete)
	assert.Equal(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app", tests.AwaitString(t, f.RepositoryURL))

	lifecycle := mocks.OfType("aws:ecr/lifecyclePolicy:LifecyclePolicy")
	require.Len(t, lifecycle, 1)
	assert.Equal(t, "8byte-app", lifecycle[0].String("repository"))
	// The raw JSON, as ECR reads it: "untagged" has no tag lists, "tagged" must have one, countUnit only
	// goes with sinceImagePushed, and the rules are ordered by priority.
	assert.JSONEq(t, `{"rules": [
		{"rulePriority": 1, "description": "Expire untagged images 5 days after push",
		 "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 5},
		 "action": {"type": "expire"}},
		{"rulePriority": 2, "description": "Keep the 40 most recent tagged images",
		 "selection": {"tagStatus": "tagged", "tagPatternList": ["*"], "countType": "imageCountMoreThan", "countNumber": 40},
		 "action": {"type": "expire"}}
	]}`, lifecycle[0].String("policy"))
}

func TestConfigValidation(t *testing.T) {
	assert.NoError(t, DefaultConfig().Validate())
	assert.Equal(t, []string{"dev", "prod"}, DefaultConfig().Stacks)
	reg := DefaultConfig().Registry
	cases := map[string]struct {
		cfg  Config
		want string
	}{
		"no stacks":        {Config{Registry: reg}, "config 8byte:stacks: invalid value []: must list the application stacks of this account (1 to 20 names, e.g. [dev, prod])"},
		"bad stack name":   {Config{Stacks: []string{"dev", "Prod"}, Registry: reg}, `config 8byte:stacks: invalid value ["dev" "Prod"]: stack name "Prod": must be lowercase letters, digits and single inner hyphens, start with a letter, at most 12 characters (it is part of every physical name, e.g. the load balancer's)`},
		"twice":            {Config{Stacks: []string{"dev", "dev"}, Registry: reg}, `config 8byte:stacks: invalid value ["dev" "dev"]: lists "dev" twice`},
		"untagged forever": {Config{Stacks: []string{"dev"}, Registry: RegistryConfig{KeepTaggedImages: 1}}, "config 8byte:registry.untaggedImageDays: invalid value 0: must be between 1 and 365"},
		"keep none":        {Config{Stacks: []string{"dev"}, Registry: RegistryConfig{UntaggedImageDays: 1}}, "config 8byte:registry.keepTaggedImages: invalid value 0: must be between 1 and 1000"},
	}
	for name, tc := range cases {
		assert.EqualError(t, tc.cfg.Validate(), tc.want, name)
	}
}

// The registry replicates the app images to the recovery region, where prod-dr pulls the same digest.
func TestRegistryReplicatesToTheRecoveryRegion(t *testing.T) {
	assert.Equal(t, []string{"us-west-2"}, DefaultConfig().Registry.ReplicaRegions, "prod's database.replicaRegion")
	mocks, _ := runFoundation(t, DefaultConfig())
	repl := mocks.OfType("aws:ecr/replicationConfiguration:ReplicationConfiguration")
	require.Len(t, repl, 1)
	assert.Equal(t, map[string]any{"rules": []any{map[string]any{
		"destinations":      []any{map[string]any{"region": "us-west-2", "registryId": "123456789012"}},
		"repositoryFilters": []any{map[string]any{"filter": "8byte-app", "filterType": "PREFIX_MATCH"}},
	}}}, repl[0].Get("replicationConfiguration"))

	none := DefaultConfig()
	none.Registry.ReplicaRegions = nil
	mocks, _ = runFoundation(t, none)
	assert.Empty(t, mocks.OfType("aws:ecr/replicationConfiguration:ReplicationConfiguration"))
}

func TestReplicaRegionsAreChecked(t *testing.T) {
	for name, regions := range map[string][]string{"not a region": {"west"}, "twice": {"us-west-2", "us-west-2"}} {
		c := DefaultConfig()
		c.Registry.ReplicaRegions = regions
		assert.ErrorContains(t, c.Validate(), "config 8byte:registry.replicaRegions: invalid value", name)
	}
	c := DefaultConfig()
	c.Registry.ReplicaRegions = []string{"us-east-1"}
	assert.EqualError(t, c.CheckRegion("us-east-1"),
		`config 8byte:registry.replicaRegions: invalid value ["us-east-1"]: must not contain the registry's own region us-east-1`)
}
