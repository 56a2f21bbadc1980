package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// SecretStandIn replaces each `secure:` value of a stack file: the report runs without the stack's
// secrets provider, so encrypted values cannot be read (the offline engine does the same).
const SecretStandIn = "report-secret-stand-in"

// StackConfig returns the configuration the Pulumi CLI would pass to the program of the project in dir
// for stack: the values of Pulumi.<stack>.yaml plus the defaults declared in Pulumi.yaml, namespaced keys,
// structured values as JSON strings. It also returns the keys whose secure values were replaced by
// SecretStandIn.
func StackConfig(dir, stack string) (map[string]string, []string, error) {
	var project struct {
		Name   string         `yaml:"name"`
		Config map[string]any `yaml:"config"`
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &project); err != nil {
		return nil, nil, err
	}
	if err := readYAML(filepath.Join(dir, "Pulumi."+stack+".yaml"), &file); err != nil {
		return nil, nil, err
	}
	out := map[string]string{}
	for key, decl := range project.Config {
		if d, ok := decl.(map[string]any); ok {
			if def, has := d["default"]; has {
				v, err := configValue(def)
				if err != nil {
					return nil, nil, fmt.Errorf("config %s in Pulumi.yaml: %w", key, err)
				}
				out[project.Name+":"+key] = v
			}
		}
	}
	var secrets []string
	for key, value := range file.Config {
		if m, ok := value.(map[string]any); ok {
			if _, secure := m["secure"]; secure {
				out[key] = SecretStandIn
				secrets = append(secrets, key)
				continue
			}
		}
		v, err := configValue(value)
		if err != nil {
			return nil, nil, fmt.Errorf("config %s in Pulumi.%s.yaml: %w", key, stack, err)
		}
		out[key] = v
	}
	sort.Strings(secrets)
	return out, secrets, nil
}

func configValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("encoding %v: %w", v, err)
		}
		return string(b), nil
	default:
		return fmt.Sprint(v), nil
	}
}

func readYAML(path string, dst any) error {
	raw, err := os.ReadFile(path) //nolint:gosec // G304: the project's own stack files
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if err := yaml.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	return nil
}
