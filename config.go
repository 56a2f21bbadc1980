package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/8byte/infra/compute"
	"github.com/8byte/infra/data"
	"github.com/8byte/infra/iam"
	"github.com/8byte/infra/network"
	"github.com/8byte/infra/observability"
	"github.com/8byte/infra/settings"
)

// postgresPort is the database port; the design fixes it at PostgreSQL's default.
const postgresPort = 5432

// StackConfig is the whole, validated configuration of one stack. Each tier owns the type and the
// per-environment defaults of its own section; this file only reads the stack's values onto them.
type StackConfig struct {
	Environment   settings.Environment
	AppPort       int
	Network       network.Config
	GitHub        iam.Config
	Database      data.Config
	Compute       compute.Config
	Observability observability.Config
	// Recovery makes the stack a recovery stack restored from another stack's replicated backups.
	Recovery data.Recovery
}

// Config keys of the 8byte namespace. Every key is in the README's configuration table.
const (
	keyProfile       = "profile"
	keyAppPort       = "appPort"
	keyNetwork       = "network"
	keyGitHub        = iam.ConfigKey
	keyDatabase      = "database"
	keyCompute       = "compute"
	keyObservability = "observability"
	keyRecovery      = "recovery"
)

// knownKeys are all the keys this program reads; any other key in the 8byte namespace is a typo.
var knownKeys = []string{keyProfile, keyAppPort, keyNetwork, keyGitHub, keyDatabase, keyCompute, keyObservability, keyRecovery}

// section is one structured config key: where its value goes and how it is validated.
type section struct {
	key      string
	dst      any
	validate func(settings.Environment) error
}

// sections lists the structured keys of sc in the order their errors are reported.
func (sc *StackConfig) sections() []section {
	return []section{
		{keyNetwork, &sc.Network, sc.Network.Validate},
		{keyGitHub, &sc.GitHub, sc.GitHub.Validate},
		{keyDatabase, &sc.Database, sc.Database.Validate},
		{keyCompute, &sc.Compute, sc.Compute.Validate},
		{keyObservability, &sc.Observability, sc.Observability.Validate},
		{keyRecovery, &sc.Recovery, func(settings.Environment) error { return sc.Recovery.Validate(sc.Database) }},
	}
}

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

// removedFields are fields of structured keys that earlier versions read: each says where its job went.
var removedFields = []struct{ key, field, moved string }{
	{keyGitHub, "createOidcProvider", "the bootstrap project creates the account's GitHub OIDC provider: remove it and set github.oidcProviderArn to the bootstrap output oidcProviderArn"},
	{keyCompute, "ecrUntaggedImageDays", "the bootstrap project owns the app image repository and its lifecycle: remove it (bootstrap config 8byte:registry)"},
	{keyCompute, "ecrKeepTaggedImages", "the bootstrap project owns the app image repository and its lifecycle: remove it (bootstrap config 8byte:registry)"},
}

// parseConfig builds the StackConfig of stack from the raw values of the 8byte namespace (key without
// namespace -> value as the engine passes it: objects as JSON). The stack's name names its resources; its
// profile (8byte:profile, by default the stack's name when that is dev or prod) chooses its defaults.
func parseConfig(stack string, values map[string]string) (*StackConfig, error) {
	if err := settings.CheckName(stack); err != nil {
		return nil, err
	}
	profileName, set := values[keyProfile]
	if !set || profileName == "" {
		profileName = stack
	}
	profile, err := settings.ParseProfile(profileName)
	if err != nil {
		if set && values[keyProfile] != "" {
			return nil, settings.Invalid(keyProfile, profileName, "must be dev or prod (the defaults the stack starts from)")
		}
		return nil, fmt.Errorf("stack %q has no profile: set %s:%s to dev or prod (the defaults it starts from; its resources are named after the stack)",
			stack, settings.Namespace, keyProfile)
	}
	env := settings.Environment{Name: stack, Profile: profile}
	for _, r := range removedFields {
		var fields map[string]json.RawMessage
		if json.Unmarshal([]byte(values[r.key]), &fields) == nil {
			if _, ok := fields[r.field]; ok {
				return nil, fmt.Errorf("config %s:%s.%s is no longer read: %s", settings.Namespace, r.key, r.field, r.moved)
			}
		}
	}

	sc := defaultStackConfig(env)
	if v, ok := values[keyAppPort]; ok {
		port, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || port < 1024 || port > 65535 {
			return nil, settings.Invalid(keyAppPort, v, "must be a port from 1024 to 65535 (the container runs unprivileged)")
		}
		sc.AppPort = port
	}
	for _, sec := range sc.sections() {
		if v, ok := values[sec.key]; ok {
			if err := settings.Decode(sec.key, v, sec.dst); err != nil {
				return nil, err
			}
		}
	}
	// A recovery drill is prod-like in every setting but protects nothing (settings.Environment.Drill).
	env.Drill = sc.Recovery.Drill
	sc.Environment = env
	// sections() again: its validators are method values, bound to the values decoded above.
	for _, sec := range sc.sections() {
		if err := sec.validate(env); err != nil {
			return nil, err
		}
	}
	if sc.AppPort == postgresPort {
		return nil, settings.Invalid(keyAppPort, sc.AppPort, "must differ from the database port %d", postgresPort)
	}
	return sc, nil
}

// defaultStackConfig is the configuration of env before the stack's values are read: each tier's defaults.
func defaultStackConfig(env settings.Environment) *StackConfig {
	return &StackConfig{
		Environment:   env,
		AppPort:       8000,
		Network:       network.DefaultConfig(env),
		GitHub:        iam.DefaultConfig(env),
		Database:      data.DefaultConfig(env),
		Compute:       compute.DefaultConfig(env),
		Observability: observability.DefaultConfig(env),
	}
}

// rejectUnknownKeys fails on a key of the 8byte namespace that this program does not read: the engine
// accepts any key, so a typo would otherwise silently fall back to a default. allConfig is the JSON object
// of every config value the engine passes to the program (pulumi.EnvConfig).
func rejectUnknownKeys(allConfig string) error {
	unknown, err := settings.UnknownKeys(allConfig, knownKeys)
	if err != nil || len(unknown) == 0 {
		return err
	}
	return fmt.Errorf("unknown config keys %s; known keys: %s (see the README's configuration table)",
		strings.Join(unknown, ", "), strings.Join(knownKeys, ", "))
}
