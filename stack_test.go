package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// stackFile is the part of Pulumi.yaml / Pulumi.<stack>.yaml the tests read.
type stackFile struct {
	Config map[string]any `yaml:"config"`
}

// stackConfig returns the configuration the engine would pass to the program for stack: the values of
// Pulumi.<stack>.yaml plus the defaults declared in Pulumi.yaml, structured values as JSON strings.
func stackConfig(t testing.TB, stack string) map[string]string {
	t.Helper()
	var project, file stackFile
	readYAML(t, "Pulumi.yaml", &project)
	readYAML(t, "Pulumi."+stack+".yaml", &file)
	out := map[string]string{}
	for key, decl := range project.Config {
		if d, ok := decl.(map[string]any); ok {
			if def, has := d["default"]; has {
				out["8byte:"+key] = configValue(t, def)
			}
		}
	}
	for key, value := range file.Config {
		if m, ok := value.(map[string]any); ok {
			if _, secure := m["secure"]; secure {
				t.Fatalf("Pulumi.%s.yaml: %s is a secure value the tests cannot decrypt; give it a documented stand-in", stack, key)
			}
		}
		out[key] = configValue(t, value)
	}
	return out
}

func configValue(t testing.TB, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("config value %v: %v", v, err)
		}
		return string(b)
	default:
		return fmt.Sprint(v)
	}
}

func readYAML(t testing.TB, path string, dst any) {
	t.Helper()
	raw, err := os.ReadFile(path) //nolint:gosec // G304: the tests name the files (Pulumi.yaml, Pulumi.<env>.yaml)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if err := yaml.Unmarshal(raw, dst); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
}

// runStack runs the real program (what main runs) for stack with config under a fresh mock cloud and
// returns the recorded cloud, the exported stack outputs resolved to plain values, and the program's error.
func runStack(t testing.TB, stack string, config map[string]string) (*tests.Mocks, map[string]any, error) {
	t.Helper()
	mocks := tests.NewMocks(stack)
	outputs, err := runProgram(t, mocks, config)
	return mocks, outputs, err
}

// runProgram runs program under mocks the way the engine runs main: the configuration reaches the
// program through the process environment (pulumi.EnvConfig, JSON), which both the SDK and
// rejectUnknownKeys read. It returns the exports resolved to plain values.
func runProgram(t testing.TB, mocks *tests.Mocks, config map[string]string) (map[string]any, error) {
	t.Helper()
	raw, err := json.Marshal(config)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	t.Setenv(pulumi.EnvConfig, string(raw))
	var exports map[string]pulumi.Input
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		err := program(ctx)
		exports = ctx.GetCurrentExportMap()
		return err
	}, pulumi.WithMocks(tests.Project, mocks.Stack, mocks))
	if err != nil {
		return nil, err
	}
	resolved, _ := tests.Await(t, pulumi.Map(exports).ToMapOutput()).(map[string]any)
	return resolved, nil
}

// stackRun is one run of the program with a stack's real stack file.
type stackRun struct {
	mocks   *tests.Mocks
	outputs map[string]any
}

var (
	stackRunsMu sync.Mutex
	stackRuns   = map[settings.Environment]*stackRun{}
)

// wholeStack returns the run of env's stack with its real stack file, run once per test binary and
// shared by every test that only reads it (a whole-stack run is the suite's most expensive step).
func wholeStack(t testing.TB, env settings.Environment) *stackRun {
	t.Helper()
	stackRunsMu.Lock()
	defer stackRunsMu.Unlock()
	if r, ok := stackRuns[env]; ok {
		return r
	}
	mocks, outputs, err := runStack(t, string(env), stackConfig(t, string(env)))
	if err != nil {
		t.Fatalf("%s stack: %v", env, err)
	}
	stackRuns[env] = &stackRun{mocks: mocks, outputs: outputs}
	return stackRuns[env]
}
