// Command bootstrap is the Pulumi program of the bootstrap project: once per AWS account, before any
// application stack, it creates what those stacks share (package foundation) and exports exactly what
// they and CI need: the `pulumi login` URL, each stack's `--secrets-provider` string and key ARN, the
// GitHub OIDC provider's ARN and the app image repository's URL and ARN.
package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/foundation"
	"github.com/8byte/infra/settings"
)

func main() { pulumi.Run(cloud.Program(rejectUnknownKeys, deploy)) }

// knownKeys are the keys of the 8byte namespace this program reads.
var knownKeys = []string{foundation.KeyStacks, foundation.KeyRegistry}

// deploy reads and validates the config, looks the account up and creates the foundation.
func deploy(ctx *pulumi.Context) (pulumi.Map, error) {
	values := map[string]string{}
	cfg := config.New(ctx, settings.Namespace)
	for _, key := range knownKeys {
		if v, err := cfg.Try(key); err == nil {
			values[key] = v
		} else if !errors.Is(err, config.ErrMissingVar) {
			return nil, fmt.Errorf("config %s:%s: %w", settings.Namespace, key, err)
		}
	}
	conf, err := parseConfig(values)
	if err != nil {
		return nil, err
	}
	account, err := cloud.LookupAccount(ctx)
	if err != nil {
		return nil, err
	}
	f, err := foundation.NewFoundation(ctx, &foundation.Args{Account: account, Config: conf})
	if err != nil {
		return nil, err
	}
	return pulumi.Map{
		"backendUrl":       f.BackendURL,
		"stateBucket":      f.StateBucket,
		"stateKeyArn":      f.StateKeyArn,
		"secretsProviders": f.SecretsProviders,
		"secretsKeyArns":   f.SecretsKeyArns,
		"oidcProviderArn":  f.OidcProviderArn,
		"repositoryUrl":    f.RepositoryURL,
		"repositoryArn":    f.RepositoryArn,
	}, nil
}

// parseConfig overlays the raw config values (key without namespace -> JSON) on the defaults and
// validates them, before anything is looked up or created.
func parseConfig(values map[string]string) (foundation.Config, error) {
	conf := foundation.DefaultConfig()
	if v, ok := values[foundation.KeyStacks]; ok {
		conf.Stacks = nil
		if err := settings.Decode(foundation.KeyStacks, v, &conf.Stacks); err != nil {
			return conf, err
		}
	}
	if v, ok := values[foundation.KeyRegistry]; ok {
		if err := settings.Decode(foundation.KeyRegistry, v, &conf.Registry); err != nil {
			return conf, err
		}
	}
	return conf, conf.Validate()
}

// rejectUnknownKeys fails on a key of the 8byte namespace that this program does not read (a typo would
// otherwise fall back to a default silently).
func rejectUnknownKeys(allConfig string) error {
	unknown, err := settings.UnknownKeys(allConfig, knownKeys)
	if err != nil || len(unknown) == 0 {
		return err
	}
	return fmt.Errorf("unknown config keys %s; the bootstrap project reads %s", strings.Join(unknown, ", "), strings.Join(knownKeys, ", "))
}
