package data

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

func TestInstancePerEnvironment(t *testing.T) {
	cases := []struct {
		env                                        settings.Environment
		identifier, class                          string
		multiAz, protected                         bool
		retention, storage, maxStorage, monitoring int
		finalSnapshot                              any
	}{
		{settings.Dev, "postgres-8byte-dev", "db.t4g.micro", false, false, 7, 20, 50, 60, nil},
		{settings.Prod, "postgres-8byte-prod", "db.m7g.large", true, true, 30, 100, 1000, 15, "postgres-8byte-prod-final"},
	}
	for _, tc := range cases {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, _ := runData(t, tc.env, nil)
			prefix := settings.Prefix(tc.env)
			db := instance(t, mocks)
			key := func(name string) any { return mocks.Find(typeKey, prefix+"-"+name).Out["arn"] }

			assert.Equal(t, tc.identifier, db.String("identifier"))
			assert.Equal(t, "postgres", db.String("engine"))
			assert.Equal(t, "17", db.String("engineVersion"))
			assert.True(t, db.Bool("autoMinorVersionUpgrade"))
			assert.Equal(t, tc.class, db.String("instanceClass"))
			assert.Equal(t, "rds-ca-rsa2048-g1", db.String("caCertIdentifier"))

			// Network placement.
			subnets := mocks.Find(typeSubnetGroup, prefix+"-db-subnets")
			require.NotNil(t, subnets)
			assert.Equal(t, testDBSubnetIDs, subnets.Strings("subnetIds"))
			assert.Equal(t, subnets.Out["name"], db.String("dbSubnetGroupName"))
			assert.Equal(t, []string{testDBSecurityGrp}, db.Strings("vpcSecurityGroupIds"))
			assert.Contains(t, db.In, "publiclyAccessible", "set explicitly, not left to the default")
			assert.False(t, db.Bool("publiclyAccessible"))
			assert.Equal(t, 5432, db.Int("port"))
			assert.Equal(t, tc.multiAz, db.Bool("multiAz"))

			// Storage: gp3, encrypted with the database key, autoscaling.
			assert.Equal(t, "gp3", db.String("storageType"))
			assert.Equal(t, tc.storage, db.Int("allocatedStorage"))
			assert.Equal(t, tc.maxStorage, db.Int("maxAllocatedStorage"))
			assert.True(t, db.Bool("storageEncrypted"))
			assert.Equal(t, key("database-key"), db.String("kmsKeyId"))

			// Credentials: generated and kept by RDS under the secrets key, never a password here.
			assert.Equal(t, "app", db.String("dbName"))
			assert.Equal(t, "app_admin", db.String("username"))
			assert.True(t, db.Bool("manageMasterUserPassword"))
			assert.Equal(t, key("secrets-key"), db.String("masterUserSecretKmsKeyId"))
			assert.Nil(t, db.Get("password"))
			assert.True(t, db.Bool("iamDatabaseAuthenticationEnabled"))

			// Observability.
			assert.True(t, db.Bool("performanceInsightsEnabled"))
			assert.Equal(t, key("database-key"), db.String("performanceInsightsKmsKeyId"))
			assert.Equal(t, 7, db.Int("performanceInsightsRetentionPeriod"))
			assert.Equal(t, tc.monitoring, db.Int("monitoringInterval"))
			assert.Equal(t, testMonitoringRole, db.String("monitoringRoleArn"))
			assert.Equal(t, []string{"postgresql", "upgrade"}, db.Strings("enabledCloudwatchLogsExports"))

			// Backups and lifecycle.
			assert.Equal(t, tc.retention, db.Int("backupRetentionPeriod"))
			assert.Equal(t, "03:00-04:00", db.String("backupWindow"))
			assert.Equal(t, "sun:05:00-sun:06:00", db.String("maintenanceWindow"))
			assert.True(t, db.Bool("copyTagsToSnapshot"))
			assert.Equal(t, tc.protected, db.Bool("deletionProtection"))
			assert.Equal(t, !tc.protected, db.Bool("skipFinalSnapshot"))
			assert.Equal(t, tc.finalSnapshot, db.Get("finalSnapshotIdentifier"))
			assert.Equal(t, !tc.protected, db.Bool("deleteAutomatedBackups"), "prod keeps its automated backups after a deletion")
			assert.Equal(t, !tc.protected, db.Bool("applyImmediately"), "prod applies changes in the maintenance window")
			assert.Equal(t, tc.protected, db.Protect)
			assert.Equal(t, map[string]string{"create": "90m", "update": "120m", "delete": "60m"}, db.CustomTimeouts)
			assert.Equal(t, tc.identifier, db.Tag("Name"))
		})
	}
}

func TestMaintenanceWindowIsSentInLowerCase(t *testing.T) {
	mocks, _ := runData(t, settings.Dev, func(a *Args) { a.Config.MaintenanceWindow = "Sat:22:00-Sun:02:00" })
	assert.Equal(t, "sat:22:00-sun:02:00", instance(t, mocks).String("maintenanceWindow"))
}

func TestParameterGroupsForceTLSAndLogs(t *testing.T) {
	type param struct{ Name, Value, ApplyMethod string }
	// One group per supported major, whatever the configured one; each with its major's settings.
	want := map[string]string{"postgres16": "1", "postgres17": "1", "postgres18": "all"} // PostgreSQL 18: log_connections is a list of stages
	cases := []struct {
		env     settings.Environment
		version string
		slowMs  string
	}{
		{settings.Dev, "17", "500"},
		{settings.Prod, "16", "1000"},
		{settings.Prod, "18", "1000"},
	}
	for _, tc := range cases {
		t.Run(tc.env.Name+"-"+tc.version, func(t *testing.T) {
			mocks, _ := runData(t, tc.env, func(a *Args) { a.Config.EngineVersion = tc.version })
			groups := mocks.OfType(typeParamGroup)
			require.Len(t, groups, 3)
			db := instance(t, mocks)
			attached := 0
			for _, group := range groups {
				family := group.String("family")
				logConnections, ok := want[family]
				require.True(t, ok, "unexpected family %s", family)
				assert.Equal(t, "8byte-"+tc.env.Name+"-db-params-"+family, group.Name)
				assert.Equal(t, "postgres-8byte-"+tc.env.Name+"-"+family, group.String("name"))
				var got []param
				for _, p := range group.Get("parameters").([]any) {
					m := p.(map[string]any)
					got = append(got, param{m["name"].(string), m["value"].(string), m["applyMethod"].(string)})
				}
				assert.Equal(t, []param{
					{"rds.force_ssl", "1", "pending-reboot"},
					{"log_connections", logConnections, "immediate"},
					{"log_disconnections", "1", "immediate"},
					{"log_min_duration_statement", tc.slowMs, "immediate"},
				}, got)
				if family == "postgres"+tc.version {
					attached++
					assert.Equal(t, group.Out["name"], db.String("parameterGroupName"), "the instance uses its major's group")
				}
			}
			assert.Equal(t, 1, attached)
			assert.Equal(t, tc.version, db.String("engineVersion"))
			assert.True(t, db.Bool("allowMajorVersionUpgrade"))
		})
	}
}

// TestMajorUpgradeOnlyModifiesTheInstance compares the data tier at PostgreSQL 17 and 18: the same
// resources with the same inputs, except the instance's engine version and parameter group. No group is
// created or deleted, so prod's deferred modification (applyImmediately false) leaves nothing to delete
// while it still uses the old group.
func TestMajorUpgradeOnlyModifiesTheInstance(t *testing.T) {
	inputs := func(version string) map[string]map[string]any {
		mocks, _ := runData(t, settings.Prod, func(a *Args) { a.Config.EngineVersion = version })
		out := map[string]map[string]any{}
		for _, r := range mocks.All() {
			out[r.Type+" "+r.Name] = r.In
		}
		return out
	}
	before, after := inputs("17"), inputs("18")
	require.Len(t, after, len(before))
	changed := map[string][]string{}
	for key, in := range before {
		require.Contains(t, after, key, "the upgrade removes %s", key)
		for field, v := range in {
			if !assert.ObjectsAreEqual(v, after[key][field]) {
				changed[key] = append(changed[key], field)
			}
		}
	}
	for _, fields := range changed {
		slices.Sort(fields)
	}
	assert.Equal(t, map[string][]string{
		"aws:rds/instance:Instance 8byte-prod-postgres": {"engineVersion", "parameterGroupName"},
	}, changed)
}

// TestConfiguredMajorsGroupAdoptsTheOldGroup: stacks deployed with a single parameter group keep it.
func TestConfiguredMajorsGroupAdoptsTheOldGroup(t *testing.T) {
	mocks, _ := runData(t, settings.Prod, nil)
	for _, group := range mocks.OfType(typeParamGroup) {
		aliases := group.Aliases
		if group.String("family") == "postgres17" {
			assert.Equal(t, []string{"8byte-prod-db-params"}, aliases)
		} else {
			assert.Empty(t, aliases, group.Name)
		}
	}
}

func TestLogGroupsExistWithRetentionBeforeTheInstance(t *testing.T) {
	for _, tc := range []struct {
		env       settings.Environment
		retention int
	}{{settings.Dev, 30}, {settings.Prod, 365}} {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, _ := runData(t, tc.env, nil)
			db := instance(t, mocks)
			groups := mocks.OfType(typeLogGroup)
			require.Len(t, groups, 2)
			var names []string
			for _, g := range groups {
				names = append(names, g.String("name"))
				assert.Equal(t, tc.retention, g.Int("retentionInDays"), g.Name)
				assert.Contains(t, db.Dependencies, g.URN, "the instance waits for %s", g.String("name"))
			}
			id := "postgres-8byte-" + tc.env.Name
			assert.Equal(t, []string{"/aws/rds/instance/" + id + "/postgresql", "/aws/rds/instance/" + id + "/upgrade"}, names)
		})
	}
}

func TestProdReplicatesBackupsThroughTheReplicaRegionProvider(t *testing.T) {
	mocks, _ := runData(t, settings.Prod, nil)
	db := instance(t, mocks)
	providers := mocks.OfType(typeAwsProvider)
	require.Len(t, providers, 1)
	provider := providers[0]
	assert.Equal(t, "us-west-2", provider.String("region"))
	assert.Equal(t, map[string]any{"Project": "8byte", "Environment": "prod", "ManagedBy": "pulumi"}, provider.Get("defaultTags.tags"),
		"the explicit provider carries the stack's default tags")

	replications := mocks.OfType(typeReplication)
	require.Len(t, replications, 1)
	replication := replications[0]
	replicaKey := mocks.Find(typeKey, "8byte-prod-replica-key")
	require.NotNil(t, replicaKey)
	assert.Equal(t, db.Out["arn"], replication.String("sourceDbInstanceArn"))
	assert.Equal(t, replicaKey.Out["arn"], replication.String("kmsKeyId"))
	assert.Equal(t, 14, replication.Int("retentionPeriod"))
	for _, r := range []*tests.Resource{replication, replicaKey, mocks.Find(typeAlias, "8byte-prod-replica-key")} {
		assert.Contains(t, r.Provider, provider.URN+"::", "%s uses the replica-region provider", r.Describe())
		assert.Equal(t, "us-west-2", r.Region, r.Describe())
	}
	assert.Equal(t, tests.Region, db.Region)
}

func TestDevReplicatesOnlyWhenAsked(t *testing.T) {
	mocks, _ := runData(t, settings.Dev, nil)
	assert.Empty(t, mocks.OfType(typeReplication))
	assert.Empty(t, mocks.OfType(typeAwsProvider))
	assert.Nil(t, mocks.Find(typeKey, "8byte-dev-replica-key"))

	mocks, _ = runData(t, settings.Dev, func(a *Args) {
		a.Config.BackupReplication = true
		a.Config.ReplicaRegion = "eu-central-1"
	})
	replications := mocks.OfType(typeReplication)
	require.Len(t, replications, 1)
	assert.Equal(t, "eu-central-1", replications[0].Region)
	assert.Equal(t, 7, replications[0].Int("retentionPeriod"))
}
