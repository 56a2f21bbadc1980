package main

import (
	"os"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/8byte/infra/report"
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

// runStack runs the whole program for stack with config under mocks and returns the recorded cloud, the
// stack outputs resolved to plain values, and the program's error.
func runStack(t testing.TB, stack string, config map[string]string) (*tests.Mocks, map[string]any, error) {
	t.Helper()
	var outputs pulumi.Map
	mocks, err := tests.Run(stack, config, func(ctx *pulumi.Context) error {
		var err error
		outputs, err = deploy(ctx)
		return err
	})
	if err != nil {
		return mocks, nil, err
	}
	resolved, _ := tests.Await(t, outputs.ToMapOutput()).(map[string]any)
	return mocks, resolved, nil
}
