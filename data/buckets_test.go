package data

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

func TestAccessLogBucketTakesServerAccessLogs(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runData(t, env, nil)
			buckets := mocks.OfType(typeBucket)
			require.Len(t, buckets, 1)
			bucket := buckets[0]
			assert.Equal(t, env.IsProd(), bucket.RetainOnDelete)

			sse := mocks.OfType(typeBucketSSE)
			require.Len(t, sse, 1)
			assert.Equal(t, "AES256", sse[0].String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"),
				"S3 server access logs cannot be delivered to an SSE-KMS bucket")

			assert.Empty(t, mocks.OfType(typeBucketLog), "the access-log bucket does not log into itself (accepted S3.9 exception)")

			policies := mocks.OfType(typeBucketPolicy)
			require.Len(t, policies, 1)
			var doc policy.Document
			require.NoError(t, policies[0].JSON("policy", &doc))
			arn := bucket.Out["arn"].(string)
			assert.Equal(t, policy.New(
				policy.DenyInsecureTransport([]string{"s3:*"}, arn, arn+"/*"),
				secure.ServerAccessLogDelivery(account, arn),
			), doc)
		})
	}
}

func TestAccountPublicAccessBlockHasOneOwner(t *testing.T) {
	cases := []struct {
		name   string
		env    settings.Environment
		change func(*Args)
		want   bool
	}{
		{"prod owns it", settings.Prod, nil, true},
		{"dev leaves it to prod", settings.Dev, nil, false},
		{"a dev-only account", settings.Dev, func(a *Args) { a.Config.ManageAccountPublicAccessBlock = true }, true},
		{"prod in an account owned elsewhere", settings.Prod, func(a *Args) { a.Config.ManageAccountPublicAccessBlock = false }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mocks, _ := runData(t, tc.env, tc.change)
			blocks := mocks.OfType(typeAccountPAB)
			if !tc.want {
				assert.Empty(t, blocks)
				return
			}
			require.Len(t, blocks, 1)
			assert.Equal(t, "123456789012", blocks[0].String("accountId"))
			for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				assert.True(t, blocks[0].Bool(flag), flag)
			}
		})
	}
}
