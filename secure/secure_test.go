package secure

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

var account = settings.Account{ID: tests.AccountID, Partition: "aws", Region: tests.Region, DNSSuffix: "amazonaws.com"}

func TestKeyRotatesAndNamesItsUsers(t *testing.T) {
	for _, tc := range []struct {
		env    settings.Environment
		window int
		retain bool
	}{{settings.Dev, 7, false}, {settings.Prod, 30, true}} {
		t.Run(tc.env.Name, func(t *testing.T) {
			var key *Key
			mocks, err := tests.Run(tc.env.Name, nil, func(ctx *pulumi.Context) error {
				var err error
				key, err = NewKey(ctx, "8byte-x-logs-key", &KeyArgs{
					Environment: tc.env, Account: account, Purpose: "logs", Description: "logs",
					Inputs: pulumi.StringMap{"role": pulumi.String("arn:aws:iam::123456789012:role/r")},
					Grants: func(v map[string]string) []policy.Statement {
						return []policy.Statement{{Sid: "Role", Effect: policy.Allow, Principal: policy.AWS(v["role"]), Action: []string{"kms:Decrypt"}, Resource: []string{"*"}}}
					},
				})
				return err
			})
			require.NoError(t, err)
			k := mocks.OfType("aws:kms/key:Key")
			require.Len(t, k, 1)
			assert.True(t, k[0].Bool("enableKeyRotation"))
			assert.Equal(t, tc.window, k[0].Int("deletionWindowInDays"))
			assert.Equal(t, tc.retain, k[0].RetainOnDelete)
			// The design's key policy, written out: the account administers the key through IAM (whose
			// policies this program scopes to the key), then the key's named users.
			assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[
				{"Sid":"AccountAdministersTheKey","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":["kms:*"],"Resource":["*"]},
				{"Sid":"Role","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/r"]},"Action":["kms:Decrypt"],"Resource":["*"]}]}`,
				k[0].String("policy"))

			alias := mocks.OfType("aws:kms/alias:Alias")
			require.Len(t, alias, 1)
			assert.Equal(t, "alias/8byte-"+tc.env.Name+"-logs", alias[0].String("name"))
			assert.Equal(t, k[0].Out["keyId"], alias[0].String("targetKeyId"))
			assert.Equal(t, k[0].Out["arn"], tests.AwaitString(t, key.Arn))
		})
	}
}

func runBucket(t *testing.T, env settings.Environment, args *BucketArgs) (*tests.Mocks, *Bucket) {
	t.Helper()
	var b *Bucket
	mocks, err := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		var err error
		b, err = NewBucket(ctx, "8byte-x-logs", args)
		return err
	})
	require.NoError(t, err)
	return mocks, b
}

func TestBucketIsPrivateEncryptedVersionedAndTLSOnly(t *testing.T) {
	mocks, b := runBucket(t, settings.Prod, &BucketArgs{
		Environment: settings.Prod, Account: account,
		KmsKeyArn:       pulumi.String("arn:aws:kms:us-east-1:123456789012:key/k"),
		AccessLogBucket: pulumi.String("access-logs"),
		Lifecycle:       DefaultLifecycle(settings.Prod),
		Statements: func(arn string, _ map[string]string) []policy.Statement {
			return []policy.Statement{ServerAccessLogDelivery(account, arn)}
		},
	})
	bucket := mocks.OfType("aws:s3/bucketV2:BucketV2")
	require.Len(t, bucket, 1)
	assert.True(t, bucket[0].RetainOnDelete, "prod buckets survive stack deletion")
	assert.False(t, bucket[0].Bool("forceDestroy"))
	assert.Equal(t, "8byte-x-logs", tests.AwaitString(t, b.Name))

	pab := mocks.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0]
	for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.True(t, pab.Bool(flag), flag)
	}
	assert.Equal(t, "BucketOwnerEnforced", mocks.OfType("aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0].String("rule.objectOwnership"))
	assert.Equal(t, "Enabled", mocks.OfType("aws:s3/bucketVersioningV2:BucketVersioningV2")[0].String("versioningConfiguration.status"))

	sse := mocks.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")[0]
	assert.Equal(t, "aws:kms", sse.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"))
	assert.Equal(t, "arn:aws:kms:us-east-1:123456789012:key/k", sse.String("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	assert.True(t, sse.Bool("rules.0.bucketKeyEnabled"))

	logging := mocks.OfType("aws:s3/bucketLoggingV2:BucketLoggingV2")[0]
	assert.Equal(t, "access-logs", logging.String("targetBucket"))
	assert.Equal(t, "8byte-x-logs/", logging.String("targetPrefix"))

	lc := mocks.OfType("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")[0]
	assert.Equal(t, "Enabled", lc.String("rules.0.status"))
	assert.Equal(t, 30, lc.Int("rules.0.transitions.0.days"))
	assert.Equal(t, "STANDARD_IA", lc.String("rules.0.transitions.0.storageClass"))
	assert.Equal(t, "GLACIER", lc.String("rules.0.transitions.1.storageClass"))
	assert.Equal(t, 730, lc.Int("rules.0.expiration.days"))
	assert.Equal(t, 30, lc.Int("rules.0.noncurrentVersionExpiration.noncurrentDays"))
	assert.Equal(t, 7, lc.Int("rules.0.abortIncompleteMultipartUpload.daysAfterInitiation"))

	bp := mocks.OfType("aws:s3/bucketPolicy:BucketPolicy")
	require.Len(t, bp, 1, "exactly one policy resource per bucket")
	// The design's bucket policy, written out: TLS only for everyone, then S3's log delivery for this
	// account's buckets only.
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],
			"Resource":["arn:aws:s3:::8byte-x-logs","arn:aws:s3:::8byte-x-logs/*"],"Condition":{"Bool":{"aws:SecureTransport":["false"]}}},
		{"Sid":"S3ServerAccessLogDelivery","Effect":"Allow","Principal":{"Service":["logging.s3.amazonaws.com"]},"Action":["s3:PutObject"],
			"Resource":["arn:aws:s3:::8byte-x-logs/*"],"Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]}}}]}`,
		bp[0].String("policy"))
	assert.True(t, mocks.DependsOn(bp[0], pab), "the policy waits for the public access block")
}

func TestDevBucketUsesSSES3AndIsDisposable(t *testing.T) {
	mocks, _ := runBucket(t, settings.Dev, &BucketArgs{Environment: settings.Dev, Account: account, Lifecycle: DefaultLifecycle(settings.Dev)})
	bucket := mocks.OfType("aws:s3/bucketV2:BucketV2")[0]
	assert.True(t, bucket.Bool("forceDestroy"))
	assert.False(t, bucket.RetainOnDelete)
	sse := mocks.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")[0]
	assert.Equal(t, "AES256", sse.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"))
	assert.Empty(t, sse.String("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	assert.Empty(t, mocks.OfType("aws:s3/bucketLoggingV2:BucketLoggingV2"), "the access-log bucket does not log into itself")
	lc := mocks.OfType("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")[0]
	assert.Equal(t, 90, lc.Int("rules.0.expiration.days"))
	assert.Len(t, lc.Get("rules.0.transitions"), 1)
}

func TestLifecycleValidation(t *testing.T) {
	cases := map[Lifecycle]string{
		{ExpireDays: 0}: "lifecycle: objects must expire after at least 1 day, got 0",
		{InfrequentAccessDays: 7, ExpireDays: 90}:                   "lifecycle: S3 moves objects to STANDARD_IA after 30 days at the earliest, got 7",
		{InfrequentAccessDays: 60, GlacierDays: 30, ExpireDays: 90}: "lifecycle: GLACIER (30 days) must come after STANDARD_IA (60 days)",
		{InfrequentAccessDays: 30, GlacierDays: 90, ExpireDays: 60}: "lifecycle: expiry (60 days) must come after the last transition",
	}
	for l, want := range cases {
		assert.EqualError(t, l.Validate(), want)
	}
	for _, env := range settings.Environments {
		assert.NoError(t, DefaultLifecycle(env).Validate())
	}
}
