package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// awsResources returns the resources of a stack that make AWS calls (not components or providers).
func awsResources(m *tests.Mocks) []*tests.Resource {
	var out []*tests.Resource
	for _, r := range m.All() {
		if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") {
			out = append(out, r)
		}
	}
	return out
}

// can evaluates the request; IAM's own calls on a role (GetRole, PutRolePolicy, ...) are authorized by
// identity policies alone: a role's trust policy governs only sts:AssumeRole* on it, so it is not
// passed as their resource policy (tests.IAMAccount.Can would).
func can(a *tests.IAMAccount, r *tests.Role, req tests.Request) (iameval.Result, error) {
	if !strings.HasPrefix(req.Action, "iam:") {
		return a.Can(r, req)
	}
	ctx := iameval.Context{"aws:SecureTransport": {"true"}, "aws:RequestedRegion": {tests.Region}}
	for k, v := range req.Context {
		ctx[k] = v
	}
	res, err := iameval.Evaluate(iameval.Request{Principal: r.Principal, Action: req.Action, Resource: req.Resource, Context: ctx})
	if err != nil {
		return res, fmt.Errorf("role %s, %s on %s: %w", r.Name, req.Action, req.Resource, err)
	}
	return res, nil
}

// arnOf fills the row's ARN form with the recorded resource.
func arnOf(p iam.Permissions, r *tests.Resource) string {
	name := ""
	for _, key := range []string{"name", "dashboardName", "identifier", "bucket"} {
		if v, ok := r.In[key].(string); ok && v != "" {
			name = v
			break
		}
	}
	if name == "" {
		name, _ = r.Out["name"].(string)
	}
	id, _ := r.Out["id"].(string)
	return p.ARN(iam.ARNValues{Partition: tests.Partition, Region: r.Region, Account: tests.AccountID, Name: name, ID: id,
		In: func(key string) string {
			v, ok := r.In[key]
			if !ok {
				v = r.Out[key]
			}
			switch v := v.(type) {
			case nil:
				return ""
			case string:
				return v
			default:
				return fmt.Sprint(v)
			}
		}})
}

// requestContext is the context of a call of operation op on a resource of stack env: its tags (the
// provider's aws:defaultTags), as the request's tags on create, and the stack's boundary for IAM calls.
func requestContext(a *tests.IAMAccount, env string, op iam.Operation, action string) iameval.Context {
	ctx := iameval.Context{"aws:ResourceTag/" + iam.EnvironmentTag: {env}}
	if op == iam.Create {
		ctx = iameval.Context{"aws:RequestTag/" + iam.EnvironmentTag: {env}}
	}
	if strings.HasPrefix(action, "iam:") {
		if b := boundaryARN(a, env); b != "" {
			ctx["iam:PermissionsBoundary"] = []string{b}
		}
	}
	return ctx
}

func boundaryARN(a *tests.IAMAccount, env string) string {
	for _, r := range a.Roles {
		if strings.HasPrefix(r.Name, "8byte-"+env+"-") {
			return r.Resource.String("permissionsBoundary")
		}
	}
	return ""
}

// adminOnly says why the deploy role may not perform op on r, or "".
func adminOnly(r *tests.Resource, op iam.Operation) string {
	if reason := iam.AdminOnly[r.Type][op]; reason != "" {
		return reason
	}
	switch {
	case r.Type == "aws:iam/policy:Policy" && strings.Contains(r.Name, "-boundary") && op != iam.Read:
		return "the permissions boundary is changed by an administrator only (ProtectBoundaryPolicy)"
	case r.Type == "aws:iam/role:Role" && strings.Contains(r.Name, "-github-") && (op == iam.Update || op == iam.Delete):
		return "a CI role cannot change its own or the other CI role's trust or boundary, nor delete it (ProtectCIRoles)"
	case r.Protect && op == iam.Delete:
		return "protected: Pulumi refuses to delete it until an administrator unprotects it"
	}
	return ""
}

// proveOperations proves that the role of stack may perform ops on every resource of the stack (except
// skip's), and returns the number of resource x operation pairs proven.
func proveOperations(t *testing.T, a *tests.IAMAccount, stack, roleName string, ops []iam.Operation,
	skip func(*tests.Resource, iam.Operation) string) int {
	t.Helper()
	ci := role(t, a, roleName)
	proven := 0
	for _, r := range awsResources(proofStack(t, stack)) {
		p, ok := iam.PermissionsOf(r.Type)
		if !ok {
			t.Errorf("%s: no row in iam.PermissionTable", r.Describe())
			continue
		}
		arn := arnOf(p, r)
		for _, op := range ops {
			if skip != nil && skip(r, op) != "" {
				continue
			}
			calls := p.Actions[op]
			for _, action := range calls {
				resource := arn
				if slices.Contains(p.AnyResource, action) {
					resource = "*"
				}
				res, err := can(a, ci, tests.Request{Action: action, Resource: resource, Context: requestContext(a, stack, op, action)})
				require.NoError(t, err)
				assert.True(t, res.Allowed(), "%s cannot %s %s: %s on %s (%s)", roleName, op, r.Describe(), action, resource, res.Reason)
			}
			if len(calls) > 0 {
				proven++
			}
		}
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
		n := proveOperations(t, a, stack, "8byte-"+stack+"-github-deploy", iam.Operations, adminOnly)
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
