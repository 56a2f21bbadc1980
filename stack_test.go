package main

import (
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/8byte/infra/report"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// stackFile is the part of Pulumi.yaml / Pulumi.<stack>.yaml the tests read.
type stackFile struct {
	Config map[string]any `yaml:"config"`
}

// stackConfig returns the configuration the engine would pass to the program for stack: the values of
// Pulumi.<stack>.yaml plus the defaults declared in Pulumi.yaml, structured values as JSON strings (read
// as `make report` reads it, report.StackConfig).
func stackConfig(t testing.TB, stack string) map[string]string {
	t.Helper()
	out, secrets, err := report.StackConfig(".", stack)
	if err != nil {
		t.Fatal(err)
	}
	if len(secrets) > 0 {
		t.Fatalf("Pulumi.%s.yaml: %v are secure values the tests cannot decrypt; give them documented stand-ins", stack, secrets)
	}
	return out
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
// rejectUnknownKeys read; the default provider's region is config's aws:region (as in Mocks.Run). It
// returns the exports resolved to plain values.
func runProgram(t testing.TB, mocks *tests.Mocks, config map[string]string) (map[string]any, error) {
	t.Helper()
	if region := config["aws:region"]; region != "" {
		mocks.Region = region
	}
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
	mocks, outputs, err := runStack(t, env.Name, stackConfig(t, env.Name))
	if err != nil {
		t.Fatalf("%s stack: %v", env, err)
	}
	stackRuns[env] = &stackRun{mocks: mocks, outputs: outputs}
	return stackRuns[env]
}
