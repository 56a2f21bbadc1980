package iam

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The session limits fit together: the longest update covers the database's 120-minute update timeout
// (data/database.go), a job outlasts the longest update, the role session outlasts the job, and every
// session is one IAM accepts as a role's MaxSessionDuration (3600 to 43200 s). The workflows' agreement
// with these constants is checked by tools/workflowcheck.
func TestSessionLimits(t *testing.T) {
	assert.GreaterOrEqual(t, LongestUpdateMinutes, 120, "the database's update timeout (data/database.go)")
	assert.Less(t, LongestUpdateMinutes, JobTimeoutMinutes, "a job must outlast the longest update")
	assert.Less(t, JobTimeoutMinutes*60, CISessionSeconds, "the role session must outlast the job")
	for name, s := range map[string]int{"CISessionSeconds": CISessionSeconds, "WorkloadSessionSeconds": WorkloadSessionSeconds} {
		assert.GreaterOrEqual(t, s, 3600, name)
		assert.LessOrEqual(t, s, 43200, name)
	}
}
