package tests

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/8byte/infra/iameval"
)

// The resource types whose inputs make up the IAM view of an inventory.
const (
	typeRole         = "aws:iam/role:Role"
	typeRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	typeAttachment   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typePolicy       = "aws:iam/policy:Policy"
	typeKey          = "aws:kms/key:Key"
	typeBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"
	typeTopicPolicy  = "aws:sns/topicPolicy:TopicPolicy"
	typeSecretPolicy = "aws:secretsmanager/secretPolicy:SecretPolicy"
	typeRepoPolicy   = "aws:ecr/repositoryPolicy:RepositoryPolicy"
)

// Role is one IAM role of an inventory, assembled as iameval evaluates it.
type Role struct {
	Resource  *Resource
	Name      string
	Principal iameval.Principal
	// Trust is the role's trust policy (a Required resource policy of sts:AssumeRole on the role).
	Trust iameval.Policy
	// Incomplete says why the role's permissions could not all be assembled (an attached AWS managed
	// policy that iameval does not vendor); Can refuses to evaluate such a role.
	Incomplete error
}

// TrustedService reports whether the role's trust policy names the service principal (e.g.
// "ec2.amazonaws.com") in an Allow statement.
func (r *Role) TrustedService(service string) bool {
	for _, st := range r.Trust.Statements {
		if st.Effect == "Allow" && st.Principal != nil {
			for _, s := range st.Principal.IDs["Service"] {
				if s == service {
					return true
				}
			}
		}
	}
	return false
}

// IAMAccount is the IAM view of the inventories of one or more stacks deployed in one account: every
// role as an iameval principal (its inline policies, attached customer and AWS managed policies, and
// permissions boundary) and every resource policy (key, bucket, topic, secret, repository and trust
// policies) by the ARN of its resource.
type IAMAccount struct {
	Roles            []*Role
	resourcePolicies map[string]*iameval.ResourcePolicy
}

// NewIAMAccount assembles the IAM view of the inventories (e.g. Mocks.All() of a dev and a prod run with
// the same mock account). It fails on a policy it cannot parse and on a policy of a role the inventories
// do not hold. A role with an attached AWS managed policy that iameval does not vendor is Incomplete:
// evaluating it is an error, evaluating the other roles is not.
func NewIAMAccount(inventories ...[]*Resource) (*IAMAccount, error) {
	var all []*Resource
	for _, inv := range inventories {
		all = append(all, inv...)
	}
	a := &IAMAccount{resourcePolicies: map[string]*iameval.ResourcePolicy{}}
	managed := map[string]*Resource{} // customer managed policies by ARN
	for _, r := range all {
		if r.Type == typePolicy {
			managed[r.Output("arn").(string)] = r
		}
	}
	byName := map[string]*Role{}
	for _, r := range all {
		if r.Type != typeRole {
			continue
		}
		role, err := newRole(r, managed)
		if err != nil {
			return nil, err
		}
		if byName[role.Name] != nil {
			return nil, fmt.Errorf("two roles named %s", role.Name)
		}
		byName[role.Name] = role
		a.Roles = append(a.Roles, role)
		a.resourcePolicies[role.Principal.ARN] = &iameval.ResourcePolicy{Policy: role.Trust, Required: true}
	}
	for _, r := range all {
		switch r.Type {
		case typeRolePolicy:
			role, err := roleOf(r, byName)
			if err != nil {
				return nil, err
			}
			p, err := parse(r, "policy")
			if err != nil {
				return nil, err
			}
			role.Principal.Identity = append(role.Principal.Identity, p)
		case typeAttachment:
			role, err := roleOf(r, byName)
			if err != nil {
				return nil, err
			}
			if err := role.attach(r, r.String("policyArn"), managed); err != nil {
				return nil, err
			}
		}
	}
	if err := a.addResourcePolicies(all); err != nil {
		return nil, err
	}
	sort.Slice(a.Roles, func(i, j int) bool { return a.Roles[i].Name < a.Roles[j].Name })
	return a, nil
}

func newRole(r *Resource, managed map[string]*Resource) (*Role, error) {
	name, _ := r.Output("name").(string)
	arn, _ := r.Output("arn").(string)
	if name == "" || arn == "" {
		return nil, fmt.Errorf("%s: no name or ARN", r.Describe())
	}
	trust, err := parse(r, "assumeRolePolicy")
	if err != nil {
		return nil, err
	}
	role := &Role{Resource: r, Name: name, Trust: trust, Principal: iameval.Principal{ARN: arn}}
	if b := r.String("permissionsBoundary"); b != "" {
		p, err := attachedPolicy(b, managed)
		if err != nil {
			return nil, fmt.Errorf("%s boundary: %w", r.Describe(), err)
		}
		role.Principal.Boundary = &p
	}
	// Inline and managed policies may also be given on the role itself.
	if inline, ok := r.Get("inlinePolicies").([]any); ok {
		for i, e := range inline {
			m, _ := e.(map[string]any)
			doc, _ := m["policy"].(string)
			p, err := iameval.Parse(fmt.Sprintf("%s/inline-%d", name, i), []byte(doc))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Describe(), err)
			}
			role.Principal.Identity = append(role.Principal.Identity, p)
		}
	}
	for _, policyARN := range r.Strings("managedPolicyArns") {
		if err := role.attach(r, policyARN, managed); err != nil {
			return nil, err
		}
	}
	return role, nil
}

// attach adds the managed policy policyARN, attached by the resource by, to the role's identity policies.
// An AWS managed policy that is not vendored leaves the role Incomplete (it cannot be evaluated) rather
// than failing.
func (r *Role) attach(by *Resource, policyARN string, managed map[string]*Resource) error {
	p, err := attachedPolicy(policyARN, managed)
	switch {
	case errors.Is(err, iameval.ErrNotVendored):
		r.Incomplete = fmt.Errorf("%s: %w", by.Describe(), err)
	case err != nil:
		return fmt.Errorf("%s: %w", by.Describe(), err)
	default:
		r.Principal.Identity = append(r.Principal.Identity, p)
	}
	return nil
}

// roleOf returns the role a policy or attachment names (by name, as the provider takes it).
func roleOf(r *Resource, byName map[string]*Role) (*Role, error) {
	name := r.String("role")
	if strings.Contains(name, ":role/") {
		name = name[strings.LastIndex(name, "/")+1:] // a role ARN (possibly with a path)
	}
	role := byName[name]
	if role == nil {
		return nil, fmt.Errorf("%s: role %q is not in the inventories", r.Describe(), name)
	}
	return role, nil
}

// attachedPolicy returns the policy with arn: an AWS managed policy (vendored by iameval) or a customer
// managed policy of the inventories.
func attachedPolicy(arn string, managed map[string]*Resource) (iameval.Policy, error) {
	if strings.Contains(arn, ":iam::aws:policy/") {
		mp, err := iameval.Managed(arn)
		if err != nil {
			return iameval.Policy{}, err
		}
		return mp.Policy, nil
	}
	r := managed[arn]
	if r == nil {
		return iameval.Policy{}, fmt.Errorf("policy %s is not in the inventories", arn)
	}
	return parse(r, "policy")
}

// parse parses the JSON policy document at input path of r, named after r. The IAM tests assemble an
// account from the same few inventories many times, so parsed documents are kept (read-only) per process.
func parse(r *Resource, path string) (iameval.Policy, error) {
	name, doc := r.Name, r.String(path)
	key := name + "\x00" + doc
	if p, ok := parsedPolicies.Load(key); ok {
		return p.(iameval.Policy), nil
	}
	p, err := iameval.Parse(name, []byte(doc))
	if err != nil {
		return iameval.Policy{}, fmt.Errorf("%s %s: %w", r.Describe(), path, err)
	}
	parsedPolicies.Store(key, p)
	return p, nil
}

// parsedPolicies holds the policies parse parsed, by name and document.
var parsedPolicies sync.Map

// addResourcePolicies records the key, bucket, topic, secret and repository policies by resource ARN.
func (a *IAMAccount) addResourcePolicies(all []*Resource) error {
	for _, r := range all {
		var arn, path string
		required := false
		switch r.Type {
		case typeKey:
			arn, _ = r.Output("arn").(string)
			path, required = "policy", true
		case typeBucketPolicy:
			arn, path = "arn:"+Partition+":s3:::"+r.String("bucket"), "policy"
		case typeTopicPolicy:
			arn, path = r.String("arn"), "policy"
		case typeSecretPolicy:
			arn, path = r.String("secretArn"), "policy"
		case typeRepoPolicy:
			arn, path = "arn:"+Partition+":ecr:"+r.Region+":"+AccountID+":repository/"+r.String("repository"), "policy"
		default:
			continue
		}
		if r.String(path) == "" {
			continue // a key without a policy gets the default one: the account, through IAM
		}
		p, err := parse(r, path)
		if err != nil {
			return err
		}
		if a.resourcePolicies[arn] != nil {
			return fmt.Errorf("%s: a second resource policy for %s", r.Describe(), arn)
		}
		a.resourcePolicies[arn] = &iameval.ResourcePolicy{Policy: p, Required: required}
	}
	return nil
}

// ResourcePolicy returns the policy that governs resource: a key's, a bucket's (also for its objects), a
// topic's, a secret's, a repository's or a role's trust policy; nil when it has none.
func (a *IAMAccount) ResourcePolicy(resource string) *iameval.ResourcePolicy {
	if p := a.resourcePolicies[resource]; p != nil {
		return p
	}
	if rest, ok := strings.CutPrefix(resource, "arn:"+Partition+":s3:::"); ok {
		bucket, _, _ := strings.Cut(rest, "/")
		return a.resourcePolicies["arn:"+Partition+":s3:::"+bucket]
	}
	return nil
}

// RolesTrusting returns the roles whose trust policy names service (e.g. "ec2.amazonaws.com") and whose
// name starts with prefix (the stack's 8byte-<env>-).
func (a *IAMAccount) RolesTrusting(prefix, service string) []*Role {
	var out []*Role
	for _, r := range a.Roles {
		if strings.HasPrefix(r.Name, prefix) && r.TrustedService(service) {
			out = append(out, r)
		}
	}
	return out
}

// Request is one API call of a role, evaluated by Can.
type Request struct {
	Action   string
	Resource string
	Context  iameval.Context
}

// Can evaluates the request of role with the resource's policy (ResourcePolicy). The context always has
// aws:SecureTransport "true" (every SDK call uses TLS) and aws:RequestedRegion the mock region, unless
// the request sets them.
func (a *IAMAccount) Can(role *Role, req Request) (iameval.Result, error) {
	if role.Incomplete != nil {
		return iameval.Result{}, fmt.Errorf("role %s cannot be evaluated: %w", role.Name, role.Incomplete)
	}
	ctx := iameval.Context{"aws:SecureTransport": {"true"}, "aws:RequestedRegion": {Region}}
	for k, v := range req.Context {
		for dk := range ctx {
			if strings.EqualFold(dk, k) {
				delete(ctx, dk)
			}
		}
		ctx[k] = v
	}
	res, err := iameval.Evaluate(iameval.Request{
		Principal:      role.Principal,
		Action:         req.Action,
		Resource:       req.Resource,
		Context:        ctx,
		ResourcePolicy: a.ResourcePolicy(req.Resource),
	})
	if err != nil {
		return res, fmt.Errorf("role %s, %s on %s: %w", role.Name, req.Action, req.Resource, err)
	}
	return res, nil
}
