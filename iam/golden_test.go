package iam

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

var updateGoldens = flag.Bool("update-goldens", false, "rewrite iam/testdata/*.json from the rendered documents")

// The trust policies of the CI roles and the permissions boundary are reviewed as literal JSON: a change
// to any of them shows in the diff of iam/testdata (go test ./iam/ -update-goldens rewrites them).
func TestGoldenSecurityDocuments(t *testing.T) {
	for _, env := range settings.Environments {
		mocks, _ := runIAM(t, env, func(a *Args) {
			gitHub(a)
			a.Config.OwnerID, a.Config.RepositoryID = "123456", "7890123"
			if env.IsProd() { // as Pulumi.prod.yaml: prod's stack holds the drill role of prod-dr
				a.Config.Drill = DrillConfig{Stack: "prod-dr", Region: "us-west-2"}
			}
		})
		p := settings.Prefix(env)
		docs := map[string]string{
			"trust-preview-" + env.Name + ".json": find(t, mocks, typeRole, p+"-github-preview").String("assumeRolePolicy"),
			"trust-deploy-" + env.Name + ".json":  find(t, mocks, typeRole, p+"-github-deploy").String("assumeRolePolicy"),
			"boundary-" + env.Name + ".json":      find(t, mocks, typePolicy, p+"-boundary").String("policy"),
		}
		if env.IsProd() {
			docs["trust-drill-"+env.Name+".json"] = find(t, mocks, typeRole, p+"-github-drill").String("assumeRolePolicy")
			docs["boundary-drill-"+env.Name+".json"] = find(t, mocks, typePolicy, p+"-drill-boundary").String("policy")
		}
		for file, doc := range docs {
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, []byte(doc), "", "  "))
			pretty.WriteString("\n")
			path := filepath.Join("testdata", file)
			if *updateGoldens {
				require.NoError(t, os.MkdirAll("testdata", 0o750))
				require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o600))
			}
			want, err := os.ReadFile(path) //nolint:gosec // G304: the test names its golden files
			require.NoError(t, err, "missing golden %s: run go test ./iam/ -run TestGoldenSecurityDocuments -update-goldens and review it", path)
			assert.Equal(t, string(want), pretty.String(), "%s differs from the rendered document", path)
		}
	}
}
