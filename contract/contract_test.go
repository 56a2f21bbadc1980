package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheLogContractDefinesWhatTheAlarmsUse(t *testing.T) {
	c, err := Load()
	require.NoError(t, err)
	assert.Equal(t, LogFormat{LevelKey: "level", MessageKey: "msg", EventKey: "event", ErrorLevel: "ERROR"}, c.Format)
	assert.Equal(t, 60, c.DatabaseCheckIntervalSeconds)
	check, ok := c.Event(EventDatabaseCheck)
	require.True(t, ok)
	assert.Equal(t, "INFO", check.Level, "an INFO line is never suppressed as a repeat: the alarm counts every check")
	for _, e := range c.Events {
		for _, ex := range e.Examples {
			assert.Equal(t, e.Event, ex[c.Format.EventKey], "example of %s", e.Event)
			assert.Equal(t, e.Level, ex[c.Format.LevelKey], "example of %s", e.Event)
			assert.Equal(t, e.Msg, ex[c.Format.MessageKey], "example of %s", e.Event)
		}
	}
	_, ok = c.Event("no_such_event")
	assert.False(t, ok)
}

func TestLoadRefusesAContractWithoutTheAlarmsEvents(t *testing.T) {
	saved := logEventsJSON
	t.Cleanup(func() { logEventsJSON = saved })
	logEventsJSON = []byte(`{"format": {"levelKey": "level", "eventKey": "event", "errorLevel": "ERROR"}, "databaseCheckIntervalSeconds": 60, "metrics": [{"name": "DatabaseReady"}], "events": []}`)
	_, err := Load()
	assert.EqualError(t, err, "contract/log-events.json: no database_check event with a reason field")
	logEventsJSON = []byte(`{`)
	_, err = Load()
	assert.Error(t, err)
}
