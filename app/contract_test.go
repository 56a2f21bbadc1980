package main

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/8byte/infra/app/internal/config"
	"github.com/8byte/infra/app/internal/secrets"
)

// contractPath is the contract shared with the compute tier's user data, relative to app/.
const contractPath = "../contract/app-env.json"

// repoChecksEnv controls the checks of this module against files of the repository outside it:
// the contract shared with the compute tier (contractPath) and the compute tier's launch template
// (dockerfile_test.go). Those files stay where they are, one copy each. When app/ is tested on its
// own (a copy of the module, the image's build context) they are absent and the checks skip,
// naming the file and this variable; APP_REPO_CHECKS=required, which app/scripts/ci-test.sh sets,
// makes a missing file a failure instead, so that CI cannot lose the checks silently.
const repoChecksEnv = "APP_REPO_CHECKS"

// repoFile returns the path of a repository file outside this module (relative to app/), skipping
// the test when it is absent, or failing it when APP_REPO_CHECKS=required.
func repoFile(t *testing.T, path string) string {
	t.Helper()
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return path
	case os.Getenv(repoChecksEnv) == "required":
		t.Fatalf("%s is required (%s=required) but cannot be read: %v", path, repoChecksEnv, err)
	case errors.Is(err, fs.ErrNotExist):
		t.Skipf("app/ is tested outside the repository: %s is absent, so this check against it is skipped (%s=required fails instead)", path, repoChecksEnv)
	default:
		t.Fatalf("read %s: %v", path, err)
	}
	return ""
}

type contract struct {
	Environment []struct {
		Name string `json:"name"`
	} `json:"environment"`
	ConnectionSecret struct {
		Fields []struct {
			Name string `json:"name"`
		} `json:"fields"`
	} `json:"connectionSecret"`
}

func loadContract(t *testing.T) contract {
	t.Helper()
	raw, err := os.ReadFile(repoFile(t, contractPath))
	if err != nil {
		t.Fatalf("read the contract: %v", err)
	}
	var c contract
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parse %s: %v", contractPath, err)
	}
	if len(c.Environment) == 0 || len(c.ConnectionSecret.Fields) == 0 {
		t.Fatalf("%s lists no environment variables or no secret fields", contractPath)
	}
	return c
}

// TestConfigReadsExactlyTheContractVariables records every variable config.Load and the
// -healthcheck mode look up and compares them with the contract.
func TestConfigReadsExactlyTheContractVariables(t *testing.T) {
	var want []string
	for _, v := range loadContract(t).Environment {
		want = append(want, v.Name)
	}
	read := map[string]bool{}
	record := func(name string) string { read[name] = true; return "" }
	_, _ = config.Load(record)
	if got := sortedKeys(read); !slices.Equal(got, sorted(want)) {
		t.Errorf("config.Load reads %v, the contract lists %v", got, sorted(want))
	}

	portOnly := map[string]bool{}
	_, _ = config.LoadPort(func(name string) string { portOnly[name] = true; return "" })
	if got := sortedKeys(portOnly); !slices.Equal(got, []string{config.EnvPort}) || !slices.Contains(want, config.EnvPort) {
		t.Errorf("config.LoadPort reads %v, want only %s, which the contract must list", got, config.EnvPort)
	}
}

// TestOnlyMainReadsTheEnvironment makes sure no package reads a variable behind config's back:
// the one os.Getenv of the program is main's, handed to run and from there to config.
func TestOnlyMainReadsTheEnvironment(t *testing.T) {
	reads := map[string]int{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if name, ok := osFunction(n); ok && slices.Contains(envFunctions, name) {
				reads[path+": os."+name]++
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"main.go: os.Getenv": 1}; !reflect.DeepEqual(reads, want) {
		t.Errorf("environment reads = %v, want %v", reads, want)
	}
}

// TestConnectionSecretHasExactlyTheContractFields compares the JSON names of
// secrets.ConnectionSecret with the contract's connectionSecret fields.
func TestConnectionSecretHasExactlyTheContractFields(t *testing.T) {
	var want []string
	for _, f := range loadContract(t).ConnectionSecret.Fields {
		want = append(want, f.Name)
	}
	var got []string
	typ := reflect.TypeFor[secrets.ConnectionSecret]()
	for field := range typ.Fields() {
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		got = append(got, name)
	}
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("secrets.ConnectionSecret has JSON fields %v, the contract lists %v", sorted(got), sorted(want))
	}
}

// envFunctions are the functions of package os that read the environment.
var envFunctions = []string{"Getenv", "LookupEnv", "Environ", "ExpandEnv"}

// osFunction returns the name of a package os selector such as os.Getenv.
func osFunction(n ast.Node) (string, bool) {
	sel, ok := n.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return sel.Sel.Name, ok && pkg.Name == "os"
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	return slices.Sorted(slices.Values(s))
}
