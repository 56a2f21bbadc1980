package iam

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// maxAttachedPolicies is IAM's default quota of managed policies attached to one role.
const maxAttachedPolicies = 10

// boundaryAllows reports whether an Allow statement of the boundary lets action on resource through for
// a request carrying the conditions of grant: a boundary statement with conditions only covers grants
// that fix the same keys to values it matches.
func boundaryAllows(boundary policy.Document, grant policy.Statement, action, resource string) bool {
	for _, st := range boundary.Statement {
		if st.Effect != policy.Allow || !matchesAny(st.Action, action) || !matchesAny(st.Resource, resource) {
			continue
		}
		if conditionsCovered(st.Condition, grant.Condition) {
			return true
		}
	}
	return false
}

func conditionsCovered(boundary, grant policy.Conditions) bool {
	for _, keys := range boundary {
		for key, patterns := range keys {
			var values []string
			for _, grantKeys := range grant {
				values = append(values, grantKeys[key]...)
			}
			if len(values) == 0 {
				return false
			}
			for _, v := range values {
				if !matchesAny(patterns, v) {
					return false
				}
			}
		}
	}
	return true
}

// grantsOfTheStack returns every Allow statement a role of the stack is given: the component's inline
// policies, the application's secrets (as the data tier's ARNs look), what the AWS managed policies and
// the other tiers' delivery roles use.
func grantsOfTheStack(t *testing.T, mocks *tests.Mocks, env settings.Environment) []policy.Statement {
	t.Helper()
	var grants []policy.Statement
	for _, rp := range append(mocks.OfType(typeRolePolicy), mocks.OfType(typePolicy)...) {
		if strings.HasSuffix(rp.Name, "-boundary") {
			continue
		}
		for _, st := range document(t, rp, "policy").Statement {
			if st.Effect == policy.Allow {
				grants = append(grants, st)
			}
		}
	}
	p := settings.Prefix(env)
	logs := func(resource string) string { return account.ARN("logs", resource) }
	grants = append(grants, secretReadStatements(account,
		[]string{account.ARN("secretsmanager", "secret:"+p+"-db-connection-AbCdEf"), account.ARN("secretsmanager", "secret:rds!db-0123-XyZ123")},
		[]string{account.ARN("kms", "key/mrk-0123456789abcdef0123456789abcdef")})...)
	return append(grants,
		policy.Statement{Effect: policy.Allow, Action: sessionManagerAgentActions, Resource: []string{"*"}},
		policy.Statement{Effect: policy.Allow, Action: []string{"logs:CreateLogGroup", "logs:PutRetentionPolicy"}, Resource: []string{logs("log-group:RDSOSMetrics")}},
		policy.Statement{Effect: policy.Allow, Action: []string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:GetLogEvents", "logs:PutLogEvents"},
			Resource: []string{logs("log-group:RDSOSMetrics:log-stream:db-ABC")}},
		policy.Statement{Effect: policy.Allow, Action: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resource: []string{logs("log-group:" + p + "-vpc-flow-logs:*"), logs("log-group:" + p + "-cloudtrail:log-stream:123_CloudTrail_us-east-1")}},
		policy.Statement{Effect: policy.Allow, Action: []string{"logs:DescribeLogGroups"}, Resource: []string{logs("log-group:*")}},
	)
}

func TestBoundaryLetsEveryGrantThrough(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runIAM(t, env, gitHub)
			boundary := document(t, find(t, mocks, typePolicy, settings.Prefix(env)+"-boundary"), "policy")
			grants := grantsOfTheStack(t, mocks, env)
			require.Greater(t, len(grants), 35)
			for _, g := range grants {
				for _, a := range g.Action {
					for _, r := range g.Resource {
						assert.True(t, boundaryAllows(boundary, g, a, r), "the boundary blocks %s on %s (%s)", a, r, g.Sid)
					}
				}
			}
		})
	}
}

func TestBoundaryKeepsOutWhatNoRoleNeeds(t *testing.T) {
	mocks, _ := runIAM(t, settings.Dev, gitHub)
	boundary := document(t, find(t, mocks, typePolicy, "8byte-dev-boundary"), "policy")
	iamARN := func(r string) string { return account.GlobalARN("iam", r) }
	condition := func(key, value string) policy.Statement {
		return policy.Statement{Condition: policy.Conditions{"StringEquals": {key: {value}}}}
	}
	cases := []struct {
		grant            policy.Statement
		action, resource string
	}{
		{policy.Statement{}, "iam:CreateUser", iamARN("user/someone")},
		{policy.Statement{}, "iam:CreateAccessKey", iamARN("user/someone")},
		// Creating or changing a role without this boundary: NoPrincipalOutsideBoundary denies it
		// (TestBoundaryDeniesEscalation), as the stack's CI roles' proofs show with the evaluator.
		{policy.Statement{}, "iam:UpdateAssumeRolePolicy", iamARN("role/8byte-prod-github-deploy")},
		{policy.Statement{}, "iam:CreatePolicyVersion", iamARN("policy/8byte-prod-boundary-1234567")},
		{condition("iam:PassedToService", "ec2.amazonaws.com"), "iam:PassRole", iamARN("role/admin")},
		{condition("iam:AWSServiceName", "lambda.amazonaws.com"), "iam:CreateServiceLinkedRole", iamARN("role/aws-service-role/x")},
		{policy.Statement{}, "secretsmanager:GetSecretValue", account.ARN("secretsmanager", "secret:8byte-prod-db-connection-AbCdEf")},
		{policy.Statement{}, "s3:GetObject", "arn:aws:s3:::another-bucket/data.csv"},
		{policy.Statement{}, "s3:GetObject", "arn:aws:s3:::8byte-prod-alb-logs-1234567/AWSLogs/log.gz"},
		{policy.Statement{}, "logs:GetLogEvents", account.ARN("logs", "log-group:8byte-prod-app:log-stream:i-0123")},
		{policy.Statement{}, "logs:PutRetentionPolicy", account.ARN("logs", "log-group:8byte-prod-app")},
		{policy.Statement{}, "sns:Publish", account.ARN("sns", "8byte-prod-alerts")},
		{policy.Statement{}, "cloudwatch:PutMetricData", "*"},
		{condition("cloudwatch:namespace", "8byte/prod"), "cloudwatch:PutMetricData", "*"},
		{policy.Statement{}, "lambda:InvokeFunction", account.ARN("lambda", "function:f")},
		{policy.Statement{}, "ec2:RunInstances", "arn:aws:ec2:eu-west-1:999999999999:instance/*"},
	}
	for _, tc := range cases {
		assert.False(t, boundaryAllows(boundary, tc.grant, tc.action, tc.resource), "the boundary allows %s on %s", tc.action, tc.resource)
	}
}

func TestBoundaryDeniesEscalation(t *testing.T) {
	mocks, _ := runIAM(t, settings.Prod, nil)
	boundary := document(t, find(t, mocks, typePolicy, "8byte-prod-boundary"), "policy")
	const pattern = "arn:aws:iam::123456789012:policy/8byte-prod-boundary*"
	var denies []policy.Statement
	for _, st := range boundary.Statement {
		if st.Effect == policy.Deny {
			denies = append(denies, st)
		}
	}
	assert.Equal(t, []policy.Statement{
		{Sid: "ProtectBoundaryPolicy", Effect: "Deny", Action: []string{"iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy",
			"iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"}, Resource: []string{pattern}},
		{Sid: "KeepPermissionsBoundaries", Effect: "Deny", Action: []string{"iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"},
			Resource: []string{"*"}},
		{Sid: "NoPrincipalOutsideBoundary", Effect: "Deny", Action: []string{"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreateRole",
			"iam:CreateUser", "iam:DeleteRolePolicy", "iam:DeleteUserPolicy", "iam:DetachRolePolicy", "iam:DetachUserPolicy",
			"iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy"},
			Resource: []string{"*"}, Condition: policy.Conditions{"StringNotLike": {"iam:PermissionsBoundary": {pattern}}}},
		{Sid: "ProtectCIRoles", Effect: "Deny", Action: []string{"iam:DeleteRole", "iam:PutRolePermissionsBoundary",
			"iam:UpdateAssumeRolePolicy"}, Resource: []string{"arn:aws:iam::123456789012:role/8byte-prod-github-*"}},
		{Sid: "DenyOtherEnvironments", Effect: "Deny", Action: []string{"autoscaling:*", "cloudtrail:*", "cloudwatch:*", "ec2:*", "ecr:*",
			"elasticloadbalancing:*", "iam:*", "kms:*", "logs:*", "rds:*", "secretsmanager:*", "sns:*", "wafv2:*"}, Resource: []string{"*"},
			Condition: policy.Conditions{"StringNotEquals": {"aws:ResourceTag/Environment": {"prod", "bootstrap"}}, "Null": {"aws:ResourceTag/Environment": {"false"}}}},
		{Sid: "NoRoleChaining", Effect: "Deny", Action: []string{"sts:AssumeRole"}, Resource: []string{"*"}},
	}, denies)
	// The pattern matches the boundary's own (generated) name, and the other stack's boundary does not.
	boundaryARN := find(t, mocks, typePolicy, "8byte-prod-boundary").Out["arn"].(string)
	assert.True(t, globMatch(pattern, boundaryARN))
	assert.True(t, globMatch(pattern, boundaryARN+"-1a2b3c4"))
	assert.False(t, globMatch(pattern, "arn:aws:iam::123456789012:policy/8byte-dev-boundary-1a2b3c4"))
}

func TestEveryRoleCarriesTheBoundary(t *testing.T) {
	mocks, _ := runIAM(t, settings.Dev, gitHub)
	boundary := find(t, mocks, typePolicy, "8byte-dev-boundary").Out["arn"]
	roles := mocks.OfType(typeRole)
	require.Len(t, roles, 4)
	for _, r := range roles {
		assert.Equal(t, boundary, r.String("permissionsBoundary"), r.Name)
		want := WorkloadSessionSeconds
		if strings.Contains(r.Name, "-github-") {
			want = CISessionSeconds
		}
		assert.Equal(t, want, r.Int("maxSessionDuration"), r.Name)
	}
}

// The boundary is a managed policy (6,144 characters at most), the CI roles' permissions managed policies
// of that size, at most 10 per role: all must fit with the longest names any stack can have.
func TestPoliciesFitIAMLimits(t *testing.T) {
	accounts := []settings.Account{account,
		{ID: tests.AccountID, Partition: "aws-us-gov", Region: "us-gov-west-1", DNSSuffix: "amazonaws.com"},
		{ID: tests.AccountID, Partition: "aws", Region: "ap-southeast-2", DNSSuffix: "amazonaws.com"}}
	for _, acct := range accounts {
		args := testArgs(settings.Prod)
		args.Account = acct
		args.ManagesAccountSettings = true
		args.Config = Config{Enabled: true, Repository: "o/r", OidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", StateBucket: strings.Repeat("s", 63), //nolint:gosec // G101: a key ARN, not a credential
			SecretsProviderKeyArn: "arn:aws-us-gov:kms:us-gov-west-1:999999999999:key/mrk-0123456789abcdef0123456789abcdef"}
		s := newScope(args, "8byte-prod-boundary")
		boundary, err := boundaryDocument(s).JSON()
		require.NoError(t, err)
		assert.LessOrEqual(t, len(boundary), managedPolicyLimit, "boundary in %s", acct.Partition)
		for role, statements := range map[string][]policy.Statement{"preview": PreviewStatements(s), "deploy": DeployStatements(s)} {
			docs := packPolicies(statements, managedPolicyLimit)
			assert.LessOrEqual(t, len(docs), maxAttachedPolicies, role)
			for _, d := range docs {
				js, err := d.JSON()
				require.NoError(t, err)
				assert.LessOrEqual(t, len(js), managedPolicyLimit, "%s policy in %s", role, acct.Partition)
			}
		}
	}
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, value string
		want           bool
	}{
		{"a*", "abc", true}, {"a*", "a", true}, {"a*c", "abc", true}, {"a*c", "abd", false}, {"*", "", true},
		{"arn:aws:s3:::8byte-dev-*", "arn:aws:s3:::8byte-dev-x/key", true}, {"abc", "ab", false}, {"ab", "abc", false},
		{"arn:aws:logs:r:1:log-group:*", "arn:aws:logs:r:1:log-group:other-stack-*", true},
		{"arn:aws:logs:r:1:log-group:8byte-dev-*", "arn:aws:logs:r:1:log-group:other-stack-*", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, globMatch(tc.pattern, tc.value), "%s ~ %s", tc.pattern, tc.value)
	}
}
