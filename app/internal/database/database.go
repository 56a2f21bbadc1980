// Package database keeps a small PostgreSQL connection pool that verifies the server with the
// RDS CA bundle (sslmode=verify-full), and re-reads the credentials from Secrets Manager when the
// database rejects them, as it does after RDS rotates the password.
package database

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/8byte/infra/app/internal/logevents"
	"github.com/8byte/infra/app/internal/secrets"
)

// Public reasons for a failed check: safe to show to anyone, they name no secret.
const (
	ReasonCredentials = "database credentials unavailable"
	ReasonAuth        = "database authentication failed"
	ReasonUnreachable = "database unreachable"
)

// Pool limits: the service only needs a few connections per instance, and RDS's max_connections
// is shared by every instance of the Auto Scaling group.
const (
	maxConns          = 4
	connectTimeout    = 5 * time.Second
	maxConnLifetime   = 30 * time.Minute
	maxConnIdleTime   = 5 * time.Minute
	healthCheckPeriod = time.Minute
	applicationName   = "8byte-app"
)

// CheckError is a failed check: a public Reason and the underlying error for the logs.
type CheckError struct {
	reason string
	err    error
}

// Error implements error; it includes the cause, so it is for logs, not for HTTP responses.
func (e *CheckError) Error() string { return e.reason + ": " + e.err.Error() }

// Unwrap returns the cause.
func (e *CheckError) Unwrap() error { return e.err }

// Reason is the public reason: one of the Reason* constants.
func (e *CheckError) Reason() string { return e.reason }

// CredentialsFunc returns the current credentials (secrets.Load bound to a reader and an ARN).
type CredentialsFunc func(ctx context.Context) (secrets.Credentials, error)

// Options configures a DB.
type Options struct {
	// Credentials reads the credentials; called at the first check and after every
	// authentication failure.
	Credentials CredentialsFunc
	// CABundle is the PEM file of the CAs that sign the server certificate.
	CABundle string
	// MinRefreshInterval is the least time between two reads of the credentials while they keep
	// failing, so that a flood of /ready requests cannot turn into a flood of Secrets Manager
	// calls and login attempts. Zero disables the throttle.
	MinRefreshInterval time.Duration
	// Logger receives the failures; authentication failures carry event=auth_failed.
	Logger *slog.Logger
}

// DB is a lazily connected pool. Its zero value is not usable: call New.
type DB struct {
	opts Options

	mu       sync.Mutex
	pool     *pgxpool.Pool // nil until credentials load, and again after they are rejected
	lastLoad time.Time     // when the credentials were last read
	lastErr  *CheckError   // why there is no pool, while throttled
}

// New checks that the CA bundle holds at least one certificate; it does not connect.
func New(opts Options) (*DB, error) {
	pem, err := os.ReadFile(opts.CABundle)
	if err != nil {
		return nil, fmt.Errorf("read database CA bundle: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("database CA bundle %s holds no PEM certificate", opts.CABundle)
	}
	return &DB{opts: opts}, nil
}

// Check pings the database over TLS. When the database rejects the credentials it reads them
// again and retries once, so a rotated password is picked up by the next check at the latest.
// A non-nil error is a *CheckError.
func (d *DB) Check(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		pool, err := d.currentPool(ctx)
		if err != nil {
			return err
		}
		err = pool.Ping(ctx)
		if err == nil {
			return nil
		}
		if !IsAuthFailure(err) {
			d.opts.Logger.Error("database check failed", "error", err)
			return &CheckError{reason: ReasonUnreachable, err: err}
		}
		d.opts.Logger.Error(logevents.AuthFailedMsg, logevents.Key, logevents.AuthFailed, "attempt", attempt, "error", err)
		rejected := &CheckError{reason: ReasonAuth, err: err}
		d.discard(pool, rejected)
		if attempt == 2 {
			return rejected
		}
	}
}

// Close closes the pool; it waits for connections in use to be released.
func (d *DB) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pool != nil {
		d.pool.Close()
		d.pool = nil
	}
}

// IsAuthFailure tells whether err is PostgreSQL refusing the login: invalid_password (28P01)
// or invalid_authorization_specification (28000).
func IsAuthFailure(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000")
}

// currentPool returns the pool, reading the credentials and building it when there is none.
func (d *DB) currentPool(ctx context.Context) (*pgxpool.Pool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pool != nil {
		return d.pool, nil
	}
	if d.lastErr != nil && time.Since(d.lastLoad) < d.opts.MinRefreshInterval {
		return nil, d.lastErr
	}
	d.lastLoad = time.Now()
	creds, err := d.opts.Credentials(ctx)
	if err != nil {
		if errors.Is(err, secrets.ErrNoValue) {
			// A first deployment: the secret gets its value once the database exists. Not an error.
			d.opts.Logger.Warn(logevents.CredentialsPendingMsg, logevents.Key, logevents.CredentialsPending, "error", err)
		} else {
			d.opts.Logger.Error("reading the database credentials failed", "error", err)
		}
		d.lastErr = &CheckError{reason: ReasonCredentials, err: err}
		return nil, d.lastErr
	}
	pool, err := newPool(creds, d.opts.CABundle)
	if err != nil {
		d.opts.Logger.Error("configuring the database pool failed", "error", err)
		d.lastErr = &CheckError{reason: ReasonCredentials, err: err}
		return nil, d.lastErr
	}
	d.opts.Logger.Info("database credentials loaded", "database", creds)
	d.pool, d.lastErr = pool, nil
	return pool, nil
}

// discard drops a pool whose credentials were rejected, unless another check already did.
func (d *DB) discard(pool *pgxpool.Pool, reason *CheckError) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pool == pool {
		d.pool, d.lastErr = nil, reason
		// Close waits for connections in use; no caller should wait for that.
		go pool.Close()
	}
}

// newPool configures (but does not open) a pool. The password is set on the parsed config, never
// written into the connection string, so no parse error can quote it.
func newPool(creds secrets.Credentials, caBundle string) (*pgxpool.Pool, error) {
	query := url.Values{}
	query.Set("sslmode", "verify-full")
	query.Set("sslrootcert", caBundle)
	query.Set("connect_timeout", strconv.Itoa(int(connectTimeout.Seconds())))
	query.Set("application_name", applicationName)
	dsn := url.URL{
		Scheme:   "postgres",
		User:     url.User(creds.Username),
		Host:     net.JoinHostPort(creds.Host, strconv.Itoa(creds.Port)),
		Path:     "/" + creds.DBName,
		RawQuery: query.Encode(),
	}
	cfg, err := pgxpool.ParseConfig(dsn.String())
	if err != nil {
		return nil, fmt.Errorf("parse connection config: %w", err)
	}
	cfg.ConnConfig.Password = creds.Password
	cfg.MaxConns = maxConns
	cfg.MinConns = 0
	cfg.MaxConnLifetime = maxConnLifetime
	cfg.MaxConnIdleTime = maxConnIdleTime
	cfg.HealthCheckPeriod = healthCheckPeriod
	return pgxpool.NewWithConfig(context.Background(), cfg)
}
