package config

import (
	"testing"
)

const secretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:8byte-dev-db-connection-AbCdEf" //nolint:gosec // G101: a fake Secrets Manager ARN names a secret, it holds no credential

func valid() map[string]string {
	return map[string]string{
		EnvEnvironment:         "dev",
		EnvPort:                "8080",
		EnvVersion:             "3f2c1e0",
		EnvRegion:              "eu-west-1",
		EnvConnectionSecretARN: secretARN,
		EnvMetricsNamespace:    "8byte/dev",
	}
}

func lookup(env map[string]string) Getenv {
	return func(name string) string { return env[name] }
}

func TestLoadValid(t *testing.T) {
	got, err := Load(lookup(valid()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{Environment: "dev", Port: 8080, Version: "3f2c1e0", Region: "eu-west-1",
		ConnectionSecretARN: secretARN, MetricsNamespace: "8byte/dev"}
	if got != want {
		t.Errorf("Load = %+v, want %+v", got, want)
	}
}

func TestLoadDefaults(t *testing.T) {
	env := valid()
	delete(env, EnvPort)
	delete(env, EnvVersion)
	got, err := Load(lookup(env))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Port != 8000 || got.Version != "unknown" {
		t.Errorf("defaults: port %d version %q, want 8000 and \"unknown\"", got.Port, got.Version)
	}
}

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		name, variable, value, want string
	}{
		{"environment missing", EnvEnvironment, "", `environment variable APP_ENV="" is invalid: want dev or prod`},
		{"environment unknown", EnvEnvironment, "staging", `environment variable APP_ENV="staging" is invalid: want dev or prod`},
		{"port not a number", EnvPort, "http", `environment variable APP_PORT="http" is invalid: want a TCP port number from 1 to 65535`},
		{"port zero", EnvPort, "0", `environment variable APP_PORT="0" is invalid: want a TCP port number from 1 to 65535`},
		{"port too large", EnvPort, "65536", `environment variable APP_PORT="65536" is invalid: want a TCP port number from 1 to 65535`},
		{"region missing", EnvRegion, "", `environment variable AWS_REGION="" is invalid: want an AWS region such as eu-west-1`},
		{"secret missing", EnvConnectionSecretARN, "", `environment variable DB_CONNECTION_SECRET_ARN="" is invalid: want a Secrets Manager secret ARN`},
		{"secret name instead of ARN", EnvConnectionSecretARN, "8byte-dev-db", `environment variable DB_CONNECTION_SECRET_ARN="8byte-dev-db" is invalid: want a Secrets Manager secret ARN`},
		{"secret of another service", EnvConnectionSecretARN, "arn:aws:ssm:eu-west-1:123456789012:parameter/db", `environment variable DB_CONNECTION_SECRET_ARN="arn:aws:ssm:eu-west-1:123456789012:parameter/db" is invalid: want a Secrets Manager secret ARN`},
		{"namespace missing", EnvMetricsNamespace, "", `environment variable METRICS_NAMESPACE="" is invalid: want a custom CloudWatch namespace such as 8byte/dev`},
		{"namespace reserved", EnvMetricsNamespace, "AWS/EC2", `environment variable METRICS_NAMESPACE="AWS/EC2" is invalid: want a custom CloudWatch namespace such as 8byte/dev`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := valid()
			env[tt.variable] = tt.value
			_, err := Load(lookup(env))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Load error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLoadReportsEveryInvalidVariable(t *testing.T) {
	_, err := Load(lookup(map[string]string{EnvPort: "x"}))
	want := `environment variable APP_PORT="x" is invalid: want a TCP port number from 1 to 65535
environment variable APP_ENV="" is invalid: want dev or prod
environment variable AWS_REGION="" is invalid: want an AWS region such as eu-west-1
environment variable DB_CONNECTION_SECRET_ARN="" is invalid: want a Secrets Manager secret ARN
environment variable METRICS_NAMESPACE="" is invalid: want a custom CloudWatch namespace such as 8byte/dev`
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want\n%s", err, want)
	}
}
