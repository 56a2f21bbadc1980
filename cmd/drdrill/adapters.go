package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/8byte/infra/drill"
)

// awsCLI asks AWS through the `aws` command line (credentials from the environment: the drill role).
type awsCLI struct{}

// describeBackups is the part of `aws rds describe-db-instance-automated-backups` the drill reads.
type describeBackups struct {
	DBInstanceAutomatedBackups []struct {
		DBInstanceAutomatedBackupsArn string `json:"DBInstanceAutomatedBackupsArn"`
		DBInstanceIdentifier          string `json:"DBInstanceIdentifier"`
		Region                        string `json:"Region"`
		Status                        string `json:"Status"`
		KmsKeyID                      string `json:"KmsKeyId"`
		EngineVersion                 string `json:"EngineVersion"`
		RestoreWindow                 struct {
			LatestTime *time.Time `json:"LatestTime"`
		} `json:"RestoreWindow"`
	} `json:"DBInstanceAutomatedBackups"`
}

// parseBackups reads the JSON answer of describe-db-instance-automated-backups.
func parseBackups(raw []byte) ([]drill.Backup, error) {
	var answer describeBackups
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, fmt.Errorf("reading describe-db-instance-automated-backups: %w", err)
	}
	backups := make([]drill.Backup, 0, len(answer.DBInstanceAutomatedBackups))
	for _, b := range answer.DBInstanceAutomatedBackups {
		backup := drill.Backup{
			Arn: b.DBInstanceAutomatedBackupsArn, SourceIdentifier: b.DBInstanceIdentifier, SourceRegion: b.Region,
			Status: b.Status, KmsKeyID: b.KmsKeyID, EngineVersion: b.EngineVersion,
		}
		if b.RestoreWindow.LatestTime != nil {
			backup.LatestRestorable = *b.RestoreWindow.LatestTime
		}
		backups = append(backups, backup)
	}
	return backups, nil
}

// ReplicatedBackups implements drill.Cloud.
func (awsCLI) ReplicatedBackups(ctx context.Context, region string) ([]drill.Backup, error) {
	out, err := command(ctx, nil, "aws", "rds", "describe-db-instance-automated-backups", "--region", region, "--output", "json")
	if err != nil {
		return nil, err
	}
	return parseBackups(out)
}

// metricData renders metrics as the --metric-data JSON of `aws cloudwatch put-metric-data`.
func metricData(stack string, metrics []drill.Metric) ([]byte, error) {
	type dimension struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	}
	type datum struct {
		MetricName string      `json:"MetricName"`
		Dimensions []dimension `json:"Dimensions"`
		Value      float64     `json:"Value"`
		Unit       string      `json:"Unit"`
	}
	data := make([]datum, len(metrics))
	for i, m := range metrics {
		data[i] = datum{MetricName: m.Name, Dimensions: []dimension{{Name: "Stack", Value: stack}}, Value: m.Value, Unit: m.Unit}
	}
	return json.Marshal(data)
}

// PutMetrics implements drill.Cloud.
func (awsCLI) PutMetrics(ctx context.Context, region, stack string, metrics []drill.Metric) error {
	payload, err := metricData(stack, metrics)
	if err != nil {
		return err
	}
	_, err = command(ctx, nil, "aws", "cloudwatch", "put-metric-data", "--region", region,
		"--namespace", drill.MetricsNamespace, "--metric-data", string(payload))
	return err
}

// pulumiCLI drives the recovery stack with the `pulumi` command line in dir.
type pulumiCLI struct {
	stack, dir string
	log        io.Writer // where the deployment's progress goes
}

// SetConfig implements drill.Stack.
func (p pulumiCLI) SetConfig(ctx context.Context, values map[string]string) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := p.pulumi(ctx, "config", "set", "--path", k, values[k]); err != nil {
			return err
		}
	}
	return nil
}

// Up implements drill.Stack.
func (p pulumiCLI) Up(ctx context.Context) error {
	_, err := p.pulumi(ctx, "up", "--yes", "--skip-preview", "--non-interactive")
	return err
}

// Output implements drill.Stack.
func (p pulumiCLI) Output(ctx context.Context, name string) (string, error) {
	out, err := p.pulumi(ctx, "stack", "output", name)
	return strings.TrimSpace(string(out)), err
}

// Destroy implements drill.Stack. The stack itself (its config) stays for the next drill.
func (p pulumiCLI) Destroy(ctx context.Context) error {
	_, err := p.pulumi(ctx, "destroy", "--yes", "--skip-preview", "--non-interactive")
	return err
}

func (p pulumiCLI) pulumi(ctx context.Context, args ...string) ([]byte, error) {
	args = append(args, "--stack", p.stack, "--cwd", p.dir)
	return command(ctx, p.log, "pulumi", args...)
}

// command runs name with args; its stderr (and stdout, when progress is set) goes to progress as it runs.
func command(ctx context.Context, progress io.Writer, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...) //nolint:gosec // G204: fixed tools (aws, pulumi), arguments built here
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if progress != nil {
		cmd.Stdout = io.MultiWriter(&stdout, progress)
		cmd.Stderr = io.MultiWriter(&stderr, progress)
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args[:min(2, len(args))], " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// httpsApp reaches the recovered application at https://host through a given load balancer: it dials the
// load balancer's DNS name and verifies the certificate for host, as a browser would once DNS points at it.
type httpsApp struct {
	host  string
	port  string         // the load balancer's HTTPS port
	roots *x509.CertPool // nil: the system's roots
}

func newHTTPSApp(host string) httpsApp { return httpsApp{host: host, port: "443"} }

// Get implements drill.App.
func (a httpsApp) Get(ctx context.Context, albDNSName, path string) (int, []byte, error) {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	client := &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, net.JoinHostPort(albDNSName, a.port))
			},
			TLSClientConfig: &tls.Config{ServerName: a.host, RootCAs: a.roots, MinVersion: tls.VersionTLS12},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+a.host+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, body, err
}
