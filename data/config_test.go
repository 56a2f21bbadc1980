package data

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

func TestDefaultConfigs(t *testing.T) {
	for _, env := range settings.Environments {
		assert.NoError(t, DefaultConfig(env).Validate(env), env)
		assert.NoError(t, DefaultConfig(env).CheckReplicaRegion("us-east-1"), env)
	}
	dev, prod := DefaultConfig(settings.Dev), DefaultConfig(settings.Prod)
	assert.False(t, dev.MultiAz)
	assert.True(t, prod.MultiAz)
	assert.False(t, dev.BackupReplication)
	assert.True(t, prod.BackupReplication)
	assert.Equal(t, "us-west-2", prod.ReplicaRegion)
	assert.False(t, dev.ManageAccountPublicAccessBlock, "dev leaves the account-wide singleton to prod")
	assert.True(t, prod.ManageAccountPublicAccessBlock)
	assert.Equal(t, 7, dev.BackupRetentionDays)
	assert.Equal(t, 30, prod.BackupRetentionDays)
	assert.Equal(t, 365, prod.LogRetentionDays)
	assert.Equal(t, "app_admin", prod.Username)
}

func TestMajorAndFamily(t *testing.T) {
	for _, tc := range []struct {
		version string
		family  string
	}{{"16", "postgres16"}, {"17", "postgres17"}, {"18", "postgres18"}} {
		c := DefaultConfig(settings.Dev)
		c.EngineVersion = tc.version
		major, err := c.Major()
		require.NoError(t, err)
		assert.Equal(t, tc.family, ParameterGroupFamily(major))
	}
}

func TestConfigValidation(t *testing.T) {
	const engineAllowed = "must be a supported PostgreSQL major version, one of [16 17 18], given as the major only (RDS applies minor versions automatically)"
	const reserved = "is reserved by PostgreSQL or RDS (SQL keywords, rds*, pg_*, template0/1)"
	const nameRule = "must be 1-63 letters, digits or underscores, starting with a letter"
	cases := []struct {
		name   string
		env    settings.Environment
		change func(*Config)
		want   string
	}{
		{"unknown engine version", settings.Dev, func(c *Config) { c.EngineVersion = "9.6" },
			`config 8byte:database.engineVersion: invalid value "9.6": ` + engineAllowed},
		{"unsupported major", settings.Dev, func(c *Config) { c.EngineVersion = "13" },
			`config 8byte:database.engineVersion: invalid value "13": ` + engineAllowed},
		{"pinned minor", settings.Prod, func(c *Config) { c.EngineVersion = "17.4" },
			`config 8byte:database.engineVersion: invalid value "17.4": ` + engineAllowed},
		{"leading zero", settings.Dev, func(c *Config) { c.EngineVersion = "017" },
			`config 8byte:database.engineVersion: invalid value "017": ` + engineAllowed},
		{"not a db. class", settings.Dev, func(c *Config) { c.InstanceClass = "t4g.micro" },
			`config 8byte:database.instanceClass: invalid value "t4g.micro": must be an RDS instance class such as db.t4g.micro (it starts with "db.")`},
		{"bare db. prefix", settings.Dev, func(c *Config) { c.InstanceClass = "db." },
			`config 8byte:database.instanceClass: invalid value "db.": must be an RDS instance class such as db.t4g.micro (it starts with "db.")`},
		{"storage below gp3 minimum", settings.Dev, func(c *Config) { c.AllocatedStorageGb = 10 },
			"config 8byte:database.allocatedStorageGb: invalid value 10: must be between 20 and 65536"},
		{"negative storage", settings.Dev, func(c *Config) { c.AllocatedStorageGb = -1 },
			"config 8byte:database.allocatedStorageGb: invalid value -1: must be between 20 and 65536"},
		{"max storage not above allocated", settings.Dev, func(c *Config) { c.MaxAllocatedStorageGb = 20 },
			"config 8byte:database.maxAllocatedStorageGb: invalid value 20: must be above allocatedStorageGb (20), so that storage can grow, and at most 65536"},
		{"max storage above gp3 maximum", settings.Prod, func(c *Config) { c.MaxAllocatedStorageGb = 70000 },
			"config 8byte:database.maxAllocatedStorageGb: invalid value 70000: must be above allocatedStorageGb (100), so that storage can grow, and at most 65536"},
		{"single-AZ prod", settings.Prod, func(c *Config) { c.MultiAz = false },
			"config 8byte:database.multiAz: invalid value false: prod runs Multi-AZ"},
		{"db name with a dash", settings.Dev, func(c *Config) { c.DbName = "my-app" },
			`config 8byte:database.dbName: invalid value "my-app": ` + nameRule},
		{"db name starting with a digit", settings.Dev, func(c *Config) { c.DbName = "8byte" },
			`config 8byte:database.dbName: invalid value "8byte": ` + nameRule},
		{"empty db name", settings.Dev, func(c *Config) { c.DbName = "" },
			`config 8byte:database.dbName: invalid value "": ` + nameRule},
		{"template database", settings.Dev, func(c *Config) { c.DbName = "template1" },
			`config 8byte:database.dbName: invalid value "template1": ` + reserved},
		{"username postgres", settings.Prod, func(c *Config) { c.Username = "Postgres" },
			`config 8byte:database.username: invalid value "Postgres": must not be the well-known default postgres (Security Hub RDS.25)`},
		{"username rdsadmin", settings.Dev, func(c *Config) { c.Username = "rdsadmin" },
			`config 8byte:database.username: invalid value "rdsadmin": ` + reserved},
		{"username pg_ role", settings.Dev, func(c *Config) { c.Username = "pg_monitor" },
			`config 8byte:database.username: invalid value "pg_monitor": ` + reserved},
		{"username SQL keyword", settings.Dev, func(c *Config) { c.Username = "USER" },
			`config 8byte:database.username: invalid value "USER": ` + reserved},
		{"username too long", settings.Dev, func(c *Config) { c.Username = "a234567890123456789012345678901234567890123456789012345678901234" },
			`config 8byte:database.username: invalid value "a234567890123456789012345678901234567890123456789012345678901234": ` + nameRule},
		{"no backups", settings.Dev, func(c *Config) { c.BackupRetentionDays = 0 },
			"config 8byte:database.backupRetentionDays: invalid value 0: must be between 1 and 35"},
		{"backups beyond what RDS keeps", settings.Prod, func(c *Config) { c.BackupRetentionDays = 36 },
			"config 8byte:database.backupRetentionDays: invalid value 36: must be between 1 and 35"},
		{"short prod backups", settings.Prod, func(c *Config) { c.BackupRetentionDays = 7 },
			"config 8byte:database.backupRetentionDays: invalid value 7: prod keeps backups for at least 14 days"},
		{"malformed backup window", settings.Dev, func(c *Config) { c.BackupWindow = "3:00-4:00" },
			`config 8byte:database.backupWindow: invalid value "3:00-4:00": must be hh24:mi-hh24:mi in UTC, e.g. 03:00-04:00`},
		{"short backup window", settings.Dev, func(c *Config) { c.BackupWindow = "03:00-03:20" },
			`config 8byte:database.backupWindow: invalid value "03:00-03:20": must last at least 30 minutes`},
		{"malformed maintenance window", settings.Dev, func(c *Config) { c.MaintenanceWindow = "sunday:05:00-sunday:06:00" },
			`config 8byte:database.maintenanceWindow: invalid value "sunday:05:00-sunday:06:00": must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:05:00-sun:06:00`},
		{"short maintenance window", settings.Dev, func(c *Config) { c.MaintenanceWindow = "sun:05:00-sun:05:10" },
			`config 8byte:database.maintenanceWindow: invalid value "sun:05:00-sun:05:10": must last at least 30 minutes`},
		{"overlapping windows", settings.Prod, func(c *Config) { c.MaintenanceWindow = "Wed:03:30-Wed:04:30" },
			`config 8byte:database.maintenanceWindow: invalid value "Wed:03:30-Wed:04:30": overlaps the daily backup window 03:00-04:00`},
		{"backup window across midnight overlaps", settings.Dev, func(c *Config) {
			c.BackupWindow = "23:30-00:30"
			c.MaintenanceWindow = "mon:00:00-mon:01:00"
		}, `config 8byte:database.maintenanceWindow: invalid value "mon:00:00-mon:01:00": overlaps the daily backup window 23:30-00:30`},
		{"maintenance window across the week overlaps", settings.Dev, func(c *Config) {
			c.MaintenanceWindow = "sun:23:00-mon:03:30"
		}, `config 8byte:database.maintenanceWindow: invalid value "sun:23:00-mon:03:30": overlaps the daily backup window 03:00-04:00`},
		{"unknown monitoring interval", settings.Dev, func(c *Config) { c.MonitoringIntervalSeconds = 20 },
			"config 8byte:database.monitoringIntervalSeconds: invalid value 20: must be one of [0 1 5 10 15 30 60]"},
		{"prod without enhanced monitoring", settings.Prod, func(c *Config) { c.MonitoringIntervalSeconds = 0 },
			"config 8byte:database.monitoringIntervalSeconds: invalid value 0: prod runs enhanced monitoring (an interval above 0)"},
		{"log retention CloudWatch refuses", settings.Dev, func(c *Config) { c.LogRetentionDays = 31 },
			"config 8byte:database.logRetentionDays: invalid value 31: must be one of the CloudWatch Logs retention periods [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]"},
		{"short prod log retention", settings.Prod, func(c *Config) { c.LogRetentionDays = 90 },
			"config 8byte:database.logRetentionDays: invalid value 90: prod keeps logs for at least 365 days"},
		{"negative slow-statement threshold", settings.Dev, func(c *Config) { c.SlowStatementMs = -1 },
			"config 8byte:database.slowStatementMs: invalid value -1: must be between 0 and 3600000"},
		{"prod without backup replication", settings.Prod, func(c *Config) { c.BackupReplication = false },
			"config 8byte:database.backupReplication: invalid value false: prod replicates its backups to a second region"},
		{"replication without a region", settings.Dev, func(c *Config) {
			c.BackupReplication = true
			c.ReplicaRegion = ""
		}, `config 8byte:database.replicaRegion: invalid value "": must be an AWS region name such as us-west-2 (backupReplication is on)`},
		{"replication to a zone, not a region", settings.Prod, func(c *Config) { c.ReplicaRegion = "us-west-2a" },
			`config 8byte:database.replicaRegion: invalid value "us-west-2a": must be an AWS region name such as us-west-2 (backupReplication is on)`},
		{"replica retention beyond what RDS keeps", settings.Prod, func(c *Config) { c.ReplicaRetentionDays = 40 },
			"config 8byte:database.replicaRetentionDays: invalid value 40: must be between 1 and 35"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(tc.env)
			tc.change(&cfg)
			assert.EqualError(t, cfg.Validate(tc.env), tc.want)
		})
	}
}

func TestValidConfigVariants(t *testing.T) {
	cases := map[string]func(*Config){
		"dev replication to another region": func(c *Config) {
			c.BackupReplication = true
			c.ReplicaRegion = "eu-central-1"
		},
		"dev without replication ignores the region": func(c *Config) { c.ReplicaRegion = "" },
		"windows touching but not overlapping": func(c *Config) {
			c.BackupWindow = "04:00-04:30"
			c.MaintenanceWindow = "sun:04:30-sun:05:30"
		},
		"upper-case maintenance days":    func(c *Config) { c.MaintenanceWindow = "Sat:22:00-Sun:02:00" },
		"postgres 18":                    func(c *Config) { c.EngineVersion = "18" },
		"enhanced monitoring off in dev": func(c *Config) { c.MonitoringIntervalSeconds = 0 },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig(settings.Dev)
			change(&cfg)
			assert.NoError(t, cfg.Validate(settings.Dev))
		})
	}
}

func TestCheckReplicaRegion(t *testing.T) {
	cfg := DefaultConfig(settings.Prod)
	assert.NoError(t, cfg.CheckReplicaRegion("eu-west-1"))
	assert.EqualError(t, cfg.CheckReplicaRegion("us-west-2"),
		`config 8byte:database.replicaRegion: invalid value "us-west-2": must differ from the stack's region us-west-2`)
	cfg.BackupReplication = false
	assert.NoError(t, cfg.CheckReplicaRegion("us-west-2"), "no replication, nothing to check")
}
