package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

func TestStacksDeployFromTheirStackFiles(t *testing.T) {
	cases := []struct {
		env   settings.Environment
		zones int
		nats  int
	}{{settings.Dev, 2, 1}, {settings.Prod, 3, 3}}
	for _, tc := range cases {
		t.Run(tc.env.Name, func(t *testing.T) {
			run := wholeStack(t, tc.env)
			mocks, out := run.mocks, run.outputs

			assert.Equal(t, tc.env.Name, out["environment"])
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
	for _, env := range settings.Environments {
		for _, r := range wholeStack(t, env).mocks.All() {
			if strings.Contains(r.Parent, "::pulumi:pulumi:Stack::") {
				assert.False(t, r.Custom, "%s sits at the stack root instead of inside a tier component", r.Describe())
				assert.True(t, strings.HasPrefix(r.Type, "8byte:"), "%s: root components are ours", r.Describe())
				assert.Equal(t, "8byte-"+env.Name, r.Name)
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
	dev := wholeStack(t, settings.Dev).mocks
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

func TestUnknownKeysAreRejectedBeforeAnything(t *testing.T) {
	cfg := stackConfig(t, "dev")
	cfg["8byte:netwrok"] = `{"natStrategy": "perAz"}` //nolint:misspell // the typo is the test
	mocks, _, err := runStack(t, "dev", cfg)
	require.ErrorContains(t, err, "unknown config keys 8byte:netwrok; known keys: profile, appPort, network,") //nolint:misspell // the typo is the test
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
	// The mock cloud refuses one registration; the program must end with that refusal as its error: never
	// succeed, never panic. One row per component type of the dev stack (every tier and building block)
	// and per AWS service the stack uses (each a whole-stack run: Go SDK registrations are asynchronous,
	// the program carries on after the refusal, and the SDK fails the run even where a constructor's
	// error is dropped).
	seen := map[string]bool{}
	var rows []*tests.Resource
	for _, r := range wholeStack(t, settings.Dev).mocks.All() {
		key := r.Type
		if r.Custom {
			key, _, _ = strings.Cut(r.Type, "/") // "aws:ec2"
		}
		if !seen[key] {
			seen[key] = true
			rows = append(rows, r)
		}
	}
	require.Greater(t, len(rows), 20)
	cfg := stackConfig(t, "dev")
	for _, r := range rows {
		t.Run(r.Type, func(t *testing.T) {
			t.Parallel()
			mocks := tests.NewMocks("dev").FailRegistration(r.Type, r.Name)
			err := mocks.Run(cfg, program) // config by option: t.Setenv would forbid t.Parallel
			require.Error(t, err, "refusing %s succeeded", r.Describe())
			assert.Contains(t, err.Error(), tests.ErrRefused+": registration of "+r.Type+" "+r.Name+" refused")
		})
	}
	for _, token := range []string{"aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getRegion:getRegion", "aws:index/getAvailabilityZones:getAvailabilityZones"} {
		t.Run(token, func(t *testing.T) {
			t.Parallel()
			err := tests.NewMocks("dev").FailInvoke(token).Run(cfg, program)
			require.Error(t, err, "a failed %s", token)
			assert.Contains(t, err.Error(), tests.ErrRefused+": invoke "+token+" refused")
		})
	}
}

// outputSources says, for every stack output, which resource of the stack it is read from: the output
// must equal that resource's field (its id, ARN or name as AWS would return it). Names are logical
// names without the stack prefix; a stack where the resource does not exist exports "".
var outputSources = []struct{ output, typ, name, field string }{
	{"vpcId", "aws:ec2/vpc:Vpc", "vpc", "id"},
	{"appRoleArn", "aws:iam/role:Role", "app-role", "arn"},
	{"instanceProfileName", "aws:iam/instanceProfile:InstanceProfile", "app-profile", "name"},
	{"monitoringRoleArn", "aws:iam/role:Role", "monitoring-role", "arn"},
	{"permissionsBoundaryArn", "aws:iam/policy:Policy", "boundary", "arn"},
	{"previewRoleArn", "aws:iam/role:Role", "github-preview", "arn"},
	{"deployRoleArn", "aws:iam/role:Role", "github-deploy", "arn"},
	{"drillRoleArn", "aws:iam/role:Role", "github-drill", "arn"},
	{"dbEndpoint", "aws:rds/instance:Instance", "postgres", "endpoint"},
	{"dbAddress", "aws:rds/instance:Instance", "postgres", "address"},
	{"dbPort", "aws:rds/instance:Instance", "postgres", "port"},
	{"dbName", "aws:rds/instance:Instance", "postgres", "dbName"},
	{"dbInstanceId", "aws:rds/instance:Instance", "postgres", "identifier"},
	{"dbSecretArn", "aws:rds/instance:Instance", "postgres", "masterUserSecrets.0.secretArn"},
	{"connectionSecretArn", "aws:secretsmanager/secret:Secret", "db-connection", "arn"},
	{"databaseKeyArn", "aws:kms/key:Key", "database-key", "arn"},
	{"secretsKeyArn", "aws:kms/key:Key", "secrets-key", "arn"},
	{"replicaKeyArn", "aws:kms/key:Key", "replica-key", "arn"},
	{"accessLogBucketName", "aws:s3/bucketV2:BucketV2", "access-logs", "bucket"},
	{"albDnsName", "aws:lb/loadBalancer:LoadBalancer", "alb", "dnsName"},
	{"albArn", "aws:lb/loadBalancer:LoadBalancer", "alb", "arn"},
	{"targetGroupArn", "aws:lb/targetGroup:TargetGroup", "app", "arn"},
	{"asgName", "aws:autoscaling/group:Group", "app", "name"},
	{"webAclArn", "aws:wafv2/webAcl:WebAcl", "waf", "arn"},
	{"albLogBucketName", "aws:s3/bucketV2:BucketV2", "alb-logs", "bucket"},
	{"alarmTopicArn", "aws:sns/topic:Topic", "alarms", "arn"},
	{"dashboardName", "aws:cloudwatch/dashboard:Dashboard", "dashboard", "dashboardName"},
	{"trailArn", "aws:cloudtrail/trail:Trail", "trail", "arn"},
	{"trailBucketName", "aws:s3/bucketV2:BucketV2", "trail-bucket", "bucket"},
}

func TestEveryOutputIsExported(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			run := wholeStack(t, env)
			names := make([]string, 0, len(run.outputs))
			for name := range run.outputs {
				names = append(names, name)
			}
			require.ElementsMatch(t, readmeOutputs(t), names, "the exports are the README's outputs")
			assert.Len(t, names, 42, "the 42 outputs of the README")

			// output returns an exported value and records that the test checks it.
			checked := map[string]bool{}
			output := func(name string) any {
				checked[name] = true
				return run.outputs[name]
			}
			prefix := settings.Prefix(env) + "-"
			literal := map[string]any{"environment": env.Name, "profile": map[settings.Environment]string{settings.Dev: "dev", settings.Prod: "prod"}[env], "region": "us-east-1", "vpcCidr": "10.0.0.0/16"}
			for name, want := range literal {
				assert.Equal(t, want, output(name), name)
			}
			// Read from the stack file: the account's registry and OIDC provider are the bootstrap project's,
			// the image tag is CI's.
			fromStackFile := []struct{ output, key, field string }{
				{"ecrRepositoryUrl", "8byte:compute", "repositoryUrl"},
				{"imageTag", "8byte:compute", "imageTag"},
				{"oidcProviderArn", "8byte:github", "oidcProviderArn"},
			}
			for _, f := range fromStackFile {
				want := stackConfigField(t, env.Name, f.key, f.field)
				assert.NotEmpty(t, want, "%s.%s in Pulumi.%s.yaml", f.key, f.field, env.Name)
				assert.Equal(t, want, output(f.output), f.output)
			}
			tiers := map[string]string{"publicSubnetIds": "public", "privateSubnetIds": "private", "databaseSubnetIds": "database"}
			for name, tier := range tiers {
				var want []string
				for _, zone := range tests.AvailabilityZones[:map[settings.Environment]int{settings.Dev: 2, settings.Prod: 3}[env]] {
					sub := run.mocks.Find("aws:ec2/subnet:Subnet", prefix+tier+"-"+zone[len(zone)-1:])
					require.NotNil(t, sub, "%s subnet in %s", tier, zone)
					assert.Equal(t, tier, sub.Tag("Tier"))
					want = append(want, sub.Out["id"].(string))
				}
				assert.Equal(t, want, output(name), "%s, in zone order", name)
			}
			var ips []any
			for _, eip := range run.mocks.OfType("aws:ec2/eip:Eip") {
				ips = append(ips, eip.Out["publicIp"])
			}
			assert.ElementsMatch(t, ips, output("natPublicIps"))
			assert.Len(t, ips, map[settings.Environment]int{settings.Dev: 1, settings.Prod: 3}[env])
			for _, src := range outputSources {
				r := run.mocks.Find(src.typ, prefix+src.name)
				if r == nil {
					assert.Empty(t, output(src.output), "%s: %s %s is not in the %s stack, so the output is empty", src.output, src.typ, prefix+src.name, env)
					continue
				}
				assert.Equal(t, r.Output(src.field), output(src.output), "%s is %s of %s", src.output, src.field, r.Describe())
			}
			alb := run.mocks.Find("aws:lb/loadBalancer:LoadBalancer", prefix+"alb")
			require.NotNil(t, alb)
			scheme := map[settings.Environment]string{settings.Dev: "http://", settings.Prod: "https://"}[env]
			assert.Equal(t, scheme+alb.Out["dnsName"].(string), output("albUrl"))
			assert.Equal(t, "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/"+output("dashboardName").(string), output("dashboardUrl"))
			var unchecked []string
			for _, name := range names {
				if !checked[name] {
					unchecked = append(unchecked, name)
				}
			}
			assert.Empty(t, unchecked, "every output's value is checked against its source")
		})
	}
}

// stackConfigField returns field of the structured key of stack's stack file.
func stackConfigField(t *testing.T, stack, key, field string) any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(stackConfig(t, stack)[key]), &m))
	return m[field]
}
