// Package config reads the service's configuration from the environment variables that the
// launch template's user data passes to the container. The names are a contract with the
// compute tier, written down once in contract/app-env.json at the repository root.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The environment variables of the contract (contract/app-env.json).
const (
	EnvEnvironment         = "APP_ENV"
	EnvPort                = "APP_PORT"
	EnvVersion             = "APP_VERSION"
	EnvRegion              = "AWS_REGION"
	EnvConnectionSecretARN = "DB_CONNECTION_SECRET_ARN"
	EnvMetricsNamespace    = "METRICS_NAMESPACE"
)

// DefaultPort is the port the service listens on when APP_PORT is unset.
const DefaultPort = 8000

// unknownVersion is what GET / reports when APP_VERSION is unset (a local run).
const unknownVersion = "unknown"

// Config is the validated configuration of the service.
type Config struct {
	// Environment is the deployment environment: dev or prod.
	Environment string
	// Port is the TCP port the HTTP server listens on.
	Port int
	// Version is the image tag being run.
	Version string
	// Region is the AWS region of Secrets Manager and CloudWatch.
	Region string
	// ConnectionSecretARN names the Secrets Manager secret holding the connection JSON.
	ConnectionSecretARN string
	// MetricsNamespace is the CloudWatch namespace the instance role may publish to.
	MetricsNamespace string
}

// Getenv looks up one environment variable; os.Getenv in production, a map in tests.
type Getenv func(name string) string

// Load reads and validates the whole configuration. The error lists every invalid variable.
func Load(getenv Getenv) (Config, error) {
	port, portErr := LoadPort(getenv)
	cfg := Config{
		Environment:         getenv(EnvEnvironment),
		Port:                port,
		Version:             getenv(EnvVersion),
		Region:              getenv(EnvRegion),
		ConnectionSecretARN: getenv(EnvConnectionSecretARN),
		MetricsNamespace:    getenv(EnvMetricsNamespace),
	}
	if cfg.Version == "" {
		cfg.Version = unknownVersion
	}
	errs := []error{portErr}
	if cfg.Environment != "dev" && cfg.Environment != "prod" {
		errs = append(errs, invalid(EnvEnvironment, cfg.Environment, "dev or prod"))
	}
	if cfg.Region == "" {
		errs = append(errs, invalid(EnvRegion, cfg.Region, "an AWS region such as eu-west-1"))
	}
	if !strings.HasPrefix(cfg.ConnectionSecretARN, "arn:") || !strings.Contains(cfg.ConnectionSecretARN, ":secretsmanager:") {
		errs = append(errs, invalid(EnvConnectionSecretARN, cfg.ConnectionSecretARN, "a Secrets Manager secret ARN"))
	}
	if cfg.MetricsNamespace == "" || strings.HasPrefix(cfg.MetricsNamespace, "AWS/") {
		errs = append(errs, invalid(EnvMetricsNamespace, cfg.MetricsNamespace, "a custom CloudWatch namespace such as 8byte/dev"))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// LoadPort reads only APP_PORT: the -healthcheck mode needs nothing else.
func LoadPort(getenv Getenv) (int, error) {
	raw := getenv(EnvPort)
	if raw == "" {
		return DefaultPort, nil
	}
	port, err := strconv.Atoi(raw)
	if err != nil || port < 1 || port > 65535 {
		return 0, invalid(EnvPort, raw, "a TCP port number from 1 to 65535")
	}
	return port, nil
}

func invalid(name, value, allowed string) error {
	return fmt.Errorf("environment variable %s=%q is invalid: want %s", name, value, allowed)
}
