package main

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

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
