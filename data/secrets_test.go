package data

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

// contractFields returns the field names of the connection secret in contract/app-env.json.
func contractFields(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../contract/app-env.json")
	require.NoError(t, err)
	var contract struct {
		ConnectionSecret struct {
			Fields []struct {
				Name string `json:"name"`
			} `json:"fields"`
		} `json:"connectionSecret"`
	}
	require.NoError(t, json.Unmarshal(raw, &contract))
	var names []string
	for _, f := range contract.ConnectionSecret.Fields {
		names = append(names, f.Name)
	}
	require.NotEmpty(t, names)
	return names
}

func TestConnectionSecretIsNamedEncryptedAndRecoverable(t *testing.T) {
	for _, tc := range []struct {
		env      settings.Environment
		recovery int
	}{{settings.Dev, 0}, {settings.Prod, 30}} {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, _ := runData(t, tc.env, nil)
			secrets := mocks.OfType(typeSecret)
			require.Len(t, secrets, 1, "the only secret this stack creates; RDS creates the password secret")
			secret := secrets[0]
			assert.Equal(t, "8byte-"+tc.env.Name+"-db-connection", secret.String("name"))
			assert.Equal(t, mocks.Find(typeKey, settings.Prefix(tc.env)+"-secrets-key").Out["arn"], secret.String("kmsKeyId"))
			assert.Equal(t, tc.recovery, secret.Int("recoveryWindowInDays"))
			assert.Equal(t, "8byte-"+tc.env.Name+"-db-connection", secret.Tag("Name"))
		})
	}
}

func TestConnectionValueFollowsTheAppContract(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runData(t, env, nil)
			db := instance(t, mocks)
			secret := mocks.Find(typeSecret, settings.Prefix(env)+"-db-connection")
			versions := mocks.OfType(typeVersion)
			require.Len(t, versions, 1)
			version := versions[0]
			assert.Equal(t, secret.Out["id"], version.String("secretId"))

			var value map[string]json.RawMessage
			require.NoError(t, version.JSON("secretString", &value))
			var keys []string
			for k := range value {
				keys = append(keys, k)
			}
			want := contractFields(t)
			slices.Sort(keys)
			slices.Sort(want)
			assert.Equal(t, want, keys, "exactly the fields of contract/app-env.json")

			jsonString := func(v any) string {
				raw, err := json.Marshal(v)
				require.NoError(t, err)
				return string(raw)
			}
			assert.JSONEq(t, jsonString(db.Out["address"]), string(value["host"]))
			assert.JSONEq(t, "5432", string(value["port"]), "the port is a JSON number")
			assert.JSONEq(t, `"app"`, string(value["dbname"]))
			assert.JSONEq(t, `"app_admin"`, string(value["username"]))
			assert.JSONEq(t, jsonString(db.Output("masterUserSecrets.0.secretArn")), string(value["passwordSecretArn"]))
		})
	}
}

// No input of any resource of the tier carries a password: RDS generates it and keeps it in its own secret.
func TestNoPasswordAnywhere(t *testing.T) {
	for _, env := range settings.Environments {
		mocks, _ := runData(t, env, nil)
		for _, r := range mocks.All() {
			for _, key := range []string{"password", "passwordWo", "masterPassword"} {
				assert.Nil(t, r.Get(key), "%s sets %s", r.Describe(), key)
			}
			if r.Type == typeVersion {
				assert.NotContains(t, r.String("secretString"), `"password"`)
			}
		}
		assert.True(t, instance(t, mocks).Bool("manageMasterUserPassword"))
	}
}
