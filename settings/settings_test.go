package settings

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvironmentNamesAndProfiles(t *testing.T) {
	assert.Equal(t, Environment{Name: "dev", Profile: DevProfile}, Dev)
	assert.Equal(t, Environment{Name: "prod", Profile: ProdProfile}, Prod)
	assert.True(t, Prod.IsProd())
	assert.False(t, Dev.IsProd())
	assert.True(t, Environment{Name: "staging", Profile: ProdProfile}.IsProd(), "the profile decides, not the name")
	assert.Equal(t, "8byte-prod", Prefix(Prod))
	assert.Equal(t, "8byte-staging", Prefix(Environment{Name: "staging", Profile: DevProfile}))

	for _, p := range []string{"dev", "prod"} {
		got, err := ParseProfile(p)
		require.NoError(t, err)
		assert.Equal(t, Profile(p), got)
	}
	_, err := ParseProfile("staging")
	assert.EqualError(t, err, `"staging" is not a profile; allowed: dev, prod`)
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"dev", "prod", "staging", "qa-2", "abcdefghijkl"} {
		assert.NoError(t, CheckName(ok), ok)
	}
	const rule = "must be lowercase letters, digits and single inner hyphens, start with a letter, at most 12 characters (it is part of every physical name, e.g. the load balancer's)"
	for _, bad := range []string{"", "Dev", "2dev", "dev-", "dev--x", "dev_x", "abcdefghijklm", "prod.eu"} {
		assert.EqualError(t, CheckName(bad), `stack name "`+bad+`": `+rule, bad)
	}
	assert.EqualError(t, CheckName("bootstrap"), `stack name "bootstrap" is reserved for the bootstrap project`)
	assert.EqualError(t, CheckName("pulumi"), `stack name "pulumi" is reserved for the bootstrap project`)
}

func TestDecodeAcceptsWholeNumbersAsStrings(t *testing.T) {
	type db struct {
		EngineVersion string `json:"engineVersion"`
		Port          int    `json:"port"`
	}
	type cfg struct {
		ImageTag string            `json:"imageTag"`
		Database *db               `json:"database,omitempty"`
		Emails   []string          `json:"emails,omitempty"`
		Tags     map[string]string `json:"tags,omitempty"`
		Size     int               `json:"size"`
	}
	var got cfg
	require.NoError(t, Decode("thing", `{"imageTag": 20240101, "database": {"engineVersion": 16, "port": 5432}, "emails": [7], "tags": {"n": 0}, "size": 3}`, &got))
	assert.Equal(t, cfg{ImageTag: "20240101", Database: &db{EngineVersion: "16", Port: 5432}, Emails: []string{"7"}, Tags: map[string]string{"n": "0"}, Size: 3}, got)

	for raw, want := range map[string]string{
		`{"imageTag": 16.1}`: `config 8byte:thing: field "imageTag" must be a string, got the number 16.1 (only whole numbers are read as strings): quote it in the stack file, e.g. imageTag: "<value>"`,
		`{"imageTag": 1e5}`:  `config 8byte:thing: field "imageTag" must be a string, got the number 1e5 (only whole numbers are read as strings): quote it in the stack file, e.g. imageTag: "<value>"`,
		`{"size": "3"}`:      `config 8byte:thing: field "size" must be of type int, got a JSON string`,
		`{"imageTag": true}`: `config 8byte:thing: field "imageTag" must be of type string, got a JSON bool`,
	} {
		assert.EqualError(t, Decode("thing", raw, &cfg{}), want, raw)
	}
}

func TestDecodeOverlaysDefaultsAndRejectsUnknownFields(t *testing.T) {
	type limits struct {
		Min int `json:"min"`
		Max int `json:"max"`
	}
	type item struct {
		ID int `json:"id"`
	}
	type cfg struct {
		Size   int     `json:"size"`
		Label  string  `json:"label"`
		Limits *limits `json:"limits,omitempty"`
		Items  []item  `json:"items,omitempty"`
	}
	dst := cfg{Size: 1, Label: "default"}
	require.NoError(t, Decode("thing", `{"size": 3}`, &dst))
	assert.Equal(t, cfg{Size: 3, Label: "default"}, dst)

	cases := map[string]struct{ raw, want string }{
		"unknown field": {`{"sise": 3}`, `config 8byte:thing: unknown field "sise" (fields are case-sensitive; see the README's configuration table)`},
		"wrong case":    {`{"Size": 3}`, `config 8byte:thing: unknown field "Size" (fields are case-sensitive; see the README's configuration table)`},
		"nested":        {`{"limits": {"max": 1, "mni": 0}}`, `config 8byte:thing: unknown field "limits.mni" (fields are case-sensitive; see the README's configuration table)`},
		"in a list":     {`{"items": [{"id": 1}, {"ID": 2}]}`, `config 8byte:thing: unknown field "items.ID" (fields are case-sensitive; see the README's configuration table)`},
		"wrong type":    {`{"size": "big"}`, `config 8byte:thing: field "size" must be of type int, got a JSON string`},
		"trailing data": {`{"size": 3} {}`, `config 8byte:thing: unexpected data after the JSON object`},
		"not json":      {`size=3`, `config 8byte:thing: invalid character 's' looking for beginning of value`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := Decode("thing", tc.raw, &cfg{})
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestInvalidNamesKeyValueAndAllowed(t *testing.T) {
	err := Invalid("network.azCount", 4, "must be between %d and %d", 2, 3)
	assert.EqualError(t, err, "config 8byte:network.azCount: invalid value 4: must be between 2 and 3")
	err = Invalid("network.vpcCidr", "10.0.0.0/33", "must be an IPv4 CIDR")
	assert.EqualError(t, err, `config 8byte:network.vpcCidr: invalid value "10.0.0.0/33": must be an IPv4 CIDR`)
}

func TestCheckLogRetention(t *testing.T) {
	assert.NoError(t, CheckLogRetention("k", Dev, 30))
	assert.NoError(t, CheckLogRetention("k", Prod, 365))
	assert.EqualError(t, CheckLogRetention("k", Dev, 31), "config 8byte:k: invalid value 31: must be one of the CloudWatch Logs retention periods [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]")
	// The design's floor in prod is a year: every retention period below it is refused.
	for _, days := range []int{90, 180} {
		assert.EqualError(t, CheckLogRetention("k", Prod, days), fmt.Sprintf("config 8byte:k: invalid value %d: prod keeps logs for at least 365 days", days))
	}
	assert.NoError(t, CheckLogRetention("k", Prod, 400))
}

func TestCheckRange(t *testing.T) {
	assert.NoError(t, CheckRange("k", 2, 2, 3))
	assert.EqualError(t, CheckRange("k", 0, 1, 10), "config 8byte:k: invalid value 0: must be between 1 and 10")
}
