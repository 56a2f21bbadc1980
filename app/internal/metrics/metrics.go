// Package metrics publishes the service's custom CloudWatch metric: DatabaseReady, 1 when the
// database check passes and 0 when it fails, once a minute, in the environment's namespace
// (METRICS_NAMESPACE, the only one the instance role may publish to). It has no dimensions, so
// the Minimum over all instances is 0 as soon as one instance cannot use the database.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
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

// PublishOnce checks the database and puts one DatabaseReady datum.
func (p *Publisher) PublishOnce(ctx context.Context) error {
	checkCtx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	ready := 1.0
	if p.Database.Check(checkCtx) != nil {
		ready = 0 // the database package has logged why
	}
	_, err := p.Putter.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String(p.Namespace),
		MetricData: []types.MetricDatum{{
			MetricName: aws.String(DatabaseReady),
			Value:      aws.Float64(ready),
			Unit:       types.StandardUnitNone,
		}},
	})
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", p.Namespace, DatabaseReady, err)
	}
	return nil
}
