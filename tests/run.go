package tests

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// WithConfig sets the stack configuration of a mock run; keys are namespaced ("8byte:network",
// "aws:region") and structured values are JSON strings, as the engine passes them.
func WithConfig(config map[string]string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) { info.Config = config }
}

// Run evaluates program under a fresh mock cloud for stack (an `up`, not a preview) and returns the
// recorded cloud and the program's error.
func Run(stack string, config map[string]string, program pulumi.RunFunc) (*Mocks, error) {
	mocks := NewMocks(stack)
	err := mocks.Run(config, program)
	return mocks, err
}

// Run evaluates program under m (an `up`) with config and returns the program's error; m records what
// it registers. The default provider's region is config's aws:region when it has one. Use it for a mock
// cloud told to fail (FailRegistration, FailInvoke).
func (m *Mocks) Run(config map[string]string, program pulumi.RunFunc) error {
	if region := config["aws:region"]; region != "" {
		m.Region = region
	}
	return pulumi.RunErr(program, pulumi.WithMocks(Project, m.Stack, m), WithConfig(config))
}

// Await returns the resolved value of output; it fails the test when the output errs or is unknown.
func Await(t testing.TB, output pulumi.Output) any {
	t.Helper()
	res, err := internals.UnsafeAwaitOutput(context.Background(), output)
	if err != nil {
		t.Fatalf("awaiting output: %v", err)
	}
	if !res.Known {
		t.Fatalf("output is unknown; mock the computed value it depends on")
	}
	return res.Value
}

// AwaitString returns the resolved value of a string output.
func AwaitString(t testing.TB, output pulumi.StringOutput) string {
	t.Helper()
	s, _ := Await(t, output).(string)
	return s
}
