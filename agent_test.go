package main

import (
	"encoding/base64"
	"encoding/json"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/compute"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// agentPlaceholderActions are the AWS calls the CloudWatch agent makes to resolve each ${aws:...}
// dimension of metrics.append_dimensions, from its source (aws/amazon-cloudwatch-agent,
// plugins/processors/ec2tagger): InstanceId, ImageId and InstanceType come from the instance metadata,
// AutoScalingGroupName from ec2:DescribeTags (the ec2tagger drops every metric until that call succeeds),
// VolumeId from ec2:DescribeVolumes. A placeholder missing here fails the test: look it up first.
var agentPlaceholderActions = map[string][]string{
	"${aws:InstanceId}":           nil,
	"${aws:ImageId}":              nil,
	"${aws:InstanceType}":         nil,
	"${aws:AutoScalingGroupName}": {"ec2:DescribeTags"},
	"${aws:VolumeId}":             {"ec2:DescribeVolumes"},
}

// agentNeed is one call the agent makes with the instance role's credentials.
type agentNeed struct {
	action, resource string
	context          map[string]string // condition keys of the request
}

// agentNeeds derives from the agent's configuration every call it makes: its metrics, their dimensions
// and the log files it ships.
func agentNeeds(t *testing.T, cfg compute.AgentConfig) []agentNeed {
	t.Helper()
	needs := []agentNeed{{"cloudwatch:PutMetricData", "*", map[string]string{"cloudwatch:namespace": cfg.Metrics.Namespace}}}
	for dim, value := range cfg.Metrics.AppendDimensions {
		actions, known := agentPlaceholderActions[value]
		require.True(t, known, "dimension %s: the agent's lookup for %s is not in agentPlaceholderActions", dim, value)
		for _, a := range actions {
			needs = append(needs, agentNeed{a, "*", nil}) // EC2 Describe* actions have no resource type
		}
	}
	for _, f := range cfg.Logs.LogsCollected.Files.CollectList {
		stream := "arn:aws:logs:" + tests.Region + ":" + tests.AccountID + ":log-group:" + f.LogGroupName + ":log-stream:i-0123456789abcdef0" + f.FilePath
		needs = append(needs, agentNeed{"logs:CreateLogStream", stream, nil}, agentNeed{"logs:PutLogEvents", stream, nil})
	}
	return needs
}

// deployedAgentConfig returns the CloudWatch agent configuration written by the launch template's user data.
func deployedAgentConfig(t *testing.T, lt *tests.Resource) compute.AgentConfig {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(lt.String("userData"))
	require.NoError(t, err)
	_, rest, found := strings.Cut(string(raw), "<<'AGENT_CONFIG'\n")
	require.True(t, found, "the user data writes no agent configuration")
	body, _, found := strings.Cut(rest, "\nAGENT_CONFIG\n")
	require.True(t, found)
	var cfg compute.AgentConfig
	require.NoError(t, json.Unmarshal([]byte(body), &cfg))
	return cfg
}

// allows reports whether the statements let need through: no Deny applies to it, and an Allow does (an
// action pattern and a resource pattern match, and its conditions hold for the request's context). A
// condition operator it does not know counts as holding for a Deny and as failing for an Allow, so that
// the check errs towards "blocked".
func allows(statements []policy.Statement, need agentNeed) bool {
	glob := func(patterns []string, value string, fold bool) bool {
		return slices.ContainsFunc(patterns, func(p string) bool {
			if fold {
				p, value = strings.ToLower(p), strings.ToLower(value)
			}
			ok, err := path.Match(strings.ReplaceAll(p, "/", "\x00"), strings.ReplaceAll(value, "/", "\x00"))
			return err == nil && ok
		})
	}
	holds := func(conditions policy.Conditions, unknown bool) bool {
		for op, keys := range conditions {
			for key, values := range keys {
				v, present := need.context[key]
				var ok bool
				switch op {
				case "StringEquals":
					ok = present && slices.Contains(values, v)
				case "StringLike":
					ok = present && glob(values, v, false)
				case "StringNotEquals":
					ok = !present || !slices.Contains(values, v)
				case "Null":
					ok = slices.Contains(values, strconv.FormatBool(!present))
				default:
					ok = unknown
				}
				if !ok {
					return false
				}
			}
		}
		return true
	}
	matches := func(st policy.Statement) bool {
		return glob(st.Action, need.action, true) && glob(st.Resource, need.resource, false)
	}
	for _, st := range statements {
		if st.Effect == policy.Deny && matches(st) && holds(st.Condition, true) {
			return false
		}
	}
	for _, st := range statements {
		if st.Effect == policy.Allow && matches(st) && holds(st.Condition, false) {
			return true
		}
	}
	return false
}

// instanceRole returns the agent configuration of env's launch template, and the statements of its
// instance role's own policies and of the role's permissions boundary.
func instanceRole(t *testing.T, env settings.Environment) (cfg compute.AgentConfig, granted, ceiling []policy.Statement) {
	t.Helper()
	stack := stackInventory(t, env)
	lts := stack.OfType("aws:ec2/launchTemplate:LaunchTemplate")
	require.Len(t, lts, 1)
	profile := stack.ByOutput("arn", lts[0].String("iamInstanceProfile.arn"))
	require.NotNil(t, profile, "the launch template's instance profile")
	role := stack.ByOutput("name", profile.String("role"))
	require.NotNil(t, role, "the instance profile's role")
	boundary := stack.ByOutput("arn", role.String("permissionsBoundary"))
	require.NotNil(t, boundary, "the role's permissions boundary")
	for _, p := range stack.OfType("aws:iam/rolePolicy:RolePolicy") {
		if p.String("role") == role.Out["name"] {
			granted = append(granted, statementsOf(t, p.String("policy"))...)
		}
	}
	require.NotEmpty(t, granted, "the instance role's inline policies")
	return deployedAgentConfig(t, lts[0]), granted, statementsOf(t, boundary.String("policy"))
}

// TestInstanceRoleAllowsWhatTheAgentConfigNeeds ties the CloudWatch agent's configuration to the
// instance role: every call the configuration implies (its dimension lookups, its metrics, its log
// streams) is allowed by the role's own policies and by its permissions boundary. An agent whose
// lookup is denied publishes nothing, silently.
func TestInstanceRoleAllowsWhatTheAgentConfigNeeds(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			cfg, granted, ceiling := instanceRole(t, env)
			needs := agentNeeds(t, cfg)
			require.NotEmpty(t, needs)
			for _, need := range needs {
				assert.True(t, allows(granted, need), "the instance role does not allow %s on %s %v", need.action, need.resource, need.context)
				assert.True(t, allows(ceiling, need), "the permissions boundary blocks %s on %s %v", need.action, need.resource, need.context)
			}
		})
	}
}

// TestAgentNeedsFollowTheDimensions proves the tie can fail: with the agent's AutoScalingGroupName
// dimension (the configuration before this fix), it needs ec2:DescribeTags, which the instance role
// does not grant.
func TestAgentNeedsFollowTheDimensions(t *testing.T) {
	cfg, granted, _ := instanceRole(t, settings.Dev)
	cfg.Metrics.AppendDimensions["AutoScalingGroupName"] = "${aws:AutoScalingGroupName}"
	need := agentNeed{"ec2:DescribeTags", "*", nil}
	assert.Contains(t, agentNeeds(t, cfg), need)
	assert.False(t, allows(granted, need), "the instance role grants no ec2:DescribeTags")
}

func statementsOf(t *testing.T, doc string) []policy.Statement {
	t.Helper()
	var parsed struct {
		Statement []policy.Statement `json:"Statement"`
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &parsed), "policy %s", doc)
	return parsed.Statement
}
