package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/8byte/infra/network"
	"github.com/8byte/infra/settings"
)

// postgresPort is the database port; the design fixes it at PostgreSQL's default.
const postgresPort = 5432

// StackConfig is the whole, validated configuration of one stack. Each tier owns the type and the
// per-environment defaults of its own section; this file only reads the stack's values onto them.
type StackConfig struct {
	Environment settings.Environment
	AppPort     int
	Network     network.Config
}

// Config keys of the 8byte namespace. Every key is in the README's configuration table.
const (
	keyEnvironment = "environment"
	keyAppPort     = "appPort"
	keyNetwork     = "network"
)

// knownKeys are all the keys this program reads; any other key in the 8byte namespace is a typo.
var knownKeys = []string{keyEnvironment, keyAppPort, keyNetwork}

// readConfig reads and validates the stack configuration before any resource is registered.
func readConfig(ctx *pulumi.Context) (*StackConfig, error) {
	cfg := config.New(ctx, "")
	values := map[string]string{}
	for _, key := range knownKeys {
		if v, err := cfg.Try(key); err == nil {
			values[key] = v
		} else if !errors.Is(err, config.ErrMissingVar) {
			return nil, fmt.Errorf("config %s:%s: %w", settings.Namespace, key, err)
		}
	}
	return parseConfig(ctx.Stack(), values)
}

// parseConfig builds the StackConfig of stack from the raw values of the 8byte namespace (key without
// namespace -> value as the engine passes it: objects as JSON).
func parseConfig(stack string, values map[string]string) (*StackConfig, error) {
	envName, overridden := values[keyEnvironment]
	if overridden = overridden && envName != ""; !overridden {
		envName = stack // "" is Pulumi.yaml's default: the stack name
	}
	env, err := settings.ParseEnvironment(envName)
	if err != nil {
		if overridden {
			return nil, settings.Invalid(keyEnvironment, envName, "must be one of dev, prod")
		}
		return nil, fmt.Errorf("stack %q is not an environment name (dev, prod): set %s:%s to the environment it deploys",
			stack, settings.Namespace, keyEnvironment)
	}

	sc := &StackConfig{Environment: env, AppPort: 8000, Network: network.DefaultConfig(env)}
	if v, ok := values[keyAppPort]; ok {
		port, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || port < 1024 || port > 65535 {
			return nil, settings.Invalid(keyAppPort, v, "must be a port from 1024 to 65535 (the container runs unprivileged)")
		}
		sc.AppPort = port
	}
	if v, ok := values[keyNetwork]; ok {
		if err := settings.Decode(keyNetwork, v, &sc.Network); err != nil {
			return nil, err
		}
	}
	if err := sc.Network.Validate(env); err != nil {
		return nil, err
	}
	if sc.AppPort == postgresPort {
		return nil, settings.Invalid(keyAppPort, sc.AppPort, "must differ from the database port %d", postgresPort)
	}
	return sc, nil
}

// rejectUnknownKeys fails on a key of the 8byte namespace that this program does not read: the engine
// accepts any key, so a typo would otherwise silently fall back to a default. allConfig is the JSON object
// of every config value the engine passes to the program (pulumi.EnvConfig).
func rejectUnknownKeys(allConfig string) error {
	if allConfig == "" {
		return nil
	}
	var all map[string]any
	if err := json.Unmarshal([]byte(allConfig), &all); err != nil {
		return fmt.Errorf("reading the stack configuration: %w", err)
	}
	var unknown []string
	for key := range all {
		if name, ok := strings.CutPrefix(key, settings.Namespace+":"); ok && !slices.Contains(knownKeys, name) {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown config keys %s; known keys: %s (see the README's configuration table)",
			strings.Join(unknown, ", "), strings.Join(knownKeys, ", "))
	}
	return nil
}
