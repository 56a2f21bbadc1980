package metrics

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

type fakeCloudWatch struct {
	mu     sync.Mutex
	inputs []*cloudwatch.PutMetricDataInput
	err    error
}

func (f *fakeCloudWatch) PutMetricData(_ context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inputs = append(f.inputs, in)
	return &cloudwatch.PutMetricDataOutput{}, f.err
}

func (f *fakeCloudWatch) puts() []*cloudwatch.PutMetricDataInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*cloudwatch.PutMetricDataInput(nil), f.inputs...)
}

type checker struct{ err error }

func (c checker) Check(context.Context) error { return c.err }

func TestPublishOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want float64
	}{
		{"database ready", nil, 1},
		{"database down", errors.New("unreachable"), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cw := &fakeCloudWatch{}
			p := &Publisher{Putter: cw, Namespace: "8byte/dev", Database: checker{tt.err}, Logger: slog.New(slog.DiscardHandler)}
			if err := p.PublishOnce(context.Background()); err != nil {
				t.Fatalf("PublishOnce: %v", err)
			}
			puts := cw.puts()
			if len(puts) != 1 || aws.ToString(puts[0].Namespace) != "8byte/dev" || len(puts[0].MetricData) != 1 {
				t.Fatalf("puts = %+v, want one datum in 8byte/dev", puts)
			}
			datum := puts[0].MetricData[0]
			if aws.ToString(datum.MetricName) != DatabaseReady || aws.ToFloat64(datum.Value) != tt.want ||
				datum.Unit != types.StandardUnitNone || len(datum.Dimensions) != 0 {
				t.Errorf("datum = %s=%v %s %v, want %s=%v None without dimensions",
					aws.ToString(datum.MetricName), aws.ToFloat64(datum.Value), datum.Unit, datum.Dimensions, DatabaseReady, tt.want)
			}
		})
	}
}

// TestRunPublishesAtOnceAndLogsFailures: the first datum goes out before the first tick, and a
// denied PutMetricData is logged at ERROR without stopping the loop.
func TestRunPublishesAtOnceAndLogsFailures(t *testing.T) {
	cw := &fakeCloudWatch{err: errors.New("AccessDenied")}
	var logs bytes.Buffer
	p := &Publisher{Putter: cw, Namespace: "8byte/prod", Database: checker{}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx, 20*time.Millisecond); close(done) }()
	deadline := time.Now().Add(2 * time.Second)
	for len(cw.puts()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if len(cw.puts()) < 2 {
		t.Fatalf("Run published %d times, want at least 2", len(cw.puts()))
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"publishing metrics failed","error":"put 8byte/prod/DatabaseReady: AccessDenied"`) {
		t.Errorf("failure not logged at ERROR: %s", logs.String())
	}
}
