package secrets

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestASecretWithoutValueIsPending(t *testing.T) {
	pending := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")}
	missing := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	if !noCurrentValue(fmt.Errorf("operation error Secrets Manager: GetSecretValue: %w", pending)) {
		t.Error("a secret without an AWSCURRENT value is pending")
	}
	if noCurrentValue(missing) || noCurrentValue(errors.New("AccessDeniedException")) {
		t.Error("a missing secret or a denied read is not a bootstrap state")
	}
}
