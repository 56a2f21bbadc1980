package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/8byte/infra/app/internal/logging"
)

const secretInError = "password=hunter2"

// fakeDatabase is a Checker whose result the test sets.
type fakeDatabase struct {
	mu  sync.Mutex
	err error
}

func (f *fakeDatabase) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeDatabase) Check(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// reasonError mimics database.CheckError: a public reason and a private cause.
type reasonError struct{ reason string }

func (e reasonError) Error() string  { return e.reason + ": " + secretInError }
func (e reasonError) Reason() string { return e.reason }

var info = Info{Service: "8byte-app", Version: "3f2c1e0", Environment: "dev"}

// fakeHeartbeats answers Heartbeats with beats or err.
type fakeHeartbeats struct {
	beats map[string]time.Time
	err   error
}

func (f fakeHeartbeats) Heartbeats(context.Context) (map[string]time.Time, error) {
	return f.beats, f.err
}

var lastProdHeartbeat = time.Date(2026, 12, 1, 5, 51, 30, 0, time.UTC)

func newTestHandler(db Checker) (http.Handler, *bytes.Buffer) {
	return newHandlerWithHeartbeats(db, fakeHeartbeats{beats: map[string]time.Time{"prod": lastProdHeartbeat}})
}

func newHandlerWithHeartbeats(db Checker, beats HeartbeatReader) (http.Handler, *bytes.Buffer) {
	var logs bytes.Buffer
	return NewHandler(info, db, beats, slog.New(slog.NewJSONHandler(&logs, nil))), &logs
}

func TestDataCheckShowsTheHeartbeatsAndNoCause(t *testing.T) {
	h, _ := newTestHandler(&fakeDatabase{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/data-check", nil))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"heartbeats":{"prod":"2026-12-01T05:51:30Z"}}` {
		t.Fatalf("GET /data-check = %d %s", rec.Code, rec.Body.String())
	}

	h, logs := newHandlerWithHeartbeats(&fakeDatabase{}, fakeHeartbeats{err: errors.New("password " + secretInError + " rejected")})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/data-check", nil))
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), secretInError) {
		t.Fatalf("GET /data-check on a failing database = %d %s: want 503 without the cause", rec.Code, rec.Body.String())
	}
	if !strings.Contains(logs.String(), "reading the heartbeats failed") {
		t.Fatalf("the cause goes to the log: %s", logs.String())
	}
}

func get(t *testing.T, h http.Handler, method, path string) (int, map[string]string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	var body map[string]string
	if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, rec.Body.String(), err)
		}
	}
	if strings.Contains(rec.Body.String(), secretInError) {
		t.Errorf("%s %s leaks the cause of an error: %s", method, path, rec.Body.String())
	}
	return rec.Code, body, rec.Header()
}

func TestHealth(t *testing.T) {
	db := &fakeDatabase{err: errors.New("down")}
	h, logs := newTestHandler(db)
	code, body, header := get(t, h, http.MethodGet, "/health")
	if code != http.StatusOK || body["status"] != "ok" {
		t.Errorf("GET /health = %d %v, want 200 status ok even with the database down", code, body)
	}
	if header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", header.Get("Content-Type"))
	}
	if logs.Len() != 0 {
		t.Errorf("health checks are logged: %s", logs.String())
	}
}

func TestRoot(t *testing.T) {
	h, _ := newTestHandler(&fakeDatabase{})
	code, body, _ := get(t, h, http.MethodGet, "/")
	want := map[string]string{"service": "8byte-app", "version": "3f2c1e0", "environment": "dev"}
	if code != http.StatusOK || !maps.Equal(body, want) {
		t.Errorf("GET / = %d %v, want 200 %v", code, body, want)
	}
}

func TestUnknownRoutes(t *testing.T) {
	h, _ := newTestHandler(&fakeDatabase{})
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/admin", http.StatusNotFound},
		{http.MethodPost, "/health", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/", http.StatusMethodNotAllowed},
	} {
		if code, _, _ := get(t, h, tt.method, tt.path); code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, code, tt.want)
		}
	}
}

// TestReadyFollowsTheDatabase takes the database down and brings it back.
func TestReadyFollowsTheDatabase(t *testing.T) {
	db := &fakeDatabase{}
	h, logs := newTestHandler(db)
	steps := []struct {
		name       string
		err        error
		wantCode   int
		wantStatus string
		wantReason string
	}{
		{"up", nil, http.StatusOK, "ready", ""},
		{"down", reasonError{"database unreachable"}, http.StatusServiceUnavailable, "unavailable", "database unreachable"},
		{"credentials rejected", reasonError{"database authentication failed"}, http.StatusServiceUnavailable, "unavailable", "database authentication failed"},
		{"error without reason", errors.New("boom: " + secretInError), http.StatusServiceUnavailable, "unavailable", "not ready"},
		{"back", nil, http.StatusOK, "ready", ""},
	}
	for _, step := range steps {
		db.set(step.err)
		code, body, header := get(t, h, http.MethodGet, "/ready")
		if code != step.wantCode || body["status"] != step.wantStatus || body["reason"] != step.wantReason {
			t.Errorf("%s: GET /ready = %d %v, want %d status %q reason %q", step.name, code, body, step.wantCode, step.wantStatus, step.wantReason)
		}
		if header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", step.name, header.Get("Cache-Control"))
		}
	}
	if strings.Contains(logs.String(), secretInError) {
		t.Errorf("request logs contain the error cause: %s", logs.String())
	}
}

func TestRequestLog(t *testing.T) {
	h, logs := newTestHandler(&fakeDatabase{err: reasonError{"database unreachable"}})
	get(t, h, http.MethodGet, "/ready?token=abc")
	var entry map[string]any
	if err := json.Unmarshal(logs.Bytes(), &entry); err != nil {
		t.Fatalf("log %q is not one JSON object: %v", logs.String(), err)
	}
	want := map[string]any{"level": "WARN", "msg": "request", "method": "GET", "path": "/ready", "status": 503.0}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("log field %s = %v, want %v (log: %s)", k, entry[k], v, logs.String())
		}
	}
	if _, ok := entry["duration_ms"]; !ok || strings.Contains(logs.String(), "token") {
		t.Errorf("log lacks duration_ms or contains the query string: %s", logs.String())
	}
}

func TestServerTimeouts(t *testing.T) {
	srv := New(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 {
		t.Errorf("server without timeouts: %+v", srv)
	}
	if srv.IdleTimeout <= 60*time.Second {
		t.Errorf("IdleTimeout %v must exceed the ALB idle timeout of 60s", srv.IdleTimeout)
	}
}

// TestServeDrainsOnShutdown cancels the context (SIGTERM) while a request is in flight: the
// request completes, new connections are refused, and Serve returns nil.
func TestServeDrainsOnShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		w.WriteHeader(http.StatusOK)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, New(handler, slog.New(slog.DiscardHandler)), ln, 5*time.Second) }()

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	inFlight := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inFlight <- 0
			return
		}
		if err := resp.Body.Close(); err != nil {
			t.Errorf("in-flight request: close the response body: %v", err)
		}
		inFlight <- resp.StatusCode
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond) // let Shutdown close the listener
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the server still accepts connections after shutdown began")
	}
	close(release)
	if code := <-inFlight; code != http.StatusOK {
		t.Errorf("in-flight request got %d, want 200", code)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
}

// TestJSONAnswersAreNotSniffed: every JSON answer tells browsers not to guess another type.
func TestJSONAnswersAreNotSniffed(t *testing.T) {
	for _, tt := range []struct {
		path string
		db   error
	}{
		{"/health", nil}, {"/", nil}, {"/ready", nil}, {"/ready", reasonError{"database unreachable"}},
	} {
		h, _ := newTestHandler(&fakeDatabase{err: tt.db})
		code, _, header := get(t, h, http.MethodGet, tt.path)
		if got := header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (%d): X-Content-Type-Options = %q, want nosniff", tt.path, code, got)
		}
	}
}

// TestLongPathMakesAShortLogLine: a 500 KB path is logged cut to logging.MaxFieldBytes, marked.
func TestLongPathMakesAShortLogLine(t *testing.T) {
	var logs bytes.Buffer
	h := NewHandler(info, &fakeDatabase{}, fakeHeartbeats{}, logging.New(&logs, logging.Options{}))
	path := "/" + strings.Repeat("a", 500<<10)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GET <500 KB path> = %d, want 404", rec.Code)
	}
	line := strings.TrimSuffix(logs.String(), "\n")
	if strings.Count(line, "\n") != 0 || len(line) > 2048 {
		t.Fatalf("one request wrote %d bytes of logs, want one line of at most 2 KiB", len(line))
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	want := path[:1024] + "…[truncated, bytes=512001]"
	if entry["path"] != want {
		t.Errorf("path field %.80q…, want the first 1024 bytes and the marker …[truncated, bytes=512001]", entry["path"])
	}
}

// TestServeDrainIsBounded: a request that never ends does not hold the shutdown past the drain.
func TestServeDrainIsBounded(t *testing.T) {
	started := make(chan struct{})
	handler := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // hangs until the client goes
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	const drain = 200 * time.Millisecond
	go func() { served <- Serve(ctx, New(handler, slog.New(slog.DiscardHandler)), ln, drain) }()
	client, cancelClient := context.WithCancel(t.Context())
	defer cancelClient()
	req, err := http.NewRequestWithContext(client, http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close() // not expected: the handler never answers
		}
	}()
	<-started
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if took := time.Since(start); took > drain+300*time.Millisecond {
			t.Errorf("Serve returned %v after SIGTERM, the drain is %v", took, drain)
		}
		if err == nil || !strings.Contains(err.Error(), "drain the requests in flight: context deadline exceeded") {
			t.Errorf("Serve = %v, want the drain's deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
}
