package iameval

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Context holds the condition keys of a request and their values. Key names are case-insensitive, as in
// IAM ("aws:SourceAccount" and "AWS:sourceaccount" are one key); a key with no values counts as absent.
// A single-valued key has one value; a multivalued key (aws:TagKeys, ...) may have several.
type Context map[string][]string

// lookup returns the values of key and whether the request has it.
func (c Context) lookup(key string) ([]string, bool) {
	for k, v := range c {
		if strings.EqualFold(k, key) && len(v) > 0 {
			return v, true
		}
	}
	return nil, false
}

// operator is a base condition operator: match compares one policy value with one request value in the
// operator's positive sense; negated operators (StringNotEquals, ...) invert the result over all values.
type operator struct {
	match   func(policyValue, requestValue string) bool
	negated bool
}

// operators are the base operators Evaluate knows. Date operators and BinaryEquals are not among them:
// a policy that uses one fails to parse rather than being evaluated wrongly.
var operators = map[string]operator{
	"StringEquals":              {match: func(p, r string) bool { return p == r }},
	"StringNotEquals":           {match: func(p, r string) bool { return p == r }, negated: true},
	"StringEqualsIgnoreCase":    {match: strings.EqualFold},
	"StringNotEqualsIgnoreCase": {match: strings.EqualFold, negated: true},
	"StringLike":                {match: Glob},
	"StringNotLike":             {match: Glob, negated: true},
	// ArnEquals and ArnLike are the same test in IAM: both take wildcards, part by part.
	"ArnEquals":                {match: MatchARN},
	"ArnLike":                  {match: MatchARN},
	"ArnNotEquals":             {match: MatchARN, negated: true},
	"ArnNotLike":               {match: MatchARN, negated: true},
	"Bool":                     {match: strings.EqualFold},
	"NumericEquals":            {match: numeric(func(p, r float64) bool { return r == p })},
	"NumericNotEquals":         {match: numeric(func(p, r float64) bool { return r == p }), negated: true},
	"NumericLessThan":          {match: numeric(func(p, r float64) bool { return r < p })},
	"NumericLessThanEquals":    {match: numeric(func(p, r float64) bool { return r <= p })},
	"NumericGreaterThan":       {match: numeric(func(p, r float64) bool { return r > p })},
	"NumericGreaterThanEquals": {match: numeric(func(p, r float64) bool { return r >= p })},
	"IpAddress":                {match: ipInRange},
	"NotIpAddress":             {match: ipInRange, negated: true},
}

func numeric(cmp func(policyValue, requestValue float64) bool) func(string, string) bool {
	return func(p, r string) bool {
		pv, err1 := strconv.ParseFloat(p, 64)
		rv, err2 := strconv.ParseFloat(r, 64)
		return err1 == nil && err2 == nil && cmp(pv, rv)
	}
}

func ipInRange(p, r string) bool {
	addr, err := netip.ParseAddr(r)
	if err != nil {
		return false
	}
	if prefix, err := netip.ParsePrefix(p); err == nil {
		return prefix.Contains(addr)
	}
	single, err := netip.ParseAddr(p)
	return err == nil && single == addr
}

// setOperator is the qualifier of an operator for multivalued keys.
type setOperator int

const (
	noSet setOperator = iota
	forAnyValue
	forAllValues
)

// parsedOperator is an operator name split into its qualifier, base operator and IfExists suffix.
type parsedOperator struct {
	set      setOperator
	base     string
	ifExists bool
}

// lookupOperator parses an operator name such as "ForAnyValue:StringLikeIfExists".
func lookupOperator(name string) (parsedOperator, error) {
	var po parsedOperator
	rest := name
	switch {
	case strings.HasPrefix(rest, "ForAnyValue:"):
		po.set, rest = forAnyValue, strings.TrimPrefix(rest, "ForAnyValue:")
	case strings.HasPrefix(rest, "ForAllValues:"):
		po.set, rest = forAllValues, strings.TrimPrefix(rest, "ForAllValues:")
	}
	if rest == "Null" {
		if po.set != noSet {
			return po, fmt.Errorf("condition operator %q: Null takes no set qualifier", name)
		}
		po.base = rest
		return po, nil
	}
	if base, ok := strings.CutSuffix(rest, "IfExists"); ok {
		po.ifExists, rest = true, base
	}
	if _, ok := operators[rest]; !ok {
		return po, fmt.Errorf("condition operator %q is not evaluated by this package", name)
	}
	po.base = rest
	return po, nil
}

// holds evaluates one condition against the request context, with IAM's rules for absent keys:
//   - Null "true" holds when the key is absent, Null "false" when it is present;
//   - an absent key makes ...IfExists and ForAllValues conditions hold, ForAnyValue conditions fail,
//     negated operators (StringNotEquals, ArnNotLike, ...) hold and every other operator fail;
//   - a present key without a set qualifier holds for a positive operator when any request value matches
//     any policy value, and for a negated one when none does; ForAnyValue holds when at least one request
//     value passes the operator, ForAllValues when every one does.
func (c Condition) holds(ctx Context) (bool, error) {
	po, err := lookupOperator(c.Operator)
	if err != nil {
		return false, err
	}
	values, present := ctx.lookup(c.Key)
	if po.base == "Null" {
		for _, v := range c.Values {
			if (strings.EqualFold(v, "true") && !present) || (strings.EqualFold(v, "false") && present) {
				return true, nil
			}
		}
		return false, nil
	}
	op := operators[po.base]
	if !present {
		switch {
		case po.ifExists, po.set == forAllValues:
			return true, nil
		case po.set == forAnyValue:
			return false, nil
		default:
			return op.negated, nil
		}
	}
	// matches reports whether one request value matches any of the policy values.
	matches := func(rv string) bool {
		for _, pv := range c.Values {
			if op.match(pv, rv) {
				return true
			}
		}
		return false
	}
	// passes reports whether one request value passes the operator, in its negated sense if negated.
	passes := func(rv string) bool { return matches(rv) != op.negated }
	switch po.set {
	case forAllValues:
		for _, rv := range values {
			if !passes(rv) {
				return false, nil
			}
		}
		return true, nil
	case forAnyValue:
		for _, rv := range values {
			if passes(rv) {
				return true, nil
			}
		}
		return false, nil
	default:
		for _, rv := range values {
			if matches(rv) {
				return !op.negated, nil
			}
		}
		return op.negated, nil
	}
}
