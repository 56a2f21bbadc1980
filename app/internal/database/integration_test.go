package database_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/8byte/infra/app/internal/database"
	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/secrets/secretstest"
	"github.com/8byte/infra/app/internal/server"
	"github.com/8byte/infra/app/internal/testpki"
)

const (
	connectionARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:8byte-dev-db-connection-AbCdEf"
	passwordARN   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-XyZ" //nolint:gosec // G101: a fake Secrets Manager ARN names a secret, it holds no credential
)

// postgres is the TLS-only server that app/scripts/ci-test.sh starts.
type postgres struct {
	host     string
	port     int
	ca       string
	user     string
	password string
	dbname   string
}

func postgresFromEnv(t *testing.T) postgres {
	t.Helper()
	pg := postgres{
		host:     os.Getenv("APP_TEST_PGHOST"),
		ca:       os.Getenv("APP_TEST_PGCA"),
		user:     os.Getenv("APP_TEST_PGUSER"),
		password: os.Getenv("APP_TEST_PGPASSWORD"),
		dbname:   os.Getenv("APP_TEST_PGDATABASE"),
	}
	if pg.host == "" {
		t.Skip("integration test skipped: APP_TEST_PGHOST is unset (app/scripts/ci-test.sh starts a TLS-only PostgreSQL and sets APP_TEST_PG*)")
	}
	port, err := strconv.Atoi(os.Getenv("APP_TEST_PGPORT"))
	if err != nil || pg.ca == "" || pg.user == "" || pg.password == "" || pg.dbname == "" {
		t.Fatal("APP_TEST_PGHOST is set, but APP_TEST_PGPORT, _PGCA, _PGUSER, _PGPASSWORD or _PGDATABASE is missing")
	}
	pg.port = port
	return pg
}

// connect opens an administrative connection, verify-full like the app.
func (pg postgres) connect(t *testing.T, password string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=verify-full sslrootcert=%s",
		pg.host, pg.port, pg.dbname, pg.user, pg.ca))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = password
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("admin connection: %v", err)
	}
	t.Cleanup(func() {
		// Like libpq's PQfinish, Close sends Terminate, upon which the server ends the session; a TLS
		// close_notify that then fails to reach it is no failure of the test.
		_ = conn.Close(context.Background())
	})
	return conn
}

// app is the service's database side and HTTP handler over a fake Secrets Manager.
type app struct {
	secrets *secretstest.Fake
	db      *database.DB
	handler http.Handler
	logs    *bytes.Buffer
}

// newApp serves a connection secret naming host:port and a password secret holding password.
func newApp(t *testing.T, pg postgres, host string, port int, password, caBundle string) *app {
	t.Helper()
	conn, err := json.Marshal(secrets.ConnectionSecret{Host: host, Port: port, DBName: pg.dbname, Username: pg.user, PasswordSecretARN: passwordARN})
	if err != nil {
		t.Fatal(err)
	}
	fake := secretstest.NewFake(map[string]string{connectionARN: string(conn), passwordARN: passwordJSON(pg.user, password)})
	logger, logs := jsonLogger()
	db, err := database.New(database.Options{
		Credentials: func(ctx context.Context) (secrets.Credentials, error) { return secrets.Load(ctx, fake, connectionARN) },
		CABundle:    caBundle,
		Logger:      logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	info := server.Info{Service: "8byte-app", Version: "test", Environment: "dev"}
	return &app{secrets: fake, db: db, handler: server.NewHandler(info, db, db, logger), logs: logs}
}

func passwordJSON(user, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
}

// ready calls GET /ready and returns the status code and the reason.
func (a *app) ready(t *testing.T) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
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
	pg := postgresFromEnv(t)
	wrong := randomPassword(t)
	a := newApp(t, pg, pg.host, pg.port, wrong, pg.ca)

	if code, reason := a.ready(t); code != http.StatusServiceUnavailable || reason != database.ReasonAuth {
		t.Fatalf("with a wrong password: GET /ready = %d %q, want 503 %q", code, reason, database.ReasonAuth)
	}
	if !strings.Contains(a.logs.String(), `"level":"ERROR","msg":"database rejected the credentials","event":"auth_failed"`) {
		t.Errorf("no ERROR auth_failed log line: %s", a.logs.String())
	}
	if got := a.secrets.Reads(); got != 4 {
		t.Errorf("secrets read %d times, want 4 (load, and reload after the rejection)", got)
	}

	a.secrets.Set(passwordARN, passwordJSON(pg.user, pg.password))
	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("after the secret was corrected: GET /ready = %d %q, want 200", code, reason)
	}
	a.assertNoSecret(t, wrong, pg.password)
}

// TestIntegrationHeartbeatIsInTheData: the heartbeat each environment writes is read back by GET
// /data-check, as a disaster-recovery drill reads it from a restored database; before the first write
// there is none (and no error).
func TestIntegrationHeartbeatIsInTheData(t *testing.T) {
	pg := postgresFromEnv(t)
	a := newApp(t, pg, pg.host, pg.port, pg.password, pg.ca)
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
// new connection is refused, the app re-reads the secret and carries on.
func TestIntegrationPasswordRotation(t *testing.T) {
	pg := postgresFromEnv(t)
	a := newApp(t, pg, pg.host, pg.port, pg.password, pg.ca)
	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("GET /ready = %d %q, want 200", code, reason)
	}

	rotated := randomPassword(t) // hex: safe to quote as an SQL literal
	admin := pg.connect(t, pg.password)
	exec(t, admin, "ALTER ROLE CURRENT_USER PASSWORD '"+rotated+"'")
	t.Cleanup(func() { exec(t, pg.connect(t, rotated), "ALTER ROLE CURRENT_USER PASSWORD '"+pg.password+"'") })
	// Drop the app's open connections, as an idle timeout or a failover would.
	exec(t, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '8byte-app'")
	a.secrets.Set(passwordARN, passwordJSON(pg.user, rotated))
	time.Sleep(1100 * time.Millisecond) // the pool pings connections idle for over a second before use

	if code, reason := a.ready(t); code != http.StatusOK {
		t.Fatalf("after the rotation: GET /ready = %d %q, want 200 (logs: %s)", code, reason, a.logs.String())
	}
	if !strings.Contains(a.logs.String(), `"event":"auth_failed"`) {
		t.Errorf("the refused old password was not logged as auth_failed: %s", a.logs.String())
	}
	a.assertNoSecret(t, pg.password, rotated)
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", strings.SplitN(sql, "'", 2)[0], err)
	}
}

// TestIntegrationDatabaseDownAndBack cuts the network path to the database and restores it.
func TestIntegrationDatabaseDownAndBack(t *testing.T) {
	pg := postgresFromEnv(t)
	p := newProxy(t, net.JoinHostPort(pg.host, strconv.Itoa(pg.port)))
	a := newApp(t, pg, pg.host, p.port, pg.password, pg.ca)

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
			p.up(t)
		} else {
			p.down()
		}
		if code, reason := a.ready(t); code != step.wantCode || reason != step.wantReason {
			t.Errorf("%s: GET /ready = %d %q, want %d %q", step.name, code, reason, step.wantCode, step.wantReason)
		}
	}
	a.assertNoSecret(t, pg.password)
}

// TestIntegrationTLSIsVerified: the server refuses plaintext, and the app refuses a server whose
// certificate names another host or comes from another CA.
func TestIntegrationTLSIsVerified(t *testing.T) {
	pg := postgresFromEnv(t)

	t.Run("plaintext refused by the server", func(t *testing.T) {
		cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=disable", pg.host, pg.port, pg.dbname, pg.user))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Password = pg.password
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
		{"host name not in the certificate", "127.0.0.1", pg.ca, "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{"certificate from another CA", pg.host, testpki.WriteCA(t), "certificate signed by unknown authority"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, pg, tt.host, pg.port, pg.password, tt.ca)
			if code, reason := a.ready(t); code != http.StatusServiceUnavailable || reason != database.ReasonUnreachable {
				t.Errorf("GET /ready = %d %q, want 503 %q", code, reason, database.ReasonUnreachable)
			}
			if !strings.Contains(a.logs.String(), tt.want) {
				t.Errorf("logs lack %q: %s", tt.want, a.logs.String())
			}
		})
	}
}

// proxy forwards TCP from a loopback port to the database, and can cut every connection.
type proxy struct {
	target string
	port   int

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target, port: closedPort(t)}
	t.Cleanup(p.down)
	return p
}

// up listens again on the same port.
func (p *proxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)))
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.accept(ln)
}

// down closes the listener and every forwarded connection. Close errors are ignored: pipe may have
// closed a connection already, and a listener that stayed open shows as a wrong GET /ready.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *proxy) accept(ln net.Listener) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return // closed by down
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close() // the client sees the database as unreachable either way
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		go pipe(client, server)
		go pipe(server, client)
	}
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src) // ends when either side closes
	// Close both sides, whichever ended first; the other pipe's Close of the same pair then fails
	// with net.ErrClosed, which is expected.
	_ = dst.Close()
	_ = src.Close()
}
