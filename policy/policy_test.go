package policy

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/tests"
)

func TestDocumentJSONOmitsEmptyFields(t *testing.T) {
	doc := New(Statement{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"}})
	got, err := doc.JSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`, got)
}

func TestDenyInsecureTransport(t *testing.T) {
	st := DenyInsecureTransport([]string{"s3:*"}, "arn:aws:s3:::b", "arn:aws:s3:::b/*")
	b, err := json.Marshal(st)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],
		"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":["false"]}}}`, string(b))
}

func TestRenderWaitsForOutputs(t *testing.T) {
	_, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
		arn := pulumi.String("arn:aws:s3:::logs").ToStringOutput()
		rendered := Render(pulumi.StringMap{"bucket": arn}, func(v map[string]string) Document {
			return New(Statement{Effect: Allow, Principal: Services("logging.s3.amazonaws.com"), Action: []string{"s3:PutObject"}, Resource: []string{v["bucket"] + "/*"}})
		})
		assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["logging.s3.amazonaws.com"]},
			"Action":["s3:PutObject"],"Resource":["arn:aws:s3:::logs/*"]}]}`, tests.AwaitString(t, rendered))
		assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"]}]}`,
			tests.AwaitString(t, Static(New(Statement{Effect: Deny, Action: []string{"*"}}))))
		return nil
	})
	require.NoError(t, err)
}
