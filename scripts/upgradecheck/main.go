// Command upgradecheck reads the JSON of `pulumi preview --json` for a PostgreSQL major-version change
// (database.engineVersion) and fails unless the plan is the intended one: the DB instance updated in
// place, on exactly its engine version and parameter group, and nothing else created, replaced or deleted.
// scripts/upgrade-preview.sh runs it on the offline engine's preview.
//
// Usage: upgradecheck PREVIEW.json
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// instanceType is the resource type of the RDS instance.
const instanceType = "aws:rds/instance:Instance"

// wantChanged are the only inputs of the instance a major upgrade changes.
var wantChanged = []string{"engineVersion", "parameterGroupName"}

// preview is the part of `pulumi preview --json` the check reads.
type preview struct {
	Steps []step `json:"steps"`
}

type step struct {
	Op          string   `json:"op"`
	URN         string   `json:"urn"`
	DiffReasons []string `json:"diffReasons"`
}

// resourceType is the type token of a URN: urn:pulumi:stack::project::parent$type::name.
func (s step) resourceType() string {
	parts := strings.Split(s.URN, "::")
	if len(parts) < 4 {
		return ""
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1]
}

// check returns what is wrong with the plan, or nil.
func check(p preview) []string {
	var problems []string
	updated := 0
	for _, s := range p.Steps {
		switch s.Op {
		case "same", "read", "refresh":
		case "update":
			if s.resourceType() != instanceType {
				problems = append(problems, fmt.Sprintf("%s is updated (%v): only the DB instance should change", s.URN, s.DiffReasons))
				continue
			}
			updated++
			got := slices.Sorted(slices.Values(s.DiffReasons))
			if !slices.Equal(got, wantChanged) {
				problems = append(problems, fmt.Sprintf("the DB instance changes %v, want exactly %v", got, wantChanged))
			}
		default: // create, replace, create-replacement, delete, delete-replaced, discard, import, ...
			problems = append(problems, fmt.Sprintf("%s: %s (%v): a major upgrade must create, replace and delete nothing", s.URN, s.Op, s.DiffReasons))
		}
	}
	if updated != 1 {
		problems = append(problems, fmt.Sprintf("%d DB instance updates, want 1", updated))
	}
	return problems
}

func run(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: upgradecheck PREVIEW.json")
	}
	raw, err := os.ReadFile(args[0]) //nolint:gosec // G304/G703: the operator names the preview file to check
	if err != nil {
		return fmt.Errorf("read the preview: %w", err)
	}
	var p preview
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("parse the preview %s: %w", args[0], err)
	}
	if len(p.Steps) == 0 {
		return fmt.Errorf("the preview %s has no steps", args[0])
	}
	if problems := check(p); len(problems) > 0 {
		return fmt.Errorf("the major upgrade is not the intended plan:\n  %s", strings.Join(problems, "\n  "))
	}
	_, err = fmt.Fprintf(stdout, "ok: %d resources, only the DB instance changes (%s)\n", len(p.Steps), strings.Join(wantChanged, ", "))
	return err
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "upgradecheck:", err)
		os.Exit(1)
	}
}
