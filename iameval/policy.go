package iameval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Policy is a parsed IAM policy document: an identity policy, a permissions boundary or a resource policy.
// Name says where it came from, for the reasons of a Result.
type Policy struct {
	Name       string
	Statements []Statement
}

// Statement is one statement of a Policy. List elements that a document writes as a single string are
// lists of one; absent elements are nil. An element is "set" when its document names it, even as [].
type Statement struct {
	Sid          string
	Effect       string // "Allow" or "Deny"
	Principal    *Principals
	NotPrincipal *Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	HasResource  bool
	Condition    []Condition

	// lowerAction and lowerNotAction are Action and NotAction in lower case, for matching.
	lowerAction, lowerNotAction []string
}

// Principals are the principals a resource-policy statement names: "*" (Any), or identifiers by kind
// ("AWS", "Service", "Federated", "CanonicalUser").
type Principals struct {
	Any bool
	IDs map[string][]string
}

// Condition is one operator/key pair of a statement's Condition block with its values, e.g.
// {Operator: "StringEquals", Key: "aws:SourceAccount", Values: ["123456789012"]}. A statement applies
// only when all of its conditions hold; a condition holds, with IAM's rules
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
//   - Null "true" when the key is absent from the request, Null "false" when it is present;
//   - for an absent key: ...IfExists and ForAllValues: hold, ForAnyValue: fails, a negated operator
//     (StringNotEquals, StringNotLike, ArnNotLike, NotIpAddress, ...) holds, every other operator fails;
//   - for a present key without a set qualifier: a positive operator holds when any request value matches
//     any policy value, a negated one when none does; ForAnyValue: holds when at least one request value
//     passes the operator, ForAllValues: when every one does.
//
// String operators compare case-sensitively (except ...IgnoreCase), Arn operators part by part like
// MatchARN (ArnEquals takes wildcards like ArnLike), Bool case-insensitively, Numeric as numbers.
type Condition struct {
	Operator string
	Key      string
	Values   []string
}

// Parse parses the JSON of a policy document. It accepts what IAM accepts in the elements this package
// evaluates (a string or a list for every list element, a statement object or a list of them) and rejects
// unknown elements, an Effect other than Allow or Deny, a statement with both X and NotX, and policy
// variables ("${...}"), which Evaluate does not resolve: a document it cannot evaluate faithfully is an
// error, never a silent allow or deny.
func Parse(name string, document []byte) (Policy, error) {
	var raw struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(bytes.NewReader(document))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Policy{}, fmt.Errorf("policy %s: %w", name, err)
	}
	if raw.Version != "" && raw.Version != "2012-10-17" {
		return Policy{}, fmt.Errorf("policy %s: Version %q: only 2012-10-17 is evaluated (policy variables differ in 2008-10-17)", name, raw.Version)
	}
	var rawStatements []json.RawMessage
	trimmed := bytes.TrimSpace(raw.Statement)
	switch {
	case len(trimmed) == 0:
		return Policy{}, fmt.Errorf("policy %s: no Statement", name)
	case trimmed[0] == '{':
		rawStatements = []json.RawMessage{trimmed}
	default:
		if err := json.Unmarshal(trimmed, &rawStatements); err != nil {
			return Policy{}, fmt.Errorf("policy %s: Statement: %w", name, err)
		}
	}
	p := Policy{Name: name}
	for i, rs := range rawStatements {
		st, err := parseStatement(rs)
		if err != nil {
			return Policy{}, fmt.Errorf("policy %s: statement %d: %w", name, i, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// MustParse is Parse for documents written in tests; it panics on an invalid document.
func MustParse(name, document string) Policy {
	p, err := Parse(name, []byte(document))
	if err != nil {
		panic(err)
	}
	return p
}

type rawStatement struct {
	Sid          string                                `json:"Sid"`
	Effect       string                                `json:"Effect"`
	Principal    json.RawMessage                       `json:"Principal"`
	NotPrincipal json.RawMessage                       `json:"NotPrincipal"`
	Action       json.RawMessage                       `json:"Action"`
	NotAction    json.RawMessage                       `json:"NotAction"`
	Resource     json.RawMessage                       `json:"Resource"`
	NotResource  json.RawMessage                       `json:"NotResource"`
	Condition    map[string]map[string]json.RawMessage `json:"Condition"`
}

func parseStatement(data []byte) (Statement, error) {
	var rs rawStatement
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		return Statement{}, err
	}
	st := Statement{Sid: rs.Sid, Effect: rs.Effect}
	if st.Effect != "Allow" && st.Effect != "Deny" {
		return st, fmt.Errorf("effect %q: must be Allow or Deny", rs.Effect)
	}
	var err error
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *[]string
	}{
		{"Action", rs.Action, &st.Action}, {"NotAction", rs.NotAction, &st.NotAction},
		{"Resource", rs.Resource, &st.Resource}, {"NotResource", rs.NotResource, &st.NotResource},
	} {
		if *f.dst, err = stringList(f.raw); err != nil {
			return st, fmt.Errorf("%s: %w", f.name, err)
		}
		if err := noVariables(*f.dst); err != nil {
			return st, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if (rs.Action != nil) == (rs.NotAction != nil) {
		return st, fmt.Errorf("needs exactly one of Action and NotAction")
	}
	if rs.Resource != nil && rs.NotResource != nil {
		return st, fmt.Errorf("has both Resource and NotResource")
	}
	st.HasResource = rs.Resource != nil || rs.NotResource != nil
	st.lowerAction, st.lowerNotAction = lower(st.Action), lower(st.NotAction)
	if st.Principal, err = parsePrincipals(rs.Principal); err != nil {
		return st, fmt.Errorf("element Principal: %w", err)
	}
	if st.NotPrincipal, err = parsePrincipals(rs.NotPrincipal); err != nil {
		return st, fmt.Errorf("element NotPrincipal: %w", err)
	}
	if st.Principal != nil && st.NotPrincipal != nil {
		return st, fmt.Errorf("has both Principal and NotPrincipal")
	}
	operators := make([]string, 0, len(rs.Condition))
	for op := range rs.Condition {
		operators = append(operators, op)
	}
	sort.Strings(operators)
	for _, op := range operators {
		if _, err := lookupOperator(op); err != nil {
			return st, err
		}
		keys := make([]string, 0, len(rs.Condition[op]))
		for k := range rs.Condition[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			values, err := conditionValues(rs.Condition[op][key])
			if err != nil {
				return st, fmt.Errorf("condition %s %s: %w", op, key, err)
			}
			if err := noVariables(values); err != nil {
				return st, fmt.Errorf("condition %s %s: %w", op, key, err)
			}
			st.Condition = append(st.Condition, Condition{Operator: op, Key: key, Values: values})
		}
	}
	return st, nil
}

// stringList decodes a string or a list of strings; absent (nil) stays nil.
func stringList(raw json.RawMessage) ([]string, error) {
	if raw == nil {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("want a string or a list of strings: %w", err)
	}
	if many == nil {
		many = []string{}
	}
	return many, nil
}

// conditionValues decodes a condition's value: a string, boolean or number, or a list of them, each kept
// as its string form (IAM compares them as strings, numbers or booleans by operator).
func conditionValues(raw json.RawMessage) ([]string, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out = append(out, s)
			continue
		}
		var b bool
		if err := json.Unmarshal(v, &b); err == nil {
			out = append(out, strconv.FormatBool(b))
			continue
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			out = append(out, n.String())
			continue
		}
		return nil, fmt.Errorf("value %s is not a string, boolean or number", v)
	}
	return out, nil
}

func parsePrincipals(raw json.RawMessage) (*Principals, error) {
	if raw == nil {
		return nil, nil
	}
	var star string
	if err := json.Unmarshal(raw, &star); err == nil {
		if star != "*" {
			return nil, fmt.Errorf("%q: a string principal must be \"*\"", star)
		}
		return &Principals{Any: true}, nil
	}
	var kinds map[string]json.RawMessage
	if err := json.Unmarshal(raw, &kinds); err != nil {
		return nil, fmt.Errorf("want \"*\" or an object of principal kinds: %w", err)
	}
	p := &Principals{IDs: map[string][]string{}}
	for kind, v := range kinds {
		switch kind {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return nil, fmt.Errorf("unknown principal kind %q", kind)
		}
		ids, err := stringList(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		p.IDs[kind] = ids
	}
	return p, nil
}

func noVariables(values []string) error {
	for _, v := range values {
		if strings.Contains(v, "${") {
			return fmt.Errorf("%q: policy variables are not evaluated by this package", v)
		}
	}
	return nil
}

func lower(values []string) []string {
	if values == nil {
		return nil
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.ToLower(v)
	}
	return out
}
