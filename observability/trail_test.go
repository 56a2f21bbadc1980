package observability

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

const (
	prodTrailArn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/8byte-prod-trail"
	anyTrail     = "arn:aws:cloudtrail:*:123456789012:trail/*"
)

func TestTrailIsMultiRegionValidatedEncryptedAndDeliveredToCloudWatch(t *testing.T) {
	mocks, m, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	trails := mocks.OfType(typeTrail)
	require.Len(t, trails, 1)
	trail := trails[0]
	assert.Equal(t, "8byte-prod-trail", trail.String("name"))
	assert.Equal(t, prodTrailArn, trail.Out["arn"], "the ARN the policies name is the trail's")
	for _, flag := range []string{"isMultiRegionTrail", "includeGlobalServiceEvents", "enableLogFileValidation", "enableLogging"} {
		assert.True(t, trail.Bool(flag), flag)
	}
	assert.Nil(t, trail.Get("eventSelectors"), "all management events, read and write (CloudTrail.1)")

	key := mocks.Find(typeKey, "8byte-prod-trail-key")
	require.NotNil(t, key)
	assert.Equal(t, key.Out["arn"], trail.String("kmsKeyId"))
	bucket := mocks.Find(typeBucket, "8byte-prod-trail-bucket")
	require.NotNil(t, bucket)
	assert.Equal(t, bucket.Out["bucket"], trail.String("s3BucketName"))

	group := mocks.Find(typeLogGroup, "8byte-prod-trail-logs")
	require.NotNil(t, group)
	assert.Equal(t, "8byte-prod-cloudtrail", group.String("name"))
	assert.Equal(t, 365, group.Int("retentionInDays"))
	assert.Equal(t, "arn:aws:logs:us-east-1:123456789012:log-group:8byte-prod-cloudtrail:*", trail.String("cloudWatchLogsGroupArn"))
	role := mocks.Find(typeRole, "8byte-prod-trail-delivery")
	require.NotNil(t, role)
	assert.Equal(t, role.Out["arn"], trail.String("cloudWatchLogsRoleArn"))

	bucketPolicy := mocks.Find(typeBucketPolicy, "8byte-prod-trail-bucket")
	require.NotNil(t, bucketPolicy)
	assert.True(t, mocks.DependsOn(trail, bucketPolicy), "CloudTrail checks the bucket policy when the trail is created")
	assert.True(t, mocks.DependsOn(trail, mocks.Find(typeRolePolicy, "8byte-prod-trail-delivery-write")), "and the delivery role's permissions")

	assert.Equal(t, prodTrailArn, tests.AwaitString(t, m.TrailArn))
	assert.Equal(t, bucket.Out["bucket"], tests.AwaitString(t, m.TrailBucketName))
}

func TestTrailKeyPolicyFollowsTheCloudTrailGuide(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	key := mocks.Find(typeKey, "8byte-prod-trail-key")
	require.NotNil(t, key)
	assert.True(t, key.Bool("enableKeyRotation"))
	got := statements(t, key, "policy")
	require.Len(t, got, 4)
	assert.Equal(t, secure.AccountAdministration(account), got[0])
	cloudTrail := policy.Services("cloudtrail.amazonaws.com")
	assert.Equal(t, []policy.Statement{
		{
			Sid: "CloudTrailEncryptsLogs", Effect: "Allow", Principal: cloudTrail,
			Action: []string{"kms:GenerateDataKey*"}, Resource: []string{"*"},
			Condition: policy.Conditions{
				"StringEquals": {"aws:SourceArn": {prodTrailArn}},
				"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": {anyTrail}},
			},
		},
		{
			Sid: "CloudTrailDescribesAndDecrypts", Effect: "Allow", Principal: cloudTrail,
			Action: []string{"kms:DescribeKey", "kms:Decrypt"}, Resource: []string{"*"},
			Condition: policy.Conditions{"StringEquals": {"aws:SourceArn": {prodTrailArn}}},
		},
		{
			Sid: "AccountDecryptsLogs", Effect: "Allow", Principal: policy.AWS("*"),
			Action: []string{"kms:Decrypt", "kms:ReEncryptFrom"}, Resource: []string{"*"},
			Condition: policy.Conditions{
				"StringEquals": {"kms:CallerAccount": {"123456789012"}},
				"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": {anyTrail}},
			},
		},
	}, got[1:])
}

func TestTrailBucketIsSecureAndOnlyTheTrailWrites(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	bucket := mocks.Find(typeBucket, "8byte-prod-trail-bucket")
	require.NotNil(t, bucket)
	assert.True(t, bucket.RetainOnDelete, "prod audit logs survive the stack")
	arn := bucket.Out["arn"].(string)
	key := mocks.Find(typeKey, "8byte-prod-trail-key")

	sse := mocks.Find(typeBucketSSE, "8byte-prod-trail-bucket")
	require.NotNil(t, sse)
	assert.Equal(t, "aws:kms", sse.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"))
	assert.Equal(t, key.Out["arn"], sse.String("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	logging := mocks.Find(typeBucketLog, "8byte-prod-trail-bucket")
	require.NotNil(t, logging)
	assert.Equal(t, testAccessLogs, logging.String("targetBucket"), "access logs go to the data tier's bucket")

	got := statements(t, mocks.Find(typeBucketPolicy, "8byte-prod-trail-bucket"), "policy")
	require.Len(t, got, 3)
	assert.Equal(t, policy.DenyInsecureTransport([]string{"s3:*"}, arn, arn+"/*"), got[0])
	cloudTrail := policy.Services("cloudtrail.amazonaws.com")
	assert.Equal(t, []policy.Statement{
		{
			Sid: "CloudTrailChecksAcl", Effect: "Allow", Principal: cloudTrail,
			Action: []string{"s3:GetBucketAcl"}, Resource: []string{arn},
			Condition: policy.Conditions{"StringEquals": {"aws:SourceArn": {prodTrailArn}}},
		},
		{
			Sid: "CloudTrailWritesLogs", Effect: "Allow", Principal: cloudTrail,
			Action: []string{"s3:PutObject"}, Resource: []string{arn + "/AWSLogs/123456789012/*"},
			Condition: policy.Conditions{"StringEquals": {
				"s3:x-amz-acl":  {"bucket-owner-full-control"},
				"aws:SourceArn": {prodTrailArn},
			}},
		},
	}, got[1:])
}

func TestTrailDeliveryRoleWritesOnlyToItsLogGroup(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	role := mocks.Find(typeRole, "8byte-prod-trail-delivery")
	require.NotNil(t, role)
	assert.Equal(t, testBoundary, role.String("permissionsBoundary"))
	assert.Equal(t, []policy.Statement{policy.AssumeRole(policy.Services("cloudtrail.amazonaws.com"), policy.Conditions{
		"StringEquals": {"aws:SourceAccount": {"123456789012"}, "aws:SourceArn": {prodTrailArn}},
	})}, statements(t, role, "assumeRolePolicy"))

	rolePolicies := mocks.OfType(typeRolePolicy)
	require.Len(t, rolePolicies, 1)
	assert.Equal(t, role.Out["name"], rolePolicies[0].String("role"))
	assert.Equal(t, []policy.Statement{{
		Sid: "DeliverTrailEvents", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{"arn:aws:logs:us-east-1:123456789012:log-group:8byte-prod-cloudtrail:log-stream:*"},
	}}, statements(t, rolePolicies[0], "policy"))
}

func TestTrailCanBeTurnedOnInDev(t *testing.T) {
	mocks, m, err := runMonitoring(t, settings.Dev, func(a *MonitoringArgs) { a.Config.CloudTrailEnabled = true })
	require.NoError(t, err)
	require.Len(t, mocks.OfType(typeTrail), 1)
	assert.Equal(t, "8byte-dev-trail", mocks.OfType(typeTrail)[0].String("name"))
	assert.Equal(t, 30, mocks.Find(typeLogGroup, "8byte-dev-trail-logs").Int("retentionInDays"))
	assert.False(t, mocks.Find(typeBucket, "8byte-dev-trail-bucket").RetainOnDelete)
	assert.Equal(t, "arn:aws:cloudtrail:us-east-1:123456789012:trail/8byte-dev-trail", tests.AwaitString(t, m.TrailArn))
}
