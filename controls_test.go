package main

import (
	"flag"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/controls"
	"github.com/8byte/infra/controls/status"
	"github.com/8byte/infra/foundation"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

var update = flag.Bool("update", false, "rewrite generated files (docs/controls.md)")

const controlsDoc = "docs/controls.md"

var (
	inventoryMu sync.Mutex
	inventories = map[settings.Environment]*controls.Stack{}
)

// bootstrapInventory returns the inventory of the bootstrap project's foundation (the account's state
// bucket, keys, OIDC provider and registry), evaluated by the same controls as the application stacks.
func bootstrapInventory(t testing.TB) *controls.Stack {
	t.Helper()
	inventoryMu.Lock()
	defer inventoryMu.Unlock()
	if s, ok := inventories[foundation.Environment]; ok {
		return s
	}
	mocks, err := tests.Run("shared", nil, func(ctx *pulumi.Context) error {
		_, err := foundation.NewFoundation(ctx, &foundation.Args{Account: tests.Account, Config: foundation.DefaultConfig()})
		return err
	})
	require.NoError(t, err)
	inventories[foundation.Environment] = &controls.Stack{Env: foundation.Environment, Resources: mocks.All()}
	return inventories[foundation.Environment]
}

// exceptionsFor are the declared exceptions of the application stacks. The bootstrap inventory gets only
// those that name it (the exceptions of every environment are the application stacks': "the registry is
// the bootstrap project's" must not accept a finding about that registry), and the controls of resource
// types the bootstrap project does not create, as not applicable (derived: a type it gains is evaluated).
func exceptionsFor(stack *controls.Stack) []controls.Exception {
	if stack.Env != foundation.Environment {
		return controls.Exceptions
	}
	var out []controls.Exception
	for _, ex := range controls.Exceptions {
		if ex.Env == foundation.Environment {
			out = append(out, ex)
		}
	}
	for _, c := range controls.All() {
		if len(stack.OfType(c.Types...)) == 0 {
			out = append(out, controls.Exception{Control: c.ID, Env: foundation.Environment, Reason: "the bootstrap project creates no such resource."})
		}
	}
	return out
}

// allInventories are the application stacks' inventories and the bootstrap project's, by column name.
func allInventories(t testing.TB) map[string]*controls.Stack {
	t.Helper()
	out := map[string]*controls.Stack{"bootstrap": bootstrapInventory(t)}
	for _, env := range settings.Environments {
		out[env.Name] = stackInventory(t, env)
	}
	return out
}

// stackInventory returns the inventory of env's stack (its shared whole-stack run), which the tests
// never change: breaking works on a Clone.
func stackInventory(t testing.TB, env settings.Environment) *controls.Stack {
	t.Helper()
	return &controls.Stack{Env: env, Resources: wholeStack(t, env).mocks.All()}
}

func TestControlMatrix(t *testing.T) {
	for name, stack := range allInventories(t) {
		t.Run(name, func(t *testing.T) {
			for _, r := range controls.Evaluate(stack, controls.All(), exceptionsFor(stack)) {
				assert.NotEqual(t, status.Fail, r.Status, "%s %s fails: %v", r.Control.ID, r.Control.Title, r.Findings)
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
			if ex.Env != (settings.Environment{}) && ex.Env != env {
				continue
			}
			i := slices.IndexFunc(controls.All(), func(c *controls.Control) bool { return c.ID == ex.Control })
			require.GreaterOrEqual(t, i, 0, "exception for unknown control %s", ex.Control)
			assert.True(t, ex.Needed(stack, controls.All()[i]), "%s: exception for %s %v, but the control reports nothing about it", env, ex.Control, ex.Resources)
		}
	}
}

// passingCopy returns the passing copy of stack that c's can-fail proof starts from: the stack itself when
// c passes; without the resources its exception names, or fixed with c.Fix, when its findings are accepted;
// nil when c cannot be proven in this stack (nothing covered, or accepted findings and no way around them).
func passingCopy(c *controls.Control, stack *controls.Stack) *controls.Stack {
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
	stacks := allInventories(t)
	for _, c := range controls.All() {
		t.Run(c.ID, func(t *testing.T) {
			for _, branch := range c.Breaks() {
				shownToFail := false
				for name, stack := range stacks {
					proof := passingCopy(c, stack)
					if proof == nil {
						continue // nothing to break here, or only accepted findings: proven in another inventory
					}
					broken := proof.Clone()
					branch.Break(broken)
					if len(c.Evaluate(broken)) > 0 {
						shownToFail = true
						continue
					}
					// A branch may not apply to an inventory (no trail in dev): then it must change nothing.
					assert.Equal(t, proof.Clone().Resources, broken.Resources, "%s (%s): breaking the %s inventory was not detected", c.ID, branch.Name, name)
				}
				assert.True(t, shownToFail, "%s (%s): no stack passes this control, even without its accepted findings (add a Fix), so its check is never shown to fail", c.ID, branch.Name)
			}
		})
	}
}

func TestControlMatrixDocument(t *testing.T) {
	envs := []string{"dev", "prod", "bootstrap"}
	results := map[string][]controls.Result{}
	for name, stack := range allInventories(t) {
		results[name] = controls.Evaluate(stack, controls.All(), exceptionsFor(stack))
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
