package main

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/tests"
)

// TestPolicyJSONWaitsForOutputs checks cloud.PolicyJSON and StaticPolicyJSON, with which every tier turns
// policy documents naming its resources into the outputs AWS receives (package cloud has no tests of its
// own: a test binary linking the SDK and pulumi-aws for two functions would cost seconds on every run).
func TestPolicyJSONWaitsForOutputs(t *testing.T) {
	_, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
		arn := pulumi.String("arn:aws:s3:::logs").ToStringOutput()
		rendered := cloud.PolicyJSON(pulumi.StringMap{"bucket": arn}, func(v map[string]string) policy.Document {
			return policy.New(policy.Statement{Effect: policy.Allow, Principal: policy.Services("logging.s3.amazonaws.com"), Action: []string{"s3:PutObject"}, Resource: []string{v["bucket"] + "/*"}})
		})
		assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["logging.s3.amazonaws.com"]},
			"Action":["s3:PutObject"],"Resource":["arn:aws:s3:::logs/*"]}]}`, tests.AwaitString(t, rendered))
		assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"]}]}`,
			tests.AwaitString(t, cloud.StaticPolicyJSON(policy.New(policy.Statement{Effect: policy.Deny, Action: []string{"*"}}))))
		return nil
	})
	require.NoError(t, err)
}
