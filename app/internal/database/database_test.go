package database_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/8byte/infra/app/internal/database"
	"github.com/8byte/infra/app/internal/logging"
	"github.com/8byte/infra/app/internal/pgtest"
	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/secrets/secretstest"
	"github.com/8byte/infra/app/internal/testlog"
	"github.com/8byte/infra/app/internal/testpki"
)

// jsonLogger is the service's logger (package logging) writing to a buffer.
func jsonLogger(opts logging.Options) (*slog.Logger, *testlog.Buffer) {
	var buf testlog.Buffer
	return logging.New(&buf, opts), &buf
}

// closeDB closes db, failing the test if that takes over 5 s.
func closeDB(t *testing.T, db *database.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.Close(ctx); err != nil {
		t.Error(err)
	}
}

// checkReason runs one check and returns the public reason of its failure, "" for success.
func checkReason(ctx context.Context, t *testing.T, db *database.DB) string {
	t.Helper()
	err := db.Check(ctx)
	if err == nil {
		return ""
	}
	var checkErr *database.CheckError
	if !errors.As(err, &checkErr) {
		t.Fatalf("Check = %v, want a *database.CheckError", err)
	}
	return checkErr.Reason()
}

func TestNewRejectsBadCABundles(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for path, want := range map[string]string{
		missing: "read database CA bundle: open " + missing + ": no such file or directory",
		empty:   "database CA bundle " + empty + " holds no PEM certificate",
	} {
		if _, err := database.New(database.Options{CABundle: path}); err == nil || err.Error() != want {
			t.Errorf("New(%s) error = %v, want %q", filepath.Base(path), err, want)
		}
	}
}

// TestCredentialsFailureIsThrottled: a Secrets Manager failure reads "credentials unavailable",
// and checks within MinRefreshInterval do not call Secrets Manager again.
func TestCredentialsFailureIsThrottled(t *testing.T) {
	calls := 0
	logger, logs := jsonLogger(logging.Options{})
	db, err := database.New(database.Options{
		Credentials: func(context.Context) (secrets.Credentials, error) {
			calls++
			return secrets.Credentials{}, errors.New("AccessDeniedException")
		},
		CABundle:           testpki.WriteCA(t),
		MinRefreshInterval: time.Hour,
		Logger:             logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, db)
	for range 3 {
		var checkErr *database.CheckError
		if err := db.Check(context.Background()); !errors.As(err, &checkErr) || checkErr.Reason() != database.ReasonCredentials {
			t.Fatalf("Check = %v, want reason %q", err, database.ReasonCredentials)
		}
	}
	if calls != 1 {
		t.Errorf("credentials read %d times within the refresh interval, want 1", calls)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"reading the database credentials failed","error":"AccessDeniedException"`) {
		t.Errorf("failure not logged at ERROR: %s", logs.String())
	}
}

func TestUnreachableDatabase(t *testing.T) {
	port := pgtest.ClosedPort(t)
	logger, logs := jsonLogger(logging.Options{})
	db, err := database.New(database.Options{
		Credentials: func(context.Context) (secrets.Credentials, error) {
			return secrets.Credentials{Host: "127.0.0.1", Port: port, DBName: "app", Username: "app", Password: "pw-never-logged"}, nil
		},
		CABundle: testpki.WriteCA(t),
		Logger:   logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, db)
	var checkErr *database.CheckError
	if err := db.Check(context.Background()); !errors.As(err, &checkErr) || checkErr.Reason() != database.ReasonUnreachable {
		t.Fatalf("Check = %v, want reason %q", err, database.ReasonUnreachable)
	}
	if !strings.Contains(logs.String(), fmt.Sprintf("127.0.0.1:%d", port)) || strings.Contains(logs.String(), "pw-never-logged") {
		t.Errorf("log should name the address and not the password: %s", logs.String())
	}
	if strings.Contains(logs.String(), "auth_failed") {
		t.Errorf("a refused connection is logged as an authentication failure: %s", logs.String())
	}
}

func TestIsAuthFailure(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "28P01"}, true},
		{fmt.Errorf("connect: %w", &pgconn.PgError{Code: "28000"}), true},
		{&pgconn.PgError{Code: "57P03"}, false}, // cannot_connect_now: starting up
		{errors.New("connection refused"), false},
		{nil, false},
	} {
		if got := database.IsAuthFailure(tt.err); got != tt.want {
			t.Errorf("IsAuthFailure(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// unreachableCredentials serves, through a fake Secrets Manager, credentials for a loopback port
// nothing listens on: a read that succeeds yields a pool whose checks fail "unreachable".
func unreachableCredentials(t *testing.T) (*secretstest.Fake, database.CredentialsFunc) {
	t.Helper()
	conn, err := json.Marshal(secrets.ConnectionSecret{Host: "127.0.0.1", Port: pgtest.ClosedPort(t), DBName: "app", Username: "app", PasswordSecretARN: passwordARN})
	if err != nil {
		t.Fatal(err)
	}
	fake := secretstest.NewFake(map[string]string{connectionARN: string(conn), passwordARN: `{"username":"app","password":"pw-never-logged"}`}) //nolint:gosec // G101: the fake secret of a test
	return fake, func(ctx context.Context) (secrets.Credentials, error) { return secrets.Load(ctx, fake, connectionARN) }
}

// TestCheckKeepsItsBudgetWhileSecretsManagerIsSlow: a check that a slow read of the credentials
// holds up (started by another, longer check, as the metrics loop's) still ends at its own
// deadline, with the reason "credentials unavailable".
func TestCheckKeepsItsBudgetWhileSecretsManagerIsSlow(t *testing.T) {
	fake, creds := unreachableCredentials(t)
	fake.Hold()
	defer fake.Release()
	logger, _ := jsonLogger(logging.Options{})
	db, err := database.New(database.Options{Credentials: creds, CABundle: testpki.WriteCA(t), MinRefreshInterval: time.Hour, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, db)

	long, cancelLong := context.WithTimeout(context.Background(), time.Minute)
	defer cancelLong()
	go func() { _ = db.Check(long) }() // holds the read, as the metrics loop's 10 s check would
	time.Sleep(20 * time.Millisecond)

	const budget = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	reason := checkReason(ctx, t, db)
	if took := time.Since(start); took > budget+300*time.Millisecond {
		t.Errorf("a check with a %v budget took %v while Secrets Manager was slow", budget, took)
	}
	if reason != database.ReasonCredentials {
		t.Errorf("reason %q, want %q", reason, database.ReasonCredentials)
	}
}

// TestCancelledCheckIsNotCached: a client that gives up while the credentials are being read
// does not make the read fail: once Secrets Manager answers, the next check uses the credentials
// at once, although failures are throttled for an hour.
func TestCancelledCheckIsNotCached(t *testing.T) {
	fake, creds := unreachableCredentials(t)
	fake.Hold()
	logger, logs := jsonLogger(logging.Options{})
	db, err := database.New(database.Options{Credentials: creds, CABundle: testpki.WriteCA(t), MinRefreshInterval: time.Hour, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, db)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel() // the client hangs up
	}()
	if reason := checkReason(ctx, t, db); reason != database.ReasonCredentials {
		t.Fatalf("canceled check: reason %q, want %q", reason, database.ReasonCredentials)
	}
	fake.Release()
	deadline, cancelDeadline := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelDeadline()
	// The pool is made from the credentials: the check now reaches the (closed) port.
	if reason := checkReason(deadline, t, db); reason != database.ReasonUnreachable {
		t.Errorf("after Secrets Manager answered: reason %q, want %q (the canceled read was cached as a failure); logs: %s",
			reason, database.ReasonUnreachable, logs.String())
	}
	if got := fake.Reads(); got != 2 {
		t.Errorf("secrets read %d times, want 2 (one load: connection and password secret)", got)
	}
	if strings.Contains(logs.String(), "context canceled") {
		t.Errorf("the canceled check was logged as a failure: %s", logs.String())
	}
}

// TestCloseIsBounded: Close returns by its deadline even while a check holds a connection to a
// database that does not answer.
func TestCloseIsBounded(t *testing.T) {
	hung, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers the TLS request
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hung.Close() }()
	port := hung.Addr().(*net.TCPAddr).Port
	logger, _ := jsonLogger(logging.Options{})
	db, err := database.New(database.Options{
		Credentials: func(context.Context) (secrets.Credentials, error) {
			return secrets.Credentials{Host: "127.0.0.1", Port: port, DBName: "app", Username: "app", Password: "pw"}, nil
		},
		CABundle: testpki.WriteCA(t),
		Logger:   logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = db.Check(context.Background()) }() // connects, hangs until the 5 s connect timeout
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = db.Close(ctx) // an error is expected: the pool is still closing
	if took := time.Since(start); took > time.Second {
		t.Errorf("Close with a 200ms deadline took %v", took)
	}
	if reason := checkReason(context.Background(), t, db); reason != database.ReasonUnreachable {
		t.Errorf("check after Close: reason %q, want %q", reason, database.ReasonUnreachable)
	}
}
