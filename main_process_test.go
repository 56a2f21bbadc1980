package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/tests"
)

// mainStackEnv names the stack TestMainUnderMocks runs main for, in the child process it starts.
const mainStackEnv = "EIGHTBYTE_TEST_MAIN_STACK"

// mainRefuseEnv names a resource type the child's mock cloud refuses to register.
const mainRefuseEnv = "EIGHTBYTE_TEST_MAIN_REFUSE"

// mainReturned is what the child prints when main returned instead of exiting.
const mainReturned = "main returned"

// TestMainUnderMocks runs the real main, in a child process (main exits on failure), under the mock cloud
// with the configuration in the process environment as the engine passes it: the exit status is 0 for the
// real stack files and the engine's "logged error" status when the program fails.
func TestMainUnderMocks(t *testing.T) {
	if stack := os.Getenv(mainStackEnv); stack != "" {
		mocks := tests.NewMocks(stack)
		if typ := os.Getenv(mainRefuseEnv); typ != "" {
			mocks.FailRegistration(typ, "")
		}
		mainOptions = []pulumi.RunOption{pulumi.WithMocks(tests.Project, stack, mocks)}
		main()
		fmt.Println(mainReturned)
		return
	}
	typo := stackConfig(t, "dev")
	typo["8byte:netwrok"] = `{"natStrategy": "perAz"}` //nolint:misspell // the typo is the test
	invalid := stackConfig(t, "prod")
	invalid["8byte:compute"] = `{"imageTag": "latest"}`
	cases := []struct {
		name, stack string
		config      map[string]string
		refuse      string
		status      int
	}{
		{"dev stack file", "dev", stackConfig(t, "dev"), "", 0},
		{"misspelled key", "dev", typo, "", constant.ExitStatusLoggedError},
		{"invalid value", "prod", invalid, "", constant.ExitStatusLoggedError},
		{"refused registration", "dev", stackConfig(t, "dev"), "aws:rds/instance:Instance", constant.ExitStatusLoggedError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(tc.config)
			require.NoError(t, err)
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainUnderMocks$", "-test.count=1") //nolint:gosec // G204: the test binary itself
			cmd.Env = append(os.Environ(), mainStackEnv+"="+tc.stack, mainRefuseEnv+"="+tc.refuse, pulumi.EnvConfig+"="+string(raw))
			out, err := cmd.CombinedOutput()
			status := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				status = exit.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.status, status, "exit status of main; output:\n%s", out)
			assert.Equal(t, tc.status == 0, strings.Contains(string(out), mainReturned), "main returns only on success; output:\n%s", out)
		})
	}
}
