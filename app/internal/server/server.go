// Package server is the HTTP side of the service: the three endpoints, request logging, and an
// http.Server with timeouts that shuts down gracefully.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts. IdleTimeout is longer than the ALB's 60 s idle timeout, so that the ALB, not the
// target, closes idle keep-alive connections (otherwise the ALB can answer 502).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 75 * time.Second
)

// ReadinessTimeout is the budget of one GET /ready, Secrets Manager and database included.
const ReadinessTimeout = 3 * time.Second

// Checker reports whether a dependency is usable.
type Checker interface {
	Check(ctx context.Context) error
}

// reasoned is an error with a public reason (database.CheckError is one).
type reasoned interface {
	Reason() string
}

// notReady is the public reason of a check error that gives none.
const notReady = "not ready"

// HeartbeatReader returns the last heartbeat of each environment in the database (package database).
type HeartbeatReader interface {
	Heartbeats(ctx context.Context) (map[string]time.Time, error)
}

// Info is what GET / shows.
type Info struct {
	Service     string `json:"service"`
	Version     string `json:"version"`
	Environment string `json:"environment"`
}

// NewHandler routes GET /health (liveness), GET /ready (the database is reachable over TLS),
// GET /data-check (the last heartbeat of each environment in the database: what a restored database
// holds) and GET / (Info), and logs every request but the health checks.
func NewHandler(info Info, database Checker, heartbeats HeartbeatReader, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadinessTimeout)
		defer cancel()
		if err := database.Check(ctx); err != nil {
			reason := notReady
			var withReason reasoned
			if errors.As(err, &withReason) {
				reason = withReason.Reason()
			}
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.HandleFunc("GET /data-check", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadinessTimeout)
		defer cancel()
		beats, err := heartbeats.Heartbeats(ctx)
		if err != nil {
			logger.Warn("reading the heartbeats failed", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": notReady})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"heartbeats": beats})
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, info)
	})
	return logRequests(mux, logger)
}

// New returns a server with timeouts whose internal errors go to logger at ERROR level.
func New(handler http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
}

// Serve serves on ln until ctx is done, then stops accepting connections and waits up to drain
// for the requests in flight; it returns an error if some were still running then.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, drain time.Duration) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("drain the requests in flight: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// writeJSON answers with body as JSON. nosniff: browsers must not guess another type from it.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client may be gone; nothing left to tell it
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// logRequests logs method, path (never the query string), status and duration of each request;
// /health is left out, the ALB and the Docker health check call it every few seconds.
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= http.StatusInternalServerError {
			level = slog.LevelWarn
		}
		logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		)
	})
}
