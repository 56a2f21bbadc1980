package observability

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

// parsedMetric is one metric line of the dashboard JSON, read back from its array form.
type parsedMetric struct {
	namespace, name, stat string
	dimensions            map[string]string
}

// dashboardMetrics parses the dashboard's body and returns its widgets' regions and metric lines.
func dashboardMetrics(t *testing.T, body string) (regions []string, metrics []parsedMetric) {
	t.Helper()
	var doc struct {
		Widgets []struct {
			Type       string `json:"type"`
			X, Y       int
			Width      int `json:"width"`
			Height     int `json:"height"`
			Properties struct {
				Region  string            `json:"region"`
				Title   string            `json:"title"`
				Metrics []json.RawMessage `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc), "the body is valid JSON")
	require.NotEmpty(t, doc.Widgets)
	for _, w := range doc.Widgets {
		assert.Equal(t, "metric", w.Type)
		assert.LessOrEqual(t, w.X+w.Width, 24, "%s fits the 24-column grid", w.Properties.Title)
		assert.NotEmpty(t, w.Properties.Title)
		regions = append(regions, w.Properties.Region)
		for _, raw := range w.Properties.Metrics {
			var row []any
			require.NoError(t, json.Unmarshal(raw, &row))
			require.GreaterOrEqual(t, len(row), 3, "namespace, name, options: %s", raw)
			opts, ok := row[len(row)-1].(map[string]any)
			require.True(t, ok, "the last element holds the options: %s", raw)
			m := parsedMetric{namespace: row[0].(string), name: row[1].(string), stat: fmt.Sprint(opts["stat"]), dimensions: map[string]string{}}
			dims := row[2 : len(row)-1]
			require.Zero(t, len(dims)%2, "dimensions come in name/value pairs: %s", raw)
			for i := 0; i < len(dims); i += 2 {
				m.dimensions[dims[i].(string)] = dims[i+1].(string)
			}
			metrics = append(metrics, m)
		}
	}
	return regions, metrics
}

func TestDashboardGraphsOnlyTheWiredResources(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	dashboards := mocks.OfType(typeDashboard)
	require.Len(t, dashboards, 1)
	regions, metrics := dashboardMetrics(t, dashboards[0].String("dashboardBody"))
	for _, r := range regions {
		assert.Equal(t, "us-east-1", r, "the region comes from the account")
	}

	// Every dimension names a resource passed in, and every namespace is AWS's or the stack's.
	inputs := map[string]string{
		"LoadBalancer": testAlbSuffix, "TargetGroup": testTgSuffix,
		"AutoScalingGroupName": testAsgName, "DBInstanceIdentifier": testDbIdentifier,
	}
	namespaces := map[string]bool{"AWS/ApplicationELB": true, "AWS/EC2": true, "AWS/RDS": true, "8byte/prod": true}
	seen := map[string]bool{}
	for _, m := range metrics {
		assert.True(t, namespaces[m.namespace], "namespace %s", m.namespace)
		if m.namespace != "8byte/prod" {
			assert.NotEmpty(t, m.dimensions, "%s/%s must be scoped to a resource of the stack", m.namespace, m.name)
		} else {
			// The agent's fleet roll-up and the app's metrics have no dimension: a dimension here would
			// name a series nobody publishes, and the graph would stay empty.
			assert.Empty(t, m.dimensions, "%s/%s is published without dimensions", m.namespace, m.name)
		}
		for dim, value := range m.dimensions {
			assert.Equal(t, inputs[dim], value, "%s/%s dimension %s", m.namespace, m.name, dim)
		}
		seen[m.namespace+" "+m.name+" "+m.stat] = true
	}

	// What the design asks to see: requests, errors, latency, healthy hosts, instance CPU/memory/disk,
	// database CPU, connections and storage.
	for _, want := range []string{
		"AWS/ApplicationELB RequestCount Sum",
		"AWS/ApplicationELB HTTPCode_Target_4XX_Count Sum",
		"AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum",
		"AWS/ApplicationELB HTTPCode_ELB_5XX_Count Sum",
		"AWS/ApplicationELB TargetResponseTime p50",
		"AWS/ApplicationELB TargetResponseTime p95",
		"AWS/ApplicationELB HealthyHostCount Minimum",
		"AWS/ApplicationELB UnHealthyHostCount Maximum",
		"AWS/EC2 CPUUtilization Average",
		"8byte/prod mem_used_percent Average",
		"8byte/prod disk_used_percent Maximum",
		"8byte/prod ApplicationErrors Sum",
		"8byte/prod AuthenticationFailures Sum",
		"AWS/RDS CPUUtilization Average",
		"AWS/RDS DatabaseConnections Maximum",
		"AWS/RDS FreeStorageSpace Minimum",
	} {
		assert.True(t, seen[want], "the dashboard lacks %s", want)
	}
}

func TestDashboardMetricMarshalsToTheArrayForm(t *testing.T) {
	raw, err := json.Marshal(dashboardMetric{"AWS/RDS", "CPUUtilization", []dimension{{"DBInstanceIdentifier", "db-1"}}, "Average", "CPU"})
	require.NoError(t, err)
	assert.JSONEq(t, `["AWS/RDS","CPUUtilization","DBInstanceIdentifier","db-1",{"stat":"Average","label":"CPU"}]`, string(raw))
}
