package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

func TestStacksDeployFromTheirStackFiles(t *testing.T) {
	cases := []struct {
		stack string
		zones int
		nats  int
	}{{"dev", 2, 1}, {"prod", 3, 3}}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			run := wholeStack(t, settings.Environment(tc.stack))
			mocks, out := run.mocks, run.outputs

			assert.Equal(t, tc.stack, out["environment"])
			assert.Equal(t, tests.Region, out["region"])
			vpc := mocks.OfType("aws:ec2/vpc:Vpc")
			require.Len(t, vpc, 1)
			assert.Equal(t, vpc[0].Out["id"], out["vpcId"])
			assert.Equal(t, "10.0.0.0/16", out["vpcCidr"])
			for _, key := range []string{"publicSubnetIds", "privateSubnetIds", "databaseSubnetIds"} {
				ids, _ := out[key].([]string)
				assert.Len(t, ids, tc.zones, key)
				for _, id := range ids {
					assert.True(t, strings.HasPrefix(id, "subnet-"), "%s holds %q", key, id)
				}
			}
			assert.Len(t, out["natPublicIps"], tc.nats)
		})
	}
}

func TestStackFilesSetTheDefaultTags(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		var file stackFile
		readYAML(t, "Pulumi."+stack+".yaml", &file)
		assert.Equal(t, "us-east-1", file.Config["aws:region"], stack)
		assert.Equal(t, map[string]any{"tags": map[string]any{"Project": "8byte", "Environment": stack, "ManagedBy": "pulumi"}},
			file.Config["aws:defaultTags"], stack)
	}
}

func TestEveryResourceBelongsToATierComponent(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		for _, r := range wholeStack(t, settings.Environment(stack)).mocks.All() {
			if strings.Contains(r.Parent, "::pulumi:pulumi:Stack::") {
				assert.False(t, r.Custom, "%s sits at the stack root instead of inside a tier component", r.Describe())
				assert.True(t, strings.HasPrefix(r.Type, "8byte:"), "%s: root components are ours", r.Describe())
				assert.Equal(t, settings.Prefix(settings.Environment(stack)), r.Name)
			}
		}
	}
}

func TestInvalidConfigCreatesNothing(t *testing.T) {
	cfg := stackConfig(t, "prod")
	cfg["8byte:network"] = `{"natStrategy": "perRegion"}`
	mocks, _, err := runStack(t, "prod", cfg)
	require.ErrorContains(t, err, `config 8byte:network.natStrategy: invalid value "perRegion": must be "single" or "perAz"`)
	assert.Empty(t, mocks.All())
	assert.Empty(t, mocks.Invokes(), "nothing is looked up before the config is valid")
}

func TestUnknownZoneIsRejected(t *testing.T) {
	cfg := stackConfig(t, "dev")
	cfg["8byte:network"] = `{"availabilityZones": ["us-east-1a", "us-east-1z"]}`
	mocks, _, err := runStack(t, "dev", cfg)
	require.ErrorContains(t, err, `config 8byte:network.availabilityZones: invalid value ["us-east-1a" "us-east-1z"]: zone "us-east-1z" is not an available zone of us-east-1`)
	assert.Empty(t, mocks.All())
}

func TestConfiguredZonesAreUsed(t *testing.T) {
	cfg := stackConfig(t, "dev")
	cfg["8byte:network"] = `{"availabilityZones": ["us-east-1c", "us-east-1d"]}`
	mocks, _, err := runStack(t, "dev", cfg)
	require.NoError(t, err)
	assert.Equal(t, "us-east-1d", mocks.Find("aws:ec2/subnet:Subnet", "8byte-dev-private-d").String("availabilityZone"))
}

func BenchmarkStack(b *testing.B) {
	for _, stack := range []string{"dev", "prod"} {
		cfg := stackConfig(b, stack)
		b.Run(stack, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := runStack(b, stack, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestUnknownKeysAreRejectedBeforeAnything(t *testing.T) {
	cfg := stackConfig(t, "dev")
	cfg["8byte:netwrok"] = `{"natStrategy": "perAz"}` //nolint:misspell // the typo is the test
	mocks, _, err := runStack(t, "dev", cfg)
	require.ErrorContains(t, err, "unknown config keys 8byte:netwrok; known keys: environment, appPort, network,") //nolint:misspell // the typo is the test
	assert.Empty(t, mocks.All(), "nothing is registered")
	assert.Empty(t, mocks.Invokes(), "nothing is looked up")
}

// readmeOutputs returns the output names of the README's Outputs table.
func readmeOutputs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(raw), "\n## Outputs\n")
	require.True(t, ok, "README has no Outputs section")
	section, _, _ = strings.Cut(section, "\n## ")
	var names []string
	for _, line := range strings.Split(section, "\n") {
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " | ")
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		for _, name := range strings.Split(first, ", ") {
			names = append(names, strings.Trim(name, "`"))
		}
	}
	return names
}

func TestEveryRegistrationFailureFailsTheRun(t *testing.T) {
	// The mock cloud refuses one resource of each type of the dev stack (tier components included); the
	// program must end with that refusal as its error: never succeed, never panic. (Go SDK registrations
	// are asynchronous: a refused one fails the run through the SDK even when a constructor's error is
	// dropped, which this table also pins.)
	seen := map[string]bool{}
	var rows []*tests.Resource
	for _, r := range wholeStack(t, settings.Dev).mocks.All() {
		if !seen[r.Type] {
			seen[r.Type] = true
			rows = append(rows, r)
		}
	}
	cfg := stackConfig(t, "dev")
	for _, r := range rows {
		t.Run(r.Type, func(t *testing.T) {
			mocks := tests.NewMocks("dev").FailRegistration(r.Type, r.Name)
			_, err := runProgram(t, mocks, cfg)
			require.Error(t, err, "refusing %s succeeded", r.Describe())
			assert.Contains(t, err.Error(), tests.ErrRefused+": registration of "+r.Type+" "+r.Name+" refused")
		})
	}
	for _, token := range []string{"aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getRegion:getRegion", "aws:index/getAvailabilityZones:getAvailabilityZones"} {
		_, err := runProgram(t, tests.NewMocks("dev").FailInvoke(token), cfg)
		require.Error(t, err, "a failed %s", token)
		assert.Contains(t, err.Error(), tests.ErrRefused+": invoke "+token+" refused")
	}
}
