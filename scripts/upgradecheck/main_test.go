package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	urnInstance = "urn:pulumi:prod::8byte::8byte:data:Data$aws:rds/instance:Instance::8byte-prod-postgres"
	urnGroup17  = "urn:pulumi:prod::8byte::8byte:data:Data$aws:rds/parameterGroup:ParameterGroup::8byte-prod-db-params-postgres17"
	urnGroup18  = "urn:pulumi:prod::8byte::8byte:data:Data$aws:rds/parameterGroup:ParameterGroup::8byte-prod-db-params-postgres18"
)

func runOn(t *testing.T, previewJSON string) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "preview.json")
	require.NoError(t, os.WriteFile(path, []byte(previewJSON), 0o600))
	var out bytes.Buffer
	return run([]string{path}, &out)
}

func TestTheIntendedPlanPasses(t *testing.T) {
	assert.NoError(t, runOn(t, `{"steps": [
		{"op": "same", "urn": "`+urnGroup17+`"},
		{"op": "same", "urn": "`+urnGroup18+`"},
		{"op": "update", "urn": "`+urnInstance+`", "diffReasons": ["parameterGroupName", "engineVersion"]}
	]}`))
}

func TestOtherPlansFail(t *testing.T) {
	cases := map[string]string{
		// today's bug: the group is replaced, and the old one deleted while prod still uses it
		"group replaced": `{"steps": [
			{"op": "create-replacement", "urn": "` + urnGroup17 + `", "diffReasons": ["family", "name"]},
			{"op": "update", "urn": "` + urnInstance + `", "diffReasons": ["engineVersion", "parameterGroupName"]},
			{"op": "delete-replaced", "urn": "` + urnGroup17 + `"}]}`,
		"instance replaced":     `{"steps": [{"op": "replace", "urn": "` + urnInstance + `", "diffReasons": ["engineVersion"]}]}`,
		"instance changes more": `{"steps": [{"op": "update", "urn": "` + urnInstance + `", "diffReasons": ["engineVersion", "parameterGroupName", "storageType"]}]}`,
		"another update":        `{"steps": [{"op": "update", "urn": "` + urnGroup18 + `", "diffReasons": ["parameters"]}, {"op": "update", "urn": "` + urnInstance + `", "diffReasons": ["engineVersion", "parameterGroupName"]}]}`,
		"no upgrade":            `{"steps": [{"op": "same", "urn": "` + urnInstance + `"}]}`,
		"group deleted":         `{"steps": [{"op": "delete", "urn": "` + urnGroup17 + `"}, {"op": "update", "urn": "` + urnInstance + `", "diffReasons": ["engineVersion", "parameterGroupName"]}]}`,
		"empty preview":         `{"steps": []}`,
	}
	for name, preview := range cases {
		assert.Error(t, runOn(t, preview), name)
	}
}
