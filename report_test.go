package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/report"
	"github.com/8byte/infra/report/stackreport"
	"github.com/8byte/infra/settings"
)

// planReport returns the report of env's stack from its shared inventory (one run per stack).
func planReport(t *testing.T, env settings.Environment) *report.Report {
	t.Helper()
	prices, err := report.Prices()
	require.NoError(t, err)
	return stackreport.Build(env.Name, env, stackInventory(t, env).Resources, prices)
}

// golden compares got with the file at path, or rewrites the file with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755)) //nolint:gosec // G301: docs/ is a tracked, world-readable directory
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644)) //nolint:gosec // G306: a tracked, world-readable document
	}
	want, err := os.ReadFile(path) //nolint:gosec // G304: the test names its golden files
	require.NoError(t, err, "run: make goldens")
	assert.Equal(t, string(want), got, "%s is stale: review the change, then run make goldens", path)
}

// TestPlanReports keeps the reviewed reports of docs/report/ equal to what `make report` prints.
func TestPlanReports(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			golden(t, "docs/report/"+env.Name+".md", planReport(t, env).Markdown())
		})
	}
}

// TestREADMEDiagramAndCost keeps the README's diagram and cost table generated from the stacks.
func TestREADMEDiagramAndCost(t *testing.T) {
	resources := map[string][]report.Resource{}
	estimates := map[string]report.Estimate{}
	for _, env := range settings.Environments {
		r := planReport(t, env)
		resources[env.Name], estimates[env.Name] = r.Resources, r.Cost
	}
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(raw)
	for _, section := range []struct{ name, body string }{
		{"diagram", "```mermaid\n" + report.Diagram(resources) + "```\n"},
		{"cost", report.CostSummary(estimates)},
	} {
		begin, end := "<!-- report:"+section.name+" (generated: make goldens) -->\n", "<!-- /report:"+section.name+" -->"
		i, j := strings.Index(readme, begin), strings.Index(readme, end)
		require.True(t, i >= 0 && j > i, "README.md has no %q ... %q section", begin, end)
		if !*update {
			assert.Equal(t, section.body, readme[i+len(begin):j], "README.md's %s section is stale: review the change, then run make goldens", section.name)
		}
		readme = readme[:i+len(begin)] + section.body + readme[j:]
	}
	if *update {
		require.NoError(t, os.WriteFile("README.md", []byte(readme), 0o644)) //nolint:gosec // G306: a tracked, world-readable document
	}
}

// TestPlanDiffOfKnownChanges runs the dev stack with one change each and checks what the diff says.
func TestPlanDiffOfKnownChanges(t *testing.T) {
	base := planReport(t, settings.Dev)
	prices, err := report.Prices()
	require.NoError(t, err)
	diffWith := func(t *testing.T, key, field string, value any) *report.Diff {
		cfg := setField(t, stackConfig(t, "dev"), key, field, value)
		mocks, _, err := runStack(t, "dev", cfg)
		require.NoError(t, err)
		return report.Compare(base, stackreport.Build("dev", settings.Dev, mocks.All(), prices))
	}
	changed := func(d *report.Diff, typ string) []report.Change {
		var out []report.Change
		for _, c := range d.Changed {
			if c.Resource.Type == typ {
				out = append(out, c)
			}
		}
		return out
	}

	t.Run("image tag bump changes the launch template and replaces nothing", func(t *testing.T) {
		d := diffWith(t, "8byte:compute", "imageTag", "0123abc")
		lt := changed(d, "aws:ec2/launchTemplate:LaunchTemplate")
		require.Len(t, lt, 1)
		assert.Equal(t, "8byte-dev-app", lt[0].Resource.Name)
		assert.Contains(t, lt[0].Inputs, "userData")
		assert.Empty(t, d.Replaced())
		assert.Empty(t, d.DataLoss)
		assert.Empty(t, d.Added)
		assert.Empty(t, d.Removed)
		assert.Contains(t, d.Markdown(), "| ec2 LaunchTemplate `8byte-dev-app` | description, userData | update in place |")
	})

	t.Run("instance class change updates the database in place", func(t *testing.T) {
		d := diffWith(t, "8byte:database", "instanceClass", "db.t4g.small")
		db := changed(d, "aws:rds/instance:Instance")
		require.Len(t, db, 1)
		assert.Equal(t, []string{"instanceClass"}, db[0].Inputs)
		assert.Empty(t, db[0].Replaces)
		assert.True(t, db[0].Assessed)
		assert.Empty(t, d.DataLoss)
		assert.InDelta(t, 11.68, d.HeadTotal-d.BaseTotal, 0.001, "730 h × ($0.032 - $0.016)")
		assert.Contains(t, d.Markdown(), "| rds Instance `8byte-dev-postgres` 💾 | instanceClass | update in place |")
	})

	t.Run("a change that replaces the database is flagged", func(t *testing.T) {
		d := diffWith(t, "8byte:database", "dbName", "orders")
		db := changed(d, "aws:rds/instance:Instance")
		require.Len(t, db, 1)
		assert.Equal(t, []string{"dbName"}, db[0].Replaces)
		assert.Contains(t, d.DataLoss, "**REPLACED** rds Instance `8byte-dev-postgres` (database): dbName changes")
		md := d.Markdown()
		assert.True(t, strings.HasPrefix(md, "# Plan diff: stack `dev`\n\n> [!CAUTION]\n> 🚨 **THIS CHANGE REPLACES OR DELETES STATEFUL RESOURCES"), md)
	})
}
