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

// loadTimeout bounds one read of the credentials (two Secrets Manager calls). The read runs on its
// own: the checks waiting for it give up at their own deadline without canceling it.
const loadTimeout = 10 * time.Second

// errClosed is the cause of the checks that run after Close.
var errClosed = errors.New("database pool closed")

// Options configures a DB.
type Options struct {
	// Credentials reads the credentials; called at the first check and after every
	// authentication failure.
	Credentials CredentialsFunc
	// CABundle is the PEM file of the CAs that sign the server certificate.
	CABundle string
	// MinRefreshInterval is the least time between two reads of the credentials while they keep
	// failing, so that a flood of /ready requests cannot turn into a flood of Secrets Manager
	// calls and login attempts. It does not delay the read after a rotation: credentials that
	// the database accepted before are read again at once when it rejects them. Zero disables
	// the throttle.
	MinRefreshInterval time.Duration
	// Logger receives the failures (authentication failures carry event=auth_failed) and the
	// recovery after them.
	Logger *slog.Logger
}

// DB is a lazily connected pool. Its zero value is not usable: call New.
//
// The pool is replaced, not closed under its users: when the database rejects the credentials
// of the current pool, the checks still using it finish on it (and retry on the new one), and
// it is closed when the last of them is done.
type DB struct {
	opts Options
	// loads is the context of the credential reads; Close cancels it.
	loads     context.Context
	stopLoads context.CancelFunc

	mu        sync.Mutex
	current   *generation   // nil until credentials load, and again after they are rejected
	loading   chan struct{} // non-nil while a read of the credentials runs; closed when it ends
	lastLoad  time.Time     // when the credentials were last read
	lastErr   *CheckError   // why there is no pool, while throttled
	pools     sync.WaitGroup
	closed    bool
	failing   int       // consecutive failed checks
	failingAt time.Time // when the first of them failed
}

// generation is one pool and the checks using it.
type generation struct {
	pool     *pgxpool.Pool
	users    int  // checks holding it
	retired  bool // replaced: close it once users is 0
	accepted bool // a ping succeeded: the database accepted its credentials
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
	loads, stop := context.WithCancel(context.Background())
	return &DB{opts: opts, loads: loads, stopLoads: stop}, nil
}

// Check pings the database over TLS within ctx. When the database rejects the credentials it
// reads them again and retries once, so a rotated password is picked up by the check that meets
// it; a broken connection (a restarted server, a pool replaced meanwhile) is retried once on
// another. A non-nil error is a *CheckError. A check whose caller gave up (ctx canceled) is no
// verdict on the database: it is neither logged nor remembered.
func (d *DB) Check(ctx context.Context) error {
	err := d.check(ctx)
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return err
	}
	d.track(err)
	return err
}

func (d *DB) check(ctx context.Context) error {
	reloaded, retried := false, false
	for {
		gen, err := d.acquire(ctx)
		if err != nil {
			return err
		}
		err = gen.pool.Ping(ctx)
		if err != nil && !retried && ctx.Err() == nil && !IsAuthFailure(err) {
			// A broken connection (a restarted or failed-over server, a terminated session): the
			// pool's other connections are likely broken too; the retry below gets a new one.
			gen.pool.Reset()
		}
		d.release(gen, err == nil)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return &CheckError{reason: ReasonUnreachable, err: err}
		case IsAuthFailure(err):
			attempt := 1
			if reloaded {
				attempt = 2 // with the credentials read again
			}
			d.opts.Logger.Error(logevents.AuthFailedMsg, logevents.Key, logevents.AuthFailed, "attempt", attempt, "error", err)
			rejected := &CheckError{reason: ReasonAuth, err: err}
			d.reject(gen, rejected)
			if reloaded {
				return rejected
			}
			reloaded = true
		case !retried:
			retried = true
		default:
			return &CheckError{reason: ReasonUnreachable, err: err}
		}
	}
}

// track logs the failures of the checks and, once, the recovery after them. Repeated failure
// lines are held back by the logger (package logging), not here.
func (d *DB) track(err error) {
	d.mu.Lock()
	failing, since := d.failing, d.failingAt
	if err == nil {
		d.failing = 0
	} else {
		if d.failing == 0 {
			d.failingAt = time.Now()
		}
		d.failing++
	}
	d.mu.Unlock()
	var checkErr *CheckError
	switch {
	case err == nil && failing > 0:
		d.opts.Logger.Info("database check recovered", "failed_checks", failing, "down_ms", time.Since(since).Milliseconds())
	case errors.As(err, &checkErr) && checkErr.reason == ReasonUnreachable:
		d.opts.Logger.Error("database check failed", "error", err)
	default: // credential failures are logged where they happen: by the read, by the login
	}
}

// Close stops the reads of credentials and closes the pools, waiting for them until ctx is done;
// a pool still closing then (a hung database) is left to the process exit.
func (d *DB) Close(ctx context.Context) error {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		d.stopLoads()
		if gen := d.current; gen != nil {
			d.current = nil
			d.retire(gen)
		}
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		d.pools.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close the database pool: %w", ctx.Err())
	}
}

// IsAuthFailure tells whether err is PostgreSQL refusing the login: invalid_password (28P01)
// or invalid_authorization_specification (28000).
func IsAuthFailure(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000")
}

// acquire returns the current pool, marked as used, reading the credentials when there is none.
// It waits for a read in progress no longer than ctx allows; the read goes on without it.
func (d *DB) acquire(ctx context.Context) (*generation, error) {
	d.mu.Lock()
	if gen, ok, err := d.currentLocked(); ok {
		d.mu.Unlock()
		return gen, err
	}
	if d.loading == nil {
		if d.lastErr != nil && time.Since(d.lastLoad) < d.opts.MinRefreshInterval {
			err := d.lastErr
			d.mu.Unlock()
			return nil, err
		}
		d.loading = make(chan struct{})
		d.lastLoad = time.Now()
		go d.load(d.loading)
	}
	loading := d.loading
	d.mu.Unlock()

	select {
	case <-loading:
	case <-ctx.Done():
		return nil, &CheckError{reason: ReasonCredentials, err: fmt.Errorf("waiting for the database credentials: %w", ctx.Err())}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if gen, ok, err := d.currentLocked(); ok {
		return gen, err
	}
	return nil, d.lastErr
}

// currentLocked returns the current pool, marked as used, or the error of a closed DB; ok is
// false when there is neither. d.mu is held.
func (d *DB) currentLocked() (gen *generation, ok bool, err error) {
	if d.closed {
		return nil, true, &CheckError{reason: ReasonUnreachable, err: errClosed}
	}
	if d.current != nil {
		d.current.users++
		return d.current, true, nil
	}
	return nil, false, nil
}

// load reads the credentials and makes the pool from them, then ends the wait on done.
func (d *DB) load(done chan struct{}) {
	ctx, cancel := context.WithTimeout(d.loads, loadTimeout)
	defer cancel()
	creds, err := d.opts.Credentials(ctx)
	msg := "reading the database credentials failed"
	var pool *pgxpool.Pool
	if err == nil {
		msg = "configuring the database pool failed"
		pool, err = newPool(creds, d.opts.CABundle)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	defer close(done)
	d.loading = nil
	switch {
	case d.closed:
		if pool != nil {
			pool.Close() // never connected: nothing to wait for
		}
	case errors.Is(err, secrets.ErrNoValue):
		// A first deployment: the connection secret gets its value once the database exists. Not an error.
		d.opts.Logger.Warn(logevents.CredentialsPendingMsg, logevents.Key, logevents.CredentialsPending, "error", err)
		d.lastErr = &CheckError{reason: ReasonCredentials, err: err}
	case err != nil:
		d.opts.Logger.Error(msg, "error", err)
		d.lastErr = &CheckError{reason: ReasonCredentials, err: err}
	default:
		d.opts.Logger.Info("database credentials loaded", "database", creds)
		d.current, d.lastErr = &generation{pool: pool}, nil
		d.pools.Add(1)
	}
}

// release ends one use of gen; accepted records that the database took its credentials.
func (d *DB) release(gen *generation, accepted bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	gen.users--
	gen.accepted = gen.accepted || accepted
	if gen.retired && gen.users == 0 {
		d.closePool(gen)
	}
}

// reject replaces gen, whose credentials the database refused, unless another check already did.
// Credentials that were accepted before have been rotated: they are read again at the next
// acquire, throttle or not. Credentials never accepted are throttled from the time they were read.
func (d *DB) reject(gen *generation, reason *CheckError) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.current != gen {
		return
	}
	d.current, d.lastErr = nil, reason
	if gen.accepted {
		d.lastLoad = time.Time{}
	}
	d.retire(gen)
}

// retire marks gen replaced and closes it if no check uses it. d.mu is held.
func (d *DB) retire(gen *generation) {
	gen.retired = true
	if gen.users == 0 {
		d.closePool(gen)
	}
}

// closePool closes gen's pool in the background: pgxpool's Close waits for every connection to
// end, up to 15 s each on a hung server, which no check and no shutdown should wait for.
func (d *DB) closePool(gen *generation) {
	go func() {
		defer d.pools.Done()
		gen.pool.Close()
	}()
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
