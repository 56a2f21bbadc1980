// Package tests is the shared mock cloud of the unit tests: Mocks records every resource the program
// registers (type, name, inputs, parent, resource options) and answers with realistic computed outputs;
// Call answers the invokes the program uses and fails on any other. Run, WithConfig, the lookup helpers
// and Await let tier and stack tests assert real properties of what a `pulumi up` would create.
package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The account and regions of the mock cloud.
const (
	Project       = "8byte"
	AccountID     = "123456789012"
	Region        = "us-east-1"
	Partition     = "aws"
	ELBAccountARN = "arn:aws:iam::127311923021:root" // the us-east-1 Elastic Load Balancing account
)

// elbAccounts are the Elastic Load Balancing accounts of the regions the tests use (AWS's documented list).
var elbAccounts = map[string]string{"us-east-1": "127311923021", "us-west-2": "797873946194"}

// AvailabilityZones are the zones the mock region reports as available, in order.
var AvailabilityZones = ZonesOf(Region)

// ZonesOf returns the four zones the mock cloud reports as available in region, in order.
func ZonesOf(region string) []string {
	return []string{region + "a", region + "b", region + "c", region + "d"}
}

// Resource is one registered resource as the engine would see it.
type Resource struct {
	Type     string
	Name     string
	URN      string
	Parent   string // URN of the parent ("" for the stack's direct children)
	Custom   bool   // false for component resources
	Provider string // explicit provider reference, "" for the default provider
	Region   string // the region of its provider
	In       map[string]any
	Out      map[string]any

	Protect             bool
	RetainOnDelete      bool
	DeleteBeforeReplace bool
	IgnoreChanges       []string
	CustomTimeouts      map[string]string // "create", "update", "delete" -> duration
	Dependencies        []string          // URNs this resource depends on (dependsOn and input dependencies)
	Aliases             []string          // logical names of the aliases (pulumi.Aliases) it adopts
}

// Mocks is a pulumi.MockResourceMonitor that records every resource and invoke.
type Mocks struct {
	Stack string
	// Region is the region of the default provider (the stack's aws:region); Region by default.
	Region string
	// AccountID, when set, is the account getCallerIdentity answers instead of AccountID (a real user's
	// account, where the committed stand-ins are refused).
	AccountID string

	mu        sync.Mutex
	resources []*Resource
	invokes   []string
	failures  []failure
}

// failure is a registration or invoke the mock cloud refuses, as AWS or the engine would refuse it.
type failure struct {
	typ, name string // type token (or invoke token) and logical name ("" for any name)
}

// ErrRefused is the message of every failure planted with FailRegistration or FailInvoke; a program's
// error must carry it, so that a test can tell a propagated failure from any other error.
const ErrRefused = "tests.Mocks: planted failure"

// FailRegistration makes the mock cloud refuse to register every resource of type typ (a resource type
// such as "aws:ec2/subnet:Subnet", or a component type such as "8byte:network:Network") whose logical
// name is name, or any name when name is "". It is how a test shows that a constructor's error reaches
// the program's caller instead of being swallowed.
func (m *Mocks) FailRegistration(typ, name string) *Mocks {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures = append(m.failures, failure{typ, name})
	return m
}

// FailInvoke makes the mock cloud fail every invoke of token (e.g. "aws:index/getRegion:getRegion").
func (m *Mocks) FailInvoke(token string) *Mocks { return m.FailRegistration(token, "") }

func (m *Mocks) refuses(typ, name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.failures {
		if f.typ == typ && (f.name == "" || f.name == name) {
			return true
		}
	}
	return false
}

// NewMocks returns an empty mock cloud for stack.
func NewMocks(stack string) *Mocks { return &Mocks{Stack: stack, Region: Region} }

// NewResource records the resource and returns its id and state: the inputs plus realistic computed outputs.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if m.refuses(args.TypeToken, args.Name) {
		return "", nil, fmt.Errorf("%s: registration of %s %s refused", ErrRefused, args.TypeToken, args.Name)
	}
	rpc := args.RegisterRPC
	r := &Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Custom:   args.Custom,
		Provider: args.Provider,
		In:       plainMap(args.Inputs),
	}
	if rpc != nil {
		r.Parent = rpc.GetParent()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		r.IgnoreChanges = rpc.GetIgnoreChanges()
		r.Dependencies = rpc.GetDependencies()
		for _, a := range rpc.GetAliases() {
			if spec := a.GetSpec(); spec != nil {
				r.Aliases = append(r.Aliases, spec.GetName())
			} else if urn := a.GetUrn(); urn != "" {
				r.Aliases = append(r.Aliases, urn[strings.LastIndex(urn, "::")+2:])
			}
		}
		for _, urn := range rpc.GetAliasURNs() {
			r.Aliases = append(r.Aliases, urn[strings.LastIndex(urn, "::")+2:])
		}
		if ct := rpc.GetCustomTimeouts(); ct != nil {
			r.CustomTimeouts = map[string]string{"create": ct.GetCreate(), "update": ct.GetUpdate(), "delete": ct.GetDelete()}
		}
	}
	r.URN = m.urn(r.Parent, r.Type, r.Name)
	r.Region = m.providerRegion(r.Provider)

	id, outputs := computedOutputs(r)
	state := resource.NewPropertyMapFromMap(outputs)
	for k, v := range args.Inputs {
		if _, computed := state[k]; !computed {
			state[k] = v
		}
	}
	r.Out = plainMap(state)

	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, state, nil
}

// urn computes a resource's URN the way the mock monitor does.
func (m *Mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.Stack), tokens.PackageName(Project), parentType, tokens.Type(typ), name))
}

// Call answers the invokes the program uses, with data of the mock account; any other invoke is an error,
// so that a new lookup cannot silently return zero values.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, args.Token)
	m.mu.Unlock()
	if m.refuses(args.Token, "") {
		return nil, fmt.Errorf("%s: invoke %s refused", ErrRefused, args.Token)
	}
	answer, ok := invokeAnswers[args.Token]
	if !ok {
		return nil, fmt.Errorf("tests.Mocks: unexpected invoke %s; add a realistic answer to invokeAnswers", args.Token)
	}
	out := answer(m.Region)
	if m.AccountID != "" && args.Token == "aws:index/getCallerIdentity:getCallerIdentity" {
		out["accountId"], out["id"] = m.AccountID, m.AccountID
	}
	return resource.NewPropertyMapFromMap(out), nil
}

// invokeAnswers answer each invoke for the region of the default provider.
var invokeAnswers = map[string]func(region string) map[string]any{
	"aws:index/getCallerIdentity:getCallerIdentity": func(string) map[string]any {
		return map[string]any{"accountId": AccountID, "arn": "arn:aws:iam::" + AccountID + ":user/ci", "userId": "AIDAEXAMPLE", "id": AccountID}
	},
	"aws:index/getPartition:getPartition": func(string) map[string]any {
		return map[string]any{"partition": Partition, "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": Partition}
	},
	"aws:index/getRegion:getRegion": func(region string) map[string]any {
		return map[string]any{"name": region, "region": region, "endpoint": "ec2." + region + ".amazonaws.com", "description": region, "id": region}
	},
	"aws:index/getAvailabilityZones:getAvailabilityZones": func(region string) map[string]any {
		zones := ZonesOf(region)
		ids := make([]any, len(zones))
		names := make([]any, len(zones))
		for i, az := range zones {
			names[i] = az
			ids[i] = fmt.Sprintf("%s-az%d", region, i+1)
		}
		return map[string]any{"names": names, "zoneIds": ids, "id": region, "groupNames": []any{region}}
	},
	"aws:elb/getServiceAccount:getServiceAccount": func(region string) map[string]any {
		account, ok := elbAccounts[region]
		if !ok {
			account = "127311923021"
		}
		return map[string]any{"arn": "arn:aws:iam::" + account + ":root", "id": account}
	},
}

// Invokes returns the tokens of every invoke the program made, in order.
func (m *Mocks) Invokes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.invokes...)
}

// All returns every registered resource, sorted by URN so that tests and reports are deterministic.
func (m *Mocks) All() []*Resource {
	m.mu.Lock()
	all := append([]*Resource(nil), m.resources...)
	m.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].URN < all[j].URN })
	return all
}

// OfType returns every resource of type typ (e.g. "aws:ec2/subnet:Subnet").
func (m *Mocks) OfType(typ string) []*Resource {
	var out []*Resource
	for _, r := range m.All() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource of type typ named name, or nil.
func (m *Mocks) Find(typ, name string) *Resource {
	for _, r := range m.All() {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	return nil
}

// ByURN returns the resource with urn, or nil.
func (m *Mocks) ByURN(urn string) *Resource {
	for _, r := range m.All() {
		if r.URN == urn {
			return r
		}
	}
	return nil
}

// DependsOn reports whether r depends on target, directly or through any chain of dependencies or
// parents (a child's dependencies are its component's too).
func (m *Mocks) DependsOn(r, target *Resource) bool {
	seen := map[string]bool{}
	var visit func(urn string) bool
	visit = func(urn string) bool {
		if urn == target.URN {
			return true
		}
		if seen[urn] {
			return false
		}
		seen[urn] = true
		cur := m.ByURN(urn)
		if cur == nil {
			return false
		}
		for _, dep := range cur.Dependencies {
			if visit(dep) {
				return true
			}
			// Depending on a component means depending on everything it parents.
			for _, child := range m.All() {
				if child.Parent == dep && visit(child.URN) {
					return true
				}
			}
		}
		return false
	}
	for _, dep := range r.Dependencies {
		if visit(dep) {
			return true
		}
	}
	return false
}

// computedOutputs returns the physical id and the outputs AWS would compute for r.
func computedOutputs(r *Resource) (string, map[string]any) {
	name := r.Name
	if n, ok := r.In["name"].(string); ok && n != "" {
		name = n
	}
	id := shortID(r.Type, r.Name)
	service := strings.Split(strings.TrimPrefix(r.Type, "aws:"), "/")[0]
	out := map[string]any{
		"arn": fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", service, r.Region, AccountID, typeSuffix(r.Type), name),
	}
	if _, hasName := r.In["name"]; !hasName && r.Custom {
		out["name"] = name // auto-naming: the offline harness and the tests keep the logical name
	}
	if extra, ok := typeOutputs[r.Type]; ok {
		var physicalID string
		physicalID, extra := extra(r, name, id)
		if physicalID != "" {
			id = physicalID
		}
		for k, v := range extra {
			out[k] = v
		}
	}
	out["id"] = id
	return id, out
}

// typeOutputs adds the outputs of one resource type; it may override the physical id.
var typeOutputs = map[string]func(r *Resource, name, id string) (string, map[string]any){
	"aws:ec2/vpc:Vpc": func(r *Resource, _, id string) (string, map[string]any) {
		return "vpc-" + id, map[string]any{"defaultSecurityGroupId": "sg-default-" + id, "defaultNetworkAclId": "acl-default-" + id, "mainRouteTableId": "rtb-main-" + id}
	},
	"aws:ec2/subnet:Subnet":                   prefixed("subnet-"),
	"aws:ec2/securityGroup:SecurityGroup":     prefixed("sg-"),
	"aws:ec2/internetGateway:InternetGateway": prefixed("igw-"),
	"aws:ec2/natGateway:NatGateway":           prefixed("nat-"),
	"aws:ec2/routeTable:RouteTable":           prefixed("rtb-"),
	"aws:ec2/networkAcl:NetworkAcl":           prefixed("acl-"),
	"aws:ec2/flowLog:FlowLog":                 prefixed("fl-"),
	"aws:ec2/eip:Eip": func(r *Resource, _, id string) (string, map[string]any) {
		return "eipalloc-" + id, map[string]any{"publicIp": fmt.Sprintf("203.0.113.%d", 1+int(id[0])%200), "allocationId": "eipalloc-" + id}
	},
	"aws:cloudwatch/logGroup:LogGroup": func(r *Resource, name, _ string) (string, map[string]any) {
		return name, map[string]any{"arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", r.Region, AccountID, name)}
	},
	"aws:iam/role:Role": func(r *Resource, name, _ string) (string, map[string]any) {
		return name, map[string]any{"arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", AccountID, name), "uniqueId": "AROAEXAMPLE"}
	},
	"aws:iam/policy:Policy": func(r *Resource, name, _ string) (string, map[string]any) {
		arn := fmt.Sprintf("arn:aws:iam::%s:policy/%s", AccountID, name)
		return arn, map[string]any{"arn": arn}
	},
	"aws:iam/instanceProfile:InstanceProfile": func(r *Resource, name, _ string) (string, map[string]any) {
		return name, map[string]any{"arn": fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", AccountID, name)}
	},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": func(r *Resource, _, _ string) (string, map[string]any) {
		arn := fmt.Sprintf("arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com", AccountID)
		return arn, map[string]any{"arn": arn}
	},
	"aws:kms/key:Key": func(r *Resource, _, id string) (string, map[string]any) {
		keyID := "mrk-" + id
		return keyID, map[string]any{"keyId": keyID, "arn": fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", r.Region, AccountID, keyID)}
	},
	"aws:s3/bucketV2:BucketV2": func(r *Resource, name, _ string) (string, map[string]any) {
		bucket := name
		if b, ok := r.In["bucket"].(string); ok && b != "" {
			bucket = b
		}
		return bucket, map[string]any{"bucket": bucket, "arn": "arn:aws:s3:::" + bucket, "bucketDomainName": bucket + ".s3.amazonaws.com", "bucketRegionalDomainName": bucket + ".s3." + r.Region + ".amazonaws.com"}
	},
	"aws:secretsmanager/secret:Secret": func(r *Resource, name, _ string) (string, map[string]any) {
		arn := fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", r.Region, AccountID, name)
		return arn, map[string]any{"arn": arn}
	},
	"aws:rds/instance:Instance": func(r *Resource, name, id string) (string, map[string]any) {
		identifier := name
		if v, ok := r.In["identifier"].(string); ok && v != "" {
			identifier = v
		}
		address := fmt.Sprintf("%s.c%s.%s.rds.amazonaws.com", identifier, id[:8], r.Region)
		return identifier, map[string]any{
			"identifier": identifier, "address": address, "endpoint": address + ":5432", "port": 5432,
			"resourceId": "db-" + strings.ToUpper(id), "arn": fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", r.Region, AccountID, identifier),
			"masterUserSecrets": []any{map[string]any{
				"secretArn":    fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!db-%s-XyZ123", r.Region, AccountID, id),
				"kmsKeyId":     r.In["masterUserSecretKmsKeyId"],
				"secretStatus": "active",
			}},
		}
	},
	"aws:lb/loadBalancer:LoadBalancer": func(r *Resource, name, id string) (string, map[string]any) {
		arn := fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/%s/%s", r.Region, AccountID, name, id)
		return arn, map[string]any{"arn": arn, "arnSuffix": fmt.Sprintf("app/%s/%s", name, id), "dnsName": fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", name, id[:8], r.Region), "zoneId": "Z35SXDOTRQ7X7K"}
	},
	"aws:lb/targetGroup:TargetGroup": func(r *Resource, name, id string) (string, map[string]any) {
		arn := fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", r.Region, AccountID, name, id)
		return arn, map[string]any{"arn": arn, "arnSuffix": fmt.Sprintf("targetgroup/%s/%s", name, id)}
	},
	"aws:ecr/repository:Repository": func(r *Resource, name, _ string) (string, map[string]any) {
		return name, map[string]any{"repositoryUrl": fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, r.Region, name), "registryId": AccountID}
	},
	"aws:ec2/launchTemplate:LaunchTemplate": func(r *Resource, _, id string) (string, map[string]any) {
		return "lt-" + id, map[string]any{"latestVersion": 1, "defaultVersion": 1}
	},
	"aws:autoscaling/group:Group": func(r *Resource, name, _ string) (string, map[string]any) {
		return name, nil
	},
	"aws:sns/topic:Topic": func(r *Resource, name, _ string) (string, map[string]any) {
		arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", r.Region, AccountID, name)
		return arn, map[string]any{"arn": arn}
	},
	"aws:cloudtrail/trail:Trail": func(r *Resource, name, _ string) (string, map[string]any) {
		arn := fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", r.Region, AccountID, name)
		return arn, map[string]any{"arn": arn, "homeRegion": r.Region}
	},
	"aws:wafv2/webAcl:WebAcl": func(r *Resource, name, id string) (string, map[string]any) {
		return id, map[string]any{"arn": fmt.Sprintf("arn:aws:wafv2:%s:%s:regional/webacl/%s/%s", r.Region, AccountID, name, id)}
	},
	"aws:cloudwatch/dashboard:Dashboard": func(r *Resource, _, _ string) (string, map[string]any) {
		name, _ := r.In["dashboardName"].(string)
		return name, map[string]any{"dashboardArn": fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", AccountID, name)}
	},
}

func prefixed(prefix string) func(*Resource, string, string) (string, map[string]any) {
	return func(_ *Resource, _, id string) (string, map[string]any) { return prefix + id, nil }
}

// providerRegion returns the region of the explicit provider ref ("<urn>::<id>"), or the default region.
func (m *Mocks) providerRegion(ref string) string {
	if ref == "" {
		return m.Region
	}
	urn := ref
	if i := strings.LastIndex(ref, "::"); i > 0 {
		urn = ref[:i]
	}
	if p := m.ByURN(urn); p != nil {
		if region, ok := p.In["region"].(string); ok && region != "" {
			return region
		}
	}
	return m.Region
}

func typeSuffix(typ string) string {
	parts := strings.Split(typ, ":")
	return strings.ToLower(parts[len(parts)-1])
}

func shortID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:])[:17]
}
