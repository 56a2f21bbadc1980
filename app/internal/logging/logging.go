// Package logging builds the service's logger: JSON lines (log/slog) whose size is bounded and
// in which a failure that repeats is written once per window, not once per occurrence.
//
// Two rules, applied to every line of the service (requests, the database, the HTTP server's own
// errors):
//   - Size: every string value (the message, a path, an error text) is cut to MaxFieldBytes and
//     marked with TruncatedMarker and the original size, so that no client (a 500 KB URL path)
//     can make a line large. Values of other types that encode to more than MaxFieldBytes of
//     JSON are replaced by their JSON, cut the same way.
//   - Repeats: a WARN or ERROR line whose level, message and "event" and "status" attributes
//     (its series) were already written less than Window ago is not written but counted; the
//     next line of the series after the window carries that count as "suppressed". INFO lines
//     and below are never suppressed. A failure that lasts therefore writes its first line at
//     once and then at most one line per Window, whatever the rate of the failing requests.
package logging

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxFieldBytes is the most bytes of one string value written to a line.
const MaxFieldBytes = 1024

// TruncatedMarker follows a value that was cut, then the size of the whole value in bytes and "]".
const TruncatedMarker = "…[truncated, bytes="

// Window is the least time between two lines of one series of repeated failures.
const Window = time.Minute

// SuppressedKey is the attribute that counts the lines of a series left out since its previous line.
const SuppressedKey = "suppressed"

// maxSeries bounds the memory of the repeat filter; the series beyond it share one.
const maxSeries = 256

// Options adjusts a handler for tests; the zero value is production's.
type Options struct {
	// Window overrides the package's Window when non-zero.
	Window time.Duration
	// Now overrides time.Now when non-nil.
	Now func() time.Time
}

// New returns the service's logger writing JSON lines to w.
func New(w io.Writer, opts Options) *slog.Logger {
	return slog.New(NewHandler(w, opts))
}

// NewHandler returns the service's slog handler writing JSON lines to w.
func NewHandler(w io.Writer, opts Options) slog.Handler {
	if opts.Window == 0 {
		opts.Window = Window
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &handler{
		next:    slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: bound}),
		repeats: &repeats{window: opts.Window, now: opts.Now, series: map[seriesKey]*series{}},
	}
}

// bound is the JSON handler's ReplaceAttr: it cuts every value to MaxFieldBytes.
func bound(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); len(s) > MaxFieldBytes {
			a.Value = slog.StringValue(truncate(s))
		}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			if s := v.Error(); len(s) > MaxFieldBytes {
				a.Value = slog.StringValue(truncate(s))
			}
		default:
			if b, err := json.Marshal(v); err == nil && len(b) > MaxFieldBytes {
				a.Value = slog.StringValue(truncate(string(b)))
			}
		}
	default:
	}
	return a
}

// truncate cuts s to MaxFieldBytes at a UTF-8 boundary and appends the marker and len(s).
func truncate(s string) string {
	cut := MaxFieldBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + TruncatedMarker + strconv.Itoa(len(s)) + "]"
}

// handler applies the repeat filter in front of the bounded JSON handler.
type handler struct {
	next    slog.Handler
	repeats *repeats // shared by the handlers derived with WithAttrs and WithGroup
}

// Enabled implements slog.Handler.
func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle implements slog.Handler: it writes r unless it repeats a recent failure.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	write, suppressed := h.repeats.admit(keyOf(r))
	if !write {
		return nil
	}
	if suppressed > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int(SuppressedKey, suppressed))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{next: h.next.WithAttrs(attrs), repeats: h.repeats}
}

// WithGroup implements slog.Handler.
func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), repeats: h.repeats}
}

// seriesKey identifies repeated lines: the same failure, whatever its error text.
type seriesKey struct {
	level         slog.Level
	msg           string
	event, status string
}

// overflow is the series of every line once maxSeries series are tracked.
var overflow = seriesKey{msg: "\x00overflow"}

func keyOf(r slog.Record) seriesKey {
	k := seriesKey{level: r.Level, msg: r.Message}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "event":
			k.event = a.Value.String()
		case "status":
			k.status = a.Value.String()
		default:
		}
		return true
	})
	return k
}

// series is when a series last wrote a line and how many it left out since.
type series struct {
	written    time.Time
	suppressed int
}

// repeats is the state of the repeat filter.
type repeats struct {
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	series map[seriesKey]*series
}

// admit tells whether a line of series k is written, and how many of k were left out before it.
func (f *repeats) admit(k seriesKey) (write bool, suppressed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, ok := f.series[k]
	if !ok && len(f.series) >= maxSeries {
		f.forget(now)
		if len(f.series) >= maxSeries {
			k = overflow
			s, ok = f.series[k]
		}
	}
	if !ok {
		f.series[k] = &series{written: now}
		return true, 0
	}
	if now.Sub(s.written) < f.window {
		s.suppressed++
		return false, 0
	}
	suppressed = s.suppressed
	s.written, s.suppressed = now, 0
	return true, suppressed
}

// forget drops the series that wrote nothing for a window and left nothing out since.
func (f *repeats) forget(now time.Time) {
	for k, s := range f.series {
		if s.suppressed == 0 && now.Sub(s.written) >= f.window {
			delete(f.series, k)
		}
	}
}
