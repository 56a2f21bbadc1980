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

// root is the repository root, from this package's directory.
const root = "../.."

func load(t *testing.T, dir string) *Repo {
	t.Helper()
	r, err := Load(dir, "actions.yml")
	require.NoError(t, err)
	return r
}

// The repository's own workflows and actions break no rule.
func TestRepository(t *testing.T) {
	r := load(t, root)
	assert.Equal(t, []string{"checks", "image / build and scan", "preview (dev)", "preview (prod)"}, r.Required,
		"the required checks of docs/ci.md")
	for _, f := range Check(r) {
		t.Error(f)
	}
}

// plantedCopy copies the CI definitions, docs/ci.md and iam/sessions.go of the repository to a temporary directory and
// replaces old with new in file (which must contain old exactly once: a plant that misses fails).
func plantedCopy(t *testing.T, file, old, replacement string) string {
	t.Helper()
	dir := t.TempDir()
	for _, pattern := range []string{".github/workflows/*.yml", ".github/actions/*/action.yml", "docs/ci.md", sessionsFile} {
		matches, err := filepath.Glob(filepath.Join(root, pattern))
		require.NoError(t, err)
		for _, m := range matches {
			rel, err := filepath.Rel(root, m)
			require.NoError(t, err)
			raw, err := os.ReadFile(m) //nolint:gosec // a file of this repository
			require.NoError(t, err)
			if rel == file {
				require.Equal(t, 1, strings.Count(string(raw), old), "the plant must match %s exactly once: %q", file, old)
				raw = []byte(strings.Replace(string(raw), old, replacement, 1))
			}
			require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o750))
			require.NoError(t, os.WriteFile(filepath.Join(dir, rel), raw, 0o600)) //nolint:gosec // rel is a path of this repository, under the test's own directory
		}
	}
	return dir
}

// Each planted defect is found, with the rule, file and place it breaks, and no other rule fires.
func TestPlantedDefects(t *testing.T) {
	const (
		deploy = ".github/workflows/deploy.yml"
		pr     = ".github/workflows/pr.yml"
		stack  = ".github/actions/pulumi-stack/action.yml"
		doc    = "docs/ci.md"
		drill  = ".github/workflows/dr-drill.yml"
	)
	cases := map[string]struct {
		file, old, new string
		want           Finding
	}{
		"tag-pinned action in a credentialed job": {
			deploy, "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3", "aws-actions/configure-aws-credentials@v6.2.3",
			Finding{"pin", deploy, "job publish, step 3 (Assume the deploy role by OIDC)", `aws-actions/configure-aws-credentials is pinned by "v6.2.3" in a job that can assume a role: pin the full commit SHA with its version in a comment`},
		},
		"tag-pinned action in the composite action of a credentialed job": {
			stack, "actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0", "actions/setup-go@v7",
			Finding{"pin", stack, "step 2 (used by .github/workflows/deploy.yml job dev, step 3 (Prepare stack dev))", `actions/setup-go is pinned by "v7" in a job that can assume a role: pin the full commit SHA with its version in a comment`},
		},
		"version comment that is not the vendored version": {
			deploy, "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1\n        with:\n          name: ${{ needs.image.outputs.artifact }}\n          path: ${{ runner.temp }}/image\n\n      - name: Assume",
			"actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.0\n        with:\n          name: ${{ needs.image.outputs.artifact }}\n          path: ${{ runner.temp }}/image\n\n      - name: Assume",
			Finding{"pin", deploy, "job publish, step 2 (The image built and scanned by this run)", `actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c needs the comment "# v8.0.1" (found "# v8.0.0")`},
		},
		"skipped required check (job-level if on the preview matrix)": {
			pr, "    name: preview (${{ matrix.stack }})\n", "    name: preview (${{ matrix.stack }})\n    if: github.event.pull_request.head.repo.full_name == github.repository\n",
			Finding{"required", pr, `check "preview (dev)" (job preview)`, "can be skipped: job preview has a job-level if: (a skipped matrix never reports; put the condition in the steps and let the job decide pass or fail)"},
		},
		"required check that no job reports": {
			doc, "- `preview (prod)`", "- `preview (prod)`\n- `preview (staging)`",
			Finding{"required", doc, "required checks", `no pull_request job reports the required check "preview (staging)"`},
		},
		"unknown input of a remote action (auth-actions has no team input)": {
			stack, "scope: team:${{ inputs.cloud-team }}", "team: ${{ inputs.cloud-team }}",
			Finding{"input", stack, "step 4 (Pulumi Cloud team token by OIDC exchange)", `pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2 has no input "team" (declared: cloud-url, export-environment-variables, organization, requested-token-type, scope, token-expiration)`},
		},
		"unknown input of the local action": {
			pr, "cloud-team: ${{ vars.PULUMI_CLOUD_PREVIEW_TEAM }}", "team: ${{ vars.PULUMI_CLOUD_PREVIEW_TEAM }}",
			Finding{"input", pr, "job preview, step 4 (Prepare stack ${{ matrix.stack }})", `./.github/actions/pulumi-stack has no input "team" (declared: aws-region, backend-url, cloud-org, cloud-team, image-tag, role-to-assume, session-seconds, stack)`},
		},
		"unknown input of a reusable workflow": {
			deploy, "      ref: ${{ needs.target.outputs.sha }}\n    permissions:", "      commit: ${{ needs.target.outputs.sha }}\n    permissions:",
			Finding{"input", deploy, "job image", `./.github/workflows/image.yml has no input "commit" (declared: ref)`},
		},
		"injected expression in the composite action's run": {
			stack, `run: bash "$GITHUB_ACTION_PATH/install-pulumi.sh" .github/pulumi-version`, `run: echo "${{ github.event.pull_request.title }}" && bash "$GITHUB_ACTION_PATH/install-pulumi.sh" .github/pulumi-version`,
			Finding{"injection", stack, "step 5 (Install the Pulumi CLI (.github/pulumi-version, checksum verified))", `a ${{ }} expression inside run: is pasted into the script before it runs (script injection); pass the value in env: and use "$VAR"`},
		},
		"id-token: write where no role is assumed": {
			pr, "    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          fetch-depth: 0",
			"    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          fetch-depth: 0",
			Finding{"id-token", pr, "job checks", "has id-token: write but assumes no role (no step exchanges the OIDC token)"},
		},
		"id-token: write given to a reusable workflow that exchanges no token": {
			pr, "    uses: ./.github/workflows/image.yml\n    permissions:\n      contents: read\n", "    uses: ./.github/workflows/image.yml\n    permissions:\n      contents: read\n      id-token: write\n",
			Finding{"id-token", pr, "job image", "grants id-token: write to ./.github/workflows/image.yml, whose jobs exchange no token"},
		},
		"job timeout as long as the role session": {
			pr, "    timeout-minutes: 30 # ends before the role session (the pulumi-stack action's session-seconds, 10800 s)\n",
			"    timeout-minutes: 180\n",
			Finding{"session", pr, "job preview", "timeout-minutes 180 does not end before the role session of 10800 s"},
		},
		"role session shorter than the job, through the composite action's input": {
			pr, "          role-to-assume: ${{ matrix.stack == 'prod' && vars.PREVIEW_ROLE_ARN_PROD || vars.PREVIEW_ROLE_ARN_DEV }}\n",
			"          role-to-assume: ${{ matrix.stack == 'prod' && vars.PREVIEW_ROLE_ARN_PROD || vars.PREVIEW_ROLE_ARN_DEV }}\n          session-seconds: \"900\"\n",
			Finding{"session", pr, "job preview", "timeout-minutes 30 does not end before the role session of 900 s"},
		},
		"a pulumi up job with the old 50-minute timeout (shorter than the database's update timeout)": {
			deploy, "    timeout-minutes: 170 # iam.JobTimeoutMinutes: the longest update (150 min), within the 10800 s role session\n    environment: dev\n",
			"    timeout-minutes: 50\n    environment: dev\n",
			Finding{"session", deploy, "job dev", "changes a stack with a role session of 10800 s and timeout-minutes 50: a `pulumi up` or destroy needs iam.CISessionSeconds (10800 s) and iam.JobTimeoutMinutes (170)"},
		},
		"the composite action's old session default of 3600 s": {
			stack, "    default: \"10800\"\n", "    default: \"3600\"\n",
			Finding{"session", stack, "input session-seconds", `defaults to "3600", not iam.CISessionSeconds (10800, iam/sessions.go)`},
		},
		"a session longer than the CI roles allow (the drill's old 14400 s)": {
			drill, "          role-to-assume: ${{ vars.DR_DRILL_ROLE_ARN }}\n", "          role-to-assume: ${{ vars.DR_DRILL_ROLE_ARN }}\n          session-seconds: \"14400\"\n",
			Finding{"session", drill, "job drill", "asks for a role session of 14400 s, longer than the CI roles' maxSessionDuration (iam.CISessionSeconds, 10800 s): AssumeRole refuses it"},
		},
		"iam/sessions.go raises the job timeout: the workflows disagree": {
			sessionsFile, "JobTimeoutMinutes = 170", "JobTimeoutMinutes = 175",
			Finding{"session", deploy, "job dev", "changes a stack with a role session of 10800 s and timeout-minutes 170: a `pulumi up` or destroy needs iam.CISessionSeconds (10800 s) and iam.JobTimeoutMinutes (175)"},
		},
		"iam/sessions.go shortens the CI session: the action's default disagrees": {
			sessionsFile, "CISessionSeconds = 3 * 60 * 60", "CISessionSeconds = 2 * 60 * 60",
			Finding{"session", stack, "input session-seconds", `defaults to "10800", not iam.CISessionSeconds (7200, iam/sessions.go)`},
		},
		"deploy role outside its environment (no OIDC subject it trusts)": {
			deploy, "    environment: prod # its required reviewers approve here, once, after reading plan (prod)\n", "",
			Finding{"subject", deploy, "job prod", "assumes vars.DEPLOY_ROLE_ARN outside a GitHub environment: the deploy role trusts only the subject environment:<env>"},
		},
		"preview role inside an environment other than <stack>-preview": {
			deploy, "    name: plan (prod)\n", "    name: plan (prod)\n    environment: prod\n",
			Finding{"subject", deploy, "job plan-prod", `assumes a preview role inside the GitHub environment "prod": a preview role trusts no environment but <stack>-preview`},
		},
		"prod's pull-request preview outside prod-preview (the pull_request subject it does not trust)": {
			pr, " && 'prod-preview' || '' }}\n", " && '' || '' }}\n",
			Finding{"subject", pr, "job preview", "previews prod on pull requests outside the GitHub environment prod-preview: prod's preview role trusts pull requests only there, after a reviewer's approval"},
		},
		"prod's pull-request preview in prod's deploy environment": {
			pr, " && 'prod-preview' || '' }}\n", " && 'prod' || '' }}\n",
			Finding{"subject", pr, "job preview", `assumes a preview role inside the GitHub environment "prod": a preview role trusts no environment but <stack>-preview`},
		},
		"every pull-request preview in prod-preview (dev's role trusts pull_request only)": {
			pr, "    environment: ${{ matrix.stack == 'prod' && github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]' && 'prod-preview' || '' }}\n",
			"    environment: prod-preview\n",
			Finding{"subject", pr, "job preview", "previews dev on pull requests only inside a GitHub environment: dev's preview role trusts the pull_request subject, no environment"},
		},
		"path filter on the pull_request trigger": {
			pr, "    branches: [main]\n", "    branches: [main]\n    paths: ['**.go']\n",
			Finding{"required", pr, `check "checks" (job checks)`, "the pull_request trigger has a path or branch filter: a pull request it filters out never reports this check"},
		},
		"checkout that keeps the token": {
			deploy, "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          persist-credentials: false\n      - name: Commit to deploy",
			"      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n      - name: Commit to deploy",
			Finding{"hygiene", deploy, "job target, step 1 (actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1)", "checkout without persist-credentials: false leaves the token in .git/config"},
		},
		"workflow without permissions: {}": {
			deploy, "permissions: {}\n\njobs:", "jobs:",
			Finding{"hygiene", deploy, "workflow", "the top-level permissions must be {} (each job asks for what it needs)"},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			findings := Check(load(t, plantedCopy(t, c.file, c.old, c.new)))
			require.NotEmpty(t, findings, "the planted defect must be found")
			assert.Contains(t, findings, c.want)
			for _, f := range findings { // a plant breaks one rule (at every place that uses what it broke)
				assert.Equal(t, c.want.Rule, f.Rule, f.String())
			}
		})
	}
}

// preview-rule.sh: a pull request without an OIDC token passes only when no changed file can change a stack.
func TestPreviewRule(t *testing.T) {
	for files, pass := range map[string]bool{
		"README.md\ndocs/ci.md\n":              true,
		".github/workflows/pr.yml\n":           true,
		"app/internal/server/server_test.go\n": true,
		"":                                     true,
		"docs/ci.md\ngo.mod\ngo.sum\n":         false,
		"app/main.go\n":                        false,
		"Pulumi.prod.yaml\n":                   false,
		"compute/alb.go\n":                     false,
	} {
		cmd := exec.Command("bash", filepath.Join(root, ".github", "scripts", "preview-rule.sh")) //nolint:gosec // the repository's own script
		cmd.Stdin = strings.NewReader(files)
		out, err := cmd.CombinedOutput()
		if pass {
			require.NoError(t, err, "%q: %s", files, out)
			assert.Contains(t, string(out), "::notice title=pulumi preview not needed::")
		} else {
			require.Error(t, err, "%q: %s", files, out)
			assert.Contains(t, string(out), "::error title=pulumi preview required::")
		}
	}
}
