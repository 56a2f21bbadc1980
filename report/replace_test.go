package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTheStatefulTypesHaveReplaceInputs(t *testing.T) {
	for typ := range statefulTypes {
		assert.NotEmpty(t, ReplaceOnChange[typ], "%s is stateful: list what replaces it", typ)
	}
	// The list: database, buckets, keys, secrets, log groups.
	for _, typ := range []string{"aws:rds/instance:Instance", "aws:s3/bucketV2:BucketV2", "aws:kms/key:Key", "aws:secretsmanager/secret:Secret", "aws:cloudwatch/logGroup:LogGroup"} {
		assert.Contains(t, statefulTypes, typ)
	}
}
