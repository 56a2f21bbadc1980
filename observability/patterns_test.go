package observability

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/contract"
)

// filterMatches evaluates a CloudWatch Logs JSON filter pattern on one log line, for the subset the
// app-log filters use: { term } where a term is ( term ), term && term, term || term, or a comparison
// $.key = "string", $.key != "string", $.key = number, $.key != number (CloudWatch's filter syntax for JSON
// log events). && binds tighter than ||. It fails the test on anything else.
func filterMatches(t *testing.T, pattern, line string) bool {
	t.Helper()
	var event map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &event), "a log line is one JSON object")
	body, ok := strings.CutPrefix(strings.TrimSpace(pattern), "{")
	require.True(t, ok, "a JSON filter pattern starts with {: %s", pattern)
	body, ok = strings.CutSuffix(body, "}")
	require.True(t, ok, "a JSON filter pattern ends with }: %s", pattern)
	p := &filterParser{t: t, event: event, rest: body}
	v := p.or()
	require.Empty(t, strings.TrimSpace(p.rest), "unparsed rest of %s", pattern)
	return v
}

type filterParser struct {
	t     *testing.T
	event map[string]any
	rest  string
}

var comparison = regexp.MustCompile(`^\s*\$\.([A-Za-z_][A-Za-z0-9_.]*)\s*(!=|=)\s*("(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?)`)

func (p *filterParser) take(token string) bool {
	trimmed := strings.TrimLeft(p.rest, " ")
	if strings.HasPrefix(trimmed, token) {
		p.rest = trimmed[len(token):]
		return true
	}
	return false
}

func (p *filterParser) or() bool {
	v := p.and()
	for p.take("||") {
		v = p.and() || v
	}
	return v
}

func (p *filterParser) and() bool {
	v := p.term()
	for p.take("&&") {
		v = p.term() && v
	}
	return v
}

func (p *filterParser) term() bool {
	if p.take("(") {
		v := p.or()
		require.True(p.t, p.take(")"), "unbalanced parenthesis before %q", p.rest)
		return v
	}
	m := comparison.FindStringSubmatch(p.rest)
	require.NotNil(p.t, m, "unsupported filter term at %q", p.rest)
	p.rest = p.rest[len(m[0]):]
	var got any = p.event
	for _, part := range strings.Split(m[1], ".") {
		obj, _ := got.(map[string]any)
		got = obj[part]
	}
	var equal bool
	if want, err := strconv.Unquote(m[3]); err == nil && strings.HasPrefix(m[3], `"`) {
		// CloudWatch compares the string form of the value: "true" matches a JSON true.
		equal = got != nil && fmt.Sprint(got) == want
	} else {
		n, err := strconv.ParseFloat(m[3], 64)
		require.NoError(p.t, err)
		f, isNumber := got.(float64)
		equal = isNumber && f == n
	}
	if m[2] == "!=" {
		return got != nil && !equal
	}
	return equal
}

func TestFilterEvaluatorFollowsTheSyntax(t *testing.T) {
	line := `{"level":"ERROR","event":"x","status":401,"nested":{"a":"b"}}`
	for pattern, want := range map[string]bool{
		`{ $.level = "ERROR" }`:                                     true,
		`{ $.level = "INFO" }`:                                      false,
		`{ ($.event = "x") && ($.status = 401) }`:                   true,
		`{ ($.event = "y") || ($.status = 403) }`:                   false,
		`{ $.event = "y" || $.nested.a = "b" }`:                     true,
		`{ $.missing != "x" }`:                                      false,
		`{ $.level != "INFO" && $.event = "x" }`:                    true,
		`{ ($.event = "x") && ($.status = 401 || $.status = 403) }`: true,
	} {
		assert.Equal(t, want, filterMatches(t, pattern, line), pattern)
	}
}

// contractLines returns the example lines of the log contract by event, as the app writes them.
func contractLines(t *testing.T) map[string][]string {
	t.Helper()
	logs, err := contract.Load()
	require.NoError(t, err)
	out := map[string][]string{}
	for _, e := range logs.Events {
		require.NotEmpty(t, e.Examples, "event %s has no example line", e.Event)
		for _, ex := range e.Examples {
			raw, err := json.Marshal(ex)
			require.NoError(t, err)
			out[e.Event] = append(out[e.Event], string(raw))
		}
	}
	return out
}

// TestAppLogFiltersMatchTheLinesTheAppWrites evaluates the rendered filter patterns on the lines of
// contract/log-events.json, the lines the app's own tests prove it writes.
func TestAppLogFiltersMatchTheLinesTheAppWrites(t *testing.T) {
	logs, err := contract.Load()
	require.NoError(t, err)
	lines := contractLines(t)
	auth, errorLines := AuthFailurePattern(logs), AppErrorPattern(logs)
	assert.Equal(t, `{ ($.event = "database_check") && ($.reason = "auth_failed") }`, auth)
	assert.Equal(t, `{ $.level = "ERROR" }`, errorLines)

	checks := lines["database_check"]
	require.Len(t, checks, 4)
	assert.True(t, filterMatches(t, auth, checks[0]), "a check the database refused counts: %s", checks[0])
	for _, line := range checks[1:] {
		assert.False(t, filterMatches(t, auth, line), "only refused logins count: %s", line)
		assert.False(t, filterMatches(t, errorLines, line), "a check line is no error: %s", line)
	}
	assert.False(t, filterMatches(t, auth, lines["auth_failed"][0]), "the retry's error line is not counted twice")
	assert.True(t, filterMatches(t, errorLines, lines["auth_failed"][0]))
	// A first deployment: the connection secret has no value yet. Normal, so it must not count as an error.
	assert.False(t, filterMatches(t, errorLines, lines["credentials_pending"][0]))
}
