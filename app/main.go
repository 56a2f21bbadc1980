// Command 8byte-app is the 8byte web application: a small HTTP service whose readiness depends on
// its PostgreSQL database, configured by the environment variables of contract/app-env.json.
//
// With -healthcheck it instead probes GET /health of the service running on this host and exits
// 0 or 1: the image's HEALTHCHECK, since the distroless image has no shell and no curl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/8byte/infra/app/internal/config"
	"github.com/8byte/infra/app/internal/database"
	"github.com/8byte/infra/app/internal/logging"
	"github.com/8byte/infra/app/internal/metrics"
	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/server"
)

const (
	serviceName = "8byte-app"
	// defaultCABundle is where the Dockerfile puts the RDS global CA bundle.
	defaultCABundle = "/etc/ssl/rds/global-bundle.pem"
	// credentialsRefreshInterval throttles re-reading secrets while the database keeps refusing them.
	credentialsRefreshInterval = 10 * time.Second
	metricsInterval            = time.Minute
	// heartbeatInterval spaces the heartbeat writes: the resolution of the RPO a drill measures.
	heartbeatInterval  = time.Minute
	healthcheckTimeout = 3 * time.Second
)

// Shutdown. The unit's `docker stop --time` (compute/userdata.sh.tmpl) is the one fact the
// budgets derive from: dockerfile_test.go checks stopGracePeriod against it.
const (
	// stopGracePeriod is what docker stop leaves the process between SIGTERM and SIGKILL.
	stopGracePeriod = 25 * time.Second
	// exitMargin is kept from the grace period for the runtime to exit and Docker to notice.
	exitMargin = 5 * time.Second
	// shutdownBudget is the most the service takes from SIGTERM to exit: 20 s.
	shutdownBudget = stopGracePeriod - exitMargin
	// forcedExitAfter is when, after SIGTERM, the process exits whatever it is stuck on (a log
	// write held up by the awslogs driver): 22.5 s, still before docker stop's SIGKILL.
	forcedExitAfter = shutdownBudget + exitMargin/2
)

// watchdog calls exit(1) once ctx has been done for after: serve keeps its budget, but nothing
// else may hold the process past docker stop's grace period either.
func watchdog(ctx context.Context, after time.Duration, exit func(int)) {
	<-ctx.Done()
	time.Sleep(after)
	exit(1)
}

// splitShutdown divides a shutdown budget: four fifths drain the HTTP requests in flight, the
// rest closes the database pool (16 s and 4 s of the 20 s). Both are bounded, so a hung
// database cannot hold the process: what is still open at the end is left to the exit.
func splitShutdown(budget time.Duration) (drain, closeDB time.Duration) {
	closeDB = budget / 5
	return budget - closeDB, closeDB
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go watchdog(ctx, forcedExitAfter, os.Exit)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet(serviceName, flag.ContinueOnError)
	flags.SetOutput(stderr)
	healthcheck := flags.Bool("healthcheck", false, "probe GET /health on APP_PORT of this host, exit 0 if it answers 200 (the image's HEALTHCHECK)")
	caBundle := flags.String("rds-ca-bundle", defaultCABundle, "PEM file of the CAs that sign the database server certificate")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *healthcheck {
		if err := probe(ctx, getenv); err != nil {
			// The exit code is the healthcheck's answer; if stderr cannot take the reason, there is nowhere else to report it.
			_, _ = fmt.Fprintln(stderr, "unhealthy:", err)
			return 1
		}
		return 0
	}

	logger := newLogger(stdout)
	cfg, err := config.Load(getenv)
	if err != nil {
		logger.Error("invalid configuration", "error", err)
		return 1
	}
	logger = logger.With("environment", cfg.Environment, "version", cfg.Version)
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		logger.Error("service failed", "error", fmt.Errorf("load AWS configuration: %w", err))
		return 1
	}
	deps := dependencies{
		secrets:  secrets.NewAWSReader(awsCfg),
		metrics:  cloudwatch.NewFromConfig(awsCfg),
		caBundle: *caBundle,
		shutdown: shutdownBudget,
	}
	if err := serve(ctx, cfg, deps, logger); err != nil {
		logger.Error("service failed", "error", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// newLogger returns the service's logger: JSON lines on w (the format of ../contract/log-events.json),
// bounded in size and in repeats (package logging).
func newLogger(w io.Writer) *slog.Logger {
	return logging.New(w, logging.Options{}).With("service", serviceName)
}

// dependencies are what serve takes from outside the process; tests replace them.
type dependencies struct {
	secrets  secrets.Reader
	metrics  metrics.Putter
	caBundle string
	// shutdown bounds the time from ctx's end to serve's return (shutdownBudget).
	shutdown time.Duration
}

// serve wires the service and runs it until ctx is done, then shuts it down within deps.shutdown.
func serve(ctx context.Context, cfg config.Config, deps dependencies, logger *slog.Logger) error {
	db, err := database.New(database.Options{
		Credentials: func(ctx context.Context) (secrets.Credentials, error) {
			return secrets.Load(ctx, deps.secrets, cfg.ConnectionSecretARN)
		},
		CABundle:           deps.caBundle,
		MinRefreshInterval: credentialsRefreshInterval,
		Logger:             logger,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return errors.Join(fmt.Errorf("listen: %w", err), db.Close(context.Background()))
	}
	publisher := &metrics.Publisher{
		Putter:    deps.metrics,
		Namespace: cfg.MetricsNamespace,
		Database:  db,
		Logger:    logger,
	}
	go publisher.Run(ctx, metricsInterval)
	go db.RunHeartbeat(ctx, cfg.Environment, heartbeatInterval, func(err error) {
		logger.Warn("writing the heartbeat failed", "error", err)
	})

	info := server.Info{Service: serviceName, Version: cfg.Version, Environment: cfg.Environment}
	srv := server.New(server.NewHandler(info, db, db, logger), logger)
	logger.Info("listening", "port", cfg.Port)
	drain, closeDB := splitShutdown(deps.shutdown)
	served := server.Serve(ctx, srv, ln, drain)
	closeCtx, cancel := context.WithTimeout(context.Background(), closeDB)
	defer cancel()
	return errors.Join(served, db.Close(closeCtx))
}

// probe asks the service on this host for GET /health.
func probe(ctx context.Context, getenv config.Getenv) error {
	port, err := config.LoadPort(getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	url := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/health"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	// The status code is the answer: the body is not read.
	if err := resp.Body.Close(); err != nil {
		return fmt.Errorf("GET %s: close the response body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
