// Command plansummary summarizes a Pulumi update plan (the file `pulumi preview --save-plan` writes and
// `pulumi up --plan` applies) as Markdown for a job summary or a pull-request comment: how many resources
// are created, updated, replaced and deleted, each one by type and name, with the replacements and
// deletions of stateful resources (those holding data, or protected) called out first. It reads the plan
// itself, not the preview's text: what it shows is what `pulumi up --plan` is allowed to do.
//
//	go run ./tools/plansummary [-stack NAME] PLAN_FILE
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// planFile is the part of Pulumi's plan file (apitype.DeploymentPlanV1) the summary reads.
type planFile struct {
	ResourcePlans map[string]resourcePlan `json:"resourcePlans"`
}

// resourcePlan is one resource's entry of the plan (apitype.ResourcePlanV1).
type resourcePlan struct {
	Goal *struct {
		Type    string `json:"type"`
		Protect bool   `json:"protect"`
	} `json:"goal"`
	Steps []string `json:"steps"`
}

// Change is what the plan does to one resource.
type Change string

// The changes a summary lists; everything else (same, read, refresh) leaves the resource as it is.
const (
	Create  Change = "create"
	Update  Change = "update"
	Replace Change = "replace"
	Delete  Change = "delete"
	Import  Change = "import"
)

// order is the order of the summary's sections.
var order = []Change{Replace, Delete, Update, Create, Import}

// statefulTypes are the resource types whose replacement or deletion loses data (or, for keys, makes
// data unreadable), whatever the program says.
var statefulTypes = map[string]bool{
	"aws:rds/instance:Instance":               true,
	"aws:rds/cluster:Cluster":                 true,
	"aws:rds/clusterInstance:ClusterInstance": true,
	"aws:s3/bucket:Bucket":                    true,
	"aws:s3/bucketV2:BucketV2":                true,
	"aws:kms/key:Key":                         true,
	"aws:secretsmanager/secret:Secret":        true,
	"aws:ecr/repository:Repository":           true,
	"aws:cloudwatch/logGroup:LogGroup":        true,
	"aws:dynamodb/table:Table":                true,
	"aws:ebs/volume:Volume":                   true,
	"aws:efs/fileSystem:FileSystem":           true,
}

// Entry is one changed resource.
type Entry struct {
	URN      string
	Type     string
	Name     string
	Change   Change
	Stateful bool
}

// Summary is the plan's changes, sorted by URN within each change.
type Summary struct {
	Entries   []Entry
	Unchanged int
}

// classify names the change of a resource's plan steps (apitype.OpType values).
func classify(steps []string) (Change, bool) {
	has := func(ops ...string) bool {
		return slices.ContainsFunc(steps, func(s string) bool { return slices.Contains(ops, s) })
	}
	switch {
	case has("replace", "create-replacement", "delete-replaced", "import-replacement", "discard-replaced"):
		return Replace, true
	case has("delete"):
		return Delete, true
	case has("update"):
		return Update, true
	case has("create"):
		return Create, true
	case has("import"):
		return Import, true
	}
	return "", false
}

// typeAndName splits a URN (urn:pulumi:STACK::PROJECT::[PARENT$]TYPE::NAME) into the resource's own
// type and name.
func typeAndName(urn string) (string, string) {
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) != 4 {
		return "", urn
	}
	qualified := parts[2]
	if i := strings.LastIndex(qualified, "$"); i >= 0 {
		qualified = qualified[i+1:]
	}
	return qualified, parts[3]
}

// Parse reads a plan file and summarizes it.
func Parse(r io.Reader) (Summary, error) {
	var plan planFile
	if err := json.NewDecoder(r).Decode(&plan); err != nil {
		return Summary{}, fmt.Errorf("read the update plan: %w", err)
	}
	if plan.ResourcePlans == nil {
		return Summary{}, errors.New("read the update plan: no resourcePlans (is this a file of `pulumi preview --save-plan`?)")
	}
	var s Summary
	for urn, rp := range plan.ResourcePlans {
		change, changed := classify(rp.Steps)
		if !changed {
			s.Unchanged++
			continue
		}
		typ, name := typeAndName(urn)
		protected := false
		if rp.Goal != nil {
			typ = rp.Goal.Type
			protected = rp.Goal.Protect
		}
		s.Entries = append(s.Entries, Entry{URN: urn, Type: typ, Name: name, Change: change, Stateful: protected || statefulTypes[typ]})
	}
	slices.SortFunc(s.Entries, func(a, b Entry) int {
		if c := slices.Index(order, a.Change) - slices.Index(order, b.Change); c != 0 {
			return c
		}
		return strings.Compare(a.URN, b.URN)
	})
	return s, nil
}

// Count is the number of entries with the given change.
func (s Summary) Count(c Change) int {
	n := 0
	for _, e := range s.Entries {
		if e.Change == c {
			n++
		}
	}
	return n
}

// Losses are the replacements and deletions of stateful resources.
func (s Summary) Losses() []Entry {
	var out []Entry
	for _, e := range s.Entries {
		if e.Stateful && (e.Change == Replace || e.Change == Delete) {
			out = append(out, e)
		}
	}
	return out
}

// Markdown renders the summary.
func (s Summary) Markdown(stack string) string {
	var b strings.Builder
	title := "Update plan"
	if stack != "" {
		title += " of `" + stack + "`"
	}
	fmt.Fprintf(&b, "#### %s\n\n", title)
	fmt.Fprintf(&b, "| create | update | replace | delete | import | unchanged |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %d |\n\n", s.Count(Create), s.Count(Update), s.Count(Replace), s.Count(Delete), s.Count(Import), s.Unchanged)
	if losses := s.Losses(); len(losses) > 0 {
		fmt.Fprintf(&b, "> [!CAUTION]\n> This plan replaces or deletes %d stateful resource(s); their data does not carry over:\n", len(losses))
		for _, e := range losses {
			fmt.Fprintf(&b, "> - **%s** `%s` (%s)\n", e.Change, e.Name, e.Type)
		}
		b.WriteString("\n")
	}
	if len(s.Entries) == 0 {
		b.WriteString("No changes.\n")
		return b.String()
	}
	b.WriteString("| change | type | name |\n| --- | --- | --- |\n")
	for _, e := range s.Entries {
		mark := ""
		if e.Stateful && (e.Change == Replace || e.Change == Delete) {
			mark = " ⚠ stateful"
		}
		fmt.Fprintf(&b, "| %s%s | `%s` | `%s` |\n", e.Change, mark, e.Type, e.Name)
	}
	return b.String()
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("plansummary", flag.ContinueOnError)
	stack := flags.String("stack", "", "stack name for the title")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		return errors.New("usage: plansummary [-stack NAME] PLAN_FILE")
	}
	f, err := os.Open(flags.Arg(0))
	if err != nil {
		return fmt.Errorf("open the update plan: %w", err)
	}
	defer func() { _ = f.Close() }()
	s, err := Parse(f)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, s.Markdown(*stack))
	return err
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "plansummary:", err)
		os.Exit(1)
	}
}
