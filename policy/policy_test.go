package policy

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
