package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

// designDefaults is the configuration table of the README written out once, by hand: every key with its
// dev and prod default, as the README's cells spell them. A cell whose first word is a `literal` is the
// default value; any other cell ("none", "derived", "stack name", "first `azCount` zones") means the key
// has no value by default. TestDefaultsAreTheDesignTable asserts DefaultConfig against it and
// TestREADMEConfigurationTablesAreTheDesignTable the README, so that none of the three can drift. The
// numbers are the design's choices: change one here, in the README and in the code, or a test fails.
var designDefaults = []struct{ key, dev, prod string }{
	{"profile", "stack name", "stack name"},
	{"appPort", "`8000`", "`8000`"},

	{"network.vpcCidr", "`10.0.0.0/16`", "`10.0.0.0/16`"},
	{"network.azCount", "`2`", "`3`"},
	{"network.availabilityZones", "first `azCount` zones", "first `azCount` zones"},
	{"network.publicSubnetCidrs", "derived", "derived"},
	{"network.privateSubnetCidrs", "derived", "derived"},
	{"network.databaseSubnetCidrs", "derived", "derived"},
	{"network.natStrategy", "`single`", "`perAz`"},
	{"network.allowSshFromVpc", "`true`", "`true`"},
	{"network.flowLogRetentionDays", "`30`", "`365`"},

	{"github.enabled", "`false`", "`false`"},
	{"github.repository", "none", "none"},
	{"github.ownerId", "none", "none"},
	{"github.repositoryId", "none", "none"},
	{"github.oidcProviderArn", "none", "none"},
	{"github.stateBucket", "none", "none"},
	{"github.stateKeyArn", "none", "none"},
	{"github.secretsProviderKeyArn", "none", "none"},
	{"github.drill", "none", "none"},

	{"database.engineVersion", "`17`", "`17`"},
	{"database.instanceClass", "`db.t4g.micro`", "`db.m7g.large`"},
	{"database.allocatedStorageGb", "`20`", "`100`"},
	{"database.maxAllocatedStorageGb", "`50`", "`1000`"},
	{"database.multiAz", "`false`", "`true`"},
	{"database.dbName", "`app`", "`app`"},
	{"database.username", "`app_admin`", "`app_admin`"},
	{"database.backupRetentionDays", "`7`", "`30`"},
	{"database.backupWindow", "`03:00-04:00`", "`03:00-04:00`"},
	{"database.maintenanceWindow", "`sun:05:00-sun:06:00`", "`sun:05:00-sun:06:00`"},
	{"database.monitoringIntervalSeconds", "`60`", "`15`"},
	{"database.logRetentionDays", "`30`", "`365`"},
	{"database.slowStatementMs", "`500`", "`1000`"},
	{"database.backupReplication", "`false`", "`true`"},
	{"database.replicaRegion", "`us-west-2`", "`us-west-2`"},
	{"database.replicaRetentionDays", "`7`", "`14`"},
	{"database.manageAccountPublicAccessBlock", "`false`", "`true`"},

	{"compute.instanceType", "`t3.small`", "`t3.medium`"},
	{"compute.minSize", "`1`", "`2`"},
	{"compute.maxSize", "`2`", "`6`"},
	{"compute.desiredCapacity", "`1`", "`2`"},
	{"compute.repositoryUrl", "none (required)", "none (required)"},
	{"compute.imageTag", "none (required)", "none (required)"},
	{"compute.certificateArn", "none", "none (required)"},
	{"compute.allowHttpWithoutCertificate", "`false`", "`false`"},
	{"compute.wafEnabled", "`true`", "`true`"},
	{"compute.wafRateLimit", "`2000`", "`2000`"},
	{"compute.healthCheckPath", "`/health`", "`/health`"},
	{"compute.deregistrationDelaySeconds", "`30`", "`30`"},
	{"compute.warmupSeconds", "`300`", "`300`"},
	{"compute.instanceRefreshMinHealthyPercentage", "`100`", "`100`"},
	{"compute.maxInstanceLifetimeDays", "`0` (off)", "`30`"},
	{"compute.cpuTargetPercent", "`60`", "`60`"},
	{"compute.requestsPerTargetTarget", "`1000`", "`1000`"},
	{"compute.rootVolumeGiB", "`20`", "`30`"},

	{"observability.logRetentionDays", "`30`", "`365`"},
	{"observability.alarmEmails", "`[]`", "none (required)"},
	{"observability.cloudTrailEnabled", "`false`", "`true`"},
	{"observability.appErrorThreshold", "`10`", "`5`"},
	{"observability.authFailureThreshold", "`3`", "`3`"},
	{"observability.elb5xxThreshold", "`20`", "`10`"},
	{"observability.target5xxThreshold", "`20`", "`10`"},
	{"observability.latencyP95Ms", "`2000`", "`1000`"},
	{"observability.unhealthyHostMinutes", "`5`", "`3`"},
	{"observability.asgCpuPercent", "`85`", "`75`"},
	{"observability.dbCpuPercent", "`85`", "`80`"},
	{"observability.dbFreeStorageGb", "`4`", "`10`"},
	{"observability.dbFreeMemoryMb", "`64`", "`512`"},
	{"observability.dbConnections", "`60`", "`400`"},
	{"observability.recoveryDrillStack", "`\"\"`", "`\"\"` (`Pulumi.prod.yaml`: `prod-dr`)"},

	{"recovery.sourceBackupsArn", "`\"\"`", "`\"\"`"},
	{"recovery.kmsKeyArn", "`\"\"`", "`\"\"`"},
	{"recovery.sourceRegion", "`\"\"`", "`\"\"`"},
	{"recovery.restoreTime", "`\"\"`", "`\"\"`"},
	{"recovery.drill", "`false`", "`false`"},
}

// literalCell matches a cell that spells a default: a `literal`, optionally followed by a remark.
var literalCell = regexp.MustCompile("^`([^`]*)`(?: \\(.*\\))?$")

// defaultsOf returns every key of env's default configuration as the README spells it ("network.azCount"),
// with its value rendered as in a README cell (without backticks); keys without a value map to "".
func defaultsOf(t *testing.T, env settings.Environment) map[string]string {
	t.Helper()
	sc := defaultStackConfig(env)
	out := map[string]string{
		keyProfile: "", // no value: the stack's name when that is dev or prod
		keyAppPort: strconv.Itoa(sc.AppPort),
	}
	for _, sec := range sc.sections() {
		v := reflect.ValueOf(sec.dst).Elem()
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			require.NotEmpty(t, name, "%s.%s has no json name", sec.key, v.Type().Field(i).Name)
			out[sec.key+"."+name] = render(t, v.Field(i).Interface())
		}
	}
	return out
}

// render spells a default value as the README does: numbers and booleans as Go prints them, lists as
// JSON, zero values (no default) as "".
func render(t *testing.T, v any) string {
	t.Helper()
	if reflect.ValueOf(v).IsZero() {
		switch reflect.TypeOf(v).Kind() {
		case reflect.Slice:
			return "[]"
		case reflect.Struct: // an unset object (github.drill)
			return ""
		}
		return fmt.Sprint(v)
	}
	if reflect.TypeOf(v).Kind() == reflect.Slice {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	return fmt.Sprint(v)
}

// expected returns the value a design cell stands for: the literal (`""` is the empty string), or "" for a
// key without a default.
func expected(cell string) (string, bool) {
	if m := literalCell.FindStringSubmatch(cell); m != nil {
		return strings.TrimSuffix(strings.TrimPrefix(m[1], `"`), `"`), true
	}
	return "", false
}

func TestDefaultsAreTheDesignTable(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			got := defaultsOf(t, env)
			seen := map[string]bool{}
			for _, row := range designDefaults {
				cell := row.dev
				if env.IsProd() {
					cell = row.prod
				}
				actual, known := got[row.key]
				if !assert.True(t, known, "%s is in the design table but not a field of the configuration", row.key) {
					continue
				}
				seen[row.key] = true
				want, literal := expected(cell)
				switch {
				case literal:
					assert.Equal(t, want, actual, "%s default in %s (design: %s)", row.key, env, cell)
				default:
					zero := actual == "" || actual == "0" || actual == "false" || actual == "[]"
					assert.True(t, zero, "%s in %s: the design says %q (no default), the code defaults to %q", row.key, env, cell, actual)
				}
			}
			for key := range got {
				assert.True(t, seen[key], "config key %s is missing from the design table (and so from the README)", key)
			}
		})
	}
}

// readmeConfigRows returns the rows of the README's configuration tables: key -> [dev, prod] cells.
func readmeConfigRows(t *testing.T) map[string][2]string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	section := string(raw)
	start := strings.Index(section, "\n## Configuration\n")
	require.GreaterOrEqual(t, start, 0, "README has no Configuration section")
	section = section[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	rows := map[string][2]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !strings.HasPrefix(line, "| `") || len(cells) != 5 {
			continue
		}
		for _, key := range strings.Split(cells[0], ", ") { // "`github.ownerId`, `github.repositoryId`"
			key = strings.Trim(key, "`")
			_, dup := rows[key]
			require.False(t, dup, "README lists %s twice", key)
			rows[key] = [2]string{cells[2], cells[3]}
		}
	}
	return rows
}

func TestREADMEConfigurationTablesAreTheDesignTable(t *testing.T) {
	rows := readmeConfigRows(t)
	for _, row := range designDefaults {
		cells, ok := rows[row.key]
		if assert.True(t, ok, "README's configuration tables have no row for %s", row.key) {
			assert.Equal(t, [2]string{row.dev, row.prod}, cells, "README defaults of %s (dev, prod)", row.key)
		}
		delete(rows, row.key)
	}
	assert.Empty(t, rows, "README rows that are not in the design table")
}
