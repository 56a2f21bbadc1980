package workflowcheck

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The actions that exchange a job's OIDC token; a job asking for id-token: write must use one of them.
var tokenUsers = []string{
	"aws-actions/configure-aws-credentials", // assumes an AWS role
	"pulumi/auth-actions",                   // gets a Pulumi Cloud token
	"actions/attest-build-provenance",       // signs an attestation (Sigstore certificate)
	"actions/attest",
}

// roleAssumer is the action that assumes an AWS role; sessionInput names its session lifetime input.
const (
	roleAssumer  = "aws-actions/configure-aws-credentials"
	sessionInput = "role-duration-seconds"
	// defaultSessionSeconds is configure-aws-credentials' session lifetime when none is given.
	defaultSessionSeconds = 3600
)

var (
	fullSHA        = regexp.MustCompile(`^[0-9a-f]{40}$`)
	versionComment = regexp.MustCompile(`^#\s*(v?\d+\.\d+\.\d+)\s*$`)
	expression     = regexp.MustCompile(`\$\{\{`)
	matrixRef      = regexp.MustCompile(`\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}`)
	inputRef       = regexp.MustCompile(`^\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}$`)
)

// Check runs every rule over the repository and returns the findings, in a stable order.
func Check(r *Repo) []Finding {
	var out []Finding
	out = append(out, r.checkJobs()...)
	out = append(out, r.checkActions()...)
	out = append(out, r.checkRequired()...)
	return out
}

// checkJobs runs the per-job rules: pins, inputs, id-token, session, hygiene.
func (r *Repo) checkJobs() []Finding {
	var out []Finding
	for _, file := range slices.Sorted(maps.Keys(r.Workflows)) {
		w := r.Workflows[file]
		if w.Permissions.Kind != yaml.MappingNode || len(w.Permissions.Content) != 0 {
			out = append(out, Finding{"hygiene", file, "workflow", "the top-level permissions must be {} (each job asks for what it needs)"})
		}
		for _, id := range slices.Sorted(maps.Keys(w.Jobs)) {
			out = append(out, r.checkJob(w, id, w.Jobs[id])...)
		}
	}
	return out
}

func (r *Repo) checkJob(w *workflow, id string, j *job) []Finding {
	var out []Finding
	where := "job " + id
	credentialed := j.permission("id-token") == "write"

	if j.Uses != "" { // a call of a reusable workflow
		callee, ok := r.Workflows[strings.TrimPrefix(j.Uses, "./")]
		if !ok {
			return append(out, Finding{"input", w.file, where, "calls " + j.Uses + ", which is not a workflow of this repository"})
		}
		inputs, _ := callee.callInputs()
		out = append(out, checkWith(w.file, where, j.Uses, j.With, inputs)...)
		if credentialed && !slices.ContainsFunc(slices.Sorted(maps.Keys(callee.Jobs)), func(k string) bool { return callee.Jobs[k].permission("id-token") == "write" }) {
			out = append(out, Finding{"id-token", w.file, where, "grants id-token: write to " + j.Uses + ", whose jobs exchange no token"})
		}
		return out
	}

	uses := r.usedActions(j.Steps)
	if credentialed && !slices.ContainsFunc(uses, func(u string) bool {
		repo, _, _ := remote(u)
		return slices.Contains(tokenUsers, repo)
	}) {
		out = append(out, Finding{"id-token", w.file, where, "has id-token: write but assumes no role (no step exchanges the OIDC token)"})
	}

	for i, s := range j.Steps {
		sw := where + ", " + s.label(i)
		out = append(out, r.checkStep(w.file, sw, s, credentialed)...)
	}

	out = append(out, checkSubject(w.file, where, j, w.trigger("pull_request") != nil)...)

	if seconds, assumes := r.sessionSeconds(j.Steps); assumes {
		limits := r.Sessions
		switch {
		case seconds > limits.CISessionSeconds:
			out = append(out, Finding{"session", w.file, where, fmt.Sprintf("asks for a role session of %d s, longer than the CI roles' maxSessionDuration (iam.CISessionSeconds, %d s): AssumeRole refuses it", seconds, limits.CISessionSeconds)})
		case j.Timeout == 0:
			out = append(out, Finding{"session", w.file, where, fmt.Sprintf("assumes a role for %d s but has no timeout-minutes (default 360 min)", seconds)})
		case j.Timeout*60 >= seconds:
			out = append(out, Finding{"session", w.file, where, fmt.Sprintf("timeout-minutes %d does not end before the role session of %d s", j.Timeout, seconds)})
		}
		if r.changesStack(j.Steps) && (seconds != limits.CISessionSeconds || j.Timeout != limits.JobTimeoutMinutes) {
			out = append(out, Finding{"session", w.file, where, fmt.Sprintf("changes a stack with a role session of %d s and timeout-minutes %d: a `pulumi up` or destroy needs iam.CISessionSeconds (%d s) and iam.JobTimeoutMinutes (%d)", seconds, j.Timeout, limits.CISessionSeconds, limits.JobTimeoutMinutes)})
		}
	}
	return out
}

// changesStack tells whether the steps prepare a stack (a local action that assumes a role) with a role
// other than a preview role: a deploy or drill role, which runs `pulumi up` or destroy.
func (r *Repo) changesStack(steps []step) bool {
	for _, s := range steps {
		local, ok := r.Actions[s.Uses.Value]
		if !ok {
			continue
		}
		if _, assumes := r.sessionSeconds(local.Runs.Steps); !assumes {
			continue
		}
		if !slices.ContainsFunc(slices.Sorted(maps.Keys(s.With)), func(k string) bool { return strings.Contains(s.With[k].Value, previewRoleVar) }) {
			return true
		}
	}
	return false
}

// The variables that hold the role ARNs (docs/ci.md, from zero): the deploy role of the job's
// environment, and the stacks' preview roles (PREVIEW_ROLE_ARN_<STACK>).
const (
	deployRoleVar  = "vars.DEPLOY_ROLE_ARN"
	previewRoleVar = "vars.PREVIEW_ROLE_ARN"
	// reviewedPreviewStack is the stack whose preview role trusts pull requests only in the reviewed
	// GitHub environment <stack>-preview (iam.previewSubjects, iam.PreviewEnvironment); the other
	// stacks' preview roles trust the pull_request subject itself.
	reviewedPreviewStack = "prod"
	previewEnvSuffix     = "-preview"
)

var (
	previewRoleStack = regexp.MustCompile(`vars\.PREVIEW_ROLE_ARN_([A-Z0-9_]+)`)
	// A string literal an expression can evaluate to: an operand of && or || (cond && 'a' || 'b'), not
	// one that is compared (matrix.stack == 'prod').
	resultLiteral = regexp.MustCompile(`(?:&&|\|\|)\s*'([^']*)'`)
)

// environments are the GitHub environments job j can run in, "" for none: its environment's name
// (environment: NAME, or name: under it), or each literal result of an expression there.
func (j *job) environments() []string {
	n := &j.Environment
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "name" {
				n = n.Content[i+1]
			}
		}
	}
	switch {
	case n.Kind != yaml.ScalarNode || n.Value == "":
		return []string{""}
	case !expression.MatchString(n.Value):
		return []string{n.Value}
	}
	var out []string
	for _, m := range resultLiteral.FindAllStringSubmatch(n.Value, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// checkSubject checks that a job's OIDC subject is one the role it assumes trusts: environment:<env>
// for a deploy role; for a preview role the main branch or pull_request (no environment), or
// environment:<stack>-preview. On pull requests, prod's preview runs in prod-preview and the other
// stacks' in no environment.
func checkSubject(file, where string, j *job, pullRequest bool) []Finding {
	var deploy bool
	var stacks []string // the stacks whose preview role the job assumes
	for _, s := range j.Steps {
		for _, k := range slices.Sorted(maps.Keys(s.With)) {
			v := s.With[k].Value
			deploy = deploy || strings.Contains(v, deployRoleVar)
			for _, m := range previewRoleStack.FindAllStringSubmatch(v, -1) {
				if stack := strings.ToLower(m[1]); !slices.Contains(stacks, stack) {
					stacks = append(stacks, stack)
				}
			}
		}
	}
	if deploy {
		if j.Environment.Kind == 0 {
			return []Finding{{"subject", file, where, "assumes " + deployRoleVar + " outside a GitHub environment: the deploy role trusts only the subject environment:<env>"}}
		}
		return nil
	}
	if len(stacks) == 0 {
		return nil
	}
	var out []Finding
	envs := j.environments()
	for _, e := range envs {
		if e != "" && !slices.ContainsFunc(stacks, func(s string) bool { return e == s+previewEnvSuffix }) {
			out = append(out, Finding{"subject", file, where, fmt.Sprintf("assumes a preview role inside the GitHub environment %q: a preview role trusts no environment but <stack>%s", e, previewEnvSuffix)})
		}
	}
	if !pullRequest {
		return out
	}
	for _, s := range stacks {
		switch {
		case s == reviewedPreviewStack && !slices.Contains(envs, s+previewEnvSuffix):
			out = append(out, Finding{"subject", file, where, fmt.Sprintf("previews %s on pull requests outside the GitHub environment %s: %s's preview role trusts pull requests only there, after a reviewer's approval", s, s+previewEnvSuffix, s)})
		case s != reviewedPreviewStack && !slices.Contains(envs, ""):
			out = append(out, Finding{"subject", file, where, fmt.Sprintf("previews %s on pull requests only inside a GitHub environment: %s's preview role trusts the pull_request subject, no environment", s, s)})
		}
	}
	return out
}

// checkStep checks one step of a job or composite action: its pin (when the job can assume a role),
// its inputs, and checkout's persisted credentials.
func (r *Repo) checkStep(file, where string, s step, credentialed bool) []Finding {
	var out []Finding
	uses := s.Uses.Value
	if uses == "" {
		return nil
	}
	if local, ok := r.Actions[uses]; ok {
		out = append(out, checkWith(file, where, uses, s.With, local.Inputs)...)
		if credentialed {
			for i, inner := range local.Runs.Steps {
				out = append(out, r.checkPin(local.file, "step "+strconv.Itoa(i+1)+" (used by "+file+" "+where+")", inner)...)
			}
		}
		return out
	}
	if strings.HasPrefix(uses, "./") {
		return append(out, Finding{"input", file, where, "uses " + uses + ", which is not an action of this repository"})
	}
	repo, _, ok := remote(uses)
	if !ok {
		return append(out, Finding{"pin", file, where, "uses " + uses + ": not owner/repo@ref"})
	}
	if credentialed {
		out = append(out, r.checkPin(file, where, s)...)
	}
	vendored, known := r.Vendored[repo]
	if !known {
		return append(out, Finding{"input", file, where, repo + " is not in the vendored action inputs (tools/workflowcheck/actions.yml)"})
	}
	declared := map[string]input{}
	for _, name := range vendored.Inputs {
		declared[name] = input{Required: slices.Contains(vendored.Required, name)}
	}
	out = append(out, checkWith(file, where, uses, s.With, declared)...)
	if repo == "actions/checkout" {
		if v, set := s.With["persist-credentials"]; !set || v.Value != "false" {
			out = append(out, Finding{"hygiene", file, where, "checkout without persist-credentials: false leaves the token in .git/config"})
		}
	}
	return out
}

// checkPin checks that a remote action is pinned by full commit SHA with its version in a comment, both
// as vendored.
func (r *Repo) checkPin(file, where string, s step) []Finding {
	repo, ref, ok := remote(s.Uses.Value)
	if !ok {
		return nil
	}
	vendored, known := r.Vendored[repo]
	switch {
	case !fullSHA.MatchString(ref):
		return []Finding{{"pin", file, where, fmt.Sprintf("%s is pinned by %q in a job that can assume a role: pin the full commit SHA with its version in a comment", repo, ref)}}
	case !known:
		return nil // reported by the input rule
	case ref != vendored.Commit:
		return []Finding{{"pin", file, where, fmt.Sprintf("%s@%s is not the vendored commit %s (%s): update tools/workflowcheck/actions.yml with the new version's inputs", repo, ref, vendored.Commit, vendored.Version)}}
	}
	m := versionComment.FindStringSubmatch(s.Uses.LineComment)
	if len(m) < 2 || m[1] != vendored.Version {
		return []Finding{{"pin", file, where, fmt.Sprintf("%s@%s needs the comment \"# %s\" (found %q)", repo, ref, vendored.Version, s.Uses.LineComment)}}
	}
	return nil
}

// checkWith checks a `with:` against the declared inputs: each key declared, each required input given.
func checkWith(file, where, uses string, with map[string]yaml.Node, declared map[string]input) []Finding {
	var out []Finding
	for _, key := range slices.Sorted(maps.Keys(with)) {
		if _, ok := declared[key]; !ok {
			out = append(out, Finding{"input", file, where, fmt.Sprintf("%s has no input %q (declared: %s)", uses, key, strings.Join(slices.Sorted(maps.Keys(declared)), ", "))})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		if in := declared[name]; in.Required && in.Default.Kind == 0 {
			if _, given := with[name]; !given {
				out = append(out, Finding{"input", file, where, fmt.Sprintf("%s requires the input %q", uses, name)})
			}
		}
	}
	return out
}

// usedActions lists the remote actions the steps use, through local composite actions too.
func (r *Repo) usedActions(steps []step) []string {
	var out []string
	for _, s := range steps {
		if local, ok := r.Actions[s.Uses.Value]; ok {
			out = append(out, r.usedActions(local.Runs.Steps)...)
		} else if s.Uses.Value != "" {
			out = append(out, s.Uses.Value)
		}
	}
	return out
}

// sessionSeconds is the role session lifetime the steps ask for (the shortest, when several assume a
// role: the first to expire), and whether any does: configure-aws-credentials' role-duration-seconds,
// through a local action's input when the action passes one of its inputs on.
func (r *Repo) sessionSeconds(steps []step) (int, bool) {
	seconds, found := 0, 0
	for _, s := range steps {
		var value string
		local, isLocal := r.Actions[s.Uses.Value]
		repo, _, _ := remote(s.Uses.Value)
		switch {
		case isLocal:
			inner, innerAssumes := r.sessionSeconds(local.Runs.Steps)
			if !innerAssumes {
				continue
			}
			value = strconv.Itoa(inner)
			// An input passed on as role-duration-seconds: the caller's value, or the input's default.
			for _, is := range local.Runs.Steps {
				if innerRepo, _, _ := remote(is.Uses.Value); innerRepo != roleAssumer {
					continue
				}
				if m := inputRef.FindStringSubmatch(is.With[sessionInput].Value); m != nil {
					if v, given := s.With[m[1]]; given {
						value = v.Value
					} else if d := local.Inputs[m[1]].Default; d.Kind != 0 {
						value = d.Value
					}
				}
			}
		case repo == roleAssumer:
			value = strconv.Itoa(defaultSessionSeconds)
			if v, given := s.With[sessionInput]; given {
				value = v.Value
			}
		default:
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			n = 0 // an expression: unknown here, so no timeout can be shown to end before it
		}
		if found == 0 || n < seconds {
			seconds = n
		}
		found++
	}
	return seconds, found > 0
}

// checkActions runs the rules on the composite actions: their steps' inputs, and no expression inside a
// run script. (Their pins are checked for each credentialed job that uses them.)
func (r *Repo) checkActions() []Finding {
	var out []Finding
	for _, ref := range slices.Sorted(maps.Keys(r.Actions)) {
		a := r.Actions[ref]
		for i, s := range a.Runs.Steps {
			out = append(out, r.checkStep(a.file, s.label(i), s, false)...)
			out = append(out, r.checkSessionDefault(a, s)...)
			if s.Run != "" && expression.MatchString(s.Run) {
				out = append(out, Finding{"injection", a.file, s.label(i), "a ${{ }} expression inside run: is pasted into the script before it runs (script injection); pass the value in env: and use \"$VAR\""})
			}
		}
	}
	return out
}

// checkSessionDefault checks that an action input passed on as the role session defaults to
// iam.CISessionSeconds (the CI roles' maxSessionDuration).
func (r *Repo) checkSessionDefault(a *action, s step) []Finding {
	if repo, _, _ := remote(s.Uses.Value); repo != roleAssumer {
		return nil
	}
	m := inputRef.FindStringSubmatch(s.With[sessionInput].Value)
	if m == nil {
		return nil
	}
	want := strconv.Itoa(r.Sessions.CISessionSeconds)
	if d := a.Inputs[m[1]].Default; d.Value != want {
		return []Finding{{"session", a.file, "input " + m[1], fmt.Sprintf("defaults to %q, not iam.CISessionSeconds (%s, %s)", d.Value, want, sessionsFile)}}
	}
	return nil
}

// checkRequired checks that every required check of docs/ci.md reports on every pull request.
func (r *Repo) checkRequired() []Finding {
	var out []Finding
	produced := map[string]string{} // check name -> file
	for _, file := range slices.Sorted(maps.Keys(r.Workflows)) {
		w := r.Workflows[file]
		pr := w.trigger("pull_request")
		if pr == nil {
			continue
		}
		var filter struct {
			Paths          []string `yaml:"paths"`
			PathsIgnore    []string `yaml:"paths-ignore"`
			BranchesIgnore []string `yaml:"branches-ignore"`
		}
		_ = pr.Decode(&filter)
		filtered := len(filter.Paths)+len(filter.PathsIgnore)+len(filter.BranchesIgnore) > 0
		for _, id := range slices.Sorted(maps.Keys(w.Jobs)) {
			for _, name := range r.checkNames(w, id) {
				if !slices.Contains(r.Required, name) {
					continue
				}
				produced[name] = file
				where := fmt.Sprintf("check %q (job %s)", name, id)
				if filtered {
					out = append(out, Finding{"required", file, where, "the pull_request trigger has a path or branch filter: a pull request it filters out never reports this check"})
				}
				if skipper := skippableVia(w, id, map[string]bool{}); skipper != "" {
					out = append(out, Finding{"required", file, where, "can be skipped: job " + skipper + " has a job-level if: (a skipped matrix never reports; put the condition in the steps and let the job decide pass or fail)"})
				}
			}
		}
	}
	for _, name := range r.Required {
		if _, ok := produced[name]; !ok {
			out = append(out, Finding{"required", "docs/ci.md", "required checks", fmt.Sprintf("no pull_request job reports the required check %q", name)})
		}
	}
	return out
}

// skippableVia names the job (id or one it needs, transitively) whose job-level if: can skip id.
func skippableVia(w *workflow, id string, seen map[string]bool) string {
	if seen[id] {
		return ""
	}
	seen[id] = true
	j := w.Jobs[id]
	if j == nil {
		return ""
	}
	if strings.TrimSpace(j.If) != "" {
		return id
	}
	for _, n := range j.needs() {
		if via := skippableVia(w, n, seen); via != "" {
			return via
		}
	}
	return ""
}

// checkNames are the status check names job id reports: its name (or id), once per matrix value when
// the name uses one, and "caller / callee" for each job of a called workflow.
func (r *Repo) checkNames(w *workflow, id string) []string {
	j := w.Jobs[id]
	name := j.Name
	if name == "" {
		name = id
	}
	var names []string
	ref := matrixRef.FindStringSubmatch(name)
	values, hasMatrix := j.Strategy.Matrix[firstKey(j.Strategy.Matrix)]
	switch {
	case ref != nil:
		for _, v := range j.Strategy.Matrix[ref[1]].Content {
			names = append(names, strings.Replace(name, ref[0], v.Value, 1))
		}
	case hasMatrix:
		for _, v := range values.Content {
			names = append(names, fmt.Sprintf("%s (%s)", name, v.Value))
		}
	default:
		names = []string{name}
	}
	if j.Uses == "" {
		return names
	}
	callee, ok := r.Workflows[strings.TrimPrefix(j.Uses, "./")]
	if !ok {
		return names
	}
	var out []string
	for _, caller := range names {
		for _, cid := range slices.Sorted(maps.Keys(callee.Jobs)) {
			for _, inner := range r.checkNames(callee, cid) {
				out = append(out, caller+" / "+inner)
			}
		}
	}
	return out
}

func firstKey[V any](m map[string]V) string {
	if keys := slices.Sorted(maps.Keys(m)); len(keys) > 0 {
		return keys[0]
	}
	return ""
}
