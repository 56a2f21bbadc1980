package network

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

func TestFlowLogsCaptureAllTrafficToTheNamedGroup(t *testing.T) {
	for _, tc := range []struct {
		env       settings.Environment
		retention int
	}{{settings.Dev, 30}, {settings.Prod, 365}} {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, net := runNetwork(t, tc.env, nil)
			groups := mocks.OfType(typeLogGroup)
			require.Len(t, groups, 1)
			group := groups[0]
			assert.Equal(t, "8byte-"+tc.env.Name+"-vpc-flow-logs", group.String("name"))
			assert.Equal(t, tc.retention, group.Int("retentionInDays"))
			assert.Equal(t, group.String("name"), tests.AwaitString(t, net.FlowLogGroupName))

			logs := mocks.OfType(typeFlowLog)
			require.Len(t, logs, 1)
			fl := logs[0]
			assert.Equal(t, "ALL", fl.String("trafficType"))
			assert.Equal(t, "cloud-watch-logs", fl.String("logDestinationType"))
			assert.Equal(t, group.Out["arn"], fl.String("logDestination"))
			assert.Equal(t, mocks.OfType(typeVpc)[0].Out["id"], fl.String("vpcId"))
			role := mocks.Find(typeRole, settings.Prefix(tc.env)+"-flow-logs-role")
			require.NotNil(t, role)
			assert.Equal(t, role.Out["arn"], fl.String("iamRoleArn"))
		})
	}
}

func TestFlowLogRoleTrustsOnlyThisAccountsFlowLogs(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Dev, nil)
	role := mocks.Find(typeRole, "8byte-dev-flow-logs-role")
	assert.Equal(t, testBoundary, role.String("permissionsBoundary"))
	var trust policy.Document
	require.NoError(t, role.JSON("assumeRolePolicy", &trust))
	require.Len(t, trust.Statement, 1)
	st := trust.Statement[0]
	assert.Equal(t, policy.Allow, st.Effect)
	assert.Equal(t, policy.Principal{"Service": {"vpc-flow-logs.amazonaws.com"}}, st.Principal)
	assert.Equal(t, []string{"sts:AssumeRole"}, st.Action)
	assert.Equal(t, policy.Conditions{
		"StringEquals": {"aws:SourceAccount": {tests.AccountID}},
		"ArnLike":      {"aws:SourceArn": {"arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"}},
	}, st.Condition)

	policies := mocks.OfType(typeRolePolicy)
	require.Len(t, policies, 1)
	assert.Equal(t, role.Out["name"], policies[0].String("role"))
	var doc policy.Document
	require.NoError(t, policies[0].JSON("policy", &doc))
	assert.Equal(t, []policy.Statement{
		{Sid: "WriteFlowLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resource: []string{"arn:aws:logs:us-east-1:123456789012:log-group:8byte-dev-vpc-flow-logs:*"}},
		{Sid: "FindLogGroup", Effect: "Allow", Action: []string{"logs:DescribeLogGroups"},
			Resource: []string{"arn:aws:logs:us-east-1:123456789012:log-group:*"}},
	}, doc.Statement)
}

func TestEveryChildIsParentedByTheComponent(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Prod, nil)
	tests.AssertAllDescendFrom(t, mocks, ComponentType)
	assert.Greater(t, len(mocks.All()), 50)
}

func TestOutputsAreWired(t *testing.T) {
	mocks, net := runNetwork(t, settings.Prod, nil)
	vpc := mocks.OfType(typeVpc)[0]
	assert.Equal(t, vpc.Out["id"], tests.AwaitString(t, net.VpcId))
	assert.Equal(t, "10.0.0.0/16", tests.AwaitString(t, net.VpcCidr))
	subnetOutputs := map[string]pulumi.StringArrayOutput{"public": net.PublicSubnetIds, "private": net.PrivateSubnetIds, "database": net.DatabaseSubnetIds}
	for tier, out := range subnetOutputs {
		var want []string
		for _, zone := range []string{"a", "b", "c"} {
			want = append(want, mocks.Find(typeSubnet, "8byte-prod-"+tier+"-"+zone).Out["id"].(string))
		}
		assert.Equal(t, want, tests.Await(t, out), tier)
	}
	sgOutputs := map[string]pulumi.StringOutput{"alb": net.AlbSecurityGroupId, "app": net.AppSecurityGroupId, "db": net.DatabaseSecurityGroupId}
	for role, out := range sgOutputs {
		assert.Equal(t, mocks.Find(typeSG, "8byte-prod-"+role+"-sg").Out["id"], tests.AwaitString(t, out), role)
	}
	var eips []string
	for _, eip := range mocks.OfType(typeEip) {
		eips = append(eips, eip.Out["publicIp"].(string))
	}
	assert.ElementsMatch(t, eips, tests.Await(t, net.NatPublicIps))
	assert.Len(t, eips, 3)
}
