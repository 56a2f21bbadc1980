// Package stackreport makes the plan report of a stack from what the mock cloud recorded: it evaluates the
// control matrix (controls/) over the inventory and hands package report the resources and the outcome.
// cmd/report (the program under the gRPC mock engine) and the root package's tests (the program in
// process) both report through it, so the two ways of running the program report alike.
package stackreport

import (
	"github.com/8byte/infra/controls"
	"github.com/8byte/infra/report"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// Build makes the report of env's stack, named stack, from the resources the mock cloud recorded.
func Build(stack string, env settings.Environment, resources []*tests.Resource, prices *report.PriceTable) *report.Report {
	recorded := make([]report.Recorded, 0, len(resources))
	for _, r := range resources {
		recorded = append(recorded, report.Recorded{
			URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Custom: r.Custom,
			Protect: r.Protect, RetainOnDelete: r.RetainOnDelete, Inputs: r.In,
		})
	}
	results := controls.Evaluate(&controls.Stack{Env: env, Resources: resources}, controls.All(), controls.Exceptions)
	outcome := make([]report.ControlStatus, 0, len(results))
	for _, c := range results {
		outcome = append(outcome, report.ControlStatus{ID: c.Control.ID, Title: c.Control.Title, Status: c.Status, Reason: c.Reason, Findings: len(c.Findings)})
	}
	matrix := controls.Markdown([]string{stack}, map[string][]controls.Result{stack: results})
	return report.Build(stack, env, recorded, outcome, matrix, prices)
}
