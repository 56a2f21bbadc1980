package main

import (
	"maps"
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

// testRepositoryURL is the registry of the mock account (the bootstrap project's output repositoryUrl).
const testRepositoryURL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app"

// devRequired are the values no profile has a default for: the account's registry and the image to run.
func devRequired() map[string]string {
	return map[string]string{"compute": `{"repositoryUrl": "` + testRepositoryURL + `", "imageTag": "3f2c1a0"}`}
}

// prodRequired are the prod values without a default: registry and image, a certificate and alarm recipients.
func prodRequired() map[string]string {
	return map[string]string{
		"compute": `{"repositoryUrl": "` + testRepositoryURL + `", "imageTag": "3f2c1a0", ` +
			`"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0d4c6c2e-8f7e-4c5a-9b1e-2f5a7c9d3e10"}`,
		"observability": `{"alarmEmails": ["oncall@corp.io"]}`,
	}
}

func TestEnvironmentComesFromTheStackName(t *testing.T) {
	dev, err := parseConfig("dev", devRequired())
	require.NoError(t, err, "dev deploys with its registry and image only")
	assert.Equal(t, settings.Dev, dev.Environment)
	assert.Equal(t, 8000, dev.AppPort)
	assert.Equal(t, network.DefaultConfig(settings.Dev), dev.Network)
	assert.Equal(t, data.DefaultConfig(settings.Dev), dev.Database)
	wantCompute := compute.DefaultConfig(settings.Dev)
	wantCompute.RepositoryURL, wantCompute.ImageTag = testRepositoryURL, "3f2c1a0"
	assert.Equal(t, wantCompute, dev.Compute)
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
		"compute":       "config 8byte:compute.repositoryUrl",
		"observability": "config 8byte:observability.alarmEmails",
	} {
		values := prodRequired()
		delete(values, key)
		_, err := parseConfig("prod", values)
		assert.ErrorContains(t, err, want)
	}
}

func TestProfileChoosesTheDefaultsAndTheStackNamesTheResources(t *testing.T) {
	values := prodRequired()
	values["profile"] = "prod"
	cfg, err := parseConfig("staging", values)
	require.NoError(t, err)
	assert.Equal(t, settings.Environment{Name: "staging", Profile: settings.ProdProfile}, cfg.Environment)
	assert.Equal(t, 3, cfg.Network.AzCount, "prod defaults follow the profile")

	values = devRequired()
	values["profile"] = "dev"
	cfg, err = parseConfig("prod", values)
	require.NoError(t, err, "a stack named prod may choose the dev profile knowingly")
	assert.Equal(t, settings.Environment{Name: "prod", Profile: settings.DevProfile}, cfg.Environment)
	assert.Equal(t, 2, cfg.Network.AzCount)
}

func TestNumericLookingStringsAreAccepted(t *testing.T) {
	// `pulumi config set --path 8byte:database.engineVersion 16` and `imageTag: 20240101` unquoted in a
	// stack file both reach the program as JSON numbers.
	values := devRequired()
	values["compute"] = `{"repositoryUrl": "` + testRepositoryURL + `", "imageTag": 20240101}`
	values["database"] = `{"engineVersion": 16}`
	cfg, err := parseConfig("dev", values)
	require.NoError(t, err)
	assert.Equal(t, "20240101", cfg.Compute.ImageTag)
	assert.Equal(t, "16", cfg.Database.EngineVersion)
}

func TestRemovedFieldsSayWhereTheirJobWent(t *testing.T) {
	values := devRequired()
	values["github"] = `{"enabled": true, "repository": "o/r", "createOidcProvider": true}`
	_, err := parseConfig("dev", values)
	assert.EqualError(t, err, "config 8byte:github.createOidcProvider is no longer read: the bootstrap project creates the account's GitHub OIDC provider: "+
		"remove it and set github.oidcProviderArn to the bootstrap output oidcProviderArn")
	values = devRequired()
	values["compute"] = `{"ecrKeepTaggedImages": 5}`
	_, err = parseConfig("dev", values)
	assert.EqualError(t, err, "config 8byte:compute.ecrKeepTaggedImages is no longer read: the bootstrap project owns the app image repository and its lifecycle: "+
		"remove it (bootstrap config 8byte:registry)")
}

func TestStackConfigErrors(t *testing.T) {
	cases := []struct {
		name   string
		stack  string
		values map[string]string
		want   string
	}{
		{"stack without profile", "staging", nil,
			`stack "staging" has no profile: set 8byte:profile to dev or prod (the defaults it starts from; its resources are named after the stack)`},
		{"unknown profile", "staging", map[string]string{"profile": "qa"},
			`config 8byte:profile: invalid value "qa": must be dev or prod (the defaults the stack starts from)`},
		{"stack name too long for the load balancer", "integration-eu", map[string]string{"profile": "dev"},
			`stack name "integration-eu": must be lowercase letters, digits and single inner hyphens, start with a letter, at most 12 characters (it is part of every physical name, e.g. the load balancer's)`},
		{"reserved stack name", "bootstrap", map[string]string{"profile": "dev"},
			`stack name "bootstrap" is reserved for the bootstrap project`},
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
			values := devRequired()
			maps.Copy(values, tc.values)
			_, err := parseConfig(tc.stack, values)
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
		"profile, appPort, network, github, database, compute, observability, recovery (see the README's configuration table)")
	assert.ErrorContains(t, rejectUnknownKeys(`not json`), "reading the stack configuration")
}
