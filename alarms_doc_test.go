package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

// TestREADMEExplainsEveryAlarm: every alarm of both stacks has its line in the README's alarm table (the
// event that should wake someone, the metric, why the threshold is reached).
func TestREADMEExplainsEveryAlarm(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, table, found := strings.Cut(string(raw), "\n## Alarms\n")
	require.True(t, found, "README.md has no Alarms section")
	table, _, _ = strings.Cut(table, "\n## ")
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		if name, ok := strings.CutPrefix(line, "| `"); ok {
			name, _, _ = strings.Cut(name, "`")
			rows = append(rows, name)
		}
	}
	for _, env := range settings.Environments {
		alarms := stackInventory(t, env).OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
		require.NotEmpty(t, alarms)
		for _, a := range alarms {
			role := strings.TrimPrefix(a.Name, settings.Prefix(env)+"-")
			if strings.HasPrefix(role, "cis-") {
				role = "cis-*"
			}
			assert.Contains(t, rows, role, "%s: the README's alarm table has no line for %s", env, a.Name)
		}
	}
}
