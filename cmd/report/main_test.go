package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportMatchesTheGoldens builds the program and runs it under the gRPC mock engine, as `make report`
// does, and compares with the reviewed reports the root package's tests keep (made in process with
// pulumi.WithMocks): the two ways of running the program must see the same stack. It builds the whole
// program, so it runs only when asked: REPORT_E2E=1 go test ./cmd/report/.
func TestReportMatchesTheGoldens(t *testing.T) {
	if os.Getenv("REPORT_E2E") == "" {
		t.Skip("builds the whole program; set REPORT_E2E=1")
	}
	for _, stack := range []string{"dev", "prod"} {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"-stack", stack, "-dir", "../.."}, &out))
		want, err := os.ReadFile("../../docs/report/" + stack + ".md") //nolint:gosec // G304: the golden files of the two stacks
		require.NoError(t, err)
		assert.Equal(t, string(want), out.String(), stack)
	}
}

func TestStackIsRequired(t *testing.T) {
	err := run(context.Background(), nil, &bytes.Buffer{})
	require.EqualError(t, err, "-stack is required (e.g. -stack dev)")
}
