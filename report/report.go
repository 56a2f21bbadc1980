// Package report explains what a stack's `pulumi up` would create, without credentials: from the inventory
// the mock cloud records (tests/), it lists the resources by tier and type with the protected and stateful
// ones marked, shows the stack's control matrix, estimates the monthly cost at list prices from the price
// table in prices.yaml, draws the tiers as a Mermaid diagram, and compares two reports (a pull request
// against its base): resources added, removed, changed and replaced, controls newly failing or accepted,
// cost per line. cmd/report runs the program and prints the Markdown; Report is also JSON, so the program
// of another commit can hand its report over.
//
// The package only formats and compares: report/stackreport evaluates the controls (controls/) over a
// recorded inventory and hands Build the outcome, so this package and its tests link neither the controls
// nor the Pulumi SDK.
package report

import (
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/8byte/infra/controls/status"
	"github.com/8byte/infra/settings"
)

// Schema is the version of the JSON form of Report; a report of another schema is not compared.
const Schema = 1

// Report is everything the report says about one stack.
type Report struct {
	Schema    int             `json:"schema"`
	Stack     string          `json:"stack"`
	Resources []Resource      `json:"resources"`
	Controls  []ControlStatus `json:"controls"`
	// ControlMatrix is the stack's column of docs/controls.md, as Markdown.
	ControlMatrix string   `json:"controlMatrix"`
	Cost          Estimate `json:"cost"`
	// Diagram is the Mermaid flowchart of the stack's tiers.
	Diagram string `json:"diagram"`
}

// Resource is one resource of the inventory.
type Resource struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Tier   string `json:"tier"`
	Custom bool   `json:"custom"`
	// Protected lists what keeps the resource from being deleted by accident: the protect and
	// retainOnDelete options, the provider's deletion-protection flags.
	Protected []string `json:"protected,omitempty"`
	// Stateful says what data the resource holds ("" when nothing is lost by replacing it).
	Stateful string         `json:"stateful,omitempty"`
	Inputs   map[string]any `json:"inputs"`
}

// ControlStatus is the outcome of one control in the stack.
type ControlStatus struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	Status   status.Status `json:"status"`
	Reason   string        `json:"reason,omitempty"`
	Findings int           `json:"findings"`
}

// statefulTypes are the types whose replacement or deletion loses data, and what they hold.
var statefulTypes = map[string]string{
	"aws:rds/instance:Instance":        "database",
	"aws:s3/bucketV2:BucketV2":         "bucket objects",
	"aws:kms/key:Key":                  "encryption key: what it encrypted becomes unreadable",
	"aws:secretsmanager/secret:Secret": "secret",
	"aws:cloudwatch/logGroup:LogGroup": "logs",
	"aws:ecr/repository:Repository":    "container images",
	"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "replicated backups",
}

// deletionFlags are the inputs that make the provider refuse to delete a resource.
var deletionFlags = []string{"deletionProtection", "enableDeletionProtection"}

// Recorded is one resource as the mock cloud recorded it: what Build reads of it.
type Recorded struct {
	URN, Type, Name string
	Parent          string // the parent's URN, "" at the stack's root
	Custom          bool   // a cloud resource, not a component
	Protect         bool   // the protect option
	RetainOnDelete  bool   // the retainOnDelete option
	Inputs          map[string]any
}

// Build makes the report of env's stack from the inventory the mock cloud recorded, the outcome of the
// control matrix for the stack (controls, in the matrix's order) and the stack's column of the matrix
// document (docs/controls.md for this stack alone).
func Build(stack string, env settings.Environment, resources []Recorded, controls []ControlStatus, matrix string, prices *PriceTable) *Report {
	r := &Report{Schema: Schema, Stack: stack, Controls: controls, ControlMatrix: matrixTable(matrix)}
	tiers := tierOf(resources)
	for _, res := range resources {
		entry := Resource{URN: res.URN, Type: res.Type, Name: res.Name, Tier: tiers[res.URN], Custom: res.Custom, Inputs: res.Inputs}
		if res.Protect {
			entry.Protected = append(entry.Protected, "protect")
		}
		if res.RetainOnDelete {
			entry.Protected = append(entry.Protected, "retainOnDelete")
		}
		for _, flag := range deletionFlags {
			if on, _ := res.Inputs[flag].(bool); on {
				entry.Protected = append(entry.Protected, flag)
			}
		}
		if res.Custom {
			entry.Stateful = statefulTypes[res.Type]
		}
		r.Resources = append(r.Resources, entry)
	}
	r.Cost = prices.Estimate(env, r.Resources)
	r.Diagram = Diagram(map[string][]Resource{stack: r.Resources})
	return r
}

// matrixTable drops the document's title and preamble, keeping the table.
func matrixTable(doc string) string {
	if i := strings.Index(doc, "\n| control |"); i >= 0 {
		return doc[i+1:]
	}
	return doc
}

// tierOf maps each resource's URN to its tier: the module of the tier component at the stack's root that
// (transitively) parents it ("8byte:data:Data" -> "data"); "stack" for resources outside every tier.
func tierOf(resources []Recorded) map[string]string {
	byURN := map[string]*Recorded{}
	for i := range resources {
		byURN[resources[i].URN] = &resources[i]
	}
	out := map[string]string{}
	for i := range resources {
		r := &resources[i]
		top := r
		for seen := 0; seen < len(resources); seen++ {
			parent, ok := byURN[top.Parent]
			if !ok {
				break
			}
			top = parent
		}
		tier := "stack"
		if parts := strings.Split(top.Type, ":"); !top.Custom && len(parts) == 3 {
			tier = parts[1]
		}
		out[r.URN] = tier
	}
	return out
}

// Tiers returns the report's tiers, sorted.
func (r *Report) Tiers() []string {
	var tiers []string
	for _, res := range r.Resources {
		if !slices.Contains(tiers, res.Tier) {
			tiers = append(tiers, res.Tier)
		}
	}
	sort.Strings(tiers)
	return tiers
}

// shortType turns "aws:ec2/securityGroup:SecurityGroup" into "ec2 SecurityGroup" and
// "8byte:secure:Bucket" into "8byte secure Bucket", as the control matrix names types.
func shortType(t string) string {
	parts := strings.Split(t, ":")
	if len(parts) != 3 {
		return t
	}
	if parts[0] != "aws" {
		return strings.Join(parts, " ")
	}
	module, _, _ := strings.Cut(parts[1], "/")
	return module + " " + parts[2]
}

// equal compares two plain values (JSON round trips turn ints into float64).
func equal(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

func normalize(v any) any {
	switch v := v.(type) {
	case int:
		return float64(v)
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = normalize(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = normalize(e)
		}
		return a
	default:
		return v
	}
}
