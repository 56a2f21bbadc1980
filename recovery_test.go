package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/drill"
	"github.com/8byte/infra/tests"
)

// The recovery stack's committed stand-ins (Pulumi.prod-dr.yaml): prod's replicated backups and replica key
// in us-west-2 of the mock account.
const (
	drBackupsArn = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-l2ijcexjp7xq7hoj4siexample"
	drReplicaKey = "arn:aws:kms:us-west-2:123456789012:key/0b5c1f3e-9a0d-4a54-8c5e-7a1b2c3d4e5f"
)

func TestRecoveryStackRestoresProdFromItsReplicatedBackups(t *testing.T) {
	mocks, out, err := runStack(t, "prod-dr", stackConfig(t, "prod-dr"))
	require.NoError(t, err)
	assert.Equal(t, "us-west-2", out["region"])

	dbs := mocks.OfType("aws:rds/instance:Instance")
	require.Len(t, dbs, 1)
	db := dbs[0]
	// A point-in-time restore from the backups replicated into this region, at the latest restorable time.
	assert.Equal(t, map[string]any{"sourceDbInstanceAutomatedBackupsArn": drBackupsArn, "useLatestRestorableTime": true},
		db.Get("restoreToPointInTime"))
	assert.Equal(t, drReplicaKey, db.String("kmsKeyId"), "RDS encrypts the restored instance with the backups' key of this region")
	assert.True(t, db.Bool("storageEncrypted"))
	for _, fromBackup := range []string{"dbName", "username", "allocatedStorage", "password"} {
		assert.Nil(t, db.Get(fromBackup), "%s comes from the backup", fromBackup)
	}
	// prod's settings: the instance identifier of this stack, the same engine major and parameter family
	// with TLS enforced, Multi-AZ, enhanced monitoring every 15 s, RDS-managed password under this stack's key.
	assert.Equal(t, "postgres-8byte-prod-dr", db.String("identifier"))
	assert.Equal(t, "postgres", db.String("engine"))
	assert.Equal(t, "17", db.String("engineVersion"))
	assert.True(t, db.Bool("multiAz"))
	assert.Equal(t, "db.m7g.large", db.String("instanceClass"))
	assert.Equal(t, 15, db.Int("monitoringInterval"))
	assert.NotEmpty(t, db.String("monitoringRoleArn"))
	assert.True(t, db.Bool("manageMasterUserPassword"))
	assert.Regexp(t, `^arn:aws:kms:us-west-2:123456789012:key/`, db.String("masterUserSecretKmsKeyId"))
	assert.NotEqual(t, drReplicaKey, db.String("masterUserSecretKmsKeyId"))
	assert.False(t, db.Bool("publiclyAccessible"))
	// The attached parameter group is the one of prod's major (one group per supported major exists).
	var attached *tests.Resource
	for _, p := range mocks.OfType("aws:rds/parameterGroup:ParameterGroup") {
		if p.Out["name"] == db.String("parameterGroupName") {
			attached = p
		}
	}
	require.NotNil(t, attached, "the instance's parameter group is one of the stack's")
	assert.Equal(t, "postgres17", attached.String("family"))
	assert.Equal(t, "postgres-8byte-prod-dr-postgres17", attached.String("name"))
	assert.Contains(t, attached.Get("parameters"), map[string]any{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"})

	// A drill: nothing protected or retained, so that the drill's destroy leaves nothing behind.
	assert.False(t, db.Bool("deletionProtection"))
	assert.True(t, db.Bool("skipFinalSnapshot"))
	assert.True(t, db.Bool("deleteAutomatedBackups"))
	assert.Nil(t, db.Get("finalSnapshotIdentifier"))
	for _, r := range mocks.All() {
		assert.False(t, r.Protect, "%s is protected in a drill", r.Describe())
		assert.False(t, r.RetainOnDelete, "%s is retained after a drill", r.Describe())
	}
	for _, alb := range mocks.OfType("aws:lb/loadBalancer:LoadBalancer") {
		assert.False(t, alb.Bool("enableDeletionProtection"), alb.Describe())
	}
	for _, secret := range mocks.OfType("aws:secretsmanager/secret:Secret") {
		assert.Equal(t, 0, secret.Int("recoveryWindowInDays"), "%s: the next drill recreates its name", secret.Describe())
	}
	assert.Empty(t, mocks.OfType("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"))
	assert.Empty(t, mocks.OfType("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"), "prod owns the account's Block Public Access")

	// Every tier is built in the recovery region: no provider for another region, and every regional ARN
	// the stack creates is in us-west-2.
	for _, r := range mocks.All() {
		if !r.Custom {
			continue
		}
		assert.Equal(t, "us-west-2", r.Region, "%s is built outside the recovery region", r.Describe())
		if arn, ok := r.Out["arn"].(string); ok {
			parts := strings.Split(arn, ":")
			if len(parts) > 3 && parts[3] != "" {
				assert.Equal(t, "us-west-2", parts[3], "%s: %s", r.Describe(), arn)
			}
		}
	}
	for _, p := range mocks.OfType("pulumi:providers:aws") {
		assert.Equal(t, "us-west-2", p.String("region"), p.Describe())
	}
}

// The source stack is unchanged by recovery: prod stays protected and keeps replicating its backups.
func TestProdIsNoDrill(t *testing.T) {
	mocks, _, err := runStack(t, "prod", stackConfig(t, "prod"))
	require.NoError(t, err)
	db := mocks.OfType("aws:rds/instance:Instance")[0]
	assert.Nil(t, db.Get("restoreToPointInTime"))
	assert.True(t, db.Bool("deletionProtection"))
	assert.True(t, db.Protect)
	assert.Len(t, mocks.OfType("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"), 1)
}

func TestRestoreToAGivenTime(t *testing.T) {
	cfg := setField(t, stackConfig(t, "prod-dr"), "8byte:recovery", "restoreTime", "2026-12-01T05:52:00Z")
	mocks, _, err := runStack(t, "prod-dr", cfg)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"sourceDbInstanceAutomatedBackupsArn": drBackupsArn, "restoreTime": "2026-12-01T05:52:00Z"},
		mocks.OfType("aws:rds/instance:Instance")[0].Get("restoreToPointInTime"))
}

func TestBadRecoveryConfigCreatesNothing(t *testing.T) {
	cases := []struct {
		name, key, field string
		value            any
		err              string
	}{
		{"backups of another region", "8byte:recovery", "sourceBackupsArn", "arn:aws:rds:us-east-1:123456789012:auto-backup:ab-l2ijcexjp7xq7hoj4siexample",
			"config 8byte:recovery.sourceBackupsArn: invalid value \"arn:aws:rds:us-east-1:123456789012:auto-backup:ab-l2ijcexjp7xq7hoj4siexample\": must be replicated backups in this stack's account 123456789012 and region us-west-2"},
		{"backups of another account", "8byte:recovery", "sourceBackupsArn", "arn:aws:rds:us-west-2:210987654321:auto-backup:ab-l2ijcexjp7xq7hoj4siexample",
			"must be replicated backups in this stack's account 123456789012 and region us-west-2"},
		{"not an automated-backups ARN", "8byte:recovery", "sourceBackupsArn", "arn:aws:rds:us-west-2:123456789012:snapshot:rds:prod-2026-12-01",
			"config 8byte:recovery.sourceBackupsArn: invalid value \"arn:aws:rds:us-west-2:123456789012:snapshot:rds:prod-2026-12-01\": must be the ARN of replicated automated backups"},
		{"key of another region", "8byte:recovery", "kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:key/0b5c1f3e-9a0d-4a54-8c5e-7a1b2c3d4e5f",
			"config 8byte:recovery.kmsKeyArn: invalid value \"arn:aws:kms:us-east-1:123456789012:key/0b5c1f3e-9a0d-4a54-8c5e-7a1b2c3d4e5f\": must be a key in this stack's account 123456789012 and region us-west-2"},
		{"source region is this region", "8byte:recovery", "sourceRegion", "us-west-2",
			"config 8byte:recovery.sourceRegion: invalid value \"us-west-2\": must differ from this stack's region us-west-2"},
		{"restore time not RFC 3339", "8byte:recovery", "restoreTime", "yesterday",
			"config 8byte:recovery.restoreTime: invalid value \"yesterday\": must be an RFC 3339 time"},
		{"drill without a source", "8byte:recovery", "sourceBackupsArn", "",
			"config 8byte:recovery.sourceBackupsArn: invalid value \"\": is required when any other recovery key is set"},
		{"drill that replicates", "8byte:database", "backupReplication", true,
			"config 8byte:database.backupReplication: invalid value true: must be false in a recovery drill"},
		{"recovery stack taking over the account's Block Public Access", "8byte:database", "manageAccountPublicAccessBlock", true,
			"config 8byte:database.manageAccountPublicAccessBlock: invalid value true: must be false in a recovery stack"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mocks, _, err := runStack(t, "prod-dr", setField(t, stackConfig(t, "prod-dr"), tc.key, tc.field, tc.value))
			require.ErrorContains(t, err, tc.err)
			assert.Empty(t, mocks.All(), "a refused recovery config registers no resource")
		})
	}
}

func TestNoDrillWithoutRecoveryOrReplication(t *testing.T) {
	// prod without replication is refused; only a recovery drill may go without.
	cfg := setField(t, stackConfig(t, "prod"), "8byte:database", "backupReplication", false)
	_, _, err := runStack(t, "prod", cfg)
	require.ErrorContains(t, err, "config 8byte:database.backupReplication: invalid value false: prod replicates its backups to a second region")
}

// prod alarms on the drills of prod-dr: a failed drill, and the README's targets (RTO 90 min, RPO 30 min).
func TestProdAlarmsOnItsRecoveryDrills(t *testing.T) {
	want := map[string]struct {
		statistic, comparison string
		threshold             float64
	}{
		"DrillSucceeded": {"Minimum", "LessThanThreshold", 1},
		"RTOSeconds":     {"Maximum", "GreaterThanThreshold", 5400},
		"RPOSeconds":     {"Maximum", "GreaterThanThreshold", 1800},
	}
	for _, stack := range []string{"dev", "prod", "prod-dr"} {
		mocks, _, err := runStack(t, stack, stackConfig(t, stack))
		require.NoError(t, err)
		found := map[string]bool{}
		for _, alarm := range mocks.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
			if alarm.String("namespace") != "8byte/dr" {
				continue
			}
			metric := alarm.String("metricName")
			w, ok := want[metric]
			require.True(t, ok, "unexpected drill alarm on %s", metric)
			found[metric] = true
			assert.Equal(t, map[string]any{"Stack": "prod-dr"}, alarm.Get("dimensions"))
			assert.Equal(t, w.statistic, alarm.String("statistic"), metric)
			assert.Equal(t, w.comparison, alarm.String("comparisonOperator"), metric)
			assert.InDelta(t, w.threshold, alarm.Get("threshold"), 0, metric)
			assert.Equal(t, "notBreaching", alarm.String("treatMissingData"), "%s: no drill, no data", metric)
			assert.NotEmpty(t, alarm.Get("alarmActions"))
			assert.Equal(t, alarm.Get("alarmActions"), alarm.Get("okActions"))
		}
		if stack == "prod" {
			assert.Len(t, found, 3, "prod alarms on every drill metric")
		} else {
			assert.Empty(t, found, "%s has no recovery stack to watch", stack)
		}
	}
}

// The README states the drill's targets; package drill holds them and the alarms use them.
func TestReadmeStatesTheDrillTargets(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, row := range []string{
		fmt.Sprintf("| RTO | %d min |", int(drill.Targets.RTO.Minutes())),
		fmt.Sprintf("| RPO | %d min |", int(drill.Targets.RPO.Minutes())),
	} {
		assert.Contains(t, string(readme), row)
	}
}
