package observability

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/settings"
)

// DashboardName is the name of env's CloudWatch dashboard, `8byte-<env>`. It is explicit because people
// open the dashboard by name (and the console URL output names it).
func DashboardName(env settings.Environment) string { return settings.Prefix(env) }

// The CloudWatch agent on the instances publishes these metrics to the stack's metrics namespace, per
// instance and rolled up over the fleet without any dimension (the namespace is the stack's own).
const (
	AgentMemoryMetric = "mem_used_percent"
	AgentDiskMetric   = "disk_used_percent"
)

// dashboardBody is the JSON body of a CloudWatch dashboard (CloudWatch-Dashboard-Body-Structure).
type dashboardBody struct {
	Widgets []dashboardWidget `json:"widgets"`
}

// dashboardWidget is a metric graph at a position of the 24-column grid.
type dashboardWidget struct {
	Type       string       `json:"type"`
	X          int          `json:"x"`
	Y          int          `json:"y"`
	Width      int          `json:"width"`
	Height     int          `json:"height"`
	Properties metricWidget `json:"properties"`
}

// metricWidget are the properties of a "metric" widget.
type metricWidget struct {
	Title   string            `json:"title"`
	Region  string            `json:"region"`
	View    string            `json:"view"`
	Stacked bool              `json:"stacked"`
	Period  int               `json:"period"`
	Metrics []dashboardMetric `json:"metrics"`
}

// dashboardMetric is one line of a graph. It marshals to the dashboard's array form:
// [namespace, metric, dimension name, dimension value, ..., {"stat": ..., "label": ...}].
type dashboardMetric struct {
	Namespace  string
	Name       string
	Dimensions []dimension
	Stat       string
	Label      string
}

// dimension is one name/value pair of a metric; dimensions keep their order in the JSON.
type dimension struct{ Name, Value string }

// MarshalJSON implements json.Marshaler.
func (m dashboardMetric) MarshalJSON() ([]byte, error) {
	row := []any{m.Namespace, m.Name}
	for _, d := range m.Dimensions {
		row = append(row, d.Name, d.Value)
	}
	row = append(row, struct {
		Stat  string `json:"stat"`
		Label string `json:"label,omitempty"`
	}{m.Stat, m.Label})
	return json.Marshal(row)
}

// dashboardResources are the names the dashboard's metrics refer to, resolved from the tiers' outputs.
type dashboardResources struct {
	Region, MetricsNamespace                    string
	LoadBalancer, TargetGroup, AsgName, DbIdent string
}

// Dashboard layout: two graphs per row of the 24-column grid.
const (
	widgetWidth     = 12
	widgetHeight    = 6
	widgetsPerRow   = 2
	dashboardPeriod = 300
)

// newDashboardBody lays out the stack's graphs: traffic and errors, latency and target health, instance
// CPU, memory and disk, the app-log metrics, and the database.
func newDashboardBody(r dashboardResources) dashboardBody {
	lb := []dimension{{"LoadBalancer", r.LoadBalancer}}
	targets := []dimension{{"LoadBalancer", r.LoadBalancer}, {"TargetGroup", r.TargetGroup}}
	asg := []dimension{{"AutoScalingGroupName", r.AsgName}}
	db := []dimension{{"DBInstanceIdentifier", r.DbIdent}}
	alb := func(name string, dims []dimension, stat, label string) dashboardMetric {
		return dashboardMetric{albNamespace, name, dims, stat, label}
	}
	graphs := []struct {
		title   string
		metrics []dashboardMetric
	}{
		{"Requests", []dashboardMetric{alb("RequestCount", lb, "Sum", "requests")}},
		{"HTTP errors", []dashboardMetric{
			alb("HTTPCode_ELB_4XX_Count", lb, "Sum", "load balancer 4xx"),
			alb("HTTPCode_ELB_5XX_Count", lb, "Sum", "load balancer 5xx"),
			alb("HTTPCode_Target_4XX_Count", targets, "Sum", "app 4xx"),
			alb("HTTPCode_Target_5XX_Count", targets, "Sum", "app 5xx"),
		}},
		{"Response time (seconds)", []dashboardMetric{
			alb("TargetResponseTime", targets, "p50", "p50"),
			alb("TargetResponseTime", targets, "p95", "p95"),
		}},
		{"Targets", []dashboardMetric{
			alb("HealthyHostCount", targets, "Minimum", "healthy"),
			alb("UnHealthyHostCount", targets, "Maximum", "unhealthy"),
		}},
		{"Instance CPU (%)", []dashboardMetric{
			{"AWS/EC2", "CPUUtilization", asg, "Average", "average"},
			{"AWS/EC2", "CPUUtilization", asg, "Maximum", "busiest instance"},
		}},
		{"Instance memory and disk used (%)", []dashboardMetric{
			{r.MetricsNamespace, AgentMemoryMetric, nil, "Average", "memory"},
			{r.MetricsNamespace, AgentDiskMetric, nil, "Maximum", "disk"},
		}},
		{"App log events", []dashboardMetric{
			{r.MetricsNamespace, AppErrorMetric, nil, "Sum", "errors"},
			{r.MetricsNamespace, AuthFailureMetric, nil, "Sum", "refused database logins"},
		}},
		{"Database CPU (%)", []dashboardMetric{{"AWS/RDS", "CPUUtilization", db, "Average", "CPU"}}},
		{"Database connections", []dashboardMetric{{"AWS/RDS", "DatabaseConnections", db, "Maximum", "connections"}}},
		{"Database free storage and memory (bytes)", []dashboardMetric{
			{"AWS/RDS", "FreeStorageSpace", db, "Minimum", "free storage"},
			{"AWS/RDS", "FreeableMemory", db, "Minimum", "freeable memory"},
		}},
	}
	body := dashboardBody{}
	for i, g := range graphs {
		body.Widgets = append(body.Widgets, dashboardWidget{
			Type: "metric", X: (i % widgetsPerRow) * widgetWidth, Y: (i / widgetsPerRow) * widgetHeight,
			Width: widgetWidth, Height: widgetHeight,
			Properties: metricWidget{Title: g.title, Region: r.Region, View: "timeSeries", Period: dashboardPeriod, Metrics: g.metrics},
		})
	}
	return body
}

// dashboard creates the stack's dashboard once the names of the resources it graphs are known.
func (b *monitor) dashboard() error {
	a := b.args
	inputs := pulumi.StringMap{
		"alb": a.AlbArnSuffix, "tg": a.TargetGroupArnSuffix, "asg": a.AsgName, "db": a.DbInstanceIdentifier,
	}
	body := inputs.ToStringMapOutput().ApplyT(func(v map[string]string) (string, error) {
		raw, err := json.Marshal(newDashboardBody(dashboardResources{
			Region: a.Account.Region, MetricsNamespace: a.MetricsNamespace,
			LoadBalancer: v["alb"], TargetGroup: v["tg"], AsgName: v["asg"], DbIdent: v["db"],
		}))
		if err != nil {
			return "", fmt.Errorf("marshal dashboard body: %w", err)
		}
		return string(raw), nil
	}).(pulumi.StringOutput)
	var err error
	b.dashboardRes, err = cloudwatch.NewDashboard(b.ctx, b.child("dashboard"), &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(DashboardName(a.Environment)),
		DashboardBody: body,
	}, b.parent)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
