package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/8byte/infra/app/internal/config"
	"github.com/8byte/infra/app/internal/testlog"
	"github.com/8byte/infra/app/internal/testpki"
)

func env(vars map[string]string) config.Getenv {
	return func(name string) string { return vars[name] }
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(t, ln.Addr().String())
	if err := ln.Close(); err != nil { // the port must be free again for the caller
		t.Fatal(err)
	}
	return port
}

func TestHealthcheckMode(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer healthy.Close()
	unhealthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer unhealthy.Close()

	for _, tt := range []struct {
		name, port string
		want       int
	}{
		{"healthy", portOf(t, healthy.Listener.Addr().String()), 0},
		{"unhealthy", portOf(t, unhealthy.Listener.Addr().String()), 1},
		{"not listening", freePort(t), 1},
		{"invalid port", "http", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got := run(context.Background(), []string{"-healthcheck"}, env(map[string]string{config.EnvPort: tt.port}), io.Discard, &stderr)
			if got != tt.want {
				t.Errorf("exit code %d, want %d (stderr: %s)", got, tt.want, stderr.String())
			}
		})
	}
}

func TestInvalidConfigurationExits(t *testing.T) {
	var stdout bytes.Buffer
	if got := run(context.Background(), nil, env(nil), &stdout, io.Discard); got != 1 {
		t.Fatalf("exit code %d, want 1", got)
	}
	if !strings.Contains(stdout.String(), `"level":"ERROR","msg":"invalid configuration","service":"8byte-app","error":"environment variable APP_ENV=\"\" is invalid`) {
		t.Errorf("no JSON ERROR line for the configuration: %s", stdout.String())
	}
}

func validEnv(port string) map[string]string {
	return map[string]string{
		config.EnvEnvironment:         "dev",
		config.EnvPort:                port,
		config.EnvVersion:             "3f2c1e0",
		config.EnvRegion:              "eu-west-1",
		config.EnvConnectionSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:8byte-dev-db-connection-AbCdEf",
		config.EnvMetricsNamespace:    "8byte/dev",
	}
}

func TestMissingCABundleExits(t *testing.T) {
	isolateAWS(t)
	var stdout bytes.Buffer
	missing := filepath.Join(t.TempDir(), "global-bundle.pem")
	if got := run(context.Background(), []string{"-rds-ca-bundle", missing}, env(validEnv(freePort(t))), &stdout, io.Discard); got != 1 {
		t.Fatalf("exit code %d, want 1", got)
	}
	if !strings.Contains(stdout.String(), `"msg":"service failed"`) || !strings.Contains(stdout.String(), "read database CA bundle") {
		t.Errorf("no ERROR line naming the CA bundle: %s", stdout.String())
	}
}

// isolateAWS points the AWS SDK at a closed loopback port with static fake credentials, so that
// the process under test sends nothing off this machine (no IMDS, no AWS endpoint).
func isolateAWS(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:"+freePort(t))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
}

// TestServiceRunsAndStops runs the whole service with Secrets Manager unreachable: it listens on
// APP_PORT, is live, is not ready (with a reason), logs JSON, and exits 0 on SIGTERM (ctx).
func TestServiceRunsAndStops(t *testing.T) {
	isolateAWS(t)
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout testlog.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"-rds-ca-bundle", testpki.WriteCA(t)}, env(validEnv(port)), &stdout, io.Discard)
	}()

	base := "http://127.0.0.1:" + port
	waitFor(t, base+"/health")
	for path, want := range map[string]struct {
		code int
		body map[string]string
	}{
		"/health": {200, map[string]string{"status": "ok"}},
		"/":       {200, map[string]string{"service": "8byte-app", "version": "3f2c1e0", "environment": "dev"}},
		"/ready":  {503, map[string]string{"status": "unavailable", "reason": "database credentials unavailable"}},
	} {
		code, body := getJSON(t, base+path)
		if code != want.code || !maps.Equal(body, want.body) {
			t.Errorf("GET %s = %d %v, want %d %v", path, code, body, want.code, want.body)
		}
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0 (logs: %s)", code, stdout.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the service did not stop")
	}
	logs := stdout.String()
	for _, want := range []string{
		`"level":"INFO","msg":"listening","service":"8byte-app","environment":"dev","version":"3f2c1e0","port":` + port,
		`"level":"ERROR","msg":"reading the database credentials failed"`,
		`"msg":"stopped"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func waitFor(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if resp, err := get(ctx, url); err == nil {
			if err := resp.Body.Close(); err != nil {
				t.Fatalf("GET %s: close the response body: %v", url, err)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}

func getJSON(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := get(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := resp.Body.Close(); err != nil {
			t.Errorf("GET %s: close the response body: %v", url, err)
		}
	}()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, body
}

// get sends GET url, bound to ctx (the test's context: nothing outlives the test).
func get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}
