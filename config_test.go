package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/network"
	"github.com/8byte/infra/settings"
)

func TestEnvironmentComesFromTheStackName(t *testing.T) {
	for _, env := range settings.Environments {
		cfg, err := parseConfig(string(env), nil)
		require.NoError(t, err)
		assert.Equal(t, env, cfg.Environment)
		assert.Equal(t, network.DefaultConfig(env), cfg.Network)
		assert.Equal(t, 8000, cfg.AppPort)
	}
}

func TestEnvironmentOverride(t *testing.T) {
	cfg, err := parseConfig("prod-eu", map[string]string{"environment": "prod"})
	require.NoError(t, err)
	assert.Equal(t, settings.Prod, cfg.Environment)
	assert.Equal(t, 3, cfg.Network.AzCount, "prod defaults follow the overridden environment")
}

func TestStackConfigErrors(t *testing.T) {
	cases := []struct {
		name   string
		stack  string
		values map[string]string
		want   string
	}{
		{"unknown stack name", "staging", nil,
			`stack "staging" is not an environment name (dev, prod): set 8byte:environment to the environment it deploys`},
		{"unknown environment override", "staging", map[string]string{"environment": "qa"},
			`config 8byte:environment: invalid value "qa": must be one of dev, prod`},
		{"app port not a number", "dev", map[string]string{"appPort": "http"},
			`config 8byte:appPort: invalid value "http": must be a port from 1024 to 65535 (the container runs unprivileged)`},
		{"privileged app port", "dev", map[string]string{"appPort": "80"},
			`config 8byte:appPort: invalid value "80": must be a port from 1024 to 65535 (the container runs unprivileged)`},
		{"negative app port", "dev", map[string]string{"appPort": "-8000"},
			`config 8byte:appPort: invalid value "-8000": must be a port from 1024 to 65535 (the container runs unprivileged)`},
		{"app port equal to the database port", "dev", map[string]string{"appPort": "5432"},
			`config 8byte:appPort: invalid value 5432: must differ from the database port 5432`},
		{"unknown key inside network", "dev", map[string]string{"network": `{"vpcCIDR": "10.1.0.0/16"}`},
			`config 8byte:network: unknown field "vpcCIDR" (fields are case-sensitive; see the README's configuration table)`},
		{"network of the wrong type", "dev", map[string]string{"network": `{"azCount": "three"}`},
			`config 8byte:network: field "azCount" must be of type int, got a JSON string`},
		{"network value fails validation", "prod", map[string]string{"network": `{"vpcCidr": "10.0.0.0/24"}`},
			`config 8byte:network.vpcCidr: invalid value "10.0.0.0/24": too small for the derived subnet plan (each subnet is 1/256 of the VPC and at least a /28): use /16 to /20, or list the subnet CIDRs`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.stack, tc.values)
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestNetworkOverridesKeepOtherDefaults(t *testing.T) {
	cfg, err := parseConfig("prod", map[string]string{"network": `{"natStrategy": "single"}`})
	require.NoError(t, err)
	want := network.DefaultConfig(settings.Prod)
	want.NatStrategy = network.NatSingle
	assert.Equal(t, want, cfg.Network)
}

func TestUnknownTopLevelKeysAreRejected(t *testing.T) {
	assert.NoError(t, rejectUnknownKeys(""))
	assert.NoError(t, rejectUnknownKeys(`{"aws:region": "us-east-1", "8byte:network": "{}", "8byte:appPort": "8000"}`))
	err := rejectUnknownKeys(`{"aws:region": "us-east-1", "8byte:netwrok": "{}", "8byte:appport": "8000"}`)
	assert.EqualError(t, err, "unknown config keys 8byte:appport, 8byte:netwrok; known keys: "+
		"environment, appPort, network (see the README's configuration table)")
	assert.ErrorContains(t, rejectUnknownKeys(`not json`), "reading the stack configuration")
}
