// Package status is the vocabulary of the control matrix: what a control's check concluded in one stack.
// Package controls decides it; package report, which only formats and compares outcomes, reads it without
// linking the controls (nor the Pulumi SDK they inspect inventories with).
package status

// Status of a control in one stack.
type Status string

// The statuses of the matrix.
const (
	Pass          Status = "pass"
	Accepted      Status = "accepted"
	NotApplicable Status = "not applicable"
	Fail          Status = "FAIL"
)
