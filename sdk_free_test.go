package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// modulePath is this module's import path (go.mod).
const modulePath = "github.com/8byte/infra"

// pulumiPackages are the packages of this module that may use the Pulumi SDK: the program, its tiers and
// shared components, the mock cloud and what inspects its inventories. Every other package, and a new
// one by default, stays free of it (also transitively, also in its tests): a test binary that links the
// SDK costs 1.5-5 s of linking on every `go test ./...`, which is most of the suite's time, while one
// without it links in a fraction of a second.
var pulumiPackages = []string{
	"", "cloud", "network", "iam", "data", "compute", "observability", "secure", "foundation",
	"tests", "controls", "report/engine", "report/stackreport", "cmd/report",
}

// TestOnlyTheComponentPackagesLinkThePulumiSDK walks the module's packages (their imports, tests' included,
// followed through the module) and fails for a package outside pulumiPackages that reaches the SDK.
func TestOnlyTheComponentPackagesLinkThePulumiSDK(t *testing.T) {
	imports := moduleImports(t)
	require.Contains(t, imports, "settings", "the walk found the module's packages")
	var reach func(pkg string, seen map[string]bool) string
	reach = func(pkg string, seen map[string]bool) string {
		if seen[pkg] {
			return ""
		}
		seen[pkg] = true
		for _, imp := range imports[pkg].regular {
			if strings.HasPrefix(imp, "github.com/pulumi/") {
				return imp
			}
			if dep, ok := strings.CutPrefix(imp, modulePath+"/"); ok {
				if via := reach(dep, seen); via != "" {
					return dep + " -> " + via
				}
			}
		}
		return ""
	}
	for pkg, imps := range imports {
		if slices.Contains(pulumiPackages, pkg) {
			continue
		}
		seen := map[string]bool{}
		via := reach(pkg, seen)
		for _, imp := range imps.test {
			if via != "" {
				break
			}
			if strings.HasPrefix(imp, "github.com/pulumi/") {
				via = "(tests) " + imp
			} else if dep, ok := strings.CutPrefix(imp, modulePath+"/"); ok {
				if v := reach(dep, seen); v != "" {
					via = "(tests) " + dep + " -> " + v
				}
			}
		}
		assert.Empty(t, via, "package %q links the Pulumi SDK: move the SDK-side code to a component package, or add it to pulumiPackages with a reason", pkg)
	}
	assert.Contains(t, imports["settings"].regular, "regexp", "the walk reads imports (positive control)")
}

// packageImports are the imports of one package: of its code, and of its _test.go files.
type packageImports struct{ regular, test []string }

// moduleImports reads the imports of every package of this module (by directory relative to the root;
// "" is the root).
func moduleImports(t *testing.T) map[string]packageImports {
	t.Helper()
	out := map[string]packageImports{}
	for _, path := range moduleGoFiles(t) {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		require.NoError(t, err)
		pkg := filepath.ToSlash(filepath.Dir(path))
		if pkg == "." {
			pkg = ""
		}
		imps := out[pkg]
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			require.NoError(t, err)
			if strings.HasSuffix(path, "_test.go") {
				imps.test = append(imps.test, imp)
			} else {
				imps.regular = append(imps.regular, imp)
			}
		}
		out[pkg] = imps
	}
	return out
}

// moduleGoFiles returns the .go files of this module, tests included, leaving out the other modules
// (app/, bootstrap/), hidden directories and testdata.
func moduleGoFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
