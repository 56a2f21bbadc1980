package iameval

import (
	"fmt"
	"slices"
	"strings"
)

// Principal is who makes a request: an IAM role of the account (through a session of it), or an AWS
// service acting as itself (CloudTrail writing to a bucket, CloudWatch Logs using a key).
type Principal struct {
	// ARN is the role's ARN (arn:aws:iam::123456789012:role/name); empty for a service.
	ARN string
	// SessionARN is the assumed-role session's ARN (arn:aws:sts::123456789012:assumed-role/name/session),
	// when a resource policy may name it; optional.
	SessionARN string
	// Service is the service principal ("cloudtrail.amazonaws.com") when the caller is a service.
	Service string
	// Identity holds the role's identity policies: inline, attached customer managed and AWS managed.
	Identity []Policy
	// Boundary is the role's permissions boundary; nil when it has none.
	Boundary *Policy
}

// Account returns the 12-digit account of a role principal ("" for a service).
func (p Principal) Account() string {
	parts := strings.SplitN(p.ARN, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// Describe names the principal for messages.
func (p Principal) Describe() string {
	if p.Service != "" {
		return p.Service
	}
	return p.ARN
}

// ResourcePolicy is the policy attached to the resource of a request (a bucket, key, topic, secret,
// repository or role trust policy).
type ResourcePolicy struct {
	Policy
	// Required is true for KMS key policies and role trust policies, which IAM requires to allow the
	// request: they grant access themselves (naming the principal), or let the account's IAM policies
	// grant it by naming the account ("123456789012" or its :root ARN). Other resource policies are
	// optional: within the account, an identity policy alone suffices.
	Required bool
}

// Request is one API call to evaluate: the principal, its action ("kms:Decrypt"), the ARN of the
// resource, the request context and the resource's policy, if it has one.
type Request struct {
	Principal      Principal
	Action         string
	Resource       string
	Context        Context
	ResourcePolicy *ResourcePolicy
}

// Decision is the outcome of an evaluation.
type Decision int

// The decisions, as IAM reports them.
const (
	ImplicitDeny Decision = iota // no policy allows the request (or one that must allow does not)
	Allow                        // allowed
	ExplicitDeny                 // a Deny statement applies
)

// String names the decision as IAM reports it.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "allow"
	case ExplicitDeny:
		return "explicit deny"
	default:
		return "implicit deny"
	}
}

// Result is a Decision with the statements that made it, for test messages.
type Result struct {
	Decision Decision
	Reason   string
}

// Allowed reports whether the request is allowed.
func (r Result) Allowed() bool { return r.Decision == Allow }

// Evaluate decides a same-account request the way IAM does
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
//
//  1. a Deny statement that applies, in any identity policy, the boundary or the resource policy, denies;
//  2. otherwise the request is allowed when
//     - an identity policy allows it and the boundary (if any) allows it too; or
//     - the resource policy allows it naming the role's ARN (or "*"), and the boundary allows it: within
//     an account a permissions boundary limits what a resource policy grants to the role ARN (a grant to
//     "*" is treated the same way, an assumption: AWS documents the role ARN and the session ARN only); or
//     - the resource policy allows it naming the role's session ARN, which no boundary limits;
//  3. a Required resource policy (KMS key, role trust) must itself allow: identity policies grant access
//     only where it allows the account principal;
//  4. a service principal is allowed only by a resource policy naming it (it has no identity policies).
//
// A statement applies when its Action (or NotAction) matches the action case-insensitively, its Resource
// (or NotResource) matches the resource ARN case-sensitively and part by part, its Principal (resource
// policies only) names the caller, and every condition holds (see Condition). Statements of identity
// policies must have a Resource and no Principal; statements of resource policies must have a Principal.
// The context gets aws:PrincipalArn and aws:PrincipalAccount (or aws:PrincipalServiceName) from the
// principal unless the request sets them. SCPs, RCPs, session policies and cross-account rules are out of
// scope: this is for one account without an organization.
func Evaluate(r Request) (Result, error) {
	if !strings.Contains(r.Action, ":") {
		return Result{}, fmt.Errorf("action %q: want service:Action", r.Action)
	}
	if r.Resource == "" {
		return Result{}, fmt.Errorf("%s: no resource (use \"*\" for actions without a resource type)", r.Action)
	}
	p := r.Principal
	if (p.ARN == "") == (p.Service == "") {
		return Result{}, fmt.Errorf("principal: want exactly one of a role ARN and a service")
	}
	if p.Service != "" && (len(p.Identity) > 0 || p.Boundary != nil) {
		return Result{}, fmt.Errorf("principal %s: a service principal has no identity policies or boundary", p.Service)
	}
	ctx := withPrincipalKeys(r.Context, p)
	// IAM compares actions case-insensitively; the statements' actions are lowered when parsed.
	action := strings.ToLower(r.Action)

	var deny, identity, boundary, direct, session, account string
	for _, pol := range p.Identity {
		d, a, err := scan(pol, r, action, ctx)
		if err != nil {
			return Result{}, err
		}
		deny, identity = first(deny, d), first(identity, a)
	}
	if p.Boundary != nil {
		d, a, err := scan(*p.Boundary, r, action, ctx)
		if err != nil {
			return Result{}, err
		}
		deny, boundary = first(deny, d), a
	}
	if rp := r.ResourcePolicy; rp != nil {
		for _, st := range rp.Statements {
			via, applies, err := appliesAsResource(st, rp.Name, r, action, ctx)
			if err != nil {
				return Result{}, err
			}
			if !applies {
				continue
			}
			ref := rp.Name + "/" + sid(st)
			switch {
			case st.Effect == "Deny":
				deny = first(deny, ref)
			case via == viaSession:
				session = first(session, ref)
			case via == viaDirect:
				direct = first(direct, ref)
			default:
				account = first(account, ref)
			}
		}
	}
	if deny != "" {
		return Result{Decision: ExplicitDeny, Reason: "explicit deny by " + deny}, nil
	}
	boundaryAllows := p.Boundary == nil || boundary != ""
	required := r.ResourcePolicy != nil && r.ResourcePolicy.Required
	switch {
	case session != "":
		return Result{Decision: Allow, Reason: "allowed by resource policy " + session + " (session principal)"}, nil
	case direct != "" && boundaryAllows:
		return Result{Decision: Allow, Reason: "allowed by resource policy " + direct + boundaryReason(p, boundary)}, nil
	case identity != "" && boundaryAllows && (!required || account != ""):
		reason := "allowed by identity policy " + identity + boundaryReason(p, boundary)
		if required {
			reason += " (delegated by " + account + ")"
		}
		return Result{Decision: Allow, Reason: reason}, nil
	}
	var missing []string
	if identity == "" && direct == "" {
		missing = append(missing, "no identity or resource policy allows it")
	}
	if !boundaryAllows {
		missing = append(missing, "the boundary does not allow it")
	}
	if required && direct == "" && account == "" {
		missing = append(missing, "the required resource policy "+r.ResourcePolicy.Name+" does not allow it")
	}
	return Result{Decision: ImplicitDeny, Reason: "implicit deny: " + strings.Join(missing, "; ")}, nil
}

// MustEvaluate is Evaluate for tests: it panics when the request or a policy cannot be evaluated.
func MustEvaluate(r Request) Result {
	res, err := Evaluate(r)
	if err != nil {
		panic(err)
	}
	return res
}

func boundaryReason(p Principal, boundary string) string {
	if p.Boundary == nil {
		return " (no boundary)"
	}
	return " within boundary " + boundary
}

func first(cur, next string) string {
	if cur != "" {
		return cur
	}
	return next
}

func sid(st Statement) string {
	if st.Sid == "" {
		return "(no Sid)"
	}
	return st.Sid
}

// withPrincipalKeys returns a copy of ctx with the global keys of the principal added where absent.
func withPrincipalKeys(ctx Context, p Principal) Context {
	out := Context{}
	for k, v := range ctx {
		out[k] = v
	}
	add := func(key, value string) {
		if _, ok := out.lookup(key); !ok && value != "" {
			out[key] = []string{value}
		}
	}
	if p.Service != "" {
		add("aws:PrincipalServiceName", p.Service)
		return out
	}
	add("aws:PrincipalArn", p.ARN)
	add("aws:PrincipalAccount", p.Account())
	return out
}

// scan returns the first Deny and the first Allow statement of an identity policy or boundary that apply.
func scan(pol Policy, r Request, action string, ctx Context) (deny, allow string, err error) {
	for _, st := range pol.Statements {
		if st.Principal != nil || st.NotPrincipal != nil {
			return "", "", fmt.Errorf("policy %s: statement %s: an identity policy names no Principal", pol.Name, sid(st))
		}
		if !st.HasResource {
			return "", "", fmt.Errorf("policy %s: statement %s: an identity policy needs Resource or NotResource", pol.Name, sid(st))
		}
		ok, err := appliesTo(st, r, action, ctx)
		if err != nil {
			return "", "", fmt.Errorf("policy %s: statement %s: %w", pol.Name, sid(st), err)
		}
		if !ok {
			continue
		}
		ref := pol.Name + "/" + sid(st)
		if st.Effect == "Deny" {
			deny = first(deny, ref)
		} else {
			allow = first(allow, ref)
		}
	}
	return deny, allow, nil
}

// appliesTo reports whether the statement's action, resource and conditions match the request, whose
// action is lowered (action).
func appliesTo(st Statement, r Request, action string, ctx Context) (bool, error) {
	matchAction := func(patterns []string) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return Glob(p, action) })
	}
	matchResource := func(patterns []string) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return MatchARN(p, r.Resource) })
	}
	if st.lowerAction == nil && st.lowerNotAction == nil {
		// A Statement built by hand rather than by Parse.
		st.lowerAction, st.lowerNotAction = lower(st.Action), lower(st.NotAction)
	}
	if st.NotAction != nil {
		if matchAction(st.lowerNotAction) {
			return false, nil
		}
	} else if !matchAction(st.lowerAction) {
		return false, nil
	}
	switch {
	case st.NotResource != nil:
		if matchResource(st.NotResource) {
			return false, nil
		}
	case st.HasResource:
		if !matchResource(st.Resource) {
			return false, nil
		}
	}
	for _, c := range st.Condition {
		ok, err := c.holds(ctx)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// How a resource-policy statement names the caller.
type principalMatch int

const (
	viaNone    principalMatch = iota
	viaAccount                // the caller's account ("123456789012", arn:...:root): delegation to IAM
	viaDirect                 // the role ARN, the service, or "*"
	viaSession                // the role session's ARN
)

// appliesAsResource reports whether a resource-policy statement applies to the request and how it names
// the caller.
func appliesAsResource(st Statement, policyName string, r Request, action string, ctx Context) (principalMatch, bool, error) {
	if st.Principal == nil && st.NotPrincipal == nil {
		return viaNone, false, fmt.Errorf("policy %s: statement %s: a resource policy statement needs a Principal", policyName, sid(st))
	}
	var via principalMatch
	if st.Principal != nil {
		via = matchPrincipal(*st.Principal, r.Principal)
		if via == viaNone {
			return viaNone, false, nil
		}
	} else {
		// NotPrincipal: the statement applies to everyone it does not name; the account counts as naming
		// all of its roles.
		if matchPrincipal(*st.NotPrincipal, r.Principal) != viaNone {
			return viaNone, false, nil
		}
		via = viaDirect
	}
	ok, err := appliesTo(st, r, action, ctx)
	if err != nil {
		return viaNone, false, fmt.Errorf("policy %s: statement %s: %w", policyName, sid(st), err)
	}
	return via, ok, nil
}

func matchPrincipal(pr Principals, p Principal) principalMatch {
	if pr.Any || slices.Contains(pr.IDs["AWS"], "*") {
		return viaDirect
	}
	if p.Service != "" {
		if slices.Contains(pr.IDs["Service"], p.Service) {
			return viaDirect
		}
		return viaNone
	}
	best := viaNone
	for _, id := range pr.IDs["AWS"] {
		switch {
		case p.SessionARN != "" && id == p.SessionARN:
			return viaSession
		case id == p.ARN:
			best = viaDirect
		case best == viaNone && (id == p.Account() || id == accountRoot(p.ARN)):
			best = viaAccount
		}
	}
	return best
}

// accountRoot returns arn:<partition>:iam::<account>:root for a role ARN.
func accountRoot(roleARN string) string {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":root"
}
