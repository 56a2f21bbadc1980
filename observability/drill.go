package observability

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/drill"
)

// hour is the period of the drill alarms: a drill publishes its metrics once, at its end.
const hour = 3600

// drillAlarms watch the disaster-recovery drills of this stack's recovery stack (Config.RecoveryDrillStack):
// a drill that failed (DrillSucceeded 0), or that restored but missed its recovery-time or recovery-point
// target (package drill's Targets, the README's numbers). A drill publishes its metrics once, in this
// stack's region, so no data is the normal state between drills.
func (b *monitor) drillAlarms() error {
	stack := b.args.Config.RecoveryDrillStack
	if stack == "" {
		return nil
	}
	dims := pulumi.StringMap{"Stack": pulumi.String(stack)}
	specs := []alarmSpec{
		{
			role: "dr-drill-failed", description: "The disaster-recovery drill of " + stack + " failed: the recovery procedure does not work as documented (job summary of the dr-drill workflow)",
			namespace: drill.MetricsNamespace, metric: drill.MetricSucceeded, dimensions: dims,
			statistic: "Minimum", period: hour, evaluationPeriods: 1, comparison: below, threshold: 1, treatMissingData: missingIsOK,
		},
		{
			role: "dr-rto", description: "The disaster-recovery drill of " + stack + " took longer than the recovery-time objective",
			namespace: drill.MetricsNamespace, metric: drill.MetricRTO, dimensions: dims,
			statistic: "Maximum", period: hour, evaluationPeriods: 1, comparison: above, threshold: drill.Targets.RTO.Seconds(), treatMissingData: missingIsOK,
		},
		{
			role: "dr-rpo", description: "The disaster-recovery drill of " + stack + " lost more data than the recovery-point objective allows (backup replication lag)",
			namespace: drill.MetricsNamespace, metric: drill.MetricRPO, dimensions: dims,
			statistic: "Maximum", period: hour, evaluationPeriods: 1, comparison: above, threshold: drill.Targets.RPO.Seconds(), treatMissingData: missingIsOK,
		},
	}
	for _, spec := range specs {
		if err := b.alarm(spec); err != nil {
			return err
		}
	}
	return nil
}
