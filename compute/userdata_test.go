package compute

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// contractPath is the environment contract with the app image, relative to this package.
const contractPath = "../contract/app-env.json"

// contractVariables returns the names of the environment variables the contract gives the container.
func contractVariables(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(contractPath)
	require.NoError(t, err)
	var contract struct {
		Environment []struct {
			Name string `json:"name"`
		} `json:"environment"`
	}
	require.NoError(t, json.Unmarshal(raw, &contract))
	var names []string
	for _, v := range contract.Environment {
		names = append(names, v.Name)
	}
	require.NotEmpty(t, names)
	return names
}

// renderedUserData decodes the launch template's user data.
func renderedUserData(t *testing.T, lt *tests.Resource) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(lt.String("userData"))
	require.NoError(t, err)
	return string(raw)
}

// dockerRun returns the docker run command of the systemd unit, its continuation lines joined.
func dockerRun(t *testing.T, script string) string {
	t.Helper()
	_, after, found := strings.Cut(script, "ExecStart=/usr/bin/docker run ")
	require.True(t, found, "no docker run in the unit")
	var parts []string
	for _, line := range strings.Split(after, "\n") {
		line = strings.TrimSpace(line)
		cont := strings.HasSuffix(line, `\`)
		parts = append(parts, strings.TrimSpace(strings.TrimSuffix(line, `\`)))
		if !cont {
			break
		}
	}
	return "docker run " + strings.Join(parts, " ")
}

var envFlag = regexp.MustCompile(`-e ([A-Z_]+)=(\S+)`)

func TestUserDataRunsTheImageHardened(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runCompute(t, env, nil)
			script := renderedUserData(t, only(t, mocks, typeLaunchTemplate))
			prefix := settings.Prefix(env)
			image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app:" + testProdImageTag

			assert.True(t, strings.HasPrefix(script, "#!/bin/bash\n"))
			assert.Contains(t, script, "\nset -euo pipefail\n")
			assert.Contains(t, script, `trap 'rc=$?; logger --tag 8byte-user-data --priority user.err --stderr -- "FAILED with exit code $rc at line $LINENO: $BASH_COMMAND"; exit $rc' ERR`)
			assert.Contains(t, script, "retry dnf install --assumeyes docker amazon-cloudwatch-agent rsyslog\n")
			assert.Contains(t, script, "systemctl enable --now docker\n")
			assert.Contains(t, script, "aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com\n")
			assert.Contains(t, script, "docker pull "+image+"\n")
			assert.Contains(t, script, "\nRestart=always\n")
			assert.Contains(t, script, "\nStartLimitIntervalSec=0\n", "systemd must never give up retrying")
			assert.Contains(t, script, "systemctl start --no-block 8byte-app.service\n")

			run := dockerRun(t, script)
			for _, flag := range []string{
				"--network host", "--read-only", "--tmpfs /tmp:rw,noexec,nosuid,size=64m", "--cap-drop ALL",
				"--security-opt no-new-privileges", "--user 65532:65532", "--log-driver awslogs",
				"--log-opt awslogs-group=" + prefix + "-app", "--log-opt awslogs-region=us-east-1",
				"--log-opt awslogs-stream=${INSTANCE_ID}",
				// A slow CloudWatch Logs must not block the app's writes: non-blocking, with an 8 MiB buffer.
				"--log-opt mode=non-blocking", "--log-opt max-buffer-size=8m",
			} {
				assert.Contains(t, run, " "+flag+" ", "docker run lacks %s", flag)
			}
			assert.NotContains(t, run, " -p ", "host networking publishes no ports")
			assert.NotContains(t, run, "awslogs-create-group", "the observability tier creates the log group")
			assert.True(t, strings.HasSuffix(run, " "+image), "the image is the last argument: %s", run)

			got := map[string]string{}
			for _, m := range envFlag.FindAllStringSubmatch(run, -1) {
				got[m[1]] = m[2]
			}
			names := make([]string, 0, len(got))
			for name := range got {
				names = append(names, name)
			}
			slices.Sort(names)
			want := contractVariables(t)
			slices.Sort(want)
			assert.Equal(t, want, names, "the container gets exactly the contract's variables")
			assert.Equal(t, map[string]string{
				"APP_ENV":                  env.String(),
				"APP_PORT":                 "8000",
				"APP_VERSION":              testProdImageTag,
				"AWS_REGION":               "us-east-1",
				"DB_CONNECTION_SECRET_ARN": testSecret,
				"METRICS_NAMESPACE":        "8byte/" + env.String(),
			}, got)
		})
	}
}

func TestUserDataConfiguresTheCloudWatchAgent(t *testing.T) {
	mocks, _ := runCompute(t, settings.Prod, nil)
	script := renderedUserData(t, only(t, mocks, typeLaunchTemplate))
	_, rest, found := strings.Cut(script, "<<'AGENT_CONFIG'\n")
	require.True(t, found)
	body, _, found := strings.Cut(rest, "\nAGENT_CONFIG\n")
	require.True(t, found)
	assert.JSONEq(t, `{
		"agent": {"metrics_collection_interval": 60, "run_as_user": "root"},
		"metrics": {
			"namespace": "8byte/prod",
			"append_dimensions": {"InstanceId": "${aws:InstanceId}"},
			"aggregation_dimensions": [[]],
			"metrics_collected": {
				"mem": {"measurement": ["used_percent"]},
				"disk": {"measurement": ["used_percent"], "resources": ["/"], "drop_device": true}
			}
		},
		"logs": {"logs_collected": {"files": {"collect_list": [
			{"file_path": "/var/log/messages", "log_group_name": "8byte-prod-system", "log_stream_name": "{instance_id}/var/log/messages"},
			{"file_path": "/var/log/cloud-init.log", "log_group_name": "8byte-prod-system", "log_stream_name": "{instance_id}/var/log/cloud-init.log"},
			{"file_path": "/var/log/cloud-init-output.log", "log_group_name": "8byte-prod-system", "log_stream_name": "{instance_id}/var/log/cloud-init-output.log"}
		]}}}
	}`, body)
	assert.Contains(t, script, "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/8byte.json\n")
	assert.Contains(t, script, "systemctl enable --now rsyslog\n", "AL2023 has no /var/log/messages without rsyslog")
}

func TestUserDataRefusesValuesItCannotCarry(t *testing.T) {
	args := testArgs(settings.Dev)
	_, err := newUserData(args, "arn with space", "8byte-dev-app", "8byte-dev-system").Render()
	assert.EqualError(t, err, `user data: DB_CONNECTION_SECRET_ARN "arn with space" is empty or has characters the script cannot carry unquoted`)
	_, err = newUserData(args, testSecret, "", "8byte-dev-system").Render()
	assert.EqualError(t, err, `user data: app log group "" is empty or has characters the script cannot carry unquoted`)
	_, err = newUserData(args, testSecret, "8byte-dev-app", "%n").Render()
	assert.EqualError(t, err, `user data: system log group "%n" is empty or has characters the script cannot carry unquoted`)
}
