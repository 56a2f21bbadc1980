// Command 8byte-app is the 8byte web application: a small HTTP service whose readiness depends on
// its PostgreSQL database, configured by the environment variables of contract/app-env.json.
//
// With -healthcheck it instead probes GET /health of the service running on this host and exits
// 0 or 1: the image's HEALTHCHECK, since the distroless image has no shell and no curl.
package main

import (
	"context"
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
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

	logger := slog.New(slog.NewJSONHandler(stdout, nil)).With("service", serviceName)
	cfg, err := config.Load(getenv)
	if err != nil {
		logger.Error("invalid configuration", "error", err)
		return 1
	}
	logger = logger.With("environment", cfg.Environment, "version", cfg.Version)
	if err := serve(ctx, cfg, *caBundle, logger); err != nil {
		logger.Error("service failed", "error", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// serve wires the service and runs it until ctx is done.
func serve(ctx context.Context, cfg config.Config, caBundle string, logger *slog.Logger) error {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	reader := secrets.NewAWSReader(awsCfg)
	db, err := database.New(database.Options{
		Credentials: func(ctx context.Context) (secrets.Credentials, error) {
			return secrets.Load(ctx, reader, cfg.ConnectionSecretARN)
		},
		CABundle:           caBundle,
		MinRefreshInterval: credentialsRefreshInterval,
		Logger:             logger,
	})
	if err != nil {
		return err
	}
	defer db.Close()

	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	publisher := &metrics.Publisher{
		Putter:    cloudwatch.NewFromConfig(awsCfg),
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
	return server.Serve(ctx, srv, ln)
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
