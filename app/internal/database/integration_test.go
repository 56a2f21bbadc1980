package database_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/8byte/infra/app/internal/database"
	"github.com/8byte/infra/app/internal/logging"
	"github.com/8byte/infra/app/internal/pgtest"
	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/secrets/secretstest"
	"github.com/8byte/infra/app/internal/server"
	"github.com/8byte/infra/app/internal/testlog"
	"github.com/8byte/infra/app/internal/testpki"
)

const (
	connectionARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:8byte-dev-db-connection-AbCdEf"
	passwordARN   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-XyZ" //nolint:gosec // G101: a fake Secrets Manager ARN names a secret, it holds no credential
)

// app is the service's database side and HTTP handler over a fake Secrets Manager.
type app struct {
	secrets *secretstest.Fake
	db      *database.DB
	handler http.Handler
	logs    *testlog.Buffer
}

// appOptions are the knobs of newApp beyond the database it points at.
type appOptions struct {
	refresh time.Duration   // database.Options.MinRefreshInterval
	logging logging.Options // the logger's repeat window and clock
}

// newApp serves a connection secret naming host:port and a password secret holding password.
func newApp(t *testing.T, pg pgtest.Server, host string, port int, password, caBundle string, opts ...appOptions) *app {
	t.Helper()
	var o appOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	conn, err := json.Marshal(secrets.ConnectionSecret{Host: host, Port: port, DBName: pg.DBName, Username: pg.User, PasswordSecretARN: passwordARN})
	if err != nil {
		t.Fatal(err)
	}
	fake := secretstest.NewFake(map[string]string{connectionARN: string(conn), passwordARN: passwordJSON(pg.User, password)})
	logger, logs := jsonLogger(o.logging)
	db, err := database.New(database.Options{
		Credentials:        func(ctx context.Context) (secrets.Credentials, error) { return secrets.Load(ctx, fake, connectionARN) },
		CABundle:           caBundle,
		MinRefreshInterval: o.refresh,
		Logger:             logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(t, db) })
	info := server.Info{Service: "8byte-app", Version: "test", Environment: "dev"}
	return &app{secrets: fake, db: db, handler: server.NewHandler(info, db, db, logger), logs: logs}
}

func passwordJSON(user, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
}

// ready calls GET /ready and returns the status code and the reason.
func (a *app) ready(t *testing.T) (int, string) {
	t.Helper()
	return a.readyCtx(context.Background(), t)
}

// readyCtx calls GET /ready with a client that gives up when ctx ends.
func (a *app) readyCtx(ctx context.Context, t *testing.T) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/ready", nil))
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("GET /ready body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, body["reason"]
}

// assertNoSecret fails when any of the passwords shows up in the logs.
func (a *app) assertNoSecret(t *testing.T, passwords ...string) {
	t.Helper()
	for _, p := range passwords {
		if strings.Contains(a.logs.String(), p) {
			t.Errorf("the logs contain a password: %s", a.logs.String())
		}
	}
}

func randomPassword(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestIntegrationWrongPasswordThenRefresh: the secret holds a wrong password, the database
// refuses it (auth_failed at ERROR, /ready 503 without secrets), the secret is corrected, and the
// next check re-reads it and recovers.
func TestIntegrationWrongPasswordThenRefresh(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	wrong := randomPassword(t)
	a := newApp(t, pg, pg.Host, pg.Port, wrong, pg.CA)

	if code, reason := a.ready(t); code != http.StatusServiceUnavailable || reason != database.ReasonAuth {
		t.Fatalf("with a wrong password: GET /ready = %d %q, want 503 %q", code, reason, database.ReasonAuth)
	}
	if !strings.Contains(a.logs.String(), `"level":"ERROR","msg":"database rejected the credentials","event":"auth_failed","attempt":1,`) {
		t.Errorf("no ERROR auth_failed log line: %s", a.logs.String())
	}
	if got := a.secrets.Reads(); got != 4 {
		t.Errorf("secrets read %d times, want 4 (load, and reload after the rejection)", got)
	}

	a.secrets.Set(passwordARN, passwordJSON(pg.User, pg.Password))
	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("after the secret was corrected: GET /ready = %d %q, want 200", code, reason)
	}
	a.assertNoSecret(t, wrong, pg.Password)
}

// TestIntegrationHeartbeatIsInTheData: the heartbeat each environment writes is read back by GET
// /data-check, as a disaster-recovery drill reads it from a restored database; before the first write
// there is none (and no error).
func TestIntegrationHeartbeatIsInTheData(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	a := newApp(t, pg, pg.Host, pg.Port, pg.Password, pg.CA)
	env := "it-" + randomPassword(t)[:8] // a name of this test's own: the database is shared by the tests

	before := dataCheck(t, a)
	if _, ok := before[env]; ok {
		t.Fatalf("a heartbeat of %s before any write: %v", env, before)
	}
	start := time.Now().Add(-time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		a.db.RunHeartbeat(ctx, env, time.Hour, func(err error) { t.Errorf("heartbeat: %v", err) })
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if at, ok := dataCheck(t, a)[env]; ok {
			if at.Before(start) || at.After(time.Now().Add(time.Second)) {
				t.Fatalf("heartbeat of %s at %s, want the time of the write (after %s)", env, at, start)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no heartbeat of %s within 10 s", env)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
}

// dataCheck calls GET /data-check and returns the heartbeats.
func dataCheck(t *testing.T, a *app) map[string]time.Time {
	t.Helper()
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/data-check", nil))
	var body struct {
		Heartbeats map[string]time.Time `json:"heartbeats"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		t.Fatalf("GET /data-check = %d %s", rec.Code, rec.Body.String())
	}
	return body.Heartbeats
}

// TestIntegrationPasswordRotation rotates the password under a live pool, as RDS does: the next
// new connection is refused, the app re-reads the secret and carries on, at once although it made
// the pool a second ago and failed reads are throttled (here for an hour).
func TestIntegrationPasswordRotation(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	a := newApp(t, pg, pg.Host, pg.Port, pg.Password, pg.CA, appOptions{refresh: time.Hour})
	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("GET /ready = %d %q, want 200", code, reason)
	}

	rotated := randomPassword(t) // hex: safe to quote as an SQL literal
	admin := pg.Connect(t, pg.Password)
	pgtest.Exec(t, admin, "ALTER ROLE CURRENT_USER PASSWORD '"+rotated+"'")
	t.Cleanup(func() { pgtest.Exec(t, pg.Connect(t, rotated), "ALTER ROLE CURRENT_USER PASSWORD '"+pg.Password+"'") })
	// Drop the app's open connections, as an idle timeout or a failover would.
	pgtest.Exec(t, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '8byte-app'")
	a.secrets.Set(passwordARN, passwordJSON(pg.User, rotated))
	time.Sleep(1100 * time.Millisecond) // the pool pings connections idle for over a second before use

	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("after the rotation: GET /ready = %d %q, want 200 (logs: %s)", code, reason, a.logs.String())
	}
	if !strings.Contains(a.logs.String(), `"event":"auth_failed"`) {
		t.Errorf("the refused old password was not logged as auth_failed: %s", a.logs.String())
	}
	a.assertNoSecret(t, pg.Password, rotated)
}

// TestIntegrationDatabaseDownAndBack cuts the network path to the database and restores it.
func TestIntegrationDatabaseDownAndBack(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	p := pgtest.NewProxy(t, pg.Addr())
	a := newApp(t, pg, pg.Host, p.Port, pg.Password, pg.CA)

	for _, step := range []struct {
		name       string
		connected  bool
		wantCode   int
		wantReason string
	}{
		{"up", true, http.StatusOK, ""},
		{"down", false, http.StatusServiceUnavailable, database.ReasonUnreachable},
		{"still down", false, http.StatusServiceUnavailable, database.ReasonUnreachable},
		{"back", true, http.StatusOK, ""},
	} {
		if step.connected {
			p.Up(t)
		} else {
			p.Down()
		}
		if code, reason := a.ready(t); code != step.wantCode || reason != step.wantReason {
			t.Errorf("%s: GET /ready = %d %q, want %d %q", step.name, code, reason, step.wantCode, step.wantReason)
		}
	}
	a.assertNoSecret(t, pg.Password)
}

// TestIntegrationTLSIsVerified: the server refuses plaintext, and the app refuses a server whose
// certificate names another host or comes from another CA.
func TestIntegrationTLSIsVerified(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)

	t.Run("plaintext refused by the server", func(t *testing.T) {
		cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=disable", pg.Host, pg.Port, pg.DBName, pg.User))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Password = pg.Password
		conn, err := pgx.ConnectConfig(context.Background(), cfg)
		if err == nil {
			_ = conn.Close(context.Background()) // the test fails below either way
			t.Fatal("a plaintext connection was accepted")
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28000" || !strings.Contains(pgErr.Message, "no encryption") {
			t.Errorf("plaintext connection error = %v, want 28000 no pg_hba.conf entry ... no encryption", err)
		}
	})
	for _, tt := range []struct {
		name, host, ca, want string
	}{
		{"host name not in the certificate", "127.0.0.1", pg.CA, "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{"certificate from another CA", pg.Host, testpki.WriteCA(t), "certificate signed by unknown authority"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, pg, tt.host, pg.Port, pg.Password, tt.ca)
			if code, reason := a.ready(t); code != http.StatusServiceUnavailable || reason != database.ReasonUnreachable {
				t.Errorf("GET /ready = %d %q, want 503 %q", code, reason, database.ReasonUnreachable)
			}
			if !strings.Contains(a.logs.String(), tt.want) {
				t.Errorf("logs lack %q: %s", tt.want, a.logs.String())
			}
		})
	}
}

// TestIntegrationOutageIsLoggedOnceThenSummarised hammers /ready during a database outage: the
// failure is logged once, then once per repeat window with the count of the lines left out, and
// the recovery once.
func TestIntegrationOutageIsLoggedOnceThenSummarised(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	p := pgtest.NewProxy(t, pg.Addr())
	p.Up(t)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a := newApp(t, pg, pg.Host, p.Port, pg.Password, pg.CA, appOptions{logging: logging.Options{Now: clock.Now}})
	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("GET /ready = %d %q, want 200", code, reason)
	}

	p.Down()
	const probes = 200
	for range probes {
		if code, _ := a.ready(t); code != http.StatusServiceUnavailable {
			t.Fatalf("GET /ready during the outage = %d, want 503", code)
		}
	}
	failed, requests := a.logs.Lines(t, "database check failed"), a.logs.Lines(t, "request")
	if len(failed) != 1 || failed[0]["level"] != "ERROR" || failed[0]["suppressed"] != nil {
		t.Errorf("%d probes during the outage wrote %d \"database check failed\" lines, want 1 ERROR: %v", probes, len(failed), failed)
	}
	if warned := countLevel(requests, "WARN"); warned != 1 {
		t.Errorf("%d probes answered 503 wrote %d WARN request lines, want 1", probes, warned)
	}

	clock.advance(logging.Window)
	a.ready(t)
	failed = a.logs.Lines(t, "database check failed")
	if len(failed) != 2 || failed[1]["suppressed"] != float64(probes-1) {
		t.Errorf("after the repeat window: %v, want a second line with suppressed=%d", failed, probes-1)
	}

	p.Up(t)
	for range 3 {
		if code, reason := a.ready(t); code != http.StatusOK {
			t.Fatalf("after the outage: GET /ready = %d %q, want 200", code, reason)
		}
	}
	recovered := a.logs.Lines(t, "database check recovered")
	if len(recovered) != 1 || recovered[0]["level"] != "INFO" || recovered[0]["failed_checks"] != float64(probes+1) {
		t.Errorf("recovery lines %v, want one INFO with failed_checks=%d", recovered, probes+1)
	}
}

func countLevel(entries []map[string]any, level string) int {
	n := 0
	for _, e := range entries {
		if e["level"] == level {
			n++
		}
	}
	return n
}

// fakeClock is the logger's clock in tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestIntegrationReadyKeepsItsBudgetWhileSecretsManagerIsSlow: Secrets Manager stops answering
// while a longer check (the metrics loop's) waits for it; GET /ready still answers within its
// 3 s budget, and is ready as soon as Secrets Manager answers again.
func TestIntegrationReadyKeepsItsBudgetWhileSecretsManagerIsSlow(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	a := newApp(t, pg, pg.Host, pg.Port, pg.Password, pg.CA, appOptions{refresh: 10 * time.Second})
	a.secrets.Hold()
	defer a.secrets.Release()
	long, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() { _ = a.db.Check(long) }()
	time.Sleep(20 * time.Millisecond)

	start := time.Now()
	code, reason := a.ready(t)
	if took := time.Since(start); took > server.ReadinessTimeout+500*time.Millisecond {
		t.Errorf("GET /ready took %v with Secrets Manager slow, its budget is %v", took, server.ReadinessTimeout)
	}
	if code != http.StatusServiceUnavailable || reason != database.ReasonCredentials {
		t.Errorf("GET /ready = %d %q, want 503 %q", code, reason, database.ReasonCredentials)
	}
	a.secrets.Release()
	if code, reason := a.ready(t); code != http.StatusOK {
		t.Errorf("once Secrets Manager answers: GET /ready = %d %q, want 200", code, reason)
	}
}

// TestIntegrationRotationUnderLoad rotates the password and drops the sessions while 16 clients
// keep calling /ready: every call succeeds (the old pool serves the checks that hold it, the
// failed ones retry on the new pool).
func TestIntegrationRotationUnderLoad(t *testing.T) {
	pg := pgtest.FromEnv(t, os.Getenv)
	a := newApp(t, pg, pg.Host, pg.Port, pg.Password, pg.CA, appOptions{refresh: 10 * time.Second})
	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("GET /ready = %d %q, want 200", code, reason)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, reason := a.ready(t)
				mu.Lock()
				answers[fmt.Sprint(code, " ", reason)]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	rotated := randomPassword(t)
	admin := pg.Connect(t, pg.Password)
	pgtest.Exec(t, admin, "ALTER ROLE CURRENT_USER PASSWORD '"+rotated+"'")
	t.Cleanup(func() { pgtest.Exec(t, pg.Connect(t, rotated), "ALTER ROLE CURRENT_USER PASSWORD '"+pg.Password+"'") })
	a.secrets.Set(passwordARN, passwordJSON(pg.User, rotated))
	pgtest.Exec(t, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '8byte-app'")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	if len(answers) != 1 || answers["200 "] == 0 {
		t.Errorf("answers during the rotation: %v, want only 200", answers)
	}
	a.assertNoSecret(t, pg.Password, rotated)
}
