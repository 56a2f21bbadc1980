package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// TrailName is the name of env's CloudTrail trail. It is explicit because the bucket and key policies
// must name the trail's ARN (aws:SourceArn) before the trail exists.
func TrailName(env settings.Environment) string { return settings.Prefix(env) + "-trail" }

// TrailARN is the ARN of env's trail in account's home region.
func TrailARN(account settings.Account, env settings.Environment) string {
	return account.ARN("cloudtrail", "trail/"+TrailName(env))
}

// TrailLogGroupName is the log group the trail delivers to; explicit because the delivery role's policy
// names it and Security Hub's CIS checks find the metric filters through it.
func TrailLogGroupName(env settings.Environment) string { return settings.Prefix(env) + "-cloudtrail" }

// trailEncryptionContext is the KMS encryption-context key CloudTrail sets to the trail's ARN.
const trailEncryptionContext = "kms:EncryptionContext:aws:cloudtrail:arn"

// anyTrailOf matches the ARN of every trail of account, in any region (the encryption context).
func anyTrailOf(account settings.Account) string {
	return fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", account.Partition, account.ID)
}

// trailKeyGrants are the statements of the trail key's policy after the account's administration, as in
// "Configure AWS KMS key policies for CloudTrail": the trail (and only it: aws:SourceArn) encrypts log and
// digest files and describes the key; it may decrypt, which an S3 Bucket Key on the bucket requires; and
// principals of this account may decrypt the log files.
func trailKeyGrants(account settings.Account, trailArn string) []policy.Statement {
	onlyThisTrail := map[string][]string{"aws:SourceArn": {trailArn}}
	cloudTrail := policy.Services(account.Service("cloudtrail"))
	return []policy.Statement{
		{
			Sid: "CloudTrailEncryptsLogs", Effect: policy.Allow, Principal: cloudTrail,
			Action: []string{"kms:GenerateDataKey*"}, Resource: []string{"*"},
			Condition: policy.Conditions{
				"StringEquals": onlyThisTrail,
				"StringLike":   {trailEncryptionContext: {anyTrailOf(account)}},
			},
		},
		{
			Sid: "CloudTrailDescribesAndDecrypts", Effect: policy.Allow, Principal: cloudTrail,
			Action: []string{"kms:DescribeKey", "kms:Decrypt"}, Resource: []string{"*"},
			Condition: policy.Conditions{"StringEquals": onlyThisTrail},
		},
		{
			Sid: "AccountDecryptsLogs", Effect: policy.Allow, Principal: policy.Everyone(),
			Action: []string{"kms:Decrypt", "kms:ReEncryptFrom"}, Resource: []string{"*"},
			Condition: policy.Conditions{
				"StringEquals": {"kms:CallerAccount": {account.ID}},
				"StringLike":   {trailEncryptionContext: {anyTrailOf(account)}},
			},
		},
	}
}

// trailBucketStatements let the trail, and only it, check the bucket's ACL and write its log files.
func trailBucketStatements(account settings.Account, bucketArn, trailArn string) []policy.Statement {
	cloudTrail := policy.Services(account.Service("cloudtrail"))
	return []policy.Statement{
		{
			Sid: "CloudTrailChecksAcl", Effect: policy.Allow, Principal: cloudTrail,
			Action: []string{"s3:GetBucketAcl"}, Resource: []string{bucketArn},
			Condition: policy.Conditions{"StringEquals": {"aws:SourceArn": {trailArn}}},
		},
		{
			Sid: "CloudTrailWritesLogs", Effect: policy.Allow, Principal: cloudTrail,
			Action: []string{"s3:PutObject"}, Resource: []string{bucketArn + "/AWSLogs/" + account.ID + "/*"},
			Condition: policy.Conditions{"StringEquals": {
				"s3:x-amz-acl":  {"bucket-owner-full-control"},
				"aws:SourceArn": {trailArn},
			}},
		},
	}
}

// trailDeliveryTrust lets only the trail assume its CloudWatch Logs delivery role.
func trailDeliveryTrust(account settings.Account, trailArn string) policy.Document {
	return policy.New(policy.AssumeRole(policy.Services(account.Service("cloudtrail")), policy.Conditions{
		"StringEquals": {"aws:SourceAccount": {account.ID}, "aws:SourceArn": {trailArn}},
	}))
}

// trailDeliveryPolicy lets the delivery role write log streams of the trail's log group, and nothing else.
func trailDeliveryPolicy(account settings.Account, env settings.Environment) policy.Document {
	return policy.New(policy.Statement{
		Sid:      "DeliverTrailEvents",
		Effect:   policy.Allow,
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{account.ARN("logs", "log-group:"+TrailLogGroupName(env)+":log-stream:*")},
	})
}

// trail creates the account's multi-region CloudTrail trail (when enabled): its KMS key, its secure bucket,
// its CloudWatch log group and delivery role, and the CIS alarms on that log group.
func (b *monitor) trail() error {
	a := b.args
	if !a.Config.CloudTrailEnabled {
		return nil
	}
	acct, env := a.Account, a.Environment
	trailArn := TrailARN(acct, env)
	key, err := secure.NewKey(b.ctx, b.child("trail-key"), &secure.KeyArgs{
		Environment: env,
		Account:     acct,
		Purpose:     "cloudtrail",
		Description: "Encrypts the CloudTrail log files of " + b.name,
		Grants:      func(map[string]string) []policy.Statement { return trailKeyGrants(acct, trailArn) },
	}, b.parent)
	if err != nil {
		return fmt.Errorf("trail key: %w", err)
	}
	b.trailBucket, err = secure.NewBucket(b.ctx, b.child("trail-bucket"), &secure.BucketArgs{
		Environment:     env,
		Account:         acct,
		KmsKeyArn:       key.Arn,
		AccessLogBucket: a.AccessLogBucketName,
		Lifecycle:       secure.DefaultLifecycle(env),
		Statements: func(bucketArn string, _ map[string]string) []policy.Statement {
			return trailBucketStatements(acct, bucketArn, trailArn)
		},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("trail bucket: %w", err)
	}
	group, err := newLogGroup(b.ctx, b.child("trail-logs"), TrailLogGroupName(env), a.Config.LogRetentionDays, b.parent)
	if err != nil {
		return fmt.Errorf("trail: %w", err)
	}
	trust, err := trailDeliveryTrust(acct, trailArn).JSON()
	if err != nil {
		return err
	}
	role, err := awsiam.NewRole(b.ctx, b.child("trail-delivery"), &awsiam.RoleArgs{
		Description:         pulumi.String("Delivers the CloudTrail events of " + b.name + " to CloudWatch Logs"),
		AssumeRolePolicy:    pulumi.String(trust),
		PermissionsBoundary: a.PermissionsBoundaryArn,
		Tags:                cloud.NameTag(b.child("trail-delivery")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("trail delivery role: %w", err)
	}
	deliver, err := trailDeliveryPolicy(acct, env).JSON()
	if err != nil {
		return err
	}
	rolePolicy, err := awsiam.NewRolePolicy(b.ctx, b.child("trail-delivery-write"), &awsiam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(deliver),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("trail delivery role policy: %w", err)
	}
	b.trailRes, err = cloudtrail.NewTrail(b.ctx, b.child("trail"), &cloudtrail.TrailArgs{
		Name:                       pulumi.String(TrailName(env)),
		S3BucketName:               b.trailBucket.Name,
		KmsKeyId:                   key.Arn,
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		// CloudTrail wants the log group's ARN with the ":*" suffix, which the provider's output lacks.
		CloudWatchLogsGroupArn: pulumi.Sprintf("%s:*", group.Arn),
		CloudWatchLogsRoleArn:  role.Arn,
		Tags:                   cloud.NameTag(TrailName(env)),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.trailBucket.Policy, rolePolicy}))
	if err != nil {
		return fmt.Errorf("trail: %w", err)
	}
	return b.cisAlarms(group.Name)
}
