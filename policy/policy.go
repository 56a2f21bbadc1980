// Package policy builds IAM and resource policy documents (role, trust, bucket, key and topic policies)
// from typed Go values, so that the JSON AWS receives and the JSON the tests parse are the same bytes,
// under mocks and in production.
package policy

import (
	"encoding/json"
	"fmt"
)

// Version is the current IAM policy language version.
const Version = "2012-10-17"

// Effects of a statement.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document. Empty fields are omitted from the JSON.
type Statement struct {
	Sid       string    `json:"Sid,omitempty"`
	Effect    string    `json:"Effect"`
	Principal Principal `json:"Principal,omitempty"`
	Action    []string  `json:"Action,omitempty"`
	NotAction []string  `json:"NotAction,omitempty"`
	Resource  []string  `json:"Resource,omitempty"`
	// NotResource: the statement applies to every resource but these (used in Deny statements only).
	NotResource []string   `json:"NotResource,omitempty"`
	Condition   Conditions `json:"Condition,omitempty"`
}

// Principal maps a principal kind ("AWS", "Service", "Federated") to its identifiers.
type Principal map[string][]string

// Conditions maps a condition operator (e.g. "StringEquals") to condition keys and their values.
type Conditions map[string]map[string][]string

// Services is the principal of one or more AWS services, e.g. Services("ec2.amazonaws.com").
func Services(names ...string) Principal { return Principal{"Service": names} }

// AWS is the principal of accounts, roles or users, by ARN.
func AWS(arns ...string) Principal { return Principal{"AWS": arns} }

// Everyone is any principal ("*"); use it only in Deny statements or with restrictive conditions.
func Everyone() Principal { return Principal{"AWS": {"*"}} }

// New returns a document of the current version holding statements.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// JSON returns the document as compact JSON.
func (d Document) JSON() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("marshal policy document: %w", err)
	}
	return string(b), nil
}

// DenyInsecureTransport is the statement every resource policy carries: requests that do not use TLS are
// denied, whoever makes them.
func DenyInsecureTransport(actions []string, resources ...string) Statement {
	return Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    Deny,
		Principal: Everyone(),
		Action:    actions,
		Resource:  resources,
		Condition: Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
	}
}

// AssumeRole is a trust statement letting principal assume a role with sts:AssumeRole, under conditions
// (which may be nil).
func AssumeRole(principal Principal, conditions Conditions) Statement {
	return Statement{Effect: Allow, Principal: principal, Action: []string{"sts:AssumeRole"}, Condition: conditions}
}
