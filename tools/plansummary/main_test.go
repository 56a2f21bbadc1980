package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixture plan: an RDS replacement (protected), an ASG replacement (not stateful), a launch template
// update, an alarm create, a bucket delete (stateful by type, no goal: deletions have none), an SNS topic
// delete, and two unchanged resources (same, refresh).
func TestPlanSummary(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "plan.json"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	s, err := Parse(f)
	require.NoError(t, err)

	got := make([]string, 0, len(s.Entries))
	for _, e := range s.Entries {
		got = append(got, string(e.Change)+" "+e.Type+" "+e.Name)
	}
	assert.Equal(t, []string{
		"replace aws:autoscaling/group:Group 8byte-prod-app",
		"replace aws:rds/instance:Instance 8byte-prod-db",
		"delete aws:s3/bucketV2:BucketV2 8byte-prod-alb-logs",
		"delete aws:sns/topic:Topic 8byte-prod-old-alarms",
		"update aws:ec2/launchTemplate:LaunchTemplate 8byte-prod-app",
		"create aws:cloudwatch/metricAlarm:MetricAlarm 8byte-prod-5xx",
	}, got)
	assert.Equal(t, 2, s.Unchanged)

	losses := make([]string, 0, 2)
	for _, e := range s.Losses() {
		losses = append(losses, e.Name)
	}
	assert.Equal(t, []string{"8byte-prod-db", "8byte-prod-alb-logs"}, losses, "the RDS replacement and the bucket deletion lose data; the ASG replacement and the topic deletion do not")

	md := s.Markdown("prod")
	assert.Contains(t, md, "#### Update plan of `prod`")
	assert.Contains(t, md, "| 1 | 1 | 2 | 2 | 0 | 2 |", "create, update, replace, delete, import, unchanged")
	assert.Contains(t, md, "> This plan replaces or deletes 2 stateful resource(s)")
	assert.Contains(t, md, "> - **replace** `8byte-prod-db` (aws:rds/instance:Instance)")
	assert.Contains(t, md, "| replace ⚠ stateful | `aws:rds/instance:Instance` | `8byte-prod-db` |")
	assert.Contains(t, md, "| replace | `aws:autoscaling/group:Group` | `8byte-prod-app` |")
}

func TestPlanSummaryNoChanges(t *testing.T) {
	s, err := Parse(strings.NewReader(`{"resourcePlans": {"urn:pulumi:dev::8byte::pulumi:pulumi:Stack::8byte-dev": {"steps": ["same"]}}}`))
	require.NoError(t, err)
	md := s.Markdown("dev")
	assert.Contains(t, md, "| 0 | 0 | 0 | 0 | 0 | 1 |")
	assert.Contains(t, md, "No changes.")
	assert.NotContains(t, md, "CAUTION")
}

func TestPlanSummaryRejectsOtherFiles(t *testing.T) {
	_, err := Parse(strings.NewReader(`{"steps": []}`))
	require.EqualError(t, err, "read the update plan: no resourcePlans (is this a file of `pulumi preview --save-plan`?)")
	_, err = Parse(strings.NewReader(`not json`))
	require.ErrorContains(t, err, "read the update plan: ")

	var out bytes.Buffer
	require.EqualError(t, run(nil, &out), "usage: plansummary [-stack NAME] PLAN_FILE")
	require.NoError(t, run([]string{"-stack", "prod", filepath.Join("testdata", "plan.json")}, &out))
	assert.True(t, strings.HasPrefix(out.String(), "#### Update plan of `prod`\n"))
}

func TestTypeAndName(t *testing.T) {
	for urn, want := range map[string][2]string{
		"urn:pulumi:dev::8byte::8byte:compute:Compute$aws:ec2/launchTemplate:LaunchTemplate::lt": {"aws:ec2/launchTemplate:LaunchTemplate", "lt"},
		"urn:pulumi:dev::8byte::aws:ec2/vpc:Vpc::vpc":                                            {"aws:ec2/vpc:Vpc", "vpc"},
		"urn:pulumi:dev::8byte::a$b$aws:kms/key:Key::k::with::colons":                            {"aws:kms/key:Key", "k::with::colons"},
	} {
		typ, name := typeAndName(urn)
		assert.Equal(t, want, [2]string{typ, name}, urn)
	}
}

// A plan file written by the real CLI (pulumi v3.276.0, `pulumi preview --save-plan` of a small program
// with components "a" (protected) and "b" deployed, and "extra" added since): one create, the rest
// unchanged, and nothing stateful lost.
func TestPlanSummaryOfTheCLI(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "plan-cli-v3.276.0.json"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	s, err := Parse(f)
	require.NoError(t, err)
	require.Len(t, s.Entries, 1)
	assert.Equal(t, Entry{URN: "urn:pulumi:dev::plantest::test:index:Comp::extra", Type: "test:index:Comp", Name: "extra", Change: Create}, s.Entries[0])
	assert.Equal(t, 3, s.Unchanged)
	assert.Empty(t, s.Losses())
}
