package main

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/controls"
	"github.com/8byte/infra/iam"
	"github.com/8byte/infra/iameval"
	"github.com/8byte/infra/tests"
)

// The proofs of the CI roles run each stack once, with a state backend and a secrets-provider key
// configured (as docs/ci.md sets them up), dev and prod in one account.
const proofStateBucket = "8byte-state-123456789012"

func proofKey(stack string) string {
	if stack == "dev" {
		return "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-4111-8111-111111111111"
	}
	return "arn:aws:kms:us-east-1:123456789012:key/22222222-2222-4222-8222-222222222222"
}

var proofRuns sync.Map // stack -> *tests.Mocks

// proofStack returns the recorded inventory of stack, run once per test binary.
func proofStack(t *testing.T, stack string) *tests.Mocks {
	t.Helper()
	if m, ok := proofRuns.Load(stack); ok {
		return m.(*tests.Mocks)
	}
	config := stackConfig(t, stack)
	var gh map[string]any
	require.NoError(t, json.Unmarshal([]byte(config["8byte:github"]), &gh))
	gh["stateBucket"], gh["secretsProviderKeyArn"] = proofStateBucket, proofKey(stack)
	raw, err := json.Marshal(gh)
	require.NoError(t, err)
	config["8byte:github"] = string(raw)
	mocks, _, err := runStack(t, stack, config)
	require.NoError(t, err)
	proofRuns.Store(stack, mocks)
	return mocks
}

// proofAccount is the IAM view of dev and prod in one account.
func proofAccount(t *testing.T) *tests.IAMAccount {
	t.Helper()
	a, err := tests.NewIAMAccount(proofStack(t, "dev").All(), proofStack(t, "prod").All())
	require.NoError(t, err)
	return a
}

func role(t *testing.T, a *tests.IAMAccount, name string) *tests.Role {
	t.Helper()
	i := slices.IndexFunc(a.Roles, func(r *tests.Role) bool { return r.Name == name })
	require.GreaterOrEqual(t, i, 0, "no role %s", name)
	return a.Roles[i]
}

func awsResources(m *tests.Mocks) []*tests.Resource { return controls.AWSResources(m.All()) }

func arnOf(p iam.Permissions, r *tests.Resource) string { return controls.ARNOf(p, r) }

func can(a *tests.IAMAccount, r *tests.Role, req tests.Request) (iameval.Result, error) {
	return controls.Can(a, r, req) //nolint:wrapcheck // test helper
}

func boundaryARN(a *tests.IAMAccount, env string) string {
	for _, r := range a.Roles {
		if strings.HasPrefix(r.Name, "8byte-"+env+"-") {
			return r.Resource.String("permissionsBoundary")
		}
	}
	return ""
}

// proveOperations proves that the role of stack may perform ops on every resource of the stack (except
// skip's), and returns the number of resource x operation pairs proven.
func proveOperations(t *testing.T, a *tests.IAMAccount, stack, roleName string, ops []iam.Operation,
	skip func(*tests.Resource, iam.Operation) string) int {
	t.Helper()
	findings, proven, err := controls.ProveOperations(a, proofStack(t, stack).All(), stack, roleName, ops, skip)
	require.NoError(t, err)
	for _, f := range findings {
		t.Errorf("%s: %s", f.Resource, f.Problem)
	}
	return proven
}

func TestEveryResourceTypeHasAPermissionRow(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		for _, r := range awsResources(proofStack(t, stack)) {
			p, ok := iam.PermissionsOf(r.Type)
			if assert.True(t, ok, "%s %s has no row in iam.PermissionTable", stack, r.Describe()) {
				assert.NotEmpty(t, p.Actions[iam.Read], "%s: a row needs the calls of its refresh", r.Type)
				assert.True(t, strings.HasPrefix(arnOf(p, r), "arn:") || arnOf(p, r) == "*", "%s: ARN %q", r.Describe(), arnOf(p, r))
			}
		}
	}
}

func TestPreviewRoleCanRefreshEveryResource(t *testing.T) {
	a := proofAccount(t)
	for _, stack := range []string{"dev", "prod"} {
		n := proveOperations(t, a, stack, "8byte-"+stack+"-github-preview", []iam.Operation{iam.Read}, nil)
		t.Logf("PROOF preview %s: %d resources x read", stack, n)
	}
}

func TestDeployRoleCanManageEveryResource(t *testing.T) {
	a := proofAccount(t)
	for _, stack := range []string{"dev", "prod"} {
		n := proveOperations(t, a, stack, "8byte-"+stack+"-github-deploy", iam.Operations, controls.AdminOnly)
		t.Logf("PROOF deploy %s: %d resource x operation pairs", stack, n)
	}
}

// The connection secret's SecretVersion refreshes with GetSecretValue and a decryption of its key
// through Secrets Manager: the preview role may do both for its own stack's connection secret, and
// read no other secret value (the RDS-managed password).
func TestPreviewRoleRefreshesTheConnectionSecretOnly(t *testing.T) {
	a := proofAccount(t)
	for _, stack := range []string{"dev", "prod"} {
		m := proofStack(t, stack)
		preview := role(t, a, "8byte-"+stack+"-github-preview")
		secret := m.Find("aws:secretsmanager/secret:Secret", "8byte-"+stack+"-db-connection")
		require.NotNil(t, secret)
		secretARN := secret.Out["arn"].(string)
		key := m.Find("aws:kms/key:Key", "8byte-"+stack+"-secrets-key")
		require.NotNil(t, key)
		decrypt := func(forSecret string) iameval.Result {
			res, err := a.Can(preview, tests.Request{Action: "kms:Decrypt", Resource: key.Out["arn"].(string), Context: iameval.Context{
				"kms:ViaService": {"secretsmanager.us-east-1.amazonaws.com"}, "kms:EncryptionContext:SecretARN": {forSecret},
				"aws:ResourceTag/Environment": {stack}}})
			require.NoError(t, err)
			return res
		}
		get := func(arn string) iameval.Result {
			res, err := a.Can(preview, tests.Request{Action: "secretsmanager:GetSecretValue", Resource: arn, Context: iameval.Context{"aws:ResourceTag/Environment": {stack}}})
			require.NoError(t, err)
			return res
		}
		assert.True(t, get(secretARN).Allowed(), "%s: refresh of the connection secret", stack)
		assert.True(t, decrypt(secretARN).Allowed(), "%s: decrypting the connection secret", stack)
		db := m.OfType("aws:rds/instance:Instance")[0]
		password := db.Out["masterUserSecrets"].([]any)[0].(map[string]any)["secretArn"].(string)
		assert.False(t, get(password).Allowed(), "%s: the preview role reads the master password", stack)
		assert.False(t, decrypt(password).Allowed(), "%s: the preview role decrypts the master password", stack)
	}
}

// writeActions are the calls of a row that change a resource (create, update, tag, delete).
func writeActions(p iam.Permissions) []string {
	var out []string
	for _, op := range []iam.Operation{iam.Create, iam.Update, iam.Tag, iam.Delete} {
		for _, a := range p.Actions[op] {
			if !slices.Contains(out, a) && !slices.Contains(p.AnyResource, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// With dev and prod in one account, no role of one stack can write, tag or delete a resource of the other,
// read its secrets, decrypt with its keys, or read or write its state.
func TestStacksInOneAccountAreIsolated(t *testing.T) {
	a := proofAccount(t)
	for _, pair := range [][2]string{{"dev", "prod"}, {"prod", "dev"}} {
		from, to := pair[0], pair[1]
		other := proofStack(t, to)
		pairs, calls := 0, 0
		for _, ci := range a.Roles {
			if !strings.HasPrefix(ci.Name, "8byte-"+from+"-") {
				continue
			}
			deny := func(action, resource string, ctx iameval.Context) {
				t.Helper()
				res, err := can(a, ci, tests.Request{Action: action, Resource: resource, Context: ctx})
				require.NoError(t, err)
				assert.False(t, res.Allowed(), "%s can %s %s of %s (%s)", ci.Name, action, resource, to, res.Reason)
				calls++
			}
			tagOf := iameval.Context{"aws:ResourceTag/Environment": {to}}
			for _, r := range awsResources(other) {
				p, ok := iam.PermissionsOf(r.Type)
				if !ok || p.Scoping == iam.Account {
					continue // account-level settings have no owner to isolate (see README)
				}
				for _, action := range writeActions(p) {
					deny(action, arnOf(p, r), tagOf)
				}
				pairs++
			}
			for _, key := range other.OfType("aws:kms/key:Key") {
				for _, ctx := range []iameval.Context{tagOf, {"aws:ResourceTag/Environment": {to}, "kms:ViaService": {"secretsmanager.us-east-1.amazonaws.com"}}} {
					deny("kms:Decrypt", key.Out["arn"].(string), ctx)
				}
			}
			for _, s := range other.OfType("aws:secretsmanager/secret:Secret") {
				deny("secretsmanager:GetSecretValue", s.Out["arn"].(string), tagOf)
			}
			db := other.OfType("aws:rds/instance:Instance")[0]
			deny("secretsmanager:GetSecretValue", db.Out["masterUserSecrets"].([]any)[0].(map[string]any)["secretArn"].(string), iameval.Context{})
			keys := iam.StateKeysOf(to)
			for _, k := range []string{keys.Checkpoint, keys.Locks, keys.History, keys.Backups} {
				object := "arn:aws:s3:::" + proofStateBucket + "/" + strings.TrimSuffix(k, "*") + "x"
				for _, action := range []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} {
					deny(action, object, iameval.Context{})
				}
			}
			for _, prefix := range keys.ListPrefixes {
				deny("s3:ListBucket", "arn:aws:s3:::"+proofStateBucket, iameval.Context{"s3:prefix": {prefix}})
			}
			deny("kms:Decrypt", proofKey(to), iameval.Context{})
		}
		t.Logf("PROOF isolation %s -> %s: %d role x resource pairs, %d denied calls", from, to, pairs, calls)
	}
}

// No CI role can change its own trust policy or permissions boundary, any boundary or boundary version,
// or delete itself.
func TestCIRolesCannotLoosenTheirOwnLimits(t *testing.T) {
	a := proofAccount(t)
	checked := 0
	for _, ci := range a.Roles {
		if !strings.Contains(ci.Name, "-github-") {
			continue
		}
		for _, target := range a.Roles {
			if !strings.Contains(target.Name, "-github-") {
				continue
			}
			for _, action := range []string{"iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole"} {
				res, err := can(a, ci, tests.Request{Action: action, Resource: target.Principal.ARN, Context: iameval.Context{
					"iam:PermissionsBoundary": {target.Resource.String("permissionsBoundary")}}})
				require.NoError(t, err)
				assert.False(t, res.Allowed(), "%s can %s on %s", ci.Name, action, target.Name)
				checked++
			}
		}
		for _, env := range []string{"dev", "prod"} {
			for _, action := range []string{"iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} {
				res, err := a.Can(ci, tests.Request{Action: action, Resource: boundaryARN(a, env)})
				require.NoError(t, err)
				assert.False(t, res.Allowed(), "%s can %s on %s's boundary", ci.Name, action, env)
				checked++
			}
		}
	}
	t.Logf("PROOF %d self-loosening calls denied", checked)
}

// The bootstrap project's shared resources carry Environment=bootstrap: each CI role still uses its own
// stack's secrets-provider key and the app repository, and not the other stack's key.
func TestCIRolesUseTheirBootstrapResources(t *testing.T) {
	a := proofAccount(t)
	shared := iameval.Context{"aws:ResourceTag/Environment": {iam.SharedEnvironment}}
	for _, stack := range []string{"dev", "prod"} {
		other := map[string]string{"dev": "prod", "prod": "dev"}[stack]
		repository := "arn:aws:ecr:us-east-1:123456789012:repository/8byte-app" // the account's (bootstrap)
		for roleName, calls := range map[string][][2]string{
			"8byte-" + stack + "-github-preview": {{"kms:Decrypt", proofKey(stack)}, {"ecr:DescribeImages", repository}},
			"8byte-" + stack + "-github-deploy": {{"kms:Decrypt", proofKey(stack)}, {"kms:Encrypt", proofKey(stack)}, {"kms:GenerateDataKey", proofKey(stack)},
				{"ecr:PutImage", repository}, {"ecr:InitiateLayerUpload", repository}},
		} {
			ci := role(t, a, roleName)
			for _, c := range calls {
				res, err := can(a, ci, tests.Request{Action: c[0], Resource: c[1], Context: shared})
				require.NoError(t, err)
				assert.True(t, res.Allowed(), "%s cannot %s %s (%s)", roleName, c[0], c[1], res.Reason)
			}
			res, err := can(a, ci, tests.Request{Action: "kms:Decrypt", Resource: proofKey(other), Context: shared})
			require.NoError(t, err)
			assert.False(t, res.Allowed(), "%s decrypts with %s's secrets-provider key", roleName, other)
		}
	}
}
