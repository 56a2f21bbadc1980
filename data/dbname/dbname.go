// Package dbname names the data tier's database: the data tier creates it under these names, and the DR
// drill (cmd/drdrill, outside any Pulumi program) finds the source database by them. It has no
// dependency on the Pulumi SDK, so the drill's command and its tests stay small.
package dbname

import "github.com/8byte/infra/settings"

// Instance returns the RDS identifier of env's database, "postgres-8byte-<env>". It is explicit because
// the log groups RDS exports to are named after it and must exist (with a retention) before the instance:
// RDS would otherwise create them itself, keeping logs forever. RDS identifiers must start with a letter,
// hence the engine first rather than the stack prefix. Keep it stable: a new identifier replaces the
// database.
func Instance(env settings.Environment) string { return "postgres-" + settings.Prefix(env) }

// FinalSnapshot is the snapshot a protected stack's database takes when it is deleted.
func FinalSnapshot(env settings.Environment) string { return Instance(env) + "-final" }
