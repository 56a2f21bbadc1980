package data

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/8byte/infra/settings"
)

// Config is the `8byte:database` stack-config object.
type Config struct {
	// EngineVersion is the PostgreSQL major version ("17"). Only the major: RDS picks the minor and applies
	// newer minors itself (autoMinorVersionUpgrade), and the provider keeps a major-only version stable
	// against the running minor. A pinned minor would be "downgraded" back after every automatic upgrade.
	EngineVersion string `json:"engineVersion"`
	// InstanceClass is the RDS instance class, e.g. db.t4g.micro.
	InstanceClass string `json:"instanceClass"`
	// AllocatedStorageGb is the initial gp3 storage; MaxAllocatedStorageGb the ceiling of storage autoscaling.
	AllocatedStorageGb    int `json:"allocatedStorageGb"`
	MaxAllocatedStorageGb int `json:"maxAllocatedStorageGb"`
	// MultiAz runs a synchronous standby in a second zone (required in prod).
	MultiAz bool `json:"multiAz"`
	// DbName is the database created with the instance; Username its master user.
	DbName   string `json:"dbName"`
	Username string `json:"username"`
	// BackupRetentionDays is how long automated backups (point-in-time recovery) are kept.
	BackupRetentionDays int `json:"backupRetentionDays"`
	// BackupWindow ("hh24:mi-hh24:mi") and MaintenanceWindow ("ddd:hh24:mi-ddd:hh24:mi") are in UTC and
	// must not overlap.
	BackupWindow      string `json:"backupWindow"`
	MaintenanceWindow string `json:"maintenanceWindow"`
	// MonitoringIntervalSeconds is the enhanced-monitoring granularity; 0 turns it off (dev only).
	MonitoringIntervalSeconds int `json:"monitoringIntervalSeconds"`
	// LogRetentionDays is how long the exported postgresql and upgrade logs are kept.
	LogRetentionDays int `json:"logRetentionDays"`
	// SlowStatementMs logs every statement that runs at least this long (log_min_duration_statement).
	SlowStatementMs int `json:"slowStatementMs"`
	// BackupReplication copies automated backups to ReplicaRegion, kept ReplicaRetentionDays.
	BackupReplication    bool   `json:"backupReplication"`
	ReplicaRegion        string `json:"replicaRegion"`
	ReplicaRetentionDays int    `json:"replicaRetentionDays"`
	// ManageAccountPublicAccessBlock turns on S3 Block Public Access for the whole account. It is an
	// account-wide singleton: exactly one stack per AWS account may own it.
	ManageAccountPublicAccessBlock bool `json:"manageAccountPublicAccessBlock"`
}

// DefaultConfig returns the database defaults of env: dev is one small instance with a week of backups;
// prod is Multi-AZ on a general-purpose instance, keeps 30 days of backups and replicates them to a
// second region.
func DefaultConfig(env settings.Environment) Config {
	c := Config{ //nolint:gosec // G101: Username is a user name, not a credential; RDS manages the password
		EngineVersion:             "17",
		InstanceClass:             "db.t4g.micro",
		AllocatedStorageGb:        20,
		MaxAllocatedStorageGb:     50,
		DbName:                    "app",
		Username:                  "app_admin",
		BackupRetentionDays:       7,
		BackupWindow:              "03:00-04:00",
		MaintenanceWindow:         "sun:05:00-sun:06:00",
		MonitoringIntervalSeconds: 60,
		LogRetentionDays:          30,
		SlowStatementMs:           500,
		ReplicaRegion:             "us-west-2",
		ReplicaRetentionDays:      7,
	}
	if env.IsProd() {
		c.InstanceClass = "db.m7g.large"
		c.AllocatedStorageGb = 100
		c.MaxAllocatedStorageGb = 1000
		c.MultiAz = true
		c.BackupRetentionDays = 30
		c.MonitoringIntervalSeconds = 15
		c.LogRetentionDays = 365
		c.SlowStatementMs = 1000
		c.BackupReplication = true
		c.ReplicaRetentionDays = 14
		c.ManageAccountPublicAccessBlock = true
	}
	return c
}

// SupportedMajors are the PostgreSQL major versions RDS supports (standard support) that this program
// accepts, oldest first.
var SupportedMajors = []int{16, 17, 18}

// Limits RDS puts on the values below.
const (
	minGp3StorageGb       = 20
	maxGp3StorageGb       = 65536
	maxBackupRetention    = 35
	minProdBackupDays     = 14
	minWindowMinutes      = 30
	maxSlowStatementMs    = 3_600_000
	maxIdentifierLength   = 63
	minutesPerDay         = 24 * 60
	minutesPerWeek        = 7 * minutesPerDay
	rdsInstanceClassStart = "db."
)

// MonitoringIntervals are the enhanced-monitoring intervals RDS accepts, in seconds (0 = off).
var MonitoringIntervals = []int{0, 1, 5, 10, 15, 30, 60}

// Validate checks the database config of env; every error names the key, the value and what is allowed.
// The replica region is checked against the stack's region by CheckReplicaRegion.
func (c Config) Validate(env settings.Environment) error {
	if _, err := c.Major(); err != nil {
		return err
	}
	if !strings.HasPrefix(c.InstanceClass, rdsInstanceClassStart) || len(c.InstanceClass) <= len(rdsInstanceClassStart) {
		return settings.Invalid("database.instanceClass", c.InstanceClass, "must be an RDS instance class such as db.t4g.micro (it starts with %q)", rdsInstanceClassStart)
	}
	if err := settings.CheckRange("database.allocatedStorageGb", c.AllocatedStorageGb, minGp3StorageGb, maxGp3StorageGb); err != nil {
		return err
	}
	if c.MaxAllocatedStorageGb <= c.AllocatedStorageGb || c.MaxAllocatedStorageGb > maxGp3StorageGb {
		return settings.Invalid("database.maxAllocatedStorageGb", c.MaxAllocatedStorageGb,
			"must be above allocatedStorageGb (%d), so that storage can grow, and at most %d", c.AllocatedStorageGb, maxGp3StorageGb)
	}
	if env.IsProd() && !c.MultiAz {
		return settings.Invalid("database.multiAz", c.MultiAz, "prod runs Multi-AZ")
	}
	if err := checkPostgresName("database.dbName", c.DbName); err != nil {
		return err
	}
	if err := checkUsername(c.Username); err != nil {
		return err
	}
	if err := settings.CheckRange("database.backupRetentionDays", c.BackupRetentionDays, 1, maxBackupRetention); err != nil {
		return err
	}
	if env.IsProd() && c.BackupRetentionDays < minProdBackupDays {
		return settings.Invalid("database.backupRetentionDays", c.BackupRetentionDays, "prod keeps backups for at least %d days", minProdBackupDays)
	}
	if err := c.checkWindows(); err != nil {
		return err
	}
	if !slices.Contains(MonitoringIntervals, c.MonitoringIntervalSeconds) {
		return settings.Invalid("database.monitoringIntervalSeconds", c.MonitoringIntervalSeconds, "must be one of %v", MonitoringIntervals)
	}
	if env.IsProd() && c.MonitoringIntervalSeconds == 0 {
		return settings.Invalid("database.monitoringIntervalSeconds", c.MonitoringIntervalSeconds, "prod runs enhanced monitoring (an interval above 0)")
	}
	if err := settings.CheckLogRetention("database.logRetentionDays", env, c.LogRetentionDays); err != nil {
		return err
	}
	if err := settings.CheckRange("database.slowStatementMs", c.SlowStatementMs, 0, maxSlowStatementMs); err != nil {
		return err
	}
	return c.checkReplication(env)
}

func (c Config) checkReplication(env settings.Environment) error {
	if !c.BackupReplication {
		if env.Protected() {
			return settings.Invalid("database.backupReplication", c.BackupReplication, "prod replicates its backups to a second region")
		}
		return nil
	}
	if !regionPattern.MatchString(c.ReplicaRegion) {
		return settings.Invalid("database.replicaRegion", c.ReplicaRegion, "must be an AWS region name such as us-west-2 (backupReplication is on)")
	}
	return settings.CheckRange("database.replicaRetentionDays", c.ReplicaRetentionDays, 1, maxBackupRetention)
}

// regionPattern matches AWS region names: us-west-2, eu-central-1, ap-southeast-4, us-gov-west-1, ...
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$`)

// CheckReplicaRegion rejects backup replication into primaryRegion, the region the stack deploys to: a
// copy in the same region does not survive the loss of that region. Call it once the region is known.
func (c Config) CheckReplicaRegion(primaryRegion string) error {
	if c.BackupReplication && c.ReplicaRegion == primaryRegion {
		return settings.Invalid("database.replicaRegion", c.ReplicaRegion, "must differ from the stack's region %s", primaryRegion)
	}
	return nil
}

// Major returns the PostgreSQL major version of EngineVersion.
func (c Config) Major() (int, error) {
	allowed := fmt.Sprintf("must be a supported PostgreSQL major version, one of %v, given as the major only (RDS applies minor versions automatically)", SupportedMajors)
	major, err := strconv.Atoi(c.EngineVersion)
	if err != nil || !slices.Contains(SupportedMajors, major) || strconv.Itoa(major) != c.EngineVersion {
		return 0, settings.Invalid("database.engineVersion", c.EngineVersion, "%s", allowed)
	}
	return major, nil
}

// ParameterGroupFamily returns the DB parameter group family of a PostgreSQL major, e.g. "postgres17".
func ParameterGroupFamily(major int) string { return fmt.Sprintf("postgres%d", major) }

// postgresNamePattern is what RDS accepts as a database or master user name: a letter, then letters,
// digits or underscores, at most 63 characters.
var postgresNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func checkPostgresName(key, name string) error {
	if !postgresNamePattern.MatchString(name) || len(name) > maxIdentifierLength {
		return settings.Invalid(key, name, "must be 1-%d letters, digits or underscores, starting with a letter", maxIdentifierLength)
	}
	lower := strings.ToLower(name)
	if slices.Contains(reservedNames, lower) || strings.HasPrefix(lower, "pg_") || strings.HasPrefix(lower, "rds") {
		return settings.Invalid(key, name, "is reserved by PostgreSQL or RDS (SQL keywords, rds*, pg_*, template0/1)")
	}
	return nil
}

func checkUsername(name string) error {
	if strings.EqualFold(name, "postgres") {
		return settings.Invalid("database.username", name, "must not be the well-known default postgres (Security Hub RDS.25)")
	}
	return checkPostgresName("database.username", name)
}

// reservedNames are the names RDS refuses for a master user or database: PostgreSQL's reserved key words
// (https://www.postgresql.org/docs/current/sql-keywords-appendix.html) and its template databases. Names
// starting with rds or pg_ are checked separately.
var reservedNames = []string{
	//nolint:misspell // "analyse" is PostgreSQL's British-spelled key word, as reserved as "analyze"
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary",
	"both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create",
	"cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
	"current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
	"except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having",
	"ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading",
	"left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset",
	"on", "only", "or", "order", "outer", "overlaps", "placing", "primary", "public", "references",
	"returning", "right", "select", "session_user", "similar", "some", "symmetric", "system_user", "table",
	"tablesample", "template0", "template1", "then", "to", "trailing", "true", "union", "unique", "user",
	"using", "variadic", "verbose", "when", "where", "window", "with",
}

// window is a time range in minutes since the start of its period (a day or a week), possibly wrapping.
type window struct{ start, length int }

// overlaps reports whether two windows of a period of the given minutes share a minute.
func (w window) overlaps(o window, period int) bool {
	return mod(o.start-w.start, period) < w.length || mod(w.start-o.start, period) < o.length
}

func mod(a, n int) int { return ((a % n) + n) % n }

var (
	backupWindowPattern      = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$`)
	maintenanceWindowPattern = regexp.MustCompile(`^(?i)(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$`)
	weekdays                 = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

// checkWindows parses both windows, checks their length, and that no day's backup window overlaps the
// weekly maintenance window (RDS refuses overlapping windows).
func (c Config) checkWindows() error {
	m := backupWindowPattern.FindStringSubmatch(c.BackupWindow)
	if m == nil {
		return settings.Invalid("database.backupWindow", c.BackupWindow, "must be hh24:mi-hh24:mi in UTC, e.g. 03:00-04:00")
	}
	backupStart := clock(m[1], m[2])
	backup := window{backupStart, mod(clock(m[3], m[4])-backupStart, minutesPerDay)}
	if backup.length < minWindowMinutes {
		return settings.Invalid("database.backupWindow", c.BackupWindow, "must last at least %d minutes", minWindowMinutes)
	}
	m = maintenanceWindowPattern.FindStringSubmatch(c.MaintenanceWindow)
	if m == nil {
		return settings.Invalid("database.maintenanceWindow", c.MaintenanceWindow, "must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:05:00-sun:06:00")
	}
	maintenanceStart := weekMinute(m[1], m[2], m[3])
	maintenance := window{maintenanceStart, mod(weekMinute(m[4], m[5], m[6])-maintenanceStart, minutesPerWeek)}
	if maintenance.length < minWindowMinutes {
		return settings.Invalid("database.maintenanceWindow", c.MaintenanceWindow, "must last at least %d minutes", minWindowMinutes)
	}
	for day := range weekdays {
		daily := window{day*minutesPerDay + backup.start, backup.length}
		if daily.overlaps(maintenance, minutesPerWeek) {
			return settings.Invalid("database.maintenanceWindow", c.MaintenanceWindow, "overlaps the daily backup window %s", c.BackupWindow)
		}
	}
	return nil
}

func clock(hh, mm string) int {
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	return h*60 + m
}

func weekMinute(day, hh, mm string) int {
	return slices.Index(weekdays, strings.ToLower(day))*minutesPerDay + clock(hh, mm)
}
