package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/8byte/infra/app/internal/config"
	"github.com/8byte/infra/app/internal/pgtest"
	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/secrets/secretstest"
	"github.com/8byte/infra/app/internal/testlog"
)

// nullCloudWatch accepts every datum.
type nullCloudWatch struct{}

func (nullCloudWatch) PutMetricData(context.Context, *cloudwatch.PutMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	return &cloudwatch.PutMetricDataOutput{}, nil
}

// TestIntegrationShutdownIsBoundedWithAHungDatabase runs the whole service against the real
// PostgreSQL through a proxy, hangs the proxy (the database stops answering, its connections
// stay open) with /ready requests in flight, and stops the service: it returns within its
// shutdown budget (scaled down here to 1 s), although the requests and the pool's connections
// are stuck.
func TestIntegrationShutdownIsBoundedWithAHungDatabase(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	proxy := pgtest.NewProxy(t, pg.Addr())
	proxy.Up(t)
	const connectionARN, passwordARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:8byte-dev-db-connection-AbCdEf", //nolint:gosec // G101: fake ARNs
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-XyZ"
	conn, err := json.Marshal(secrets.ConnectionSecret{Host: pg.Host, Port: proxy.Port, DBName: pg.DBName, Username: pg.User, PasswordSecretARN: passwordARN})
	if err != nil {
		t.Fatal(err)
	}
	fake := secretstest.NewFake(map[string]string{
		connectionARN: string(conn),
		passwordARN:   fmt.Sprintf(`{"username":%q,"password":%q}`, pg.User, pg.Password),
	})
	port := freePort(t)
	cfg, err := config.Load(env(validEnv(port)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnectionSecretARN = connectionARN
	const budget = time.Second
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var logs testlog.Buffer
	served := make(chan error, 1)
	go func() {
		deps := dependencies{secrets: fake, metrics: nullCloudWatch{}, caBundle: pg.CA, shutdown: budget}
		served <- serve(ctx, cfg, deps, newLogger(&logs))
	}()
	base := "http://127.0.0.1:" + port
	waitFor(t, base+"/health")
	if code, body := getJSON(t, base+"/ready"); code != http.StatusOK {
		t.Fatalf("GET /ready = %d %v, want 200 before the database hangs", code, body)
	}

	proxy.Hang()
	for range 4 {
		go func() {
			if resp, err := get(t.Context(), base+"/ready"); err == nil {
				_ = resp.Body.Close() // the answer does not matter: the service is stopping
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // the requests are in flight, stuck on the database
	start := time.Now()
	stop() // SIGTERM
	select {
	case err := <-served:
		if took := time.Since(start); took > budget+500*time.Millisecond {
			t.Errorf("the service took %v to stop with a hung database, its budget is %v (logs: %s)", took, budget, logs.String())
		}
		t.Logf("stopped in %v: %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(20 * time.Second):
		t.Fatalf("the service did not stop within 20 s with a hung database (budget %v)", budget)
	}
}
