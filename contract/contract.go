// Package contract gives the infrastructure the contract files it shares with the application (app/, a
// separate Go module that reads the same files in its tests): log-events.json, the format of the app's
// log lines and the events the metric filters count. The filters are derived from it, never retyped.
package contract

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed log-events.json
var logEventsJSON []byte

// LogFormat says how the app's log lines are written.
type LogFormat struct {
	LevelKey   string `json:"levelKey"`
	MessageKey string `json:"messageKey"`
	EventKey   string `json:"eventKey"`
	ErrorLevel string `json:"errorLevel"`
}

// LogEvent is one event of the app's logs, with example lines.
type LogEvent struct {
	Event    string           `json:"event"`
	Level    string           `json:"level"`
	Msg      string           `json:"msg"`
	Fields   []string         `json:"fields"`
	Examples []map[string]any `json:"examples"`
}

// LogEvents is the content of log-events.json.
type LogEvents struct {
	Format LogFormat `json:"format"`
	// DatabaseCheckIntervalSeconds is how often the app checks the database and logs database_check.
	DatabaseCheckIntervalSeconds int `json:"databaseCheckIntervalSeconds"`
	Metrics                      []struct {
		Name string `json:"name"`
	} `json:"metrics"`
	Events []LogEvent `json:"events"`
}

// The events and metrics the alarms use; Load checks that the file defines each of them.
const (
	// EventDatabaseCheck is the outcome of one periodic database check; its reason field says why it failed.
	EventDatabaseCheck = "database_check"
	// ReasonAuthFailed is the database_check reason when PostgreSQL refused the app's login.
	ReasonAuthFailed = "auth_failed"
	// MetricDatabaseReady is the app's own metric: 1 when its database check passes, 0 when not.
	MetricDatabaseReady = "DatabaseReady"
)

// Load parses the embedded log-events.json and checks that it defines what the alarms use.
func Load() (LogEvents, error) {
	var c LogEvents
	if err := json.Unmarshal(logEventsJSON, &c); err != nil {
		return LogEvents{}, fmt.Errorf("contract/log-events.json: %w", err)
	}
	check, ok := c.Event(EventDatabaseCheck)
	switch {
	case c.Format.LevelKey == "" || c.Format.EventKey == "" || c.Format.ErrorLevel == "":
		return LogEvents{}, fmt.Errorf("contract/log-events.json: the format lacks the level key, the event key or the error level")
	case c.DatabaseCheckIntervalSeconds <= 0:
		return LogEvents{}, fmt.Errorf("contract/log-events.json: databaseCheckIntervalSeconds must be positive")
	case !ok || !slices.Contains(check.Fields, "reason"):
		return LogEvents{}, fmt.Errorf("contract/log-events.json: no %s event with a reason field", EventDatabaseCheck)
	case !slices.ContainsFunc(c.Metrics, func(m struct {
		Name string `json:"name"`
	}) bool {
		return m.Name == MetricDatabaseReady
	}):
		return LogEvents{}, fmt.Errorf("contract/log-events.json: no %s metric", MetricDatabaseReady)
	}
	return c, nil
}

// Event returns the event named name.
func (c LogEvents) Event(name string) (LogEvent, bool) {
	i := slices.IndexFunc(c.Events, func(e LogEvent) bool { return e.Event == name })
	if i < 0 {
		return LogEvent{}, false
	}
	return c.Events[i], true
}
