package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/drill"
)

// An answer in the shape of AWS's documentation of describe-db-instance-automated-backups, in the
// recovery region: one backup replicated from us-east-1, one retained from a deleted local instance.
const describeAnswer = `{
  "DBInstanceAutomatedBackups": [
    {
      "DBInstanceArn": "arn:aws:rds:us-east-1:123456789012:db:postgres-8byte-prod",
      "DbiResourceId": "db-KGLXG75BGVIWKQT7NQ4EEXAMPLE",
      "DBInstanceAutomatedBackupsArn": "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-l2ijcexjp7xq7hoj4siexample",
      "Region": "us-east-1",
      "DBInstanceIdentifier": "postgres-8byte-prod",
      "RestoreWindow": {"EarliestTime": "2026-11-17T06:00:00.000Z", "LatestTime": "2026-12-01T05:52:13.000Z"},
      "Status": "replicating",
      "Engine": "postgres",
      "EngineVersion": "17.4",
      "KmsKeyId": "arn:aws:kms:us-west-2:123456789012:key/0b5c1f3e-9a0d-4a54-8c5e-7a1b2c3d4e5f",
      "BackupRetentionPeriod": 14
    },
    {
      "DBInstanceAutomatedBackupsArn": "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-retained",
      "Region": "us-west-2",
      "DBInstanceIdentifier": "old-db",
      "RestoreWindow": {},
      "Status": "retained"
    }
  ]
}`

func TestParseBackups(t *testing.T) {
	backups, err := parseBackups([]byte(describeAnswer))
	require.NoError(t, err)
	require.Len(t, backups, 2)
	assert.Equal(t, drill.Backup{
		Arn:              "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-l2ijcexjp7xq7hoj4siexample",
		SourceIdentifier: "postgres-8byte-prod", SourceRegion: "us-east-1", Status: "replicating",
		KmsKeyID:      "arn:aws:kms:us-west-2:123456789012:key/0b5c1f3e-9a0d-4a54-8c5e-7a1b2c3d4e5f",
		EngineVersion: "17.4", LatestRestorable: time.Date(2026, 12, 1, 5, 52, 13, 0, time.UTC),
	}, backups[0])
	assert.True(t, backups[1].LatestRestorable.IsZero())

	_, err = parseBackups([]byte("not json"))
	require.ErrorContains(t, err, "reading describe-db-instance-automated-backups")
}

func TestMetricData(t *testing.T) {
	raw, err := metricData("prod-dr", []drill.Metric{{Name: "DrillSucceeded", Value: 1, Unit: "Count"}, {Name: "RTOSeconds", Value: 2460, Unit: "Seconds"}})
	require.NoError(t, err)
	assert.JSONEq(t, `[
	  {"MetricName": "DrillSucceeded", "Dimensions": [{"Name": "Stack", "Value": "prod-dr"}], "Value": 1, "Unit": "Count"},
	  {"MetricName": "RTOSeconds", "Dimensions": [{"Name": "Stack", "Value": "prod-dr"}], "Value": 2460, "Unit": "Seconds"}
	]`, string(raw))
}

// The app is reached through the load balancer's address but verified for the certificate's host name.
func TestHTTPSAppDialsTheLoadBalancerAndVerifiesTheHost(t *testing.T) {
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "example.com", r.Host)
		_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path})
	}))
	defer server.Close()
	addr, err := url.Parse(server.URL)
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(addr.Host)
	require.NoError(t, err)
	roots := server.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	app := httpsApp{host: "example.com", port: port, roots: roots} // httptest's certificate names example.com
	status, body, err := app.Get(context.Background(), host, "/ready")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"path": "/ready"}`, string(body))

	wrongHost := httpsApp{host: "dr.8byte.example.org", port: port, roots: roots}
	_, _, err = wrongHost.Get(context.Background(), host, "/ready")
	require.ErrorContains(t, err, "certificate", "TLS is verified for the host name, never skipped")
}
