package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
			mocks, out, err := runStack(t, tc.stack, stackConfig(t, tc.stack))
			require.NoError(t, err)

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
		mocks, _, err := runStack(t, stack, stackConfig(t, stack))
		require.NoError(t, err)
		for _, r := range mocks.All() {
			if strings.Contains(r.Parent, "::pulumi:pulumi:Stack::") {
				assert.False(t, r.Custom, "%s sits at the stack root instead of inside a tier component", r.Describe())
				assert.True(t, strings.HasPrefix(r.Type, "8byte:"), "%s: root components are ours", r.Describe())
				assert.Equal(t, "8byte-"+stack, r.Name)
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

// names returns the logical names (Pulumi auto-names physical names from them) and the explicit
// physical names (inputs name, bucket, identifier, alias names) of every resource of mocks.
func names(mocks *tests.Mocks) map[string]string {
	out := map[string]string{}
	for _, r := range mocks.All() {
		out[r.Name] = r.Describe()
		for _, key := range []string{"name", "bucket", "identifier", "dashboardName", "namePrefix"} {
			if v := r.String(key); v != "" {
				out[v] = r.Describe() + " " + key
			}
		}
	}
	return out
}

func TestAStagingStackCollidesWithNothingOfDev(t *testing.T) {
	dev, _, err := runStack(t, "dev", stackConfig(t, "dev"))
	require.NoError(t, err)
	cfg := stackConfig(t, "dev")
	cfg["8byte:profile"] = "dev"
	staging, out, err := runStack(t, "staging", cfg)
	require.NoError(t, err)
	assert.Equal(t, "staging", out["environment"])
	assert.Equal(t, "dev", out["profile"])
	devNames := names(dev)
	for name, what := range names(staging) {
		assert.NotContains(t, devNames, name, "%s is also dev's (%s)", what, devNames[name])
		if strings.HasPrefix(name, "8byte-") {
			assert.True(t, strings.HasPrefix(name, "8byte-staging"), "%s: %s does not carry the stack's name", what, name)
		}
	}
}
