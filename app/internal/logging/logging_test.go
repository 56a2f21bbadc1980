package logging_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/8byte/infra/app/internal/logging"
)

func decode(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var entries []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		entries = append(entries, e)
	}
	return entries
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// TestRepeatedFailuresOncePerWindow: a series of identical failures writes its first line, then
// nothing until the window has passed, then one line carrying the count it left out.
func TestRepeatedFailuresOncePerWindow(t *testing.T) {
	var logs bytes.Buffer
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	log := logging.New(&logs, logging.Options{Now: c.Now}).With("service", "8byte-app")
	for i := range 1000 {
		log.Error("database check failed", "error", errors.New("dial tcp: connection refused"), "attempt", i)
	}
	if got := decode(t, &logs); len(got) != 1 || got[0]["suppressed"] != nil || got[0]["attempt"] != 0.0 {
		t.Fatalf("1000 failures in one window wrote %v, want the first line only", got)
	}
	c.now = c.now.Add(logging.Window - time.Millisecond)
	log.Error("database check failed", "error", "still")
	if got := decode(t, &logs); len(got) != 1 {
		t.Fatalf("a failure just inside the window was written: %v", got)
	}
	c.now = c.now.Add(time.Millisecond)
	log.Error("database check failed", "error", "again")
	got := decode(t, &logs)
	if len(got) != 2 || got[1]["suppressed"] != 1000.0 || got[1]["error"] != "again" || got[1]["service"] != "8byte-app" {
		t.Errorf("after the window: %v, want a second line with suppressed=1000", got)
	}
}

// TestSeriesAreSeparate: the level, the message, the event and the status make a series; INFO
// lines are never held back.
func TestSeriesAreSeparate(t *testing.T) {
	var logs bytes.Buffer
	log := logging.New(&logs, logging.Options{Window: time.Hour})
	for range 3 {
		log.Info("request", "status", 200)
		log.Warn("request", "status", 503)
		log.Warn("request", "status", 504)
		log.Error("request", "status", 503)
		log.Error("database rejected the credentials", "event", "auth_failed")
		log.Error("database rejected the credentials", "event", "other")
	}
	want := map[string]int{"INFO request 200": 3, "WARN request 503": 1, "WARN request 504": 1, "ERROR request 503": 1,
		"ERROR database rejected the credentials auth_failed": 1, "ERROR database rejected the credentials other": 1}
	got := map[string]int{}
	for _, e := range decode(t, &logs) {
		detail := e["event"]
		if status, ok := e["status"]; ok {
			detail = status
		}
		got[fmt.Sprint(e["level"], " ", e["msg"], " ", detail)]++
	}
	if len(got) != len(want) {
		t.Fatalf("lines per series %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("series %q wrote %d lines, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

// TestManySeriesStayBounded: past 256 series the rest share one, so distinct messages (an HTTP
// server error quoting each client address) cannot flood the log either.
func TestManySeriesStayBounded(t *testing.T) {
	var logs bytes.Buffer
	log := logging.New(&logs, logging.Options{Window: time.Hour})
	for i := range 10000 {
		log.Error(fmt.Sprintf("http: TLS handshake error from 192.0.2.1:%d: EOF", i))
	}
	if n := len(decode(t, &logs)); n != 257 {
		t.Errorf("10000 distinct errors wrote %d lines, want 257 (256 series, then one shared)", n)
	}
}

// TestValuesAreCut: strings, errors, the message and other values are cut to MaxFieldBytes with
// the marker and the original size, at a UTF-8 boundary.
func TestValuesAreCut(t *testing.T) {
	var logs bytes.Buffer
	log := logging.New(&logs, logging.Options{})
	long := strings.Repeat("é", 300_000) // 600,000 bytes, 2 per rune
	log.Info(long, "path", long, "error", errors.New(long), "list", []string{long}, slog.Group("g", "inner", long), "short", "kept")
	if n := logs.Len(); n > 6*1024 {
		t.Fatalf("one line of %d bytes, want at most 6 KiB (five cut values)", n)
	}
	e := decode(t, &logs)[0]
	cut := strings.Repeat("é", 512) + "…[truncated, bytes=600000]"
	for _, k := range []string{"msg", "path", "error"} {
		if e[k] != cut {
			t.Errorf("%s = %.40q…, want 512 runes and …[truncated, bytes=600000]", k, e[k])
		}
	}
	if g, _ := e["g"].(map[string]any); g == nil || g["inner"] != cut {
		t.Errorf("grouped value not cut: %.80v", e["g"])
	}
	if s, _ := e["list"].(string); !strings.HasSuffix(s, "…[truncated, bytes=600004]") || len(s) > 1100 {
		t.Errorf("list = %.80q…, want its JSON cut with the marker", e["list"])
	}
	if e["short"] != "kept" {
		t.Errorf("short value changed: %v", e["short"])
	}
}
