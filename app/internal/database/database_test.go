package database_test

import (
	"bytes"
	"context"
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
	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/testpki"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil { // the port must be free again for the caller
		t.Fatal(err)
	}
	return port
}

func jsonLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, nil)), &buf
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
	logger, logs := jsonLogger()
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
	defer db.Close()
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
	port := closedPort(t)
	logger, logs := jsonLogger()
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
	defer db.Close()
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
