package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/compute"
	"github.com/8byte/infra/data"
	"github.com/8byte/infra/iam"
	"github.com/8byte/infra/network"
	"github.com/8byte/infra/observability"
	"github.com/8byte/infra/settings"
)

// prodRequired are the prod values without a default: an image tag, a certificate and alarm recipients.
func prodRequired() map[string]string {
	return map[string]string{
		"compute":       `{"imageTag": "3f2c1a0", "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0d4c6c2e-8f7e-4c5a-9b1e-2f5a7c9d3e10"}`,
		"observability": `{"alarmEmails": ["oncall@8byte.example"]}`,
	}
}

func TestEnvironmentComesFromTheStackName(t *testing.T) {
	dev, err := parseConfig("dev", nil)
	require.NoError(t, err, "dev deploys with no config at all")
	assert.Equal(t, settings.Dev, dev.Environment)
	assert.Equal(t, 8000, dev.AppPort)
	assert.Equal(t, network.DefaultConfig(settings.Dev), dev.Network)
	assert.Equal(t, data.DefaultConfig(settings.Dev), dev.Database)
	assert.Equal(t, compute.DefaultConfig(settings.Dev), dev.Compute)
	assert.Equal(t, observability.DefaultConfig(settings.Dev), dev.Observability)
	assert.Equal(t, iam.DefaultConfig(settings.Dev), dev.GitHub)

	prod, err := parseConfig("prod", prodRequired())
	require.NoError(t, err)
	assert.Equal(t, settings.Prod, prod.Environment)
	assert.Equal(t, network.DefaultConfig(settings.Prod), prod.Network)
	assert.Equal(t, data.DefaultConfig(settings.Prod), prod.Database)
	assert.Equal(t, "3f2c1a0", prod.Compute.ImageTag)
}

func TestProdRefusesToRunWithoutItsRequiredValues(t *testing.T) {
	for key, want := range map[string]string{
		"compute":       "config 8byte:compute.imageTag",
		"observability": "config 8byte:observability.alarmEmails",
	} {
		values := prodRequired()
		delete(values, key)
		_, err := parseConfig("prod", values)
		assert.ErrorContains(t, err, want)
	}
}

func TestEnvironmentOverride(t *testing.T) {
	values := prodRequired()
	values["environment"] = "prod"
	cfg, err := parseConfig("prod-eu", values)
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
		{"network value fails validation", "dev", map[string]string{"network": `{"vpcCidr": "10.0.0.0/24"}`},
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
	values := prodRequired()
	values["network"] = `{"natStrategy": "single"}`
	cfg, err := parseConfig("prod", values)
	require.NoError(t, err)
	want := network.DefaultConfig(settings.Prod)
	want.NatStrategy = network.NatSingle
	assert.Equal(t, want, cfg.Network)
}

func TestUnknownTopLevelKeysAreRejected(t *testing.T) {
	assert.NoError(t, rejectUnknownKeys(""))
	assert.NoError(t, rejectUnknownKeys(`{"aws:region": "us-east-1", "8byte:network": "{}", "8byte:appPort": "8000"}`))
	err := rejectUnknownKeys(`{"aws:region": "us-east-1", "8byte:netwrok": "{}", "8byte:appport": "8000"}`) //nolint:misspell // the typo is the test
	assert.EqualError(t, err, "unknown config keys 8byte:appport, 8byte:netwrok; known keys: "+             //nolint:misspell // the typo is the test
		"environment, appPort, network, github, database, compute, observability (see the README's configuration table)")
	assert.ErrorContains(t, rejectUnknownKeys(`not json`), "reading the stack configuration")
}
