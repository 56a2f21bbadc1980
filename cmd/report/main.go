// Command report prints the plan report of a stack as Markdown, with no credentials and no network: it
// builds the Pulumi program, runs it whole under the mock cloud of tests/ with the real stack file, and
// reports its resources, control matrix, monthly cost and diagram (package report).
//
//	go run ./cmd/report -stack prod              # the report
//	go run ./cmd/report -stack dev -base HEAD~1  # what the working tree changes against another commit
//	go run ./cmd/report -stack dev -json         # the report as JSON (how a base commit hands it over)
//
// With -base, the program of that commit is extracted (git archive) into a temporary directory and built
// there. If the commit has this command and it speaks the same JSON schema, its own report is used (its
// controls, exceptions and prices); otherwise its program runs under this commit's mock engine and is
// reported with this commit's controls and prices, and the diff says so.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/8byte/infra/report"
	"github.com/8byte/infra/report/engine"
	"github.com/8byte/infra/report/stackreport"
	"github.com/8byte/infra/settings"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("report", flag.ContinueOnError)
	stack := flags.String("stack", "", "stack to report (its Pulumi.<stack>.yaml)")
	base := flags.String("base", "", "git ref to compare with (diff mode)")
	asJSON := flags.Bool("json", false, "print the report as JSON")
	dir := flags.String("dir", ".", "project directory")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *stack == "" {
		return errors.New("-stack is required (e.g. -stack dev)")
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()

	head, err := reportOf(ctx, *dir, *stack)
	if err != nil {
		return err
	}
	if *base == "" {
		if *asJSON {
			return json.NewEncoder(out).Encode(head)
		}
		_, err := io.WriteString(out, head.Markdown())
		return err
	}
	baseReport, note, err := reportAt(ctx, *dir, *base, *stack)
	if err != nil {
		return fmt.Errorf("report at %s: %w", *base, err)
	}
	d := report.Compare(baseReport, head)
	d.BaseNote = note
	_, err = io.WriteString(out, d.Markdown())
	return err
}

// reportOf builds the program in dir and reports stack with this commit's controls and prices.
func reportOf(ctx context.Context, dir, stack string) (*report.Report, error) {
	tmp, err := os.MkdirTemp("", "8byte-report-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	binary := filepath.Join(tmp, "program")
	if err := command(ctx, dir, nil, "go", "build", "-o", binary, "."); err != nil {
		return nil, fmt.Errorf("building the program in %s: %w", dir, err)
	}
	config, _, err := report.StackConfig(dir, stack)
	if err != nil {
		return nil, err
	}
	mocks, err := engine.Run(ctx, engine.Program{Binary: binary, Dir: dir, Stack: stack, Config: config})
	if err != nil {
		return nil, err
	}
	prices, err := report.Prices()
	if err != nil {
		return nil, err
	}
	// The stack's profile chooses its defaults (and the usage profile of the cost estimate).
	profile := stack
	if p := config["8byte:profile"]; p != "" {
		profile = p
	}
	env := settings.Environment{Name: stack, Profile: settings.Profile(profile)}
	return stackreport.Build(stack, env, mocks.All(), prices), nil
}

// reportAt reports stack at the git ref: by the commit's own command when it has one that speaks this
// schema, else by running its program here. It returns a sentence on how the report was made.
func reportAt(ctx context.Context, dir, ref, stack string) (*report.Report, string, error) {
	var sha bytes.Buffer
	if err := command(ctx, dir, &sha, "git", "rev-parse", "--verify", ref+"^{commit}"); err != nil {
		return nil, "", fmt.Errorf("unknown git ref %q: %w", ref, err)
	}
	commit := strings.TrimSpace(sha.String())
	tmp, err := os.MkdirTemp("", "8byte-report-base-")
	if err != nil {
		return nil, "", fmt.Errorf("temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	// git archive: the commit's tracked files only, no worktree registered in the repository.
	archive := filepath.Join(tmp, "base.tar")
	if err := command(ctx, dir, nil, "git", "archive", "--format=tar", "-o", archive, commit); err != nil {
		return nil, "", err
	}
	src := filepath.Join(tmp, "src")
	if err := os.Mkdir(src, 0o700); err != nil {
		return nil, "", fmt.Errorf("temporary directory: %w", err)
	}
	if err := command(ctx, src, nil, "tar", "-xf", archive); err != nil {
		return nil, "", err
	}
	short := commit[:12]
	if _, err := os.Stat(filepath.Join(src, "cmd", "report", "main.go")); err == nil {
		var out bytes.Buffer
		err := command(ctx, src, &out, "go", "run", "./cmd/report", "-stack", stack, "-json")
		var r report.Report
		if err == nil && json.Unmarshal(out.Bytes(), &r) == nil && r.Schema == report.Schema {
			return &r, fmt.Sprintf("Base: %#q (%s), reported by its own `cmd/report`.", ref, short), nil
		}
	}
	r, err := reportOf(ctx, src, stack)
	if err != nil {
		return nil, "", err
	}
	return r, fmt.Sprintf("Base: `%s` (%s). Its program ran under this commit's mock engine; its controls and costs are "+
		"this commit's checks, exceptions and prices applied to its resources.", ref, short), nil
}

func command(ctx context.Context, dir string, stdout io.Writer, name string, args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...) //nolint:gosec // G204: fixed tools (go, git, tar) with arguments of this command
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
