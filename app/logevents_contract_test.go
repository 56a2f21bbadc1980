package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/8byte/infra/app/internal/database"
	"github.com/8byte/infra/app/internal/logevents"
	"github.com/8byte/infra/app/internal/metrics"
	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/testpki"
)

// logEventsPath is the log contract shared with the stack's metric filters (observability/), relative to app/.
const logEventsPath = "../contract/log-events.json"

type logContract struct {
	Format struct {
		LevelKey, MessageKey, EventKey string
	} `json:"format"`
	DatabaseCheckIntervalSeconds int `json:"databaseCheckIntervalSeconds"`
	Metrics                      []struct {
		Name string `json:"name"`
	} `json:"metrics"`
	Events []struct {
		Event    string           `json:"event"`
		Level    string           `json:"level"`
		Msg      string           `json:"msg"`
		Examples []map[string]any `json:"examples"`
	} `json:"events"`
}

func loadLogContract(t *testing.T) logContract {
	t.Helper()
	raw, err := os.ReadFile(repoFile(t, logEventsPath))
	if err != nil {
		t.Fatalf("read the log contract: %v", err)
	}
	var c logContract
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parse %s: %v", logEventsPath, err)
	}
	return c
}

// example returns the contract's example line of event whose attribute key is value ("" for the first).
func (c logContract) example(t *testing.T, event, key, value string) map[string]any {
	t.Helper()
	for _, e := range c.Events {
		for _, ex := range e.Examples {
			if e.Event == event && (key == "" || ex[key] == value) {
				return ex
			}
		}
	}
	t.Fatalf("%s has no %s example with %s=%s", logEventsPath, event, key, value)
	return nil
}

// sameLine compares a line the service wrote with the contract's example: every attribute of the example
// but the variable ones (time, error text, environment, version) has the same value.
func sameLine(t *testing.T, written string, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(written), &got); err != nil {
		t.Fatalf("not a JSON line: %q", written)
	}
	for key, v := range want {
		switch key {
		case "time", "error", "environment", "version":
			if _, ok := got[key]; !ok {
				t.Errorf("the line lacks %q: %s", key, written)
			}
		default:
			if fmt.Sprint(got[key]) != fmt.Sprint(v) {
				t.Errorf("%s = %v, the contract's example has %v\nline: %s", key, got[key], v, written)
			}
		}
	}
}

type checkResult struct{ err error }

func (c checkResult) Check(context.Context) error { return c.err }

type publicReason string

func (r publicReason) Error() string  { return string(r) }
func (r publicReason) Reason() string { return string(r) }

type discardPutter struct{ puts int }

func (p *discardPutter) PutMetricData(context.Context, *cloudwatch.PutMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	p.puts++
	return &cloudwatch.PutMetricDataOutput{}, nil
}

// TestDatabaseCheckLinesAreTheContracts runs the real publisher with the service's logger for each
// outcome of a check and compares the line with the contract's example, which the stack's auth-failure
// filter is tested against.
func TestDatabaseCheckLinesAreTheContracts(t *testing.T) {
	c := loadLogContract(t)
	cases := []struct {
		reason string
		err    error
		puts   int
	}{
		{logevents.ReasonAuthFailed, fmt.Errorf("check: %w", publicReason(database.ReasonAuth)), 1},
		{logevents.ReasonOK, nil, 1},
		{logevents.ReasonCredentialsPending, fmt.Errorf("load: %w", fmt.Errorf("read connection secret: %w", secrets.ErrNoValue)), 0},
		{logevents.ReasonUnreachable, publicReason(database.ReasonUnreachable), 1},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			var out bytes.Buffer
			putter := &discardPutter{}
			p := &metrics.Publisher{Putter: putter, Namespace: "8byte/dev", Database: checkResult{tc.err}, Logger: newLogger(&out)}
			if err := p.PublishOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("want one line per check, got %q", out.String())
			}
			sameLine(t, lines[0], c.example(t, logevents.DatabaseCheck, "reason", tc.reason))
			if putter.puts != tc.puts {
				t.Errorf("%d DatabaseReady data, want %d (none while the connection secret has no value)", putter.puts, tc.puts)
			}
		})
	}
}

// TestPendingCredentialsAreAWarning: a first deployment's secret without a value must not log an
// error line (the app-errors alarm counts them).
func TestPendingCredentialsAreAWarning(t *testing.T) {
	c := loadLogContract(t)
	var out bytes.Buffer
	db, err := database.New(database.Options{
		Credentials: func(context.Context) (secrets.Credentials, error) {
			return secrets.Credentials{}, fmt.Errorf("read connection secret: %w", secrets.ErrNoValue)
		},
		CABundle: testpki.WriteCA(t),
		Logger:   newLogger(&out),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Check(context.Background()); !errors.Is(err, secrets.ErrNoValue) {
		t.Fatalf("check error %v does not say the secret has no value", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one line, got %q", out.String())
	}
	sameLine(t, lines[0], c.example(t, logevents.CredentialsPending, "", ""))
}

// TestLogContractNamesTheServicesEvents: the names, levels and messages of the contract are the
// service's, its metric is the one it publishes, and it checks the database as often as it says.
func TestLogContractNamesTheServicesEvents(t *testing.T) {
	c := loadLogContract(t)
	want := map[string][2]string{
		logevents.DatabaseCheck:      {"INFO", logevents.DatabaseCheckMsg},
		logevents.AuthFailed:         {"ERROR", logevents.AuthFailedMsg},
		logevents.CredentialsPending: {"WARN", logevents.CredentialsPendingMsg},
	}
	if len(c.Events) != len(want) {
		t.Errorf("the contract lists %d events, the service writes %d", len(c.Events), len(want))
	}
	for _, e := range c.Events {
		if w, ok := want[e.Event]; !ok || w != [2]string{e.Level, e.Msg} {
			t.Errorf("contract event %s (%s %q) is not the service's %v", e.Event, e.Level, e.Msg, w)
		}
	}
	if c.Format.EventKey != logevents.Key || c.Format.LevelKey != "level" || c.Format.MessageKey != "msg" {
		t.Errorf("contract format %+v is not log/slog's JSON with the %q event key", c.Format, logevents.Key)
	}
	if len(c.Metrics) != 1 || c.Metrics[0].Name != metrics.DatabaseReady {
		t.Errorf("contract metrics %v, the service publishes %s", c.Metrics, metrics.DatabaseReady)
	}
	if c.DatabaseCheckIntervalSeconds != int(metricsInterval.Seconds()) {
		t.Errorf("contract interval %d s, the service checks every %s", c.DatabaseCheckIntervalSeconds, metricsInterval)
	}
}
