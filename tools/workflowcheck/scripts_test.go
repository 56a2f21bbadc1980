package workflowcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTool writes an executable shell script named name into dir.
func fakeTool(t *testing.T, dir, name, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/usr/bin/env bash\n"+body), 0o700)) //nolint:gosec // a test stub must be executable
}

// script runs one of .github/scripts with the fake tools of bin first on PATH.
func script(t *testing.T, bin, name string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(root, ".github", "scripts", name)}, args...)...) //nolint:gosec // the repository's own script
	cmd.Env = append(os.Environ(), append(env, "PATH="+bin+":"+os.Getenv("PATH"))...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// drift.sh tells cloud drift (refresh proposes changes) from an undeployed main (preview proposes
// changes), and both from a check that failed. The fake pulumi answers as the real one does with
// --expect-no-changes: exit 255 and "no changes were expected ... but changes were proposed".
func TestDriftClassification(t *testing.T) {
	bin := t.TempDir()
	fakeTool(t, bin, "pulumi", `
case "$1" in refresh) outcome=$REFRESH ;; preview) outcome=$PREVIEW ;; esac
case $outcome in
changes) echo "error: no changes were expected for $1 but changes were proposed"; exit 255 ;;
broken) echo "error: failed to load the state"; exit 255 ;;
esac
echo "no changes"
`)
	for _, c := range []struct{ refresh, preview, want string }{
		{"none", "none", "none"},
		{"changes", "none", "cloud-drift"},
		{"none", "changes", "undeployed"},
		{"changes", "changes", "cloud-drift+undeployed"},
		{"broken", "none", "error"},
		{"none", "broken", "error"},
	} {
		out := t.TempDir()
		log, err := script(t, bin, "drift.sh", []string{"REFRESH=" + c.refresh, "PREVIEW=" + c.preview}, "dev", out)
		if c.want == "none" {
			require.NoError(t, err, log)
		} else {
			require.Error(t, err, log)
		}
		result, err := os.ReadFile(filepath.Join(out, "result")) //nolint:gosec // the test's own file
		require.NoError(t, err)
		assert.Equal(t, c.want, strings.TrimSpace(string(result)), "refresh %s, preview %s", c.refresh, c.preview)
	}
}

// require-head.sh lets a run deploy only while main still points where it pointed when the run started.
func TestRequireHead(t *testing.T) {
	bin := t.TempDir()
	fakeTool(t, bin, "gh", `echo "$MAIN_NOW"`)
	for now, want := range map[string]string{
		"1111111111111111111111111111111111111111": "deploy=true",
		"2222222222222222222222222222222222222222": "deploy=false",
	} {
		output := filepath.Join(t.TempDir(), "output")
		log, err := script(t, bin, "require-head.sh", []string{
			"MAIN_NOW=" + now, "MAIN_HEAD=1111111111111111111111111111111111111111",
			"GITHUB_OUTPUT=" + output, "GITHUB_REPOSITORY=o/r",
		})
		require.NoError(t, err, log)
		got, err := os.ReadFile(output) //nolint:gosec // the test's own file
		require.NoError(t, err)
		assert.Equal(t, want+"\n", string(got), "main now at %s", now)
	}
}
