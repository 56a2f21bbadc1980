package main

// Proofs over the whole inventory of both stacks, deployed in ONE account (the mock account of both
// runs), that every workload role can do its runtime job and that no dev workload role reaches prod. Each
// proof is evaluated by iameval over the roles' inline, attached and AWS managed policies, their
// permissions boundary and the resource policies of the inventories (key, bucket, topic, trust), and each
// is also shown to fail on a broken copy of the inventories. The expected names and ARNs are written from
// the design (docs and README), not derived from the policies under test.

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/controls"
	"github.com/8byte/infra/iameval"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

const (
	acct       = tests.AccountID
	region     = tests.Region
	instanceID = "i-0123456789abcdef0"
	// rdsResourceID stands for the database's resource id, the name of its enhanced-monitoring stream.
	rdsResourceID = "db-ABCDEFGHIJKLMNOPQRSTUVWXY"
)

// arn returns the ARN of a regional resource of the mock account.
func arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, acct, resource)
}

// logStream is the ARN of a stream of a log group, the resource of CreateLogStream and PutLogEvents.
func logStream(group, stream string) string {
	return arn("logs", "log-group:"+group+":log-stream:"+stream)
}

// iamCase is one request a role must (or must not) be allowed.
type iamCase struct {
	why string
	tests.Request
}

// sharedIAM is the IAM view of the dev and prod inventories in one account, assembled once.
var sharedIAM struct {
	once    sync.Once
	account *tests.IAMAccount
	err     error
}

func oneAccount(t testing.TB) *tests.IAMAccount {
	t.Helper()
	dev, prod := stackInventory(t, settings.Dev), stackInventory(t, settings.Prod)
	sharedIAM.once.Do(func() { sharedIAM.account, sharedIAM.err = tests.NewIAMAccount(dev.Resources, prod.Resources) })
	require.NoError(t, sharedIAM.err)
	return sharedIAM.account
}

// iamProof is a property of dev and prod in one account: check returns its findings (none: it holds);
// plant breaks copies of the two inventories so that check must find something.
type iamProof struct {
	test   string // the test that proves it
	proves string // what it proves, for docs/controls.md
	check  func(v *verdicts, a *tests.IAMAccount, stacks map[settings.Environment]*controls.Stack)
	plant  func(t testing.TB, dev, prod *controls.Stack)
}

// prove checks the proof over the real inventories, then over broken copies, where it must fail.
func prove(t *testing.T, p iamProof) {
	t.Helper()
	v := evaluateProof(t, p)
	for _, f := range v.findings {
		t.Error(f)
	}
	if v.evaluated == 0 {
		t.Error("the proof evaluated no request")
	}
	dev, prod := stackInventory(t, settings.Dev).Clone(), stackInventory(t, settings.Prod).Clone()
	p.plant(t, dev, prod)
	broken, err := tests.NewIAMAccount(dev.Resources, prod.Resources)
	require.NoError(t, err)
	var bv verdicts
	p.check(&bv, broken, map[settings.Environment]*controls.Stack{settings.Dev: dev, settings.Prod: prod})
	if assert.NotEmpty(t, bv.findings, "the proof does not fail on the broken copy") {
		t.Logf("on the broken copy (%d findings), e.g. %s", len(bv.findings), bv.findings[0])
	}
}

// proofVerdicts caches the verdict of each proof over the real inventories (the tests and the
// document share it).
var proofVerdicts sync.Map

// evaluateProof runs the proof's check over dev and prod in one account, once.
func evaluateProof(t testing.TB, p iamProof) *verdicts {
	t.Helper()
	if v, ok := proofVerdicts.Load(p.test); ok {
		return v.(*verdicts)
	}
	stacks := map[settings.Environment]*controls.Stack{settings.Dev: stackInventory(t, settings.Dev), settings.Prod: stackInventory(t, settings.Prod)}
	v := &verdicts{}
	p.check(v, oneAccount(t), stacks)
	proofVerdicts.Store(p.test, v)
	return v
}

// verdicts collects the findings of a proof and counts the requests it evaluated.
type verdicts struct {
	findings  []string
	evaluated int
}

func (v *verdicts) fail(format string, args ...any) {
	v.findings = append(v.findings, fmt.Sprintf(format, args...))
}

// expect evaluates cases for role and records a finding for each whose decision is not the wanted one.
func (v *verdicts) expect(a *tests.IAMAccount, role *tests.Role, allowed bool, cases ...iamCase) {
	for _, c := range cases {
		v.evaluated++
		res, err := a.Can(role, c.Request)
		switch {
		case err != nil:
			v.fail("%v", err)
		case res.Allowed() != allowed:
			verb := "cannot"
			if !allowed {
				verb = "can"
			}
			v.fail("%s %s %s on %s (%s): %s", role.Name, verb, c.Action, c.Resource, c.why, res.Reason)
		}
	}
}

// oneRole returns the single role of env's stack trusted by service, or a finding.
func oneRole(a *tests.IAMAccount, env settings.Environment, service string) (*tests.Role, []string) {
	roles := a.RolesTrusting(settings.Prefix(env)+"-", service)
	if len(roles) != 1 {
		return nil, []string{fmt.Sprintf("%s: want one role trusted by %s, found %d", env, service, len(roles))}
	}
	return roles[0], nil
}

// rolePolicies returns the inline policies of the stack's role trusted by service, for planting defects.
func rolePolicies(t testing.TB, s *controls.Stack, service string) []*tests.Resource {
	t.Helper()
	a, err := tests.NewIAMAccount(s.Resources)
	require.NoError(t, err)
	roles := a.RolesTrusting(settings.Prefix(s.Env)+"-", service)
	require.Len(t, roles, 1, "role trusted by %s", service)
	var out []*tests.Resource
	for _, r := range s.OfType("aws:iam/rolePolicy:RolePolicy") {
		if r.String("role") == roles[0].Name {
			out = append(out, r)
		}
	}
	require.NotEmpty(t, out, "inline policies of %s", roles[0].Name)
	return out
}

// rewrite replaces old with replacement in the input at path of every resource, and fails when none changed.
func rewrite(t testing.TB, resources []*tests.Resource, path, old, replacement string) {
	t.Helper()
	changed := false
	for _, r := range resources {
		if s := r.String(path); strings.Contains(s, old) {
			r.In[path] = strings.ReplaceAll(s, old, replacement)
			changed = true
		}
	}
	require.True(t, changed, "no %s holds %q", path, old)
}

// unboundedGrant removes the permissions boundary of the stack's role trusted by service and adds to
// its first inline policy a statement allowing actions on every resource: a role that reaches everything
// its identity policy names, whatever the boundary of the day allows.
func unboundedGrant(t testing.TB, s *controls.Stack, service string, actions ...string) {
	t.Helper()
	p := rolePolicies(t, s, service)[0]
	for _, r := range s.OfType("aws:iam/role:Role") {
		if r.Output("name") == p.String("role") {
			delete(r.In, "permissionsBoundary")
		}
	}
	list := `"` + strings.Join(actions, `","`) + `"`
	rewrite(t, []*tests.Resource{p}, "policy", `"Statement":[`, `"Statement":[{"Effect":"Allow","Action":[`+list+`],"Resource":"*"},`)
}

// appSecrets returns the secrets the application of the stack reads (the connection secret and the
// RDS-managed master-password secret) with the KMS key of each, from the inventory's wiring.
func appSecrets(s *controls.Stack) map[string]string {
	out := map[string]string{}
	for _, r := range s.OfType("aws:secretsmanager/secret:Secret") {
		out[r.Output("arn").(string)] = r.String("kmsKeyId")
	}
	for _, r := range s.OfType("aws:rds/instance:Instance") {
		if secret, ok := r.Output("masterUserSecrets.0.secretArn").(string); ok {
			out[secret] = r.String("masterUserSecretKmsKeyId")
		}
	}
	return out
}

var appRoleDoesItsRuntimeJobProof = iamProof{
	test:   "TestAppRoleDoesItsRuntimeJob",
	proves: "each stack's app instance role writes its log groups (docker awslogs, CloudWatch agent), publishes metrics only into its namespace, pulls its image, reads its two secrets through their KMS key via Secrets Manager only, and runs the SSM agent and Session Manager; it cannot create log groups or decrypt directly",
	check: func(v *verdicts, a *tests.IAMAccount, stacks map[settings.Environment]*controls.Stack) {
		for _, env := range settings.Environments {
			role, missing := oneRole(a, env, "ec2.amazonaws.com")
			if role == nil {
				v.findings = append(v.findings, missing...)
				continue
			}
			p := settings.Prefix(env)
			namespace := "8byte/" + string(env)
			allowed := []iamCase{
				{"docker awslogs driver", tests.Request{Action: "logs:CreateLogStream", Resource: logStream(p+"-app", instanceID)}},
				{"docker awslogs driver", tests.Request{Action: "logs:PutLogEvents", Resource: logStream(p+"-app", instanceID)}},
				{"CloudWatch agent, system logs", tests.Request{Action: "logs:CreateLogStream", Resource: logStream(p+"-system", instanceID+"/var/log/messages")}},
				{"CloudWatch agent, system logs", tests.Request{Action: "logs:PutLogEvents", Resource: logStream(p+"-system", instanceID+"/var/log/messages")}},
				{"CloudWatch agent and app metrics", tests.Request{Action: "cloudwatch:PutMetricData", Resource: "*", Context: iameval.Context{"cloudwatch:namespace": {namespace}}}},
				{"docker login to ECR", tests.Request{Action: "ecr:GetAuthorizationToken", Resource: "*"}},
				{"SSM agent registration", tests.Request{Action: "ssm:UpdateInstanceInformation", Resource: arn("ec2", "instance/"+instanceID)}},
				{"SSM agent messages", tests.Request{Action: "ec2messages:GetMessages", Resource: "*"}},
			}
			for _, action := range []string{"BatchCheckLayerAvailability", "BatchGetImage", "GetDownloadUrlForLayer"} {
				allowed = append(allowed, iamCase{"docker pull of the app image", tests.Request{Action: "ecr:" + action, Resource: arn("ecr", "repository/"+p+"-app")}})
			}
			for _, action := range []string{"CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel"} {
				allowed = append(allowed, iamCase{"Session Manager", tests.Request{Action: "ssmmessages:" + action, Resource: "*"}})
			}
			secrets := appSecrets(stacks[env])
			if len(secrets) != 2 {
				v.fail("%s: want the connection and master-password secrets, found %v", env, secrets)
			}
			throughSecretsManager := iameval.Context{"kms:ViaService": {"secretsmanager." + region + ".amazonaws.com"}, "kms:CallerAccount": {acct}}
			var denied []iamCase
			for secret, key := range secrets {
				allowed = append(allowed,
					iamCase{"its secret", tests.Request{Action: "secretsmanager:GetSecretValue", Resource: secret}},
					iamCase{"its secret's key, through Secrets Manager", tests.Request{Action: "kms:Decrypt", Resource: key, Context: throughSecretsManager}})
				denied = append(denied, iamCase{"its secret's key, called directly", tests.Request{Action: "kms:Decrypt", Resource: key, Context: iameval.Context{"kms:CallerAccount": {acct}}}})
			}
			denied = append(denied,
				iamCase{"metrics outside its namespace", tests.Request{Action: "cloudwatch:PutMetricData", Resource: "*", Context: iameval.Context{"cloudwatch:namespace": {"AWS/EC2"}}}},
				iamCase{"metrics without a namespace", tests.Request{Action: "cloudwatch:PutMetricData", Resource: "*"}},
				iamCase{"log groups it does not own", tests.Request{Action: "logs:PutLogEvents", Resource: logStream("other-app", instanceID)}},
				iamCase{"creating log groups (they exist before any instance)", tests.Request{Action: "logs:CreateLogGroup", Resource: arn("logs", "log-group:"+p+"-new:*")}},
			)
			v.expect(a, role, true, allowed...)
			v.expect(a, role, false, denied...)
		}
	},
	plant: func(t testing.TB, dev, _ *controls.Stack) {
		// The CloudWatch agent loses its metrics: the namespace condition names another namespace.
		rewrite(t, rolePolicies(t, dev, "ec2.amazonaws.com"), "policy", `"8byte/dev"`, `"8byte/other"`)
	},
}

var flowLogRoleDeliversFlowLogsProof = iamProof{
	test:   "TestFlowLogRoleDeliversFlowLogs",
	proves: "each stack's flow-log role creates streams in and writes to its flow-log group only",
	check: func(v *verdicts, a *tests.IAMAccount, _ map[settings.Environment]*controls.Stack) {
		for _, env := range settings.Environments {
			role, missing := oneRole(a, env, "vpc-flow-logs.amazonaws.com")
			if role == nil {
				v.findings = append(v.findings, missing...)
				continue
			}
			group := settings.Prefix(env) + "-vpc-flow-logs"
			v.expect(a, role, true, []iamCase{
				{"one stream per network interface", tests.Request{Action: "logs:CreateLogStream", Resource: logStream(group, "eni-0abc-all")}},
				{"flow log records", tests.Request{Action: "logs:PutLogEvents", Resource: logStream(group, "eni-0abc-all")}},
				{"finding its streams", tests.Request{Action: "logs:DescribeLogStreams", Resource: arn("logs", "log-group:"+group+":*")}},
				{"finding its group", tests.Request{Action: "logs:DescribeLogGroups", Resource: arn("logs", "log-group:*")}},
			}...)
			v.expect(a, role, false, []iamCase{
				{"another group", tests.Request{Action: "logs:PutLogEvents", Resource: logStream(settings.Prefix(env)+"-app", "eni-0abc-all")}},
			}...)
		}
	},
	plant: func(t testing.TB, _, prod *controls.Stack) {
		rewrite(t, rolePolicies(t, prod, "vpc-flow-logs.amazonaws.com"), "policy", `"logs:PutLogEvents",`, ``)
	},
}

var monitoringRolePublishesEnhancedMonitoringProof = iamProof{
	test:   "TestMonitoringRolePublishesEnhancedMonitoring",
	proves: "each stack's RDS monitoring role (AWS managed AmazonRDSEnhancedMonitoringRole v1, within the boundary) writes the RDSOSMetrics group only",
	check: func(v *verdicts, a *tests.IAMAccount, _ map[settings.Environment]*controls.Stack) {
		for _, env := range settings.Environments {
			role, missing := oneRole(a, env, "monitoring.rds.amazonaws.com")
			if role == nil {
				v.findings = append(v.findings, missing...)
				continue
			}
			// RDS publishes the OS metrics of every instance to the RDSOSMetrics group, one stream per
			// instance (named by its resource id), creating the group if it does not exist.
			v.expect(a, role, true, []iamCase{
				{"the RDSOSMetrics group", tests.Request{Action: "logs:CreateLogGroup", Resource: arn("logs", "log-group:RDSOSMetrics:*")}},
				{"the RDSOSMetrics group", tests.Request{Action: "logs:PutRetentionPolicy", Resource: arn("logs", "log-group:RDSOSMetrics:*")}},
				{"the instance's stream", tests.Request{Action: "logs:CreateLogStream", Resource: logStream("RDSOSMetrics", rdsResourceID)}},
				{"the instance's metrics", tests.Request{Action: "logs:PutLogEvents", Resource: logStream("RDSOSMetrics", rdsResourceID)}},
			}...)
			v.expect(a, role, false, []iamCase{
				{"other log groups", tests.Request{Action: "logs:PutLogEvents", Resource: logStream(settings.Prefix(env)+"-app", rdsResourceID)}},
			}...)
		}
	},
	plant: func(t testing.TB, dev, _ *controls.Stack) {
		// The role gets the wrong AWS managed policy.
		rewrite(t, dev.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment"), "policyArn",
			"service-role/AmazonRDSEnhancedMonitoringRole", "AmazonSSMManagedInstanceCore")
	},
}

var trailRoleDeliversToLogsProof = iamProof{
	test:   "TestTrailRoleDeliversToLogs",
	proves: "the trail's delivery role writes the trail's log group only",
	check: func(v *verdicts, a *tests.IAMAccount, stacks map[settings.Environment]*controls.Stack) {
		trails := 0
		for _, env := range settings.Environments {
			if len(stacks[env].OfType("aws:cloudtrail/trail:Trail")) == 0 {
				continue // dev has no trail by default: the account's trail is prod's
			}
			trails++
			role, missing := oneRole(a, env, "cloudtrail.amazonaws.com")
			if role == nil {
				v.findings = append(v.findings, missing...)
				continue
			}
			group := settings.Prefix(env) + "-cloudtrail"
			stream := acct + "_CloudTrail_" + region
			v.expect(a, role, true, []iamCase{
				{"the trail's stream", tests.Request{Action: "logs:CreateLogStream", Resource: logStream(group, stream)}},
				{"the trail's events", tests.Request{Action: "logs:PutLogEvents", Resource: logStream(group, stream)}},
			}...)
			v.expect(a, role, false, []iamCase{
				{"other log groups", tests.Request{Action: "logs:PutLogEvents", Resource: logStream(settings.Prefix(env)+"-app", stream)}},
			}...)
		}
		if trails == 0 {
			v.fail("no stack has a trail")
		}
	},
	plant: func(t testing.TB, _, prod *controls.Stack) {
		rewrite(t, rolePolicies(t, prod, "cloudtrail.amazonaws.com"), "policy", `-cloudtrail:log-stream:*`, `-other:log-stream:*`)
	},
}

// workloadRoles returns env's roles that AWS services assume (not the CI roles, which trust the GitHub
// OIDC provider).
func workloadRoles(a *tests.IAMAccount, env settings.Environment) []*tests.Role {
	var out []*tests.Role
	for _, r := range a.Roles {
		if !strings.HasPrefix(r.Name, settings.Prefix(env)+"-") {
			continue
		}
		for _, st := range r.Trust.Statements {
			if st.Principal != nil && len(st.Principal.IDs["Service"]) > 0 {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// requireWorkloadRoles fails when a stack lacks one of the workload roles the design has: the proofs
// below must not pass by finding no role.
func requireWorkloadRoles(a *tests.IAMAccount, env settings.Environment) []string {
	if n := len(workloadRoles(a, env)); n < 3 {
		return []string{fmt.Sprintf("%s: only %d workload roles (app, flow logs, RDS monitoring at least)", env, n)}
	}
	return nil
}

var devWorkloadRolesCannotReadProdSecretsProof = iamProof{
	test:   "TestDevWorkloadRolesCannotReadProdSecrets",
	proves: "no dev workload role reads or describes a prod secret (connection and RDS-managed password)",
	check: func(v *verdicts, a *tests.IAMAccount, stacks map[settings.Environment]*controls.Stack) {
		v.findings = append(v.findings, requireWorkloadRoles(a, settings.Dev)...)
		secrets := appSecrets(stacks[settings.Prod])
		if len(secrets) == 0 {
			v.fail("prod has no secret")
		}
		for _, role := range workloadRoles(a, settings.Dev) {
			for secret := range secrets {
				for _, action := range []string{"GetSecretValue", "DescribeSecret", "ListSecretVersionIds", "GetResourcePolicy"} {
					v.expect(a, role, false, []iamCase{{"a prod secret", tests.Request{Action: "secretsmanager:" + action, Resource: secret}}}...)
				}
			}
		}
	},
	plant: func(t testing.TB, dev, _ *controls.Stack) {
		unboundedGrant(t, dev, "ec2.amazonaws.com", "secretsmanager:GetSecretValue")
	},
}

// keyUses are the KMS operations that use a key's material.
var keyUses = []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:CreateGrant"}

var devWorkloadRolesCannotUseProdKeysProof = iamProof{
	test:   "TestDevWorkloadRolesCannotUseProdKeys",
	proves: "no dev workload role encrypts, decrypts, re-encrypts, generates data keys or creates grants with a prod key, directly or through Secrets Manager (key policies count)",
	check: func(v *verdicts, a *tests.IAMAccount, stacks map[settings.Environment]*controls.Stack) {
		v.findings = append(v.findings, requireWorkloadRoles(a, settings.Dev)...)
		keys := stacks[settings.Prod].OfType("aws:kms/key:Key")
		if len(keys) == 0 {
			v.fail("prod has no key")
		}
		// Called directly, or through Secrets Manager (how the app decrypts its own secrets). A role
		// cannot make another service use a prod key without a call on a prod resource of that
		// service, which TestDevWorkloadRolesCannotChangeProdResources denies.
		contexts := []iameval.Context{
			{"kms:CallerAccount": {acct}},
			{"kms:CallerAccount": {acct}, "kms:ViaService": {"secretsmanager." + region + ".amazonaws.com"}},
		}
		for _, role := range workloadRoles(a, settings.Dev) {
			for _, key := range keys {
				for _, action := range keyUses {
					for _, ctx := range contexts {
						v.expect(a, role, false, []iamCase{{"a prod key", tests.Request{Action: action, Resource: key.Output("arn").(string), Context: ctx}}}...)
					}
				}
			}
		}
	},
	plant: func(t testing.TB, dev, _ *controls.Stack) {
		unboundedGrant(t, dev, "ec2.amazonaws.com", "kms:Decrypt")
	},
}

// mutatingActions are the API calls that write, tag or delete a resource, by service: what no role of one
// environment may call on a resource of the other.
var mutatingActions = map[string][]string{
	"logs": {"logs:CreateLogStream", "logs:PutLogEvents", "logs:DeleteLogGroup", "logs:DeleteLogStream", "logs:PutRetentionPolicy",
		"logs:DeleteRetentionPolicy", "logs:PutMetricFilter", "logs:DeleteMetricFilter", "logs:PutSubscriptionFilter",
		"logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup"},
	"s3": {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectTagging", "s3:DeleteBucket", "s3:PutBucketPolicy",
		"s3:DeleteBucketPolicy", "s3:PutBucketTagging", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration",
		"s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutBucketLogging", "s3:PutBucketOwnershipControls"},
	"kms": {"kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:DisableKeyRotation", "kms:TagResource",
		"kms:UntagResource", "kms:UpdateKeyDescription", "kms:CreateGrant", "kms:RetireGrant", "kms:RevokeGrant"},
	"secretsmanager": {"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret",
		"secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:PutResourcePolicy",
		"secretsmanager:DeleteResourcePolicy", "secretsmanager:RotateSecret", "secretsmanager:RestoreSecret"},
	"rds": {"rds:DeleteDBInstance", "rds:ModifyDBInstance", "rds:RebootDBInstance", "rds:StopDBInstance", "rds:AddTagsToResource",
		"rds:RemoveTagsFromResource", "rds:CreateDBSnapshot", "rds:ModifyDBParameterGroup", "rds:DeleteDBParameterGroup",
		"rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:StartDBInstanceAutomatedBackupsReplication"},
	"ec2": {"ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
		"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
		"ec2:DeleteSecurityGroup", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:DeleteRouteTable",
		"ec2:DeleteNatGateway", "ec2:ReleaseAddress", "ec2:DeleteFlowLogs", "ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl",
		"ec2:DeleteInternetGateway", "ec2:DetachInternetGateway", "ec2:CreateLaunchTemplateVersion", "ec2:DeleteLaunchTemplate",
		"ec2:TerminateInstances", "ec2:RunInstances"},
	"iam": {"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy",
		"iam:UpdateRole", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:PassRole", "iam:PutRolePermissionsBoundary",
		"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:TagPolicy",
		"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"},
	"sns": {"sns:Publish", "sns:Subscribe", "sns:SetTopicAttributes", "sns:DeleteTopic", "sns:AddPermission", "sns:RemovePermission",
		"sns:TagResource", "sns:UntagResource"},
	"cloudwatch": {"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions", "cloudwatch:SetAlarmState",
		"cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards", "cloudwatch:TagResource", "cloudwatch:UntagResource"},
	"elasticloadbalancing": {"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyLoadBalancerAttributes",
		"elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetWebAcl", "elasticloadbalancing:AddTags",
		"elasticloadbalancing:RemoveTags", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyTargetGroup",
		"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"},
	"autoscaling": {"autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup", "autoscaling:SetDesiredCapacity",
		"autoscaling:TerminateInstanceInAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags",
		"autoscaling:PutScalingPolicy", "autoscaling:PutNotificationConfiguration", "autoscaling:StartInstanceRefresh"},
	"wafv2": {"wafv2:UpdateWebACL", "wafv2:DeleteWebACL", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
		"wafv2:PutLoggingConfiguration", "wafv2:DeleteLoggingConfiguration", "wafv2:TagResource", "wafv2:UntagResource"},
	"cloudtrail": {"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
		"cloudtrail:AddTags", "cloudtrail:RemoveTags"},
	"ecr": {"ecr:PutImage", "ecr:BatchDeleteImage", "ecr:InitiateLayerUpload", "ecr:DeleteRepository", "ecr:SetRepositoryPolicy",
		"ecr:PutLifecyclePolicy", "ecr:PutImageTagMutability", "ecr:TagResource", "ecr:UntagResource"},
}

// resourceARNs returns the ARNs of the stack's resources that IAM authorizes against, in each form IAM
// uses: log groups also as group:* (most actions) and with a stream, buckets also with an object key,
// RDS instances' managed secrets.
func resourceARNs(s *controls.Stack) []string {
	var out []string
	for _, r := range s.Resources {
		a, _ := r.Output("arn").(string)
		if !r.Custom || !strings.HasPrefix(a, "arn:") {
			continue
		}
		out = append(out, a)
		switch r.Type {
		case "aws:cloudwatch/logGroup:LogGroup":
			out = append(out, a+":*", a+":log-stream:"+instanceID)
		case "aws:s3/bucketV2:BucketV2":
			out = append(out, a+"/AWSLogs/"+acct+"/object")
		}
	}
	for secret := range appSecrets(s) {
		out = append(out, secret)
	}
	return out
}

// readOnly reports whether an action (pattern) only reads: Get*, Describe*, List*, BatchGet*,
// BatchCheck*. The read-only actions of the roles are on their own resources or have no resource type
// (ecr:GetAuthorizationToken).
func readOnly(action string) bool {
	_, name, _ := strings.Cut(action, ":")
	for _, verb := range []string{"Get", "Describe", "List", "BatchGet", "BatchCheck"} {
		if strings.HasPrefix(name, verb) {
			return true
		}
	}
	return false
}

// arnService returns the service of an ARN.
func arnService(a string) string {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[2]
}

// grantedActions returns one concrete action for each write action pattern the role's identity policies
// allow ("logs:Put*" gives logs:PutX), so that a grant outside mutatingActions is tried too.
func grantedActions(role *tests.Role) []string {
	var out []string
	for _, p := range role.Principal.Identity {
		for _, st := range p.Statements {
			if st.Effect != "Allow" {
				continue
			}
			for _, a := range st.Action {
				if !readOnly(a) {
					out = append(out, strings.NewReplacer("*", "X", "?", "X").Replace(a))
				}
			}
		}
	}
	return out
}

var devWorkloadRolesCannotChangeProdResourcesProof = iamProof{
	test:   "TestDevWorkloadRolesCannotChangeProdResources",
	proves: "no dev workload role writes, tags or deletes any prod resource (every ARN of the prod inventory, with the write, tag and delete actions of its service and every action the role is granted)",
	check: func(v *verdicts, a *tests.IAMAccount, stacks map[settings.Environment]*controls.Stack) {
		v.findings = append(v.findings, requireWorkloadRoles(a, settings.Dev)...)
		prodARNs := resourceARNs(stacks[settings.Prod])
		if len(prodARNs) < 20 {
			v.fail("only %d prod resource ARNs", len(prodARNs))
		}
		for _, role := range workloadRoles(a, settings.Dev) {
			granted := grantedActions(role)
			for _, resource := range prodARNs {
				svc := arnService(resource)
				actions := append([]string(nil), mutatingActions[svc]...)
				for _, g := range granted {
					if strings.HasPrefix(strings.ToLower(g), svc+":") {
						actions = append(actions, g)
					}
				}
				for _, action := range actions {
					v.expect(a, role, false, []iamCase{{"a prod resource", tests.Request{Action: action, Resource: resource}}}...)
				}
			}
		}
	},
	plant: func(t testing.TB, dev, _ *controls.Stack) {
		unboundedGrant(t, dev, "vpc-flow-logs.amazonaws.com", "logs:PutLogEvents")
	},
}

var noWorkloadRoleAdministersTheOtherEnvironmentsKeysProof = iamProof{
	test:   "TestNoWorkloadRoleAdministersTheOtherEnvironmentsKeys",
	proves: "no workload role of either stack schedules deletion of, rewrites the policy of, disables or grants a key of the other (key policies count)",
	check: func(v *verdicts, a *tests.IAMAccount, stacks map[settings.Environment]*controls.Stack) {
		for _, pair := range [][2]settings.Environment{{settings.Dev, settings.Prod}, {settings.Prod, settings.Dev}} {
			roles, other := workloadRoles(a, pair[0]), stacks[pair[1]].OfType("aws:kms/key:Key")
			v.findings = append(v.findings, requireWorkloadRoles(a, pair[0])...)
			if len(other) == 0 {
				v.fail("%s has no key", pair[1])
			}
			for _, role := range roles {
				for _, key := range other {
					for _, action := range []string{"kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:CreateGrant"} {
						v.expect(a, role, false, []iamCase{{"a key of " + string(pair[1]), tests.Request{Action: action, Resource: key.Output("arn").(string), Context: iameval.Context{"kms:CallerAccount": {acct}}}}}...)
					}
				}
			}
		}
	},
	plant: func(t testing.TB, _, prod *controls.Stack) {
		unboundedGrant(t, prod, "vpc-flow-logs.amazonaws.com", "kms:ScheduleKeyDeletion")
	},
}

func TestAppRoleDoesItsRuntimeJob(t *testing.T) { prove(t, appRoleDoesItsRuntimeJobProof) }

func TestFlowLogRoleDeliversFlowLogs(t *testing.T) { prove(t, flowLogRoleDeliversFlowLogsProof) }

func TestMonitoringRolePublishesEnhancedMonitoring(t *testing.T) {
	prove(t, monitoringRolePublishesEnhancedMonitoringProof)
}

func TestTrailRoleDeliversToLogs(t *testing.T) { prove(t, trailRoleDeliversToLogsProof) }

func TestDevWorkloadRolesCannotReadProdSecrets(t *testing.T) {
	prove(t, devWorkloadRolesCannotReadProdSecretsProof)
}

func TestDevWorkloadRolesCannotUseProdKeys(t *testing.T) {
	prove(t, devWorkloadRolesCannotUseProdKeysProof)
}

func TestDevWorkloadRolesCannotChangeProdResources(t *testing.T) {
	prove(t, devWorkloadRolesCannotChangeProdResourcesProof)
}

func TestNoWorkloadRoleAdministersTheOtherEnvironmentsKeys(t *testing.T) {
	prove(t, noWorkloadRoleAdministersTheOtherEnvironmentsKeysProof)
}

// iamProofs are every proof, in the order of docs/controls.md.
var iamProofs = []iamProof{appRoleDoesItsRuntimeJobProof, flowLogRoleDeliversFlowLogsProof, monitoringRolePublishesEnhancedMonitoringProof, trailRoleDeliversToLogsProof, devWorkloadRolesCannotReadProdSecretsProof, devWorkloadRolesCannotUseProdKeysProof, devWorkloadRolesCannotChangeProdResourcesProof, noWorkloadRoleAdministersTheOtherEnvironmentsKeysProof}

// iamProofsMarkdown is the section of docs/controls.md on the IAM evaluation proofs, with the number of
// requests each evaluates.
func iamProofsMarkdown(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("\n## IAM evaluation proofs\n\n")
	b.WriteString("Tests of the root package (`iam_eval_test.go`) that evaluate requests with `iameval` over the roles,\n")
	b.WriteString("boundaries and resource policies of the dev and prod inventories deployed in one account (identity\n")
	b.WriteString("policies, attached AWS managed policies as vendored in `iameval/managed/`, key, bucket, topic and trust\n")
	b.WriteString("policies). Each test also plants a defect in a copy of the inventories and fails on it.\n\n")
	b.WriteString("| test | what it proves | requests evaluated |\n| --- | --- | --- |\n")
	for _, p := range iamProofs {
		v := evaluateProof(t, p)
		status := fmt.Sprintf("%d, all as expected", v.evaluated)
		if len(v.findings) > 0 {
			status = fmt.Sprintf("%d, **%d findings**", v.evaluated, len(v.findings))
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", p.test, p.proves, status)
	}
	return b.String()
}
