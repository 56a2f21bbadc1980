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

// push-image.sh pushes once; a tag that is there already (an earlier run, or a concurrent one that won
// the race) is used, not an error; a swapped archive or a digest that changed on promotion fails.
func TestPushImage(t *testing.T) {
	const (
		uri      = "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app"
		built    = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		existing = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
		pushed   = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
		raced    = "sha256:4444444444444444444444444444444444444444444444444444444444444444"
	)
	bin := t.TempDir()
	// The registry is a file holding the tag's digest; no file: ImageNotFoundException.
	fakeTool(t, bin, "aws", `
case "$1 $2" in
"ecr describe-images")
	if [ -f "$REGISTRY" ]; then cat "$REGISTRY"; exit 0; fi
	echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation" >&2; exit 254 ;;
"ecr get-login-password") echo password ;;
esac
`)
	fakeTool(t, bin, "docker", `
case "$1" in
load) echo "Loaded image: 8byte-app:tag" ;;
image) echo "$LOADED_ID" ;;
login) cat >/dev/null ;;
push)
	echo push >>"$PUSHES"
	if [ -n "$RACE" ]; then echo "$RACE" >"$REGISTRY"; echo "tag invalid: the image tag already exists" >&2; exit 1; fi
	echo "$PUSHED" >"$REGISTRY" ;;
esac
`)
	cases := map[string]struct {
		registry, loaded, race, expect string
		wantErr                        string // a part of the error annotation
		wantDigest, wantPushed         string
		wantPushes                     int
	}{
		"new tag: pushed once":                       {loaded: built, wantDigest: pushed, wantPushed: "true", wantPushes: 1},
		"tag already pushed: reused, nothing pushed": {registry: existing, loaded: built, wantDigest: existing, wantPushed: "false"},
		"a concurrent run pushed the tag first":      {loaded: built, race: raced, wantDigest: raced, wantPushed: "false", wantPushes: 1},
		"the archive holds another image":            {loaded: existing, wantErr: "::error::the archive holds image " + existing + ", the build job built " + built},
		"promotion must keep the published digest":   {registry: existing, loaded: built, expect: pushed, wantErr: "::error::" + uri + ":tag is " + existing + ", not the promoted digest " + pushed},
		"promotion that keeps the digest is fine":    {registry: pushed, loaded: built, expect: pushed, wantDigest: pushed, wantPushed: "false"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			registry := filepath.Join(dir, "registry")
			if c.registry != "" {
				require.NoError(t, os.WriteFile(registry, []byte(c.registry+"\n"), 0o600))
			}
			output, pushes := filepath.Join(dir, "output"), filepath.Join(dir, "pushes")
			log, err := script(t, bin, "push-image.sh", []string{
				"REGISTRY=" + registry, "LOADED_ID=" + c.loaded, "RACE=" + c.race, "PUSHED=" + pushed,
				"EXPECT_DIGEST=" + c.expect, "PUSHES=" + pushes, "GITHUB_OUTPUT=" + output,
			}, filepath.Join(dir, "image.tar"), uri, "tag", built)
			if c.wantErr != "" {
				require.Error(t, err, log)
				assert.Contains(t, log, c.wantErr)
				return
			}
			require.NoError(t, err, log)
			got, err := os.ReadFile(output) //nolint:gosec // the test's own file
			require.NoError(t, err)
			assert.Equal(t, "digest="+c.wantDigest+"\npushed="+c.wantPushed+"\n", string(got))
			n := 0
			if raw, err := os.ReadFile(pushes); err == nil { //nolint:gosec // the test's own file
				n = strings.Count(string(raw), "push")
			}
			assert.Equal(t, c.wantPushes, n, "docker push calls")
		})
	}
}
