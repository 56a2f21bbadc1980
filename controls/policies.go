package controls

import (
	"encoding/json"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/tests"
)

// statements parses the policy document at path of r's inputs. IAM accepts a single string where a
// list is expected (Action, Resource, principal values), so both forms are read.
func statements(r *tests.Resource, path string) []policy.Statement {
	return parseStatements(r.String(path))
}

func parseStatements(doc string) []policy.Statement {
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal([]byte(doc), &raw) != nil {
		return nil
	}
	var list []map[string]any
	if json.Unmarshal(raw.Statement, &list) != nil {
		var one map[string]any
		if json.Unmarshal(raw.Statement, &one) != nil {
			return nil
		}
		list = []map[string]any{one}
	}
	out := make([]policy.Statement, 0, len(list))
	for _, m := range list {
		st := policy.Statement{
			Effect:      str(m["Effect"]),
			Action:      StringList(m["Action"]),
			NotAction:   StringList(m["NotAction"]),
			Resource:    StringList(m["Resource"]),
			NotResource: StringList(m["NotResource"]),
		}
		if p, ok := m["Principal"].(map[string]any); ok {
			st.Principal = policy.Principal{}
			for k, v := range p {
				st.Principal[k] = StringList(v)
			}
		} else if m["Principal"] == "*" {
			st.Principal = policy.Everyone()
		}
		if c, ok := m["Condition"].(map[string]any); ok {
			st.Condition = policy.Conditions{}
			for op, kv := range c {
				st.Condition[op] = map[string][]string{}
				if kv, ok := kv.(map[string]any); ok {
					for k, v := range kv {
						st.Condition[op][k] = StringList(v)
					}
				}
			}
		}
		out = append(out, st)
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// StringList returns a policy element that is a string or a list of strings (Action, Resource, a
// condition's values) as a list; nil when absent.
func StringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, str(e))
		}
		return out
	default:
		return nil
	}
}

// identityPolicies returns every identity-based policy document of the stack: customer managed policies,
// inline role policies and inline policies declared on roles.
func identityPolicies(s *Stack) []identityPolicy {
	var out []identityPolicy
	for _, r := range s.OfType(typeIAMPolicy, typeRolePolicy) {
		out = append(out, identityPolicy{r, statements(r, "policy")})
	}
	for _, r := range s.OfType(typeRole) {
		for _, inline := range list(r, "inlinePolicies") {
			out = append(out, identityPolicy{r, parseStatements(str(inline["policy"]))})
		}
	}
	return out
}

type identityPolicy struct {
	owner      *tests.Resource
	statements []policy.Statement
}
