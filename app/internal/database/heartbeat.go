package database

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Heartbeats are the application's proof, kept in its own database, that an environment was writing to it
// and when: every instance upserts one row per environment once a minute. A database restored to a point in
// time (a disaster-recovery drill) carries the source environment's last heartbeat, which tells how much
// data the restore lost; GET /data-check shows them (times only, no secret).
const (
	createHeartbeats = `CREATE TABLE IF NOT EXISTS app_heartbeat (environment text PRIMARY KEY, written_at timestamptz NOT NULL)`
	upsertHeartbeat  = `INSERT INTO app_heartbeat (environment, written_at) VALUES ($1, now())
ON CONFLICT (environment) DO UPDATE SET written_at = excluded.written_at`
	selectHeartbeats = `SELECT environment, written_at FROM app_heartbeat`
	// undefinedTable is PostgreSQL's SQLSTATE for a missing table: no heartbeat was ever written.
	undefinedTable = "42P01"
)

// WriteHeartbeat records that environment is writing to the database now.
func (d *DB) WriteHeartbeat(ctx context.Context, environment string) error {
	return d.withPool(ctx, func(pool *pgxpool.Pool) error {
		if _, err := pool.Exec(ctx, createHeartbeats); err != nil {
			return fmt.Errorf("create the heartbeat table: %w", err)
		}
		if _, err := pool.Exec(ctx, upsertHeartbeat, environment); err != nil {
			return fmt.Errorf("write the heartbeat of %s: %w", environment, err)
		}
		return nil
	})
}

// Heartbeats returns the last heartbeat of every environment found in the database (none before the first
// write).
func (d *DB) Heartbeats(ctx context.Context) (map[string]time.Time, error) {
	beats := map[string]time.Time{}
	err := d.withPool(ctx, func(pool *pgxpool.Pool) error {
		rows, err := pool.Query(ctx, selectHeartbeats)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var env string
			var at time.Time
			if err := rows.Scan(&env, &at); err != nil {
				return err
			}
			beats[env] = at.UTC()
		}
		return rows.Err()
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == undefinedTable {
		return beats, nil // no heartbeat was ever written
	}
	if err != nil {
		return nil, fmt.Errorf("read the heartbeats: %w", err)
	}
	return beats, nil
}

// withPool runs fn with the current pool, reading the credentials first when there is none.
func (d *DB) withPool(ctx context.Context, fn func(*pgxpool.Pool) error) error {
	gen, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	err = fn(gen.pool)
	d.release(gen, err == nil)
	return err
}

// RunHeartbeat writes environment's heartbeat at once and then every interval until ctx is done; a failed
// write goes to report (the database check already alarms on an unusable database).
func (d *DB) RunHeartbeat(ctx context.Context, environment string, interval time.Duration, report func(error)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		writeCtx, cancel := context.WithTimeout(ctx, connectTimeout*2)
		err := d.WriteHeartbeat(writeCtx, environment)
		cancel()
		if err != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
