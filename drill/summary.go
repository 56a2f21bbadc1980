package drill

import (
	"fmt"
	"strings"
	"time"
)

// Summary renders the drill as Markdown for the GitHub job summary. It holds no secret: times, durations,
// the backups' ARN and the outcome.
func (r Result) Summary(cfg Config) string {
	var b strings.Builder
	outcome := "passed"
	switch {
	case !r.Succeeded():
		outcome = "FAILED"
	case !r.MetTargets():
		outcome = "missed its targets"
	}
	fmt.Fprintf(&b, "## Disaster-recovery drill %s: %s\n\n", cfg.Stack, outcome)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| source | %s in %s |\n", cfg.SourceIdentifier, cfg.SourceRegion)
	fmt.Fprintf(&b, "| recovery region | %s |\n", cfg.Region)
	if r.Backup.Arn != "" {
		fmt.Fprintf(&b, "| restored from | `%s` (PostgreSQL %s) |\n", r.Backup.Arn, r.Backup.EngineVersion)
	}
	fmt.Fprintf(&b, "| drill started | %s |\n", stamp(r.Started))
	fmt.Fprintf(&b, "| restore point | %s |\n", stamp(r.RestorePoint))
	fmt.Fprintf(&b, "| application ready | %s |\n", stamp(r.Ready))
	fmt.Fprintf(&b, "| last source heartbeat in the restored data | %s |\n", stamp(r.Heartbeat))
	fmt.Fprintf(&b, "| **RTO** (start to ready) | %s (target %s) |\n", duration(r.RTO, r.Ready), Targets.RTO)
	fmt.Fprintf(&b, "| **RPO** (restore point to start) | %s (target %s) |\n", duration(r.RPO, r.RestorePoint), Targets.RPO)
	if r.Err != nil {
		fmt.Fprintf(&b, "\n**Failure:** %s\n", r.Err)
	}
	if r.TeardownErr != nil {
		fmt.Fprintf(&b, "\n**Teardown failed:** %s\n", r.TeardownErr)
	} else {
		fmt.Fprintf(&b, "\nThe recovery stack %s was destroyed.\n", cfg.Stack)
	}
	return b.String()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.RFC3339)
}

func duration(d time.Duration, measured time.Time) string {
	if measured.IsZero() {
		return "not measured"
	}
	return d.Round(time.Second).String()
}
