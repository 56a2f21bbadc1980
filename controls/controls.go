// Package controls proves the security controls of the design and of AWS Security Hub's Foundational
// Security Best Practices before anything is deployed: each Control is a check over the whole inventory of
// resources a stack's `pulumi up` would create (recorded by the mock cloud), with a way to break a passing
// stack so that the check is shown to fail. Differences between environments and accepted findings are
// declared once, with their reason; the matrix in docs/controls.md is generated from the same code.
package controls

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/8byte/infra/controls/status"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// Finding is one resource that fails a control, and why.
type Finding struct {
	Resource string // "type name"
	Problem  string
}

// Control is one security control checked over a whole stack.
type Control struct {
	ID     string // Security Hub id ("EC2.2") or a design control ("Design.Net.1")
	Title  string
	Checks string   // what this program checks, in a sentence
	Types  []string // resource types the control covers
	// Evaluate returns the findings of the stack; none means the control passes.
	Evaluate func(s *Stack) []Finding
	// Break changes a passing stack so that Evaluate must report a finding: the proof the check can fail.
	Break func(s *Stack)
	// Branches are the other ways a multi-condition check must fail, one per condition (the IPv6 twin of
	// an IPv4 rule, each part of a required statement): each one alone, on a passing stack, must be found.
	Branches []Branch
	// Fix turns the accepted findings of a stack into passing resources (for a control whose declared
	// exception covers the whole stack), so that the can-fail proof starts from a passing copy.
	Fix func(s *Stack)
}

// Branch is one named way to break a passing stack.
type Branch struct {
	Name  string
	Break func(s *Stack)
}

// Breaks returns every way to break a passing stack: Break first, then the branches.
func (c *Control) Breaks() []Branch {
	return append([]Branch{{Name: "break", Break: c.Break}}, c.Branches...)
}

// Exception is a declared, reasoned departure from a control: an accepted finding in every environment
// (Env == ""), or a legitimate difference of one environment.
type Exception struct {
	Control string
	Env     settings.Environment
	// Resources, when set, limits the exception to findings about these resources, named without the
	// stack prefix ("access-logs" is 8byte-<env>-access-logs): a finding about any other resource still
	// fails the control.
	Resources []string
	Reason    string
}

// covers reports whether the exception accepts every one of the findings of env's stack.
func (e Exception) covers(env settings.Environment, findings []Finding) bool {
	if len(e.Resources) == 0 {
		return true
	}
	for _, f := range findings {
		if !slices.ContainsFunc(e.Resources, func(name string) bool { return e.names(env, f, name) }) {
			return false
		}
	}
	return true
}

// names reports whether finding f is about the resource the exception calls name in env's stack.
func (e Exception) names(env settings.Environment, f Finding, name string) bool {
	return strings.HasSuffix(f.Resource, " "+settings.Prefix(env)+"-"+name)
}

// Needed reports whether the exception still accepts something in s: a control that covers nothing in
// the stack, or a finding about each of the resources it names (any finding when it names none).
func (e Exception) Needed(s *Stack, c *Control) bool {
	if len(s.OfType(c.Types...)) == 0 {
		return true
	}
	findings := c.Evaluate(s)
	if len(e.Resources) == 0 {
		return len(findings) > 0
	}
	for _, name := range e.Resources {
		if !slices.ContainsFunc(findings, func(f Finding) bool { return e.names(s.Env, f, name) }) {
			return false
		}
	}
	return true
}

// Without returns a copy of s without the resources that the exception names: the stack the control is
// proven on when its only findings are accepted ones.
func (e Exception) Without(s *Stack) *Stack {
	c := s.Clone()
	c.Resources = slices.DeleteFunc(c.Resources, func(r *tests.Resource) bool {
		return slices.ContainsFunc(e.Resources, func(name string) bool { return r.Name == settings.Prefix(s.Env)+"-"+name })
	})
	return c
}

// ExceptionFor returns the exception declared for control id in env, if any.
func ExceptionFor(id string, env settings.Environment) (Exception, bool) {
	return exceptionFor(id, env, Exceptions)
}

// Result is the outcome of one control in one stack.
type Result struct {
	Control  *Control
	Status   status.Status
	Reason   string // why accepted or not applicable
	Covered  int    // resources of the covered types in the stack
	Findings []Finding
}

// Stack is the inventory of one environment's stack.
type Stack struct {
	Env       settings.Environment
	Resources []*tests.Resource
}

// OfType returns the stack's resources of any of types.
func (s *Stack) OfType(types ...string) []*tests.Resource {
	var out []*tests.Resource
	for _, r := range s.Resources {
		if slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	return out
}

// ByOutput returns the resource whose output key equals value (e.g. "id" -> "sg-123"), or nil.
func (s *Stack) ByOutput(key string, value any) *tests.Resource {
	for _, r := range s.Resources {
		if r.Out[key] == value {
			return r
		}
	}
	return nil
}

// Clone returns a deep copy, for breaking a stack without touching the original.
func (s *Stack) Clone() *Stack {
	c := &Stack{Env: s.Env}
	for _, r := range s.Resources {
		cp := *r
		cp.In = deepCopy(r.In).(map[string]any)
		cp.Out = deepCopy(r.Out).(map[string]any)
		c.Resources = append(c.Resources, &cp)
	}
	return c
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e)
		}
		return a
	default:
		return v
	}
}

// Evaluate runs every control over s and applies the declared exceptions of s.Env. A control that covers
// no resource of the stack is "not applicable" only when an exception says why; otherwise it fails, so a
// resource type that disappears from a stack cannot turn its controls silently green.
func Evaluate(s *Stack, all []*Control, exceptions []Exception) []Result {
	results := make([]Result, 0, len(all))
	for _, c := range all {
		r := Result{Control: c, Covered: len(s.OfType(c.Types...)), Findings: c.Evaluate(s)}
		ex, declared := exceptionFor(c.ID, s.Env, exceptions)
		switch {
		case r.Covered == 0 && declared:
			r.Status, r.Reason = status.NotApplicable, ex.Reason
		case r.Covered == 0:
			r.Status = status.Fail
			r.Findings = append(r.Findings, Finding{Resource: strings.Join(shortTypes(c.Types), ", "), Problem: "none in this stack and no exception declared"})
		case len(r.Findings) == 0:
			r.Status = status.Pass
		case declared && ex.covers(s.Env, r.Findings):
			r.Status, r.Reason = status.Accepted, ex.Reason
		default:
			r.Status = status.Fail
		}
		results = append(results, r)
	}
	return results
}

func exceptionFor(id string, env settings.Environment, exceptions []Exception) (Exception, bool) {
	for _, ex := range exceptions {
		if ex.Control == id && (ex.Env == (settings.Environment{}) || ex.Env == env) {
			return ex, true
		}
	}
	return Exception{}, false
}

func shortTypes(types []string) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = shortType(t)
	}
	return out
}

// shortType turns "aws:ec2/securityGroup:SecurityGroup" into "ec2 SecurityGroup".
func shortType(t string) string {
	parts := strings.Split(t, ":")
	if len(parts) != 3 {
		return t
	}
	module, _, _ := strings.Cut(parts[1], "/")
	return module + " " + parts[2]
}

// finding reports r with a formatted problem.
func finding(r *tests.Resource, format string, args ...any) Finding {
	return Finding{Resource: shortType(r.Type) + " " + r.Name, Problem: fmt.Sprintf(format, args...)}
}

// each applies check to every resource of types and collects the findings.
func each(s *Stack, types []string, check func(r *tests.Resource) []Finding) []Finding {
	var out []Finding
	for _, r := range s.OfType(types...) {
		out = append(out, check(r)...)
	}
	return out
}

// unless returns a finding for r when ok is false.
func unless(ok bool, r *tests.Resource, format string, args ...any) []Finding {
	if ok {
		return nil
	}
	return []Finding{finding(r, format, args...)}
}

// first returns the first resource of typ in s, for Break functions. When the stack has none, it returns
// a detached resource, so that breaking changes nothing and the can-fail test reports the control.
func first(s *Stack, typ string) *tests.Resource {
	rs := s.OfType(typ)
	if len(rs) == 0 {
		return &tests.Resource{Type: typ, In: map[string]any{}, Out: map[string]any{}}
	}
	return rs[0]
}

// set replaces the input at a dotted path of r ("metadataOptions.httpTokens", "rules.0.status"),
// creating maps on the way; a number indexes an existing list.
func set(r *tests.Resource, path string, value any) {
	parts := strings.Split(path, ".")
	var cur any = r.In
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case []any:
			var n int
			if _, err := fmt.Sscan(p, &n); err != nil || n < 0 || n >= len(c) {
				return
			}
			if last {
				c[n] = value
				return
			}
			if _, ok := c[n].(map[string]any); !ok {
				c[n] = map[string]any{}
			}
			cur = c[n]
		case map[string]any:
			if last {
				c[p] = value
				return
			}
			switch c[p].(type) {
			case map[string]any, []any:
			default:
				c[p] = map[string]any{}
			}
			cur = c[p]
		}
	}
}

// truthy reads a flag the provider types as a bool or, in some nested types, as the string "true".
func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	default:
		return false
	}
}

// list returns the value at path of r's inputs as a list of maps.
func list(r *tests.Resource, path string) []map[string]any {
	arr, _ := r.Get(path).([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// prefixOf returns the resource-name prefix of the stack, "8byte-<env>".
func prefixOf(s *Stack) string { return settings.Prefix(s.Env) }

// withBranches adds branches to a control built by a helper.
func withBranches(c *Control, branches ...Branch) *Control {
	c.Branches = append(c.Branches, branches...)
	return c
}

// editStatements rewrites the policy document at path of r, applying edit to each statement (as a map).
func editStatements(r *tests.Resource, path string, edit func(st map[string]any)) {
	var doc map[string]any
	if json.Unmarshal([]byte(r.String(path)), &doc) != nil {
		return
	}
	sts, ok := doc["Statement"].([]any)
	if !ok {
		sts = []any{doc["Statement"]}
	}
	for _, st := range sts {
		if m, ok := st.(map[string]any); ok {
			edit(m)
		}
	}
	doc["Statement"] = sts
	raw, _ := json.Marshal(doc)
	set(r, path, string(raw))
}
