// Package logevents names the events of the service's log lines that the stack's alarms count: the
// contract ../contract/log-events.json (shared with the infrastructure, which derives its metric filters
// from it). The module's contract test checks these names and the lines the service writes against it.
package logevents

// Key is the attribute that names the event of a line.
const Key = "event"

// The events.
const (
	// DatabaseCheck is the outcome of one periodic database check (the check behind DatabaseReady),
	// logged at INFO after every check, with the attributes "ready" and "reason".
	DatabaseCheck = "database_check"
	// AuthFailed is PostgreSQL refusing the service's login (ERROR).
	AuthFailed = "auth_failed"
	// CredentialsPending is the connection secret without a value yet, as on a first deployment (WARN).
	CredentialsPending = "credentials_pending"
)

// Messages of the events' lines.
const (
	DatabaseCheckMsg      = "database check"
	AuthFailedMsg         = "database rejected the credentials"
	CredentialsPendingMsg = "the database connection secret has no value yet"
)

// Reasons of a database_check line.
const (
	ReasonOK                     = "ok"
	ReasonCredentialsPending     = "credentials_pending"
	ReasonCredentialsUnavailable = "credentials_unavailable"
	ReasonAuthFailed             = "auth_failed"
	ReasonUnreachable            = "unreachable"
)
