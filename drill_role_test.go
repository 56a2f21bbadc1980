package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/controls"
	"github.com/8byte/infra/drill"
	"github.com/8byte/infra/iam"
	"github.com/8byte/infra/iameval"
	"github.com/8byte/infra/tests"
)

// The drill role is prod's (Pulumi.prod.yaml github.drill); the recovery stack prod-dr runs in us-west-2 of
// the same account. The proofs evaluate it in one account with dev, prod and prod-dr.
const (
	drillRoleName = "8byte-prod-github-drill"
	// As Pulumi.prod-dr.yaml's stand-ins: prod's backups replicated to us-west-2, and prod's replica key.
	replicatedBackups = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-l2ijcexjp7xq7hoj4siexample"
	replicaKey        = "arn:aws:kms:us-west-2:123456789012:key/0b5c1f3e-9a0d-4a54-8c5e-7a1b2c3d4e5f"
)

func drillAccount(t *testing.T) (*tests.IAMAccount, *tests.Role) {
	t.Helper()
	a, err := tests.NewIAMAccount(proofStack(t, "dev").All(), proofStack(t, "prod").All(), proofStack(t, "prod-dr").All())
	require.NoError(t, err)
	return a, role(t, a, drillRoleName)
}

// recoveryBoundary is the boundary of prod-dr's roles (8byte-prod-dr-boundary), which every role the drill
// creates carries.
func recoveryBoundary(t *testing.T, a *tests.IAMAccount) string {
	t.Helper()
	for _, r := range a.Roles {
		if strings.HasPrefix(r.Name, "8byte-prod-dr-") {
			b := r.Resource.String("permissionsBoundary")
			require.True(t, strings.HasPrefix(b, "arn:aws:iam::123456789012:policy/8byte-prod-dr-boundary"), b)
			return b
		}
	}
	t.Fatal("prod-dr has no role")
	return ""
}

func check(t *testing.T, a *tests.IAMAccount, r *tests.Role, want bool, action, resource string, ctx iameval.Context) {
	t.Helper()
	res, err := can(a, r, tests.Request{Action: action, Resource: resource, Context: ctx})
	require.NoError(t, err)
	assert.Equal(t, want, res.Allowed(), "%s %s on %s with %v: %s", r.Name, action, resource, ctx, res.Reason)
}

// The drill role is trusted by the dr-drill environment only, for the CI session, under its own boundary.
func TestDrillRoleTrustAndSession(t *testing.T) {
	m := proofStack(t, "prod")
	r := m.Find("aws:iam/role:Role", drillRoleName)
	require.NotNil(t, r)
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]},
		"Action":["sts:AssumeRoleWithWebIdentity"],
		"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":["sts.amazonaws.com"],
			"token.actions.githubusercontent.com:sub":["repo:8byte/infra:environment:dr-drill"]}}}]}`, r.String("assumeRolePolicy"))
	assert.EqualValues(t, 10800, r.In["maxSessionDuration"])
	assert.True(t, strings.HasPrefix(r.String("permissionsBoundary"), "arn:aws:iam::123456789012:policy/8byte-prod-drill-boundary"), r.String("permissionsBoundary"))
	for _, r := range proofStack(t, "prod-dr").OfType("aws:iam/role:Role") {
		assert.NotContains(t, r.Name, "github", "prod-dr creates no CI role of its own")
	}
	// The workflow and the metrics agree with the role's environment and namespace.
	wf, err := os.ReadFile(".github/workflows/dr-drill.yml")
	require.NoError(t, err)
	assert.Contains(t, string(wf), "environment: "+iam.DrillEnvironment)
	assert.Equal(t, drill.MetricsNamespace, iam.DrillMetricsNamespace)
}

// The drill role can create, update, tag and delete every resource of the prod-dr inventory (nothing is
// protected in a drill; only the table's admin-only operations are not the role's).
func TestDrillRoleCanCreateAndDestroyTheRecoveryStack(t *testing.T) {
	a, _ := drillAccount(t)
	findings, proven, err := controls.ProveOperationsUnder(a, proofStack(t, "prod-dr").All(), "prod-dr", drillRoleName, recoveryBoundary(t, a),
		iam.Operations, func(r *tests.Resource, op iam.Operation) string { return iam.AdminOnly[r.Type][op] })
	require.NoError(t, err)
	for _, f := range findings {
		t.Errorf("%s: %s", f.Resource, f.Problem)
	}
	assert.Greater(t, proven, 400)
	t.Logf("PROOF drill prod-dr: %d resource x operation pairs", proven)
}

// The drill's own calls: listing the replicated backups, restoring from them (RDS uses the replica key, a
// prod resource, on the role's behalf), its state and secrets-provider key, and its metrics in 8byte/dr only.
func TestDrillRoleRestoresAndReports(t *testing.T) {
	a, r := drillAccount(t)
	prodTag := iameval.Context{"aws:ResourceTag/Environment": {"prod"}}
	viaRDS := func(region string) iameval.Context {
		return iameval.Context{"aws:ResourceTag/Environment": {"prod"}, "kms:ViaService": {"rds." + region + ".amazonaws.com"}}
	}
	check(t, a, r, true, "rds:DescribeDBInstanceAutomatedBackups", replicatedBackups, prodTag)
	check(t, a, r, true, "rds:RestoreDBInstanceToPointInTime", replicatedBackups, prodTag)
	check(t, a, r, true, "rds:RestoreDBInstanceToPointInTime", "arn:aws:rds:us-west-2:123456789012:db:postgres-8byte-prod-dr", iameval.Context{"aws:RequestTag/Environment": {"prod-dr"}})
	for _, action := range []string{"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"} {
		check(t, a, r, true, action, replicaKey, viaRDS("us-west-2"))
		check(t, a, r, false, action, replicaKey, prodTag)             // directly
		check(t, a, r, false, action, replicaKey, viaRDS("us-east-1")) // prod's region
		// Any other key of the region, untagged, directly: only RDS may use a key for the drill.
		check(t, a, r, false, action, "arn:aws:kms:us-west-2:123456789012:key/other", iameval.Context{})
	}
	// The restored instance is the recovery stack's: not one named after prod.
	check(t, a, r, false, "rds:RestoreDBInstanceToPointInTime", "arn:aws:rds:us-west-2:123456789012:db:postgres-8byte-prod", iameval.Context{"aws:RequestTag/Environment": {"prod-dr"}})
	check(t, a, r, false, "rds:RestoreDBInstanceToPointInTime", "arn:aws:rds:us-east-1:123456789012:auto-backup:ab-x", prodTag)
	check(t, a, r, false, "rds:DeleteDBInstanceAutomatedBackup", replicatedBackups, prodTag)
	check(t, a, r, true, "cloudwatch:PutMetricData", "*", iameval.Context{"cloudwatch:namespace": {"8byte/dr"}})
	for _, ns := range []string{"8byte/prod", "8byte/prod-dr", "AWS/RDS"} {
		check(t, a, r, false, "cloudwatch:PutMetricData", "*", iameval.Context{"cloudwatch:namespace": {ns}})
	}
	keys := iam.StateKeysOf("prod-dr")
	for _, k := range []string{keys.Checkpoint, keys.Locks, keys.History, keys.Backups} {
		object := "arn:aws:s3:::" + proofStateBucket + "/" + strings.TrimSuffix(k, "*") + "x"
		for _, action := range []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} {
			check(t, a, r, true, action, object, iameval.Context{})
		}
	}
	for _, action := range []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"} {
		check(t, a, r, true, action, proofKey("prod-dr"), iameval.Context{"aws:ResourceTag/Environment": {iam.SharedEnvironment}})
	}
}

// The drill role cannot write, tag or delete any resource of prod (by name, 8byte-prod-* that is not
// 8byte-prod-dr-*, or by tag Environment=prod), read prod's secrets or state, decrypt with prod's keys, or
// change its own trust, boundary or permissions.
func TestDrillRoleCannotTouchProd(t *testing.T) {
	a, r := drillAccount(t)
	prod := proofStack(t, "prod")
	tagOf := iameval.Context{"aws:ResourceTag/Environment": {"prod"}}
	calls := 0
	deny := func(action, resource string, ctx iameval.Context) {
		t.Helper()
		check(t, a, r, false, action, resource, ctx)
		calls++
	}
	for _, res := range awsResources(prod) {
		p, ok := iam.PermissionsOf(res.Type)
		if !ok || p.Scoping == iam.Account {
			continue
		}
		for _, action := range writeActions(p) {
			deny(action, arnOf(p, res), tagOf)
		}
	}
	for _, key := range prod.OfType("aws:kms/key:Key") {
		for _, ctx := range []iameval.Context{tagOf, {"aws:ResourceTag/Environment": {"prod"}, "kms:ViaService": {"secretsmanager.us-east-1.amazonaws.com"}}} {
			deny("kms:Decrypt", key.Out["arn"].(string), ctx)
		}
	}
	for _, s := range prod.OfType("aws:secretsmanager/secret:Secret") {
		deny("secretsmanager:GetSecretValue", s.Out["arn"].(string), tagOf)
	}
	db := prod.OfType("aws:rds/instance:Instance")[0]
	deny("secretsmanager:GetSecretValue", db.Out["masterUserSecrets"].([]any)[0].(map[string]any)["secretArn"].(string), iameval.Context{})
	keys := iam.StateKeysOf("prod")
	for _, k := range []string{keys.Checkpoint, keys.Locks, keys.History, keys.Backups} {
		object := "arn:aws:s3:::" + proofStateBucket + "/" + strings.TrimSuffix(k, "*") + "x"
		for _, action := range []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} {
			deny(action, object, iameval.Context{})
		}
	}
	for _, prefix := range keys.ListPrefixes {
		deny("s3:ListBucket", "arn:aws:s3:::"+proofStateBucket, iameval.Context{"s3:prefix": {prefix}})
	}
	deny("kms:Decrypt", proofKey("prod"), iameval.Context{"aws:ResourceTag/Environment": {iam.SharedEnvironment}})

	own := r.Resource.String("permissionsBoundary")
	for _, action := range []string{"iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
		"iam:DeleteRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:DetachRolePolicy"} {
		for _, b := range []string{own, recoveryBoundary(t, a)} {
			deny(action, r.Principal.ARN, iameval.Context{"iam:PermissionsBoundary": {b}, "aws:ResourceTag/Environment": {"prod"}})
		}
	}
	for _, action := range []string{"iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} {
		deny(action, own, iameval.Context{})
		deny(action, prod.Find("aws:iam/policy:Policy", "8byte-prod-boundary").Out["arn"].(string), iameval.Context{})
		for _, p := range prod.OfType("aws:iam/policy:Policy") {
			if strings.HasPrefix(p.Name, "8byte-prod-github-drill-permissions-") {
				deny(action, p.Out["arn"].(string), iameval.Context{"aws:ResourceTag/Environment": {"prod"}})
			}
		}
	}
	t.Logf("PROOF drill -> prod: %d denied calls", calls)
}
