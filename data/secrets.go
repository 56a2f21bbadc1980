package data

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/settings"
)

// ConnectionSecretName returns the name of env's connection secret. It is explicit because it is part of
// the contract with the application (the instance role may read `8byte-<env>-*` secrets) and because
// operators look it up by name. Keep it stable: a new name replaces the secret, and the old name stays
// reserved for the recovery window.
func ConnectionSecretName(env settings.Environment) string {
	return settings.Prefix(env) + "-db-connection"
}

// connectionRecoveryDays is how long a deleted connection secret can be restored: 30 days in prod; none
// in recovery drills (the next drill recreates the same name) and
// in dev, so that a destroyed dev stack can be deployed again at once under the same secret name.
func connectionRecoveryDays(env settings.Environment) int {
	if env.Protected() {
		return 30
	}
	return 0
}

// connectionInfo is the SecretString of the connection secret, field for field the "connectionSecret" of
// contract/app-env.json. It holds no password: passwordSecretArn names the RDS-managed secret that does.
type connectionInfo struct {
	Host              string `json:"host"`
	Port              int    `json:"port"`
	DBName            string `json:"dbname"`
	Username          string `json:"username"`
	PasswordSecretArn string `json:"passwordSecretArn"`
}

// connectionSecret creates the connection secret up front, without waiting for the database: its ARN goes
// to the instances' user data straight away, so the instance fleet is not on the database's 10-20 minute
// critical path. Its value is written by connectionValue once the endpoint exists; the application
// retries until it is there.
//
// The secret holds no password, so it has nothing to rotate. The password lives in the RDS-managed secret,
// which RDS rotates (every 7 days by default).
func (b *builder) connectionSecret() error {
	name := ConnectionSecretName(b.args.Environment)
	var err error
	b.connection, err = secretsmanager.NewSecret(b.ctx, b.child("db-connection"), &secretsmanager.SecretArgs{
		Name:                 pulumi.String(name),
		Description:          pulumi.String("How the 8byte application connects to " + b.identifier + ": host, port, database, user and the ARN of the RDS-managed password secret"),
		KmsKeyId:             b.secretsKey.Arn,
		RecoveryWindowInDays: pulumi.Int(connectionRecoveryDays(b.args.Environment)),
		Tags:                 cloud.NameTag(name),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("connection secret: %w", err)
	}
	return nil
}

// connectionValue writes the connection JSON into the connection secret once the database exists.
func (b *builder) connectionValue() error {
	cfg := b.args.Config
	value := pulumi.All(b.db.Address, b.db.Port, b.passwordSecretArn).ApplyT(func(v []any) (string, error) {
		raw, err := json.Marshal(connectionInfo{
			Host:              v[0].(string),
			Port:              v[1].(int),
			DBName:            cfg.DbName,
			Username:          cfg.Username,
			PasswordSecretArn: v[2].(string),
		})
		if err != nil {
			return "", fmt.Errorf("marshal connection info: %w", err)
		}
		return string(raw), nil
	}).(pulumi.StringOutput)
	if _, err := secretsmanager.NewSecretVersion(b.ctx, b.child("db-connection"), &secretsmanager.SecretVersionArgs{
		SecretId:     b.connection.ID(),
		SecretString: value,
	}, b.parent); err != nil {
		return fmt.Errorf("connection secret value: %w", err)
	}
	return nil
}
