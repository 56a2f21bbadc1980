package controls

import (
	"fmt"
	"slices"
	"strings"

	"github.com/8byte/infra/iam"
	"github.com/8byte/infra/iameval"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// AWSResources returns the resources of an inventory that make AWS calls (not components or providers).
func AWSResources(all []*tests.Resource) []*tests.Resource {
	var out []*tests.Resource
	for _, r := range all {
		if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") {
			out = append(out, r)
		}
	}
	return out
}

// ARNOf fills the permission row's ARN form with the recorded resource: its physical name (name,
// dashboardName, identifier or bucket input, else the name output), its provider id and its inputs.
func ARNOf(p iam.Permissions, r *tests.Resource) string {
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

// Can evaluates the request. IAM's own calls on a role (GetRole, PutRolePolicy, ...) are authorized by
// identity policies alone: a role's trust policy governs only assuming it, so it is not passed as their
// resource policy (tests.IAMAccount.Can would).
func Can(a *tests.IAMAccount, r *tests.Role, req tests.Request) (iameval.Result, error) {
	if !strings.HasPrefix(req.Action, "iam:") {
		return a.Can(r, req) //nolint:wrapcheck // the account's error names role, action and resource
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

// RequestContext is the context of a call of operation op on a resource of environment env: its tags
// (the provider's aws:defaultTags), as the request's tags on create, and the boundary for IAM calls.
func RequestContext(boundaryARN, env string, op iam.Operation, action string) iameval.Context {
	ctx := iameval.Context{"aws:ResourceTag/" + iam.EnvironmentTag: {env}}
	if op == iam.Create {
		ctx = iameval.Context{"aws:RequestTag/" + iam.EnvironmentTag: {env}}
	}
	if strings.HasPrefix(action, "iam:") && boundaryARN != "" {
		ctx["iam:PermissionsBoundary"] = []string{boundaryARN}
	}
	return ctx
}

// AdminOnly says why no CI role may perform op on r, or "": the table's admin-only operations, the
// boundary itself, the CI roles' trust, boundary and deletion, and deleting protected resources.
func AdminOnly(r *tests.Resource, op iam.Operation) string {
	if reason := iam.AdminOnly[r.Type][op]; reason != "" {
		return reason
	}
	switch {
	case r.Type == typeIAMPolicy && strings.HasSuffix(r.Name, "-boundary") && op != iam.Read:
		return "the permissions boundary is changed by an administrator only (ProtectBoundaryPolicy)"
	case r.Type == typeRole && strings.Contains(r.Name, "-github-") && (op == iam.Update || op == iam.Delete):
		return "no CI role changes a CI role's trust or boundary, nor deletes it (ProtectCIRoles)"
	case r.Protect && op == iam.Delete:
		return "protected: Pulumi refuses to delete it until an administrator unprotects it"
	}
	return ""
}

// ProveOperations evaluates every call of ops on every resource of env's inventory for the role: it
// returns a finding for each call the role cannot make (or each resource type without a row), and the
// number of resource x operation pairs proven. skip, when set, names the pairs that are not the role's.
func ProveOperations(a *tests.IAMAccount, resources []*tests.Resource, env, roleName string, ops []iam.Operation,
	skip func(*tests.Resource, iam.Operation) string) ([]Finding, int, error) {
	i := slices.IndexFunc(a.Roles, func(r *tests.Role) bool { return r.Name == roleName })
	if i < 0 {
		return nil, 0, fmt.Errorf("no role %s", roleName)
	}
	return ProveOperationsUnder(a, resources, env, roleName, a.Roles[i].Resource.String("permissionsBoundary"), ops, skip)
}

// ProveOperationsUnder is ProveOperations for a role that creates the roles of env's stack under another
// boundary than its own (boundary): the drill role, whose recovery stack's roles carry that stack's.
func ProveOperationsUnder(a *tests.IAMAccount, resources []*tests.Resource, env, roleName, boundary string, ops []iam.Operation,
	skip func(*tests.Resource, iam.Operation) string) ([]Finding, int, error) {
	i := slices.IndexFunc(a.Roles, func(r *tests.Role) bool { return r.Name == roleName })
	if i < 0 {
		return nil, 0, fmt.Errorf("no role %s", roleName)
	}
	role := a.Roles[i]
	var findings []Finding
	proven := 0
	for _, r := range AWSResources(resources) {
		p, ok := iam.PermissionsOf(r.Type)
		if !ok {
			findings = append(findings, finding(r, "no row in iam.PermissionTable"))
			continue
		}
		arn := ARNOf(p, r)
		for _, op := range ops {
			if skip != nil && skip(r, op) != "" {
				continue
			}
			denied := false
			for _, action := range p.Actions[op] {
				resource := arn
				if slices.Contains(p.AnyResource, action) {
					resource = "*"
				}
				res, err := Can(a, role, tests.Request{Action: action, Resource: resource, Context: RequestContext(boundary, env, op, action)})
				if err != nil {
					return nil, 0, err
				}
				if !res.Allowed() {
					denied = true
					findings = append(findings, finding(r, "%s cannot %s it: %s on %s (%s)", roleName, op, action, resource, res.Reason))
				}
			}
			if !denied && len(p.Actions[op]) > 0 {
				proven++
			}
		}
	}
	return findings, proven, nil
}

// ciRoleControl proves, with the IAM evaluator, that a CI role of the stack can perform ops on every
// resource of the stack; a stack without the GitHub roles has nothing to prove.
func ciRoleControl(id, title, checks, role string, ops []iam.Operation, skip func(*tests.Resource, iam.Operation) string) *Control {
	return &Control{
		ID: id, Title: title, Checks: checks, Types: []string{typeRole},
		Evaluate: func(s *Stack) []Finding {
			name := settings.Prefix(s.Env) + "-github-" + role
			if s.ByOutput("name", name) == nil {
				return nil
			}
			a, err := tests.NewIAMAccount(s.Resources)
			if err != nil {
				return []Finding{{Resource: name, Problem: err.Error()}}
			}
			findings, _, err := ProveOperations(a, s.Resources, s.Env.Name, name, ops, skip)
			if err != nil {
				return []Finding{{Resource: name, Problem: err.Error()}}
			}
			return findings
		},
		// A dashboard renamed outside the stack's names is outside every CI role's reach.
		Break: func(s *Stack) { first(s, "aws:cloudwatch/dashboard:Dashboard").In["dashboardName"] = "renamed" },
	}
}

// ciRoleControls are the evaluator proofs of the CI roles over the stack's whole inventory.
var ciRoleControls = []*Control{
	ciRoleControl("Design.IAM.2", "The preview role can refresh every resource of its stack",
		"the IAM evaluator allows the preview role (its policies under the boundary) every read call of iam.PermissionTable on every resource of the stack",
		"preview", []iam.Operation{iam.Read}, nil),
	ciRoleControl("Design.IAM.3", "The deploy role can create, update, tag and delete every resource of its stack",
		"the IAM evaluator allows the deploy role every create, update, tag and delete call of iam.PermissionTable on every resource, except the admin-only ones (README)",
		"deploy", iam.Operations, AdminOnly),
}
