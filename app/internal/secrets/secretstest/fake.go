// Package secretstest provides an in-memory stand-in for Secrets Manager.
package secretstest

import (
	"context"
	"fmt"
	"sync"
)

// Fake is a secrets.Reader that serves SecretStrings from memory and counts the reads.
type Fake struct {
	mu      sync.Mutex
	secrets map[string]string
	reads   int
}

// NewFake returns a Fake serving secrets (ARN -> SecretString).
func NewFake(secrets map[string]string) *Fake {
	f := &Fake{secrets: map[string]string{}}
	for arn, value := range secrets {
		f.secrets[arn] = value
	}
	return f
}

// Set replaces one secret, as a rotation does.
func (f *Fake) Set(arn, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[arn] = value
}

// Reads is how many SecretString calls the fake has answered.
func (f *Fake) Reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// SecretString implements secrets.Reader; an unknown ARN is an error, as in Secrets Manager.
func (f *Fake) SecretString(_ context.Context, arn string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	value, ok := f.secrets[arn]
	if !ok {
		return "", fmt.Errorf("ResourceNotFoundException: secret %s not found", arn)
	}
	return value, nil
}
