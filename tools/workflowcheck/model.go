// Package workflowcheck checks the GitHub Actions definitions of a repository (.github/workflows and the
// composite actions of .github/actions) for the properties docs/ci.md promises and actionlint cannot see:
//
//   - pin:        every action of a job that can assume a role (id-token: write) is pinned by full commit
//     SHA with its version in a comment, matching the vendored list (actions.yml);
//   - input:      every `with:` names an input the action declares at its pinned version (actions.yml for
//     remote actions, action.yml for local ones, workflow_call for reusable workflows), and gives each
//     required one;
//   - required:   every required check of docs/ci.md reports on every pull request (no job-level `if:` on
//     it or on a job it needs, no path filter on the trigger);
//   - injection:  no `${{ }}` expression inside a composite action's `run:` (inputs go through env);
//   - id-token:   `id-token: write` only in jobs that exchange the token (assume a role, get a Pulumi Cloud
//     token, sign an attestation);
//   - session:    a job that assumes a role has a timeout that ends before the role session does, and
//     asks for no longer session than the CI roles allow; a job that changes a stack requests exactly
//     the session and timeout of iam/sessions.go, and so does the pulumi-stack action's default;
//   - subject:    a job that assumes a deploy role runs in a GitHub environment (the role trusts only
//     environment subjects); one that assumes a preview role runs in no environment or in
//     <stack>-preview, and on pull requests prod's runs in prod-preview, dev's in none (the subjects
//     iam.previewSubjects trusts);
//   - hygiene:    `permissions: {}` at the top of every workflow, `persist-credentials: false` on checkout.
//
// The package's test runs the checks on this repository and on planted defects (testdata/).
package workflowcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Finding is one broken rule.
type Finding struct {
	Rule    string // pin, input, required, injection, id-token, session, subject, hygiene
	File    string // path relative to the repository root
	Where   string // job or step
	Message string
}

// String is the finding as one line: rule: file: where: message.
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s: %s", f.Rule, f.File, f.Where, f.Message)
}

// Vendored is an action's entry of actions.yml: its pinned commit, that commit's version tag, and the
// inputs its action.yml declares there.
type Vendored struct {
	Version  string   `yaml:"version"`
	Commit   string   `yaml:"commit"`
	Required []string `yaml:"required"`
	Inputs   []string `yaml:"inputs"`
}

// step is a workflow or composite-action step.
type step struct {
	Name  string               `yaml:"name"`
	ID    string               `yaml:"id"`
	Uses  yaml.Node            `yaml:"uses"`
	With  map[string]yaml.Node `yaml:"with"`
	Run   string               `yaml:"run"`
	Shell string               `yaml:"shell"`
	If    string               `yaml:"if"`
	Env   map[string]string    `yaml:"env"`
}

// label names a step in findings.
func (s step) label(i int) string {
	if s.Name != "" {
		return fmt.Sprintf("step %d (%s)", i+1, s.Name)
	}
	if s.Uses.Value != "" {
		return fmt.Sprintf("step %d (%s)", i+1, s.Uses.Value)
	}
	return fmt.Sprintf("step %d", i+1)
}

// job is a workflow job: steps, or a call of a reusable workflow (Uses).
type job struct {
	Name        string               `yaml:"name"`
	If          string               `yaml:"if"`
	Needs       yaml.Node            `yaml:"needs"`
	Uses        string               `yaml:"uses"`
	With        map[string]yaml.Node `yaml:"with"`
	Permissions yaml.Node            `yaml:"permissions"`
	Timeout     int                  `yaml:"timeout-minutes"`
	Environment yaml.Node            `yaml:"environment"`
	Strategy    struct {
		Matrix map[string]yaml.Node `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []step `yaml:"steps"`
}

// needs lists the jobs this one needs.
func (j *job) needs() []string {
	switch j.Needs.Kind {
	case yaml.ScalarNode:
		return []string{j.Needs.Value}
	case yaml.SequenceNode:
		var out []string
		for _, n := range j.Needs.Content {
			out = append(out, n.Value)
		}
		return out
	}
	return nil
}

// permission is the job's level for scope ("write", "read", "none" or "").
func (j *job) permission(scope string) string {
	if j.Permissions.Kind == yaml.ScalarNode && j.Permissions.Value == "write-all" {
		return "write"
	}
	for i := 0; i+1 < len(j.Permissions.Content); i += 2 {
		if j.Permissions.Content[i].Value == scope {
			return j.Permissions.Content[i+1].Value
		}
	}
	return ""
}

// input is an input declaration of a composite action or reusable workflow.
type input struct {
	Required bool      `yaml:"required"`
	Default  yaml.Node `yaml:"default"`
}

// workflow is a file of .github/workflows.
type workflow struct {
	file        string
	On          yaml.Node       `yaml:"on"`
	Permissions yaml.Node       `yaml:"permissions"`
	Jobs        map[string]*job `yaml:"jobs"`
}

// trigger is the `on:` entry of event, nil when the workflow does not run on it.
func (w *workflow) trigger(event string) *yaml.Node {
	switch w.On.Kind {
	case yaml.ScalarNode:
		if w.On.Value == event {
			return &yaml.Node{Kind: yaml.MappingNode}
		}
	case yaml.SequenceNode:
		for _, n := range w.On.Content {
			if n.Value == event {
				return &yaml.Node{Kind: yaml.MappingNode}
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(w.On.Content); i += 2 {
			if w.On.Content[i].Value == event {
				return w.On.Content[i+1]
			}
		}
	}
	return nil
}

// callInputs are the inputs of a reusable workflow (on.workflow_call.inputs).
func (w *workflow) callInputs() (map[string]input, bool) {
	call := w.trigger("workflow_call")
	if call == nil {
		return nil, false
	}
	var decl struct {
		Inputs map[string]input `yaml:"inputs"`
	}
	if err := call.Decode(&decl); err != nil {
		return nil, false
	}
	return decl.Inputs, true
}

// action is a local composite action (.github/actions/NAME/action.yml).
type action struct {
	file   string
	Inputs map[string]input `yaml:"inputs"`
	Runs   struct {
		Using string `yaml:"using"`
		Steps []step `yaml:"steps"`
	} `yaml:"runs"`
}

// Repo is the parsed CI definition of a repository.
type Repo struct {
	Root      string
	Workflows map[string]*workflow // by path relative to Root
	Actions   map[string]*action   // by `uses:` reference, ./.github/actions/NAME
	Vendored  map[string]Vendored  // by owner/repo
	Required  []string             // the required check names of docs/ci.md
	Sessions  Sessions             // the session limits of iam/sessions.go
}

// requiredBlock is the list of required checks in docs/ci.md: one "- `name`" line each between markers.
var requiredBlock = regexp.MustCompile("(?s)<!-- required-checks -->(.*?)<!-- /required-checks -->")

// Load reads the workflows, composite actions and required checks of the repository at root, and the
// vendored action inputs at vendoredFile.
func Load(root, vendoredFile string) (*Repo, error) {
	r := &Repo{Root: root, Workflows: map[string]*workflow{}, Actions: map[string]*action{}}
	raw, err := os.ReadFile(vendoredFile) //nolint:gosec // a file of this repository
	if err != nil {
		return nil, fmt.Errorf("vendored action inputs: %w", err)
	}
	if err := yaml.Unmarshal(raw, &r.Vendored); err != nil {
		return nil, fmt.Errorf("vendored action inputs %s: %w", vendoredFile, err)
	}

	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	for _, f := range files {
		w := &workflow{}
		if err := decodeFile(f, w); err != nil {
			return nil, err
		}
		w.file = rel(root, f)
		r.Workflows[w.file] = w
	}
	actions, err := filepath.Glob(filepath.Join(root, ".github", "actions", "*", "action.y*ml"))
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	for _, f := range actions {
		a := &action{}
		if err := decodeFile(f, a); err != nil {
			return nil, err
		}
		a.file = rel(root, f)
		r.Actions["./"+filepath.ToSlash(filepath.Dir(a.file))] = a
	}

	if r.Sessions, err = loadSessions(root); err != nil {
		return nil, err
	}

	doc, err := os.ReadFile(filepath.Join(root, "docs", "ci.md")) //nolint:gosec // a file of this repository
	if err != nil {
		return nil, fmt.Errorf("required checks: %w", err)
	}
	block := requiredBlock.FindSubmatch(doc)
	if block == nil {
		return nil, fmt.Errorf("required checks: docs/ci.md has no <!-- required-checks --> block")
	}
	for _, m := range regexp.MustCompile("(?m)^- `([^`]+)`").FindAllSubmatch(block[1], -1) {
		r.Required = append(r.Required, string(m[1]))
	}
	if len(r.Required) == 0 {
		return nil, fmt.Errorf("required checks: the block of docs/ci.md lists none")
	}
	return r, nil
}

func decodeFile(path string, into any) error {
	raw, err := os.ReadFile(path) //nolint:gosec // a file of this repository
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

func rel(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// remote splits a remote `uses:` (owner/repo[/path]@ref) into owner/repo and ref.
func remote(uses string) (repo, ref string, ok bool) {
	if strings.HasPrefix(uses, "./") || strings.HasPrefix(uses, "docker://") {
		return "", "", false
	}
	name, ref, found := strings.Cut(uses, "@")
	if !found {
		return "", "", false
	}
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 {
		return "", "", false
	}
	return parts[0] + "/" + parts[1], ref, true
}
