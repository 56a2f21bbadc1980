package secure

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// BucketType is the type token of the Bucket component.
const BucketType = "8byte:secure:Bucket"

// Lifecycle is how long objects stay in each storage class. Zero days skip a step.
type Lifecycle struct {
	InfrequentAccessDays int // move to STANDARD_IA (S3 needs at least 30)
	GlacierDays          int // then to GLACIER
	ExpireDays           int // then delete
	// KeepCurrent keeps current objects forever (no transition, no expiry): only replaced versions
	// expire. For the Pulumi state, whose current objects are the stacks.
	KeepCurrent bool
}

// StateLifecycle keeps the current objects and expires replaced versions (as every Lifecycle does).
var StateLifecycle = Lifecycle{KeepCurrent: true}

// DefaultLifecycle keeps logs 90 days in dev; in prod, two years with cheaper storage after 30 and 90
// days (audit and access logs are kept beyond the one-year log retention of the design).
func DefaultLifecycle(env settings.Environment) Lifecycle {
	if env.IsProd() {
		return Lifecycle{InfrequentAccessDays: 30, GlacierDays: 90, ExpireDays: 730}
	}
	return Lifecycle{InfrequentAccessDays: 30, ExpireDays: 90}
}

// Validate checks that S3 would accept the lifecycle.
func (l Lifecycle) Validate() error {
	if l.KeepCurrent {
		if l.InfrequentAccessDays != 0 || l.GlacierDays != 0 || l.ExpireDays != 0 {
			return fmt.Errorf("lifecycle: kept current objects have no transitions or expiry")
		}
		return nil
	}
	switch {
	case l.ExpireDays < 1:
		return fmt.Errorf("lifecycle: objects must expire after at least 1 day, got %d", l.ExpireDays)
	case l.InfrequentAccessDays != 0 && l.InfrequentAccessDays < 30:
		return fmt.Errorf("lifecycle: S3 moves objects to STANDARD_IA after 30 days at the earliest, got %d", l.InfrequentAccessDays)
	case l.GlacierDays != 0 && l.GlacierDays <= l.InfrequentAccessDays:
		return fmt.Errorf("lifecycle: GLACIER (%d days) must come after STANDARD_IA (%d days)", l.GlacierDays, l.InfrequentAccessDays)
	case l.ExpireDays <= max(l.InfrequentAccessDays, l.GlacierDays):
		return fmt.Errorf("lifecycle: expiry (%d days) must come after the last transition", l.ExpireDays)
	}
	return nil
}

// BucketArgs configures a Bucket.
type BucketArgs struct {
	Environment settings.Environment
	Account     settings.Account
	// KmsKeyArn selects SSE-KMS with that key; nil selects SSE-S3 (AES256), which ALB access logs and the
	// targets of S3 server access logs require.
	KmsKeyArn pulumi.StringInput
	// AccessLogBucket is the bucket receiving this bucket's server access logs; nil only for that bucket
	// itself (a bucket logging into itself would log its own log deliveries forever).
	AccessLogBucket pulumi.StringInput
	Lifecycle       Lifecycle
	// Inputs are output values the statements need, resolved before Statements runs.
	Inputs pulumi.StringMap
	// Statements returns the service-specific statements of the bucket policy (log delivery, ...), added
	// after the TLS-only statement, so each bucket has exactly one policy resource.
	Statements func(bucketArn string, inputs map[string]string) []policy.Statement
}

// Bucket is an S3 bucket that is private (all four public-access blocks, ACLs disabled), encrypted by
// default, versioned, TLS-only, logged and expired by a lifecycle. Prod buckets survive stack deletion;
// dev buckets are emptied and removed with the stack.
type Bucket struct {
	pulumi.ResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	Arn  pulumi.StringOutput `pulumi:"arn"`
	// Policy is the bucket's policy. A service that checks on creation that it may write to the bucket (an
	// ALB's access logs, a CloudTrail trail) depends on it directly: depending on the component itself is
	// not enough in the Go SDK, which may not have seen all of a component's children yet.
	Policy *s3.BucketPolicy `pulumi:"-"`
}

// NewBucket creates a secure bucket; its physical name is auto-named from name (globally unique).
func NewBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	if args == nil || args.Account.ID == "" {
		return nil, fmt.Errorf("bucket %s: environment and account are required", name)
	}
	if err := args.Lifecycle.Validate(); err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	b := &Bucket{}
	if err := ctx.RegisterComponentResource(BucketType, name, b, opts...); err != nil {
		return nil, fmt.Errorf("register bucket %s: %w", name, err)
	}
	parent := pulumi.Parent(b)
	bucketOpts := []pulumi.ResourceOption{parent}
	if args.Environment.Protected() {
		bucketOpts = append(bucketOpts, pulumi.RetainOnDelete(true))
	}
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(!args.Environment.Protected()),
		Tags:         cloud.NameTag(name),
	}, bucketOpts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}

	publicAccess, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("bucket %s public access block: %w", name, err)
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, fmt.Errorf("bucket %s ownership controls: %w", name, err)
	}
	if _, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent); err != nil {
		return nil, fmt.Errorf("bucket %s versioning: %w", name, err)
	}
	if err := encryption(ctx, name, bucket, args.KmsKeyArn, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  lifecycleRules(args.Lifecycle),
	}, parent); err != nil {
		return nil, fmt.Errorf("bucket %s lifecycle: %w", name, err)
	}
	if args.AccessLogBucket != nil {
		if _, err := s3.NewBucketLoggingV2(ctx, name, &s3.BucketLoggingV2Args{
			Bucket:       bucket.ID(),
			TargetBucket: args.AccessLogBucket,
			TargetPrefix: pulumi.String(name + "/"),
		}, parent); err != nil {
			return nil, fmt.Errorf("bucket %s access logging: %w", name, err)
		}
	}

	inputs := pulumi.StringMap{"bucketArn": bucket.Arn}
	for k, v := range args.Inputs {
		inputs[k] = v
	}
	bucketPolicy := cloud.PolicyJSON(inputs, func(v map[string]string) policy.Document {
		arn := v["bucketArn"]
		statements := []policy.Statement{policy.DenyInsecureTransport([]string{"s3:*"}, arn, arn+"/*")}
		if args.Statements != nil {
			statements = append(statements, args.Statements(arn, v)...)
		}
		return policy.New(statements...)
	})
	// After the public access block: S3 refuses policies while the block is being changed.
	b.Policy, err = s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: bucketPolicy,
	}, parent, pulumi.DependsOn([]pulumi.Resource{publicAccess}))
	if err != nil {
		return nil, fmt.Errorf("bucket %s policy: %w", name, err)
	}

	b.Name, b.Arn = bucket.Bucket, bucket.Arn
	if err := ctx.RegisterResourceOutputs(b, pulumi.Map{"name": b.Name, "arn": b.Arn}); err != nil {
		return nil, fmt.Errorf("register bucket %s outputs: %w", name, err)
	}
	return b, nil
}

func encryption(ctx *pulumi.Context, name string, bucket *s3.BucketV2, kmsKeyArn pulumi.StringInput, parent pulumi.ResourceOption) error {
	byDefault := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
		SseAlgorithm: pulumi.String("AES256"),
	}
	rule := s3.BucketServerSideEncryptionConfigurationV2RuleArgs{ApplyServerSideEncryptionByDefault: byDefault}
	if kmsKeyArn != nil {
		byDefault.SseAlgorithm = pulumi.String("aws:kms")
		byDefault.KmsMasterKeyId = kmsKeyArn
		rule.BucketKeyEnabled = pulumi.Bool(true) // fewer KMS calls, same protection
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  s3.BucketServerSideEncryptionConfigurationV2RuleArray{rule},
	}, parent); err != nil {
		return fmt.Errorf("bucket %s encryption: %w", name, err)
	}
	return nil
}

func lifecycleRules(l Lifecycle) s3.BucketLifecycleConfigurationV2RuleArray {
	var transitions s3.BucketLifecycleConfigurationV2RuleTransitionArray
	if l.InfrequentAccessDays > 0 {
		transitions = append(transitions, s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
			Days: pulumi.Int(l.InfrequentAccessDays), StorageClass: pulumi.String("STANDARD_IA"),
		})
	}
	if l.GlacierDays > 0 {
		transitions = append(transitions, s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
			Days: pulumi.Int(l.GlacierDays), StorageClass: pulumi.String("GLACIER"),
		})
	}
	var expiration s3.BucketLifecycleConfigurationV2RuleExpirationPtrInput
	if !l.KeepCurrent {
		expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(l.ExpireDays)}
	}
	return s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:          pulumi.String("retention"),
		Status:      pulumi.String("Enabled"),
		Filter:      &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
		Transitions: transitions,
		Expiration:  expiration,
		NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
			NoncurrentDays: pulumi.Int(30),
		},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(7),
		},
	}}
}

// ServerAccessLogDelivery is the statement the bucket receiving S3 server access logs needs: the S3
// logging service may write under the log prefix, for buckets of this account only.
func ServerAccessLogDelivery(account settings.Account, bucketArn string) policy.Statement {
	return policy.Statement{
		Sid:       "S3ServerAccessLogDelivery",
		Effect:    policy.Allow,
		Principal: policy.Services(account.Service("logging.s3")),
		Action:    []string{"s3:PutObject"},
		Resource:  []string{bucketArn + "/*"},
		Condition: policy.Conditions{"StringEquals": {"aws:SourceAccount": {account.ID}}},
	}
}
