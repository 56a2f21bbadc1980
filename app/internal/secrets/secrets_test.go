package secrets_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/8byte/infra/app/internal/secrets"
	"github.com/8byte/infra/app/internal/secrets/secretstest"
)

const (
	connARN     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:8byte-dev-db-connection-AbCdEf"
	passwordARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-XyZ" //nolint:gosec // G101: a fake Secrets Manager ARN names a secret, it holds no credential
	password    = "s3cr3t-Pa55w0rd"
	connJSON    = `{"host":"db.example.internal","port":5432,"dbname":"app","username":"app_admin","passwordSecretArn":"` + passwordARN + `"}`
)

func TestLoad(t *testing.T) {
	fake := secretstest.NewFake(map[string]string{
		connARN:     connJSON,
		passwordARN: `{"username":"app_admin","password":"` + password + `"}`,
	})
	got, err := secrets.Load(context.Background(), fake, connARN)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := secrets.Credentials{Host: "db.example.internal", Port: 5432, DBName: "app", Username: "app_admin", Password: password}
	if got != want {
		t.Errorf("Load = %+v, want %+v", got, want)
	}
	if fake.Reads() != 2 {
		t.Errorf("Load read %d secrets, want 2", fake.Reads())
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name       string
		connection string // "" leaves the connection secret out
		password   string // "" leaves the password secret out
		want       string
	}{
		{"connection secret missing", "", `{"password":"` + password + `"}`,
			"read connection secret: ResourceNotFoundException: secret " + connARN + " not found"},
		{"connection secret not JSON", "host=db " + password, `{"password":"` + password + `"}`,
			"decode connection secret " + connARN + ": invalid character 'h' looking for beginning of value"},
		{"connection secret incomplete", `{"port":0}`, `{"password":"` + password + `"}`,
			"connection secret " + connARN + `: field "host" is missing` + "\n" + `field "dbname" is missing` + "\n" +
				`field "username" is missing` + "\n" + `field "passwordSecretArn" is missing` + "\n" + `field "port" is 0, want 1 to 65535`},
		{"password secret missing", connJSON, "",
			"read password secret: ResourceNotFoundException: secret " + passwordARN + " not found"},
		{"password secret not JSON", connJSON, password,
			"decode password secret " + passwordARN + ": invalid character 's' looking for beginning of value"},
		{"password empty", connJSON, `{"username":"app_admin","password":""}`,
			"password secret " + passwordARN + " has no password"},
		{"password of another user", connJSON, `{"username":"other","password":"` + password + `"}`,
			"password secret " + passwordARN + ` is for user "other", the connection secret names "app_admin"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := map[string]string{}
			if tt.connection != "" {
				stored[connARN] = tt.connection
			}
			if tt.password != "" {
				stored[passwordARN] = tt.password
			}
			_, err := secrets.Load(context.Background(), secretstest.NewFake(stored), connARN)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Load error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error quotes the password: %v", err)
			}
		})
	}
}

func TestCredentialsLogWithoutPassword(t *testing.T) {
	var out bytes.Buffer
	creds := secrets.Credentials{Host: "db", Port: 5432, DBName: "app", Username: "app_admin", Password: password}
	slog.New(slog.NewJSONHandler(&out, nil)).Info("connecting", "database", creds)
	line := out.String()
	if strings.Contains(line, password) {
		t.Errorf("log line contains the password: %s", line)
	}
	if !strings.Contains(line, `"database":{"host":"db","port":5432,"dbname":"app","username":"app_admin"}`) {
		t.Errorf("log line lacks the connection details: %s", line)
	}
}
