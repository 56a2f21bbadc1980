package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/8byte/infra/tests"
)

// committedConfig is the config the engine passes for Pulumi.shared.yaml (structured values as JSON).
func committedConfig(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("Pulumi.shared.yaml")
	require.NoError(t, err)
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &file))
	out := map[string]string{}
	for k, v := range file.Config {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		out[k] = string(b)
	}
	return out
}

func run(t *testing.T, config map[string]string) (*tests.Mocks, map[string]any, error) {
	t.Helper()
	var outputs pulumi.Map
	mocks, err := tests.Run("shared", config, func(ctx *pulumi.Context) error {
		var err error
		outputs, err = deploy(ctx)
		return err
	})
	if err != nil {
		return mocks, nil, err
	}
	resolved, _ := tests.Await(t, outputs.ToMapOutput()).(map[string]any)
	return mocks, resolved, nil
}

func TestCommittedStackExportsWhatTheApplicationStacksNeed(t *testing.T) {
	mocks, out, err := run(t, committedConfig(t))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"backendUrl":  "s3://8byte-bootstrap-state?region=us-east-1",
		"stateBucket": "8byte-bootstrap-state",
		"stateKeyArn": mocks.Find("aws:kms/key:Key", "8byte-bootstrap-state-key").Out["arn"],
		"secretsProviders": map[string]string{
			"dev":  "awskms://alias/8byte-pulumi-dev?region=us-east-1",
			"prod": "awskms://alias/8byte-pulumi-prod?region=us-east-1",
		},
		"secretsKeyArns": map[string]string{
			"dev":  mocks.Find("aws:kms/key:Key", "8byte-bootstrap-secrets-dev").Out["arn"].(string),
			"prod": mocks.Find("aws:kms/key:Key", "8byte-bootstrap-secrets-prod").Out["arn"].(string),
		},
		"oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
		"repositoryUrl":   "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app",
		"repositoryArn":   mocks.Find("aws:ecr/repository:Repository", "8byte-bootstrap-app-repository").Out["arn"],
	}, out)
	for _, r := range mocks.All() {
		if r.Parent == "" || mocks.ByURN(r.Parent) == nil {
			assert.Equal(t, "8byte:foundation:Foundation", r.Type, "%s sits outside the foundation component", r.Describe())
		}
	}
}

func TestInvalidConfigCreatesNothing(t *testing.T) {
	for raw, want := range map[string]string{
		`["dev", "dev"]`:   `config 8byte:stacks: invalid value ["dev" "dev"]: lists "dev" twice`,
		`"dev"`:            `config 8byte:stacks: `,
		`["dev", "stage"]`: "",
	} {
		cfg := committedConfig(t)
		cfg["8byte:stacks"] = raw
		mocks, _, err := run(t, cfg)
		if want == "" {
			assert.NoError(t, err, raw)
			continue
		}
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want, raw)
		assert.Empty(t, mocks.All(), raw)
		assert.Empty(t, mocks.Invokes(), "nothing is looked up before the config is valid")
	}
	cfg := committedConfig(t)
	cfg["8byte:registry"] = `{"keepTaggedImages": 0}`
	mocks, _, err := run(t, cfg)
	require.ErrorContains(t, err, "config 8byte:registry.keepTaggedImages: invalid value 0: must be between 1 and 1000")
	assert.Empty(t, mocks.All())
}

func TestUnknownKeysAreRejected(t *testing.T) {
	assert.NoError(t, rejectUnknownKeys(`{"aws:region": "us-east-1", "8byte:stacks": "[]"}`))
	assert.EqualError(t, rejectUnknownKeys(`{"8byte:stack": "[]"}`), "unknown config keys 8byte:stack; the bootstrap project reads stacks, registry")
}
