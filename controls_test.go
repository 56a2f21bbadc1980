package main

import (
	"flag"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/controls"
	"github.com/8byte/infra/settings"
)

var update = flag.Bool("update", false, "rewrite generated files (docs/controls.md)")

const controlsDoc = "docs/controls.md"

// stackInventory returns the inventory of env's stack (its shared whole-stack run), which the tests
// never change: breaking works on a Clone.
func stackInventory(t testing.TB, env settings.Environment) *controls.Stack {
	t.Helper()
	return &controls.Stack{Env: env, Resources: wholeStack(t, env).mocks.All()}
}

func TestControlMatrix(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(string(env), func(t *testing.T) {
			for _, r := range controls.Evaluate(stackInventory(t, env), controls.All(), controls.Exceptions) {
				assert.NotEqual(t, controls.Fail, r.Status, "%s %s fails: %v", r.Control.ID, r.Control.Title, r.Findings)
			}
		})
	}
}

func TestEveryExceptionIsNeeded(t *testing.T) {
	// An exception that no longer matches a failing control would hide a future regression: remove it.
	// One that names resources is needed only while the control reports a finding about each of them.
	for _, env := range settings.Environments {
		stack := stackInventory(t, env)
		for _, ex := range controls.Exceptions {
			if ex.Env != "" && ex.Env != env {
				continue
			}
			i := slices.IndexFunc(controls.All(), func(c *controls.Control) bool { return c.ID == ex.Control })
			require.GreaterOrEqual(t, i, 0, "exception for unknown control %s", ex.Control)
			assert.True(t, ex.Needed(stack, controls.All()[i]), "%s: exception for %s %v, but the control reports nothing about it", env, ex.Control, ex.Resources)
		}
	}
}

// proofStack returns the passing copy of stack that c's can-fail proof starts from: the stack itself when
// c passes; without the resources its exception names, or fixed with c.Fix, when its findings are accepted;
// nil when c cannot be proven in this stack (nothing covered, or accepted findings and no way around them).
func proofStack(c *controls.Control, stack *controls.Stack) *controls.Stack {
	passes := func(s *controls.Stack) bool { return len(s.OfType(c.Types...)) > 0 && len(c.Evaluate(s)) == 0 }
	if passes(stack) {
		return stack
	}
	if ex, ok := controls.ExceptionFor(c.ID, stack.Env); ok && len(ex.Resources) > 0 {
		if without := ex.Without(stack); passes(without) {
			return without
		}
	}
	if c.Fix != nil {
		fixed := stack.Clone()
		c.Fix(fixed)
		if passes(fixed) {
			return fixed
		}
	}
	return nil
}

func TestEveryControlCanFail(t *testing.T) {
	stacks := map[settings.Environment]*controls.Stack{}
	for _, env := range settings.Environments {
		stacks[env] = stackInventory(t, env)
	}
	for _, c := range controls.All() {
		t.Run(c.ID, func(t *testing.T) {
			for _, branch := range c.Breaks() {
				shownToFail := false
				for _, env := range settings.Environments {
					proof := proofStack(c, stacks[env])
					if proof == nil {
						continue // nothing to break here, or only accepted findings: proven in the other stack
					}
					broken := proof.Clone()
					branch.Break(broken)
					if len(c.Evaluate(broken)) > 0 {
						shownToFail = true
						continue
					}
					// A branch may not apply to a stack (no trail in dev): then it must change nothing.
					assert.Equal(t, proof.Clone().Resources, broken.Resources, "%s (%s): breaking the %s stack was not detected", c.ID, branch.Name, env)
				}
				assert.True(t, shownToFail, "%s (%s): no stack passes this control, even without its accepted findings (add a Fix), so its check is never shown to fail", c.ID, branch.Name)
			}
		})
	}
}

func TestControlMatrixDocument(t *testing.T) {
	envs := []string{"dev", "prod"}
	results := map[string][]controls.Result{}
	for _, env := range envs {
		results[env] = controls.Evaluate(stackInventory(t, settings.Environment(env)), controls.All(), controls.Exceptions)
	}
	want := controls.Markdown(envs, results) + iamProofsMarkdown(t)
	if *update {
		require.NoError(t, os.MkdirAll("docs", 0o755))                     //nolint:gosec // G301: docs/ is a tracked, world-readable directory
		require.NoError(t, os.WriteFile(controlsDoc, []byte(want), 0o644)) //nolint:gosec // G306: docs/controls.md is a tracked, world-readable document
	}
	got, err := os.ReadFile(controlsDoc)
	require.NoError(t, err, "run: go test . -run TestControlMatrixDocument -update")
	assert.Equal(t, want, string(got), "docs/controls.md is stale: go test . -run TestControlMatrixDocument -update")
}
