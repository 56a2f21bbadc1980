// Command drdrill runs one disaster-recovery drill (package drill) with the real tools: the AWS CLI for the
// replicated backups and the metrics, the Pulumi CLI for the recovery stack, HTTPS through the recovery
// load balancer for the application. It needs the AWS credentials of the drill role and a Pulumi login
// (the same backend and secrets provider as the recovery stack); see the README's disaster-recovery
// section. scripts/dr-drill.sh is the entry point the workflow and people use.
//
//	drdrill -stack prod-dr -host dr.8byte.example.com [-source-stack prod]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/8byte/infra/data/dbname"
	"github.com/8byte/infra/drill"
	"github.com/8byte/infra/settings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses the flags, runs the drill and writes its summary to stdout and, on GitHub, to the job summary.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("drdrill", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stack := flags.String("stack", "prod-dr", "the recovery stack (it is created and destroyed)")
	region := flags.String("region", "us-west-2", "the recovery region: the recovery stack's aws:region, where the backups are replicated")
	sourceStack := flags.String("source-stack", "prod", "the stack whose database is recovered")
	sourceRegion := flags.String("source-region", "us-east-1", "the source stack's region (where the drill metrics and alarms are)")
	host := flags.String("host", "", "the host name of the recovery stack's certificate; the drill dials the load balancer and verifies TLS for this name")
	readyTimeout := flags.Duration("ready-timeout", 45*time.Minute, "how long to wait for /ready after the deployment")
	cwd := flags.String("dir", ".", "the Pulumi project directory")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *host == "" {
		_, _ = fmt.Fprintln(stderr, "drdrill: -host is required: the recovery stack serves HTTPS with a certificate for that name")
		return 2
	}
	source := settings.Environment{Name: *sourceStack}
	cfg := drill.Config{
		Stack: *stack, Region: *region,
		SourceIdentifier: dbname.Instance(source), SourceRegion: *sourceRegion, SourceEnvironment: *sourceStack,
		MetricsRegion: *sourceRegion, ReadyTimeout: *readyTimeout, PollInterval: 15 * time.Second,
	}
	deps := drill.Deps{
		Cloud: awsCLI{},
		Stack: pulumiCLI{stack: *stack, dir: *cwd, log: stderr},
		App:   newHTTPSApp(*host),
		Clock: realClock{},
	}
	res, err := drill.Run(ctx, cfg, deps)
	summary := res.Summary(cfg)
	_, _ = fmt.Fprint(stdout, summary) // the job summary below keeps it if stdout is gone
	if path := os.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if werr := appendFile(path, summary); werr != nil {
			_, _ = fmt.Fprintf(stderr, "drdrill: writing the job summary: %v\n", werr)
		}
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "drdrill: %v\n", err)
		return 1
	}
	return 0
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) //nolint:gosec // G304: GitHub's job-summary file
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, text); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
