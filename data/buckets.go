package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
)

// accessLogs creates the bucket that receives the S3 server access logs of the stack's other buckets
// (the ALB access-log bucket of the compute tier, the CloudTrail bucket of the observability tier).
//
// It uses SSE-S3: S3 server access logging cannot deliver into a bucket whose default encryption is
// SSE-KMS. It has no access logging of its own (Security Hub S3.9, an accepted exception): a log bucket
// logging into itself would log its own log deliveries forever, and a second log bucket would only move
// the question one bucket further.
func (b *builder) accessLogs() error {
	acct := b.args.Account
	var err error
	b.accessLogBucket, err = secure.NewBucket(b.ctx, b.child("access-logs"), &secure.BucketArgs{
		Environment: b.args.Environment,
		Account:     acct,
		Lifecycle:   secure.DefaultLifecycle(b.args.Environment),
		Statements: func(bucketArn string, _ map[string]string) []policy.Statement {
			return []policy.Statement{secure.ServerAccessLogDelivery(acct, bucketArn)}
		},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("access-log bucket: %w", err)
	}
	return nil
}

// accountPublicAccessBlock turns on all four S3 Block Public Access settings for the whole account, so
// that no bucket of the account (made by this program or by hand) can be made public. The setting is an
// account-wide singleton: exactly one stack per account owns it (config manageAccountPublicAccessBlock,
// on in prod); a second owner would fight the first, and destroying either would remove the protection.
func (b *builder) accountPublicAccessBlock() error {
	if !b.args.Config.ManageAccountPublicAccessBlock {
		return nil
	}
	_, err := s3.NewAccountPublicAccessBlock(b.ctx, b.child("account-public-access-block"), &s3.AccountPublicAccessBlockArgs{
		AccountId:             pulumi.String(b.args.Account.ID),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("account public access block: %w", err)
	}
	return nil
}
