// Package secrets reads the database connection details and password from AWS Secrets Manager.
//
// The connection secret (DB_CONNECTION_SECRET_ARN) holds the JSON of ConnectionSecret; the
// password lives in the RDS-managed secret it names, which RDS rotates. Both are read at start
// and again whenever the database rejects the credentials.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Reader returns the SecretString of a secret. AWSReader is the production implementation;
// tests use a fake.
type Reader interface {
	SecretString(ctx context.Context, arn string) (string, error)
}

// AWSReader reads secrets with the Secrets Manager API (GetSecretValue, AWSCURRENT stage).
type AWSReader struct {
	client *secretsmanager.Client
}

// NewAWSReader returns a Reader backed by Secrets Manager.
func NewAWSReader(cfg aws.Config) *AWSReader {
	return &AWSReader{client: secretsmanager.NewFromConfig(cfg)}
}

// ErrNoValue is the error of a secret that exists but has no current value yet: the connection secret
// of a stack's first deployment, written once the database exists. Errors of Reader and Load wrap it.
var ErrNoValue = errors.New("the secret has no value yet")

// SecretString implements Reader.
func (r *AWSReader) SecretString(ctx context.Context, arn string) (string, error) {
	out, err := r.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		if noCurrentValue(err) {
			return "", fmt.Errorf("get secret value %s: %w: %w", arn, ErrNoValue, err)
		}
		return "", fmt.Errorf("get secret value %s: %w", arn, err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secret %s has no SecretString", arn)
	}
	return *out.SecretString, nil
}

// noCurrentValue tells whether err is GetSecretValue's answer for a secret without an AWSCURRENT version:
// ResourceNotFoundException "Secrets Manager can't find the specified secret value for staging label:
// AWSCURRENT" (a missing secret is the same exception with another message, and is no bootstrap state).
func noCurrentValue(err error) bool {
	var notFound *types.ResourceNotFoundException
	return errors.As(err, &notFound) && strings.Contains(notFound.ErrorMessage(), "staging label: AWSCURRENT")
}

// ConnectionSecret is the JSON of the connection secret (contract/app-env.json, connectionSecret).
type ConnectionSecret struct {
	Host              string `json:"host"`
	Port              int    `json:"port"`
	DBName            string `json:"dbname"`
	Username          string `json:"username"`
	PasswordSecretARN string `json:"passwordSecretArn"`
}

// passwordSecret is the JSON of the RDS-managed master user secret.
type passwordSecret struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Credentials is everything needed to open a database connection.
type Credentials struct {
	Host     string
	Port     int
	DBName   string
	Username string
	Password string
}

// LogValue keeps the password out of every log line that names the credentials.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("dbname", c.DBName),
		slog.String("username", c.Username),
	)
}

// Load reads the connection secret and then the password secret it names.
func Load(ctx context.Context, r Reader, connectionSecretARN string) (Credentials, error) {
	raw, err := r.SecretString(ctx, connectionSecretARN)
	if err != nil {
		return Credentials{}, fmt.Errorf("read connection secret: %w", err)
	}
	var conn ConnectionSecret
	if err := json.Unmarshal([]byte(raw), &conn); err != nil {
		// The JSON error quotes no input, so no secret value leaks through it.
		return Credentials{}, fmt.Errorf("decode connection secret %s: %w", connectionSecretARN, err)
	}
	if err := conn.validate(); err != nil {
		return Credentials{}, fmt.Errorf("connection secret %s: %w", connectionSecretARN, err)
	}
	raw, err = r.SecretString(ctx, conn.PasswordSecretARN)
	if err != nil {
		return Credentials{}, fmt.Errorf("read password secret: %w", err)
	}
	var pw passwordSecret
	if err := json.Unmarshal([]byte(raw), &pw); err != nil {
		return Credentials{}, fmt.Errorf("decode password secret %s: %w", conn.PasswordSecretARN, err)
	}
	if pw.Password == "" {
		return Credentials{}, fmt.Errorf("password secret %s has no password", conn.PasswordSecretARN)
	}
	if pw.Username != "" && pw.Username != conn.Username {
		return Credentials{}, fmt.Errorf("password secret %s is for user %q, the connection secret names %q",
			conn.PasswordSecretARN, pw.Username, conn.Username)
	}
	return Credentials{Host: conn.Host, Port: conn.Port, DBName: conn.DBName, Username: conn.Username, Password: pw.Password}, nil
}

func (c ConnectionSecret) validate() error {
	var errs []error
	required := []struct{ field, value string }{
		{"host", c.Host}, {"dbname", c.DBName}, {"username", c.Username}, {"passwordSecretArn", c.PasswordSecretARN},
	}
	for _, r := range required {
		if r.value == "" {
			errs = append(errs, fmt.Errorf("field %q is missing", r.field))
		}
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("field \"port\" is %d, want 1 to 65535", c.Port))
	}
	return errors.Join(errs...)
}
