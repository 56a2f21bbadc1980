// Package metrics publishes the service's custom CloudWatch metric: DatabaseReady, 1 when the
// database check passes and 0 when it fails (none while the connection secret has no value yet), once a minute, in the environment's namespace
// (METRICS_NAMESPACE, the only one the instance role may publish to). It has no dimensions, so
// the Minimum over all instances is 0 as soon as one instance cannot use the database.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/8byte/infra/app/internal/database"
	"github.com/8byte/infra/app/internal/logevents"
	"github.com/8byte/infra/app/internal/secrets"
)

// DatabaseReady is the metric name.
const DatabaseReady = "DatabaseReady"

// checkTimeout bounds one database check of the loop.
const checkTimeout = 10 * time.Second

// Putter is the part of the CloudWatch client the publisher uses; tests use a fake.
type Putter interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// Checker reports whether the database is usable.
type Checker interface {
	Check(ctx context.Context) error
}

// Publisher checks the database and publishes the result.
type Publisher struct {
	Putter    Putter
	Namespace string
	Database  Checker
	Logger    *slog.Logger
}

// Run publishes at once (which also loads the credentials at start) and then every interval,
// until ctx is done. Failed publications are logged and retried at the next tick.
func (p *Publisher) Run(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := p.PublishOnce(ctx); err != nil && ctx.Err() == nil {
			p.Logger.Error("publishing metrics failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// PublishOnce checks the database, logs the outcome (one database_check line, INFO, so that the
// service's repeat filter never drops it: the auth-failure alarm counts these lines) and puts one
// DatabaseReady datum. While the connection secret has no value yet (a first deployment) it puts none:
// the database is not down, it does not exist yet, and no alarm should fire.
func (p *Publisher) PublishOnce(ctx context.Context) error {
	checkCtx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	reason := Reason(p.Database.Check(checkCtx))
	ready := reason == logevents.ReasonOK
	p.Logger.Info(logevents.DatabaseCheckMsg, logevents.Key, logevents.DatabaseCheck, "ready", ready, "reason", reason)
	if reason == logevents.ReasonCredentialsPending {
		return nil
	}
	value := 0.0
	if ready {
		value = 1
	}
	_, err := p.Putter.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String(p.Namespace),
		MetricData: []types.MetricDatum{{
			MetricName: aws.String(DatabaseReady),
			Value:      aws.Float64(value),
			Unit:       types.StandardUnitNone,
		}},
	})
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", p.Namespace, DatabaseReady, err)
	}
	return nil
}

// Reason classifies the result of a database check into the reason of its database_check line: the
// check's public reason (database.CheckError), and a connection secret without a value as pending.
func Reason(err error) string {
	var public interface{ Reason() string }
	switch {
	case err == nil:
		return logevents.ReasonOK
	case errors.Is(err, secrets.ErrNoValue):
		return logevents.ReasonCredentialsPending
	case !errors.As(err, &public):
		return logevents.ReasonUnreachable
	}
	switch public.Reason() {
	case database.ReasonAuth:
		return logevents.ReasonAuthFailed
	case database.ReasonCredentials:
		return logevents.ReasonCredentialsUnavailable
	default:
		return logevents.ReasonUnreachable
	}
}
