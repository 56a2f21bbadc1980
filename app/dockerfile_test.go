package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"go/version"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/8byte/infra/app/internal/config"
)

// The launch template of the compute tier, which runs the image (paths relative to app/).
const (
	userDataTemplate = "../compute/userdata.sh.tmpl"
	userDataSource   = "../compute/userdata.go"
	rdsBundleURL     = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd   string            // upper case: FROM, RUN, COPY, ...
	flags map[string]string // leading --name=value options
	args  string            // the rest
}

// stage is one FROM and the instructions under it.
type stage struct {
	base, name   string
	instructions []instruction
}

func (s stage) all(cmd string) []instruction {
	var found []instruction
	for _, in := range s.instructions {
		if in.cmd == cmd {
			found = append(found, in)
		}
	}
	return found
}

func (s stage) one(t *testing.T, cmd string) instruction {
	t.Helper()
	found := s.all(cmd)
	if len(found) != 1 {
		t.Fatalf("stage %q has %d %s instructions, want 1", s.name, len(found), cmd)
	}
	return found[0]
}

func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	var logical string
	scanner := bufio.NewScanner(bytes.NewReader(dockerfile))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			logical += cont + " "
			continue
		}
		in := parseInstruction(logical + line)
		logical = ""
		if in.cmd == "FROM" {
			base, name, _ := strings.Cut(in.args, " AS ")
			stages = append(stages, stage{base: strings.TrimSpace(base), name: strings.TrimSpace(name)})
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s before the first FROM", in.cmd)
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, in)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

func parseInstruction(line string) instruction {
	cmd, rest, _ := strings.Cut(line, " ")
	in := instruction{cmd: strings.ToUpper(cmd), flags: map[string]string{}}
	rest = strings.TrimSpace(rest)
	for strings.HasPrefix(rest, "--") {
		var flag string
		flag, rest, _ = strings.Cut(rest, " ")
		name, value, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
		in.flags[name] = value
		rest = strings.TrimSpace(rest)
	}
	in.args = rest
	return in
}

// execForm decodes a JSON-array (exec form) argument list; ok is false for the shell form.
func execForm(args string) ([]string, bool) {
	var argv []string
	return argv, strings.HasPrefix(args, "[") && json.Unmarshal([]byte(args), &argv) == nil && len(argv) > 0
}

func builderAndRuntime(t *testing.T) (stage, stage) {
	t.Helper()
	stages := parseDockerfile(t)
	if len(stages) != 2 {
		t.Fatalf("Dockerfile has %d stages, want 2 (build, runtime)", len(stages))
	}
	return stages[0], stages[1]
}

func TestDockerfileBaseImages(t *testing.T) {
	build, runtime := builderAndRuntime(t)
	m := regexp.MustCompile(`^golang:(1\.\d+\.\d+)-bookworm(@sha256:[0-9a-f]{64})?$`).FindStringSubmatch(build.base)
	if m == nil || build.name != "build" {
		t.Fatalf("builder is %q AS %q, want golang:<full version>-bookworm AS build", build.base, build.name)
	}
	if goMod := goDirective(t); version.Compare("go"+m[1], "go"+goMod) < 0 {
		t.Errorf("builder Go %s is older than go.mod's go %s", m[1], goMod)
	}
	if !regexp.MustCompile(`^gcr\.io/distroless/static-debian12:nonroot(@sha256:[0-9a-f]{64})?$`).MatchString(runtime.base) {
		t.Errorf("runtime base is %q, want gcr.io/distroless/static-debian12:nonroot", runtime.base)
	}
}

func goDirective(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

func TestDockerfileBuildStage(t *testing.T) {
	build, runtime := builderAndRuntime(t)
	var env []string
	for _, in := range build.all("ENV") {
		env = append(env, strings.Fields(in.args)...)
	}
	for _, want := range []string{"CGO_ENABLED=0", "GOTOOLCHAIN=local"} {
		if !strings.Contains(strings.Join(env, " "), want) {
			t.Errorf("build stage ENV %v lacks %s", env, want)
		}
	}
	var goBuild string
	for _, in := range build.all("RUN") {
		if strings.HasPrefix(in.args, "go build ") {
			goBuild = in.args
		}
	}
	if !strings.Contains(goBuild, "-trimpath") || !strings.HasSuffix(goBuild, "-o /out/8byte-app .") {
		t.Errorf("go build = %q, want -trimpath and -o /out/8byte-app .", goBuild)
	}

	add := build.one(t, "ADD")
	src, dst, _ := strings.Cut(add.args, " ")
	if src != rdsBundleURL {
		t.Errorf("ADD %s, want the RDS global bundle %s", src, rdsBundleURL)
	}
	mode, err := strconv.ParseUint(add.flags["chmod"], 8, 32)
	if err != nil || mode&0o004 == 0 || mode&0o7022 != 0 {
		t.Errorf("CA bundle ADD --chmod=%q: want world-readable, not writable, no setuid (e.g. 0444)", add.flags["chmod"])
	}
	copied := false
	for _, in := range runtime.all("COPY") {
		if from, _, _ := strings.Cut(in.args, " "); in.flags["from"] == "build" && from == dst {
			copied = true
		}
	}
	if !copied {
		t.Errorf("the runtime stage does not COPY --from=build %s", dst)
	}
}

func TestDockerfileRuntimeStage(t *testing.T) {
	_, runtime := builderAndRuntime(t)
	for _, forbidden := range []string{"RUN", "VOLUME", "ADD", "CMD"} {
		for _, in := range runtime.all(forbidden) {
			t.Errorf("runtime stage has %s %s: distroless has no shell, and the root filesystem is read-only", forbidden, in.args)
		}
	}

	entrypoint, ok := execForm(runtime.one(t, "ENTRYPOINT").args)
	if !ok || len(entrypoint) != 1 {
		t.Fatalf("ENTRYPOINT %q: want the exec form [\"<binary>\"]", runtime.one(t, "ENTRYPOINT").args)
	}
	binary := entrypoint[0]
	destinations := map[string]bool{}
	for _, in := range runtime.all("COPY") {
		if in.flags["from"] != "build" || in.flags["chmod"] != "" {
			t.Errorf("COPY %s: want --from=build keeping the build stage's modes", in.args)
		}
		fields := strings.Fields(in.args)
		destinations[fields[len(fields)-1]] = true
	}
	if !destinations[binary] || !destinations[defaultCABundle] {
		t.Errorf("runtime COPY destinations %v, want the binary %s and the CA bundle %s (the app's -rds-ca-bundle default)",
			destinations, binary, defaultCABundle)
	}

	health := runtime.one(t, "HEALTHCHECK")
	cmd, argv, _ := strings.Cut(health.args, " ")
	if probe, ok := execForm(argv); cmd != "CMD" || !ok || len(probe) != 2 || probe[0] != binary || probe[1] != "-healthcheck" {
		t.Errorf("HEALTHCHECK %s: want CMD [%q, \"-healthcheck\"] in exec form", health.args, binary)
	}
	for _, flag := range []string{"interval", "timeout"} {
		if _, err := time.ParseDuration(health.flags[flag]); err != nil {
			t.Errorf("HEALTHCHECK --%s=%q: %v", flag, health.flags[flag], err)
		}
	}

	if expose := runtime.one(t, "EXPOSE").args; expose != strconv.Itoa(config.DefaultPort) {
		t.Errorf("EXPOSE %s, want the default APP_PORT %d", expose, config.DefaultPort)
	}
	if config.DefaultPort < 1024 {
		t.Errorf("default port %d needs CAP_NET_BIND_SERVICE, which --cap-drop ALL removes", config.DefaultPort)
	}
}

// TestImageFitsTheLaunchTemplate checks the image against the docker run of compute's user data:
// the hardening flags are there, the user is the image's numeric non-root USER, and docker stop's
// grace period is the one the app's shutdown budget derives from (TestShutdownBudget).
func TestImageFitsTheLaunchTemplate(t *testing.T) {
	_, runtime := builderAndRuntime(t)
	user := runtime.one(t, "USER").args
	if !regexp.MustCompile(`^[1-9]\d*:[1-9]\d*$`).MatchString(user) {
		t.Errorf("USER %q: want numeric non-root uid:gid, so that the runtime can tell it is not root", user)
	}

	raw, err := os.ReadFile(repoFile(t, userDataTemplate))
	if err != nil {
		t.Fatalf("read the launch template's user data: %v", err)
	}
	tmpl := string(raw)
	for _, flag := range []string{"--read-only", "--cap-drop ALL", "--security-opt no-new-privileges", "--user {{.User}}", "--network host"} {
		if !strings.Contains(tmpl, flag) {
			t.Errorf("%s: docker run lacks %s", userDataTemplate, flag)
		}
	}
	if runUser := stringConstant(t, repoFile(t, userDataSource), "AppUser"); runUser != user {
		t.Errorf("docker run --user %s (compute AppUser), image USER %s", runUser, user)
	}
	m := regexp.MustCompile(`docker stop --time (\d+)`).FindStringSubmatch(tmpl)
	if m == nil {
		t.Fatalf("%s: no docker stop --time", userDataTemplate)
	}
	if grace, _ := strconv.Atoi(m[1]); time.Duration(grace)*time.Second != stopGracePeriod {
		t.Errorf("docker stop --time %ss, the app's shutdown budget derives from a stop grace period of %v", m[1], stopGracePeriod)
	}
}

// stringConstant returns the value of a string constant declared in a Go file.
func stringConstant(t *testing.T, path, name string) string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, ident := range vs.Names {
				if ident.Name != name || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					value, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					return value
				}
			}
		}
	}
	t.Fatalf("%s declares no string constant %s", path, name)
	return ""
}

// TestShutdownBudget: from SIGTERM to exit the service takes at most 20 s of docker stop's 25 s
// (the drain 16 s, closing the database pool 4 s), whatever the database does.
func TestShutdownBudget(t *testing.T) {
	if stopGracePeriod != 25*time.Second || shutdownBudget != 20*time.Second {
		t.Errorf("stop grace period %v, shutdown budget %v: want 25s and 20s", stopGracePeriod, shutdownBudget)
	}
	if forcedExitAfter != 22500*time.Millisecond {
		t.Errorf("forced exit %v after SIGTERM, want 22.5s: after the budget, before SIGKILL", forcedExitAfter)
	}
	drain, closeDB := splitShutdown(shutdownBudget)
	if drain != 16*time.Second || closeDB != 4*time.Second {
		t.Errorf("splitShutdown(%v) = drain %v, close %v; want 16s and 4s", shutdownBudget, drain, closeDB)
	}
}

// TestWatchdogExits: once the context is done, the watchdog exits 1 after its delay, not before.
func TestWatchdogExits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go watchdog(ctx, 50*time.Millisecond, func(code int) { exited <- code })
	select {
	case <-exited:
		t.Fatal("the watchdog exited before the context was done")
	case <-time.After(100 * time.Millisecond):
	}
	start := time.Now()
	cancel()
	select {
	case code := <-exited:
		if took := time.Since(start); code != 1 || took < 50*time.Millisecond {
			t.Errorf("watchdog exit(%d) after %v, want exit(1) after 50ms", code, took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog did not exit")
	}
}
