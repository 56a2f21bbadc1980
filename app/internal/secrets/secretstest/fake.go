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
	held    chan struct{} // non-nil while reads wait (Hold)
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

// Hold makes every read wait until Release, or until its context ends as the AWS SDK's calls
// do: a slow Secrets Manager.
func (f *Fake) Hold() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held == nil {
		f.held = make(chan struct{})
	}
}

// Release lets the held reads and the next ones through.
func (f *Fake) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held != nil {
		close(f.held)
		f.held = nil
	}
}

// Reads is how many SecretString calls the fake has answered.
func (f *Fake) Reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// SecretString implements secrets.Reader; an unknown ARN is an error, as in Secrets Manager.
func (f *Fake) SecretString(ctx context.Context, arn string) (string, error) {
	f.mu.Lock()
	held := f.held
	f.mu.Unlock()
	if held != nil {
		select {
		case <-held:
		case <-ctx.Done():
			return "", fmt.Errorf("get secret value %s: %w", arn, ctx.Err())
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	value, ok := f.secrets[arn]
	if !ok {
		return "", fmt.Errorf("ResourceNotFoundException: secret %s not found", arn)
	}
	return value, nil
}
