package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	// embed compiles prices.yaml into the report.
	_ "embed"

	"gopkg.in/yaml.v3"

	"github.com/8byte/infra/settings"
)

//go:embed prices.yaml
var pricesYAML []byte

// Price is one line of the price table.
type Price struct {
	USD      float64            `yaml:"usd"`
	ByType   map[string]float64 `yaml:"byType"` // prices that depend on an instance type or class
	Unit     string             `yaml:"unit"`
	Page     string             `yaml:"page"`
	ReadFrom string             `yaml:"readFrom"`
	Checked  *bool              `yaml:"checked"`
}

// Usage holds the usage assumptions of one environment profile.
type Usage struct {
	NatGB            float64 `yaml:"natGB"`
	AlbLCU           float64 `yaml:"albLCU"`
	RequestsMillions float64 `yaml:"requestsMillions"`
	EgressGB         float64 `yaml:"egressGB"`
	LogsGB           float64 `yaml:"logsGB"`
	S3GB             float64 `yaml:"s3GB"`
	AgentMetrics     float64 `yaml:"agentMetrics"`
	ReplicationGB    float64 `yaml:"replicationGB"`
}

// PriceTable is prices.yaml: list prices of one region, and usage assumptions.
type PriceTable struct {
	Region        string           `yaml:"region"`
	Currency      string           `yaml:"currency"`
	Read          string           `yaml:"read"`
	HoursPerMonth float64          `yaml:"hoursPerMonth"`
	Prices        map[string]Price `yaml:"prices"`
	Usage         map[string]Usage `yaml:"usage"`
}

// Prices returns the price table of the repository (prices.yaml).
func Prices() (*PriceTable, error) {
	var t PriceTable
	if err := yaml.Unmarshal(pricesYAML, &t); err != nil {
		return nil, fmt.Errorf("report/prices.yaml: %w", err)
	}
	for _, profile := range []string{"dev", "prod"} {
		if _, ok := t.Usage[profile]; !ok {
			return nil, fmt.Errorf("report/prices.yaml: usage.%s is missing", profile)
		}
	}
	return &t, nil
}

// Line is one priced line of the estimate.
type Line struct {
	Tier     string  `json:"tier"`
	Item     string  `json:"item"`     // what is priced
	Quantity float64 `json:"quantity"` // in units of the price, a month
	Unit     string  `json:"unit"`
	Price    float64 `json:"price"` // per unit
	PriceKey string  `json:"priceKey"`
	Assumes  string  `json:"assumes,omitempty"` // the usage assumption behind the quantity
	Monthly  float64 `json:"monthly"`
	Missing  string  `json:"missing,omitempty"` // why the line could not be priced
}

// Key identifies a line across two reports.
func (l Line) Key() string { return l.Tier + "/" + l.Item }

// Estimate is the monthly cost estimate of a stack.
type Estimate struct {
	Region   string  `json:"region"`
	Currency string  `json:"currency"`
	Read     string  `json:"read"`
	Profile  string  `json:"profile"`
	Lines    []Line  `json:"lines"`
	Total    float64 `json:"total"`
}

// ByTier returns the monthly subtotal of each tier.
func (e Estimate) ByTier() map[string]float64 {
	out := map[string]float64{}
	for _, l := range e.Lines {
		out[l.Tier] += l.Monthly
	}
	return out
}

// estimator collects the lines of one estimate.
type estimator struct {
	table *PriceTable
	lines []Line
}

// add prices quantity units of the price key (typ selects a byType price).
func (e *estimator) add(tier, item, key, typ string, quantity float64, assumes string) {
	p, ok := e.table.Prices[key]
	line := Line{Tier: tier, Item: item, Quantity: quantity, Unit: p.Unit, PriceKey: key, Assumes: assumes}
	switch {
	case !ok:
		line.Missing = "no price " + key + " in report/prices.yaml"
	case typ != "":
		line.PriceKey = key + "." + typ
		if line.Price, ok = p.ByType[typ]; !ok {
			line.Missing = fmt.Sprintf("no price for %s in report/prices.yaml (%s.byType)", typ, key)
		}
	default:
		line.Price = p.USD
	}
	line.Monthly = roundCents(quantity * line.Price)
	e.lines = append(e.lines, line)
}

func roundCents(v float64) float64 { return math.Round(v*100) / 100 }

// Estimate prices the resources of env's stack: quantities come from the resources' inputs (counts,
// instance types and classes, storage sizes, Multi-AZ, rules), usage from the environment's assumptions.
func (t *PriceTable) Estimate(env settings.Environment, resources []Resource) Estimate {
	profile := "dev"
	if env.IsProd() {
		profile = "prod"
	}
	u := t.Usage[profile]
	h := t.HoursPerMonth
	e := &estimator{table: t}
	of := func(typ string) []Resource {
		var out []Resource
		for _, r := range resources {
			if r.Type == typ {
				out = append(out, r)
			}
		}
		return out
	}
	hours := func(n int) string { return fmt.Sprintf("%d × %g h", n, h) }

	if nats := of("aws:ec2/natGateway:NatGateway"); len(nats) > 0 {
		tier := nats[0].Tier
		e.add(tier, "NAT gateways", "natGatewayHour", "", float64(len(nats))*h, hours(len(nats)))
		e.add(tier, "NAT data processed", "natGatewayGB", "", u.NatGB, fmt.Sprintf("%g GB a month (assumed)", u.NatGB))
	}
	if eips := of("aws:ec2/eip:Eip"); len(eips) > 0 {
		e.add(eips[0].Tier, "Elastic IPs (NAT)", "publicIPv4Hour", "", float64(len(eips))*h, hours(len(eips)))
	}
	for _, lb := range of("aws:lb/loadBalancer:LoadBalancer") {
		e.add(lb.Tier, "ALB", "albHour", "", h, hours(1))
		e.add(lb.Tier, "ALB LCUs", "albLCUHour", "", u.AlbLCU*h, fmt.Sprintf("%g LCU on average (assumed) × %g h", u.AlbLCU, h))
		ips := len(list(lb.Inputs["subnets"]))
		e.add(lb.Tier, "ALB public IPv4 addresses", "publicIPv4Hour", "", float64(ips)*h, fmt.Sprintf("one per subnet: %s", hours(ips)))
		e.add(lb.Tier, "Data transfer out", "internetEgressGB", "", u.EgressGB, fmt.Sprintf("%g GB a month of responses (assumed)", u.EgressGB))
	}
	templates := of("aws:ec2/launchTemplate:LaunchTemplate")
	for _, asg := range of("aws:autoscaling/group:Group") {
		n := int(number(asg.Inputs["desiredCapacity"]))
		if n == 0 {
			n = int(number(asg.Inputs["minSize"]))
		}
		if len(templates) == 0 {
			continue
		}
		lt := templates[0].Inputs
		typ, _ := lt["instanceType"].(string)
		e.add(asg.Tier, "EC2 instances ("+typ+")", "ec2Hour", typ, float64(n)*h, fmt.Sprintf("desired capacity %s", hours(n)))
		var gib float64
		for _, m := range list(lt["blockDeviceMappings"]) {
			if ebs, ok := m["ebs"].(map[string]any); ok {
				gib += number(ebs["volumeSize"])
			}
		}
		e.add(asg.Tier, "EBS gp3 root volumes", "ebsGp3GBMonth", "", float64(n)*gib, fmt.Sprintf("%d × %g GiB", n, gib))
	}
	for _, db := range of("aws:rds/instance:Instance") {
		copies := 1
		az := "Single-AZ"
		if b, _ := db.Inputs["multiAz"].(bool); b {
			copies, az = 2, "Multi-AZ: primary and standby"
		}
		class, _ := db.Inputs["instanceClass"].(string)
		e.add(db.Tier, "RDS PostgreSQL ("+class+")", "rdsHour", class, float64(copies)*h, az+", "+hours(copies))
		gb := number(db.Inputs["allocatedStorage"])
		e.add(db.Tier, "RDS gp3 storage", "rdsGp3GBMonth", "", float64(copies)*gb, fmt.Sprintf("%d × %g GB allocated (autoscaling may grow it)", copies, gb))
		if b, _ := db.Inputs["manageMasterUserPassword"].(bool); b {
			e.add(db.Tier, "RDS-managed master password secret", "secretMonth", "", 1, "created by RDS, not a resource of the stack")
		}
	}
	for _, rep := range of("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication") {
		var gb float64
		for _, db := range of("aws:rds/instance:Instance") {
			gb += number(db.Inputs["allocatedStorage"])
		}
		e.add(rep.Tier, "Replicated backups, second region", "rdsBackupGBMonth", "", gb, fmt.Sprintf("one full copy of %g GB (assumed)", gb))
		e.add(rep.Tier, "Backup transfer to the second region", "interRegionGB", "", u.ReplicationGB, fmt.Sprintf("%g GB a month (assumed)", u.ReplicationGB))
	}
	counted := func(typ, item, key string) {
		rs := of(typ)
		if len(rs) == 0 {
			return
		}
		byTier := map[string]int{}
		for _, r := range rs {
			byTier[r.Tier]++
		}
		for _, tier := range slices.Sorted(maps.Keys(byTier)) {
			e.add(tier, item, key, "", float64(byTier[tier]), fmt.Sprintf("%d in the stack", byTier[tier]))
		}
	}
	counted("aws:kms/key:Key", "KMS keys", "kmsKeyMonth")
	counted("aws:secretsmanager/secret:Secret", "Secrets Manager secrets", "secretMonth")
	counted("aws:cloudwatch/metricAlarm:MetricAlarm", "CloudWatch alarms", "alarmMonth")
	counted("aws:cloudwatch/dashboard:Dashboard", "CloudWatch dashboards", "dashboardMonth")
	counted("aws:cloudwatch/logMetricFilter:LogMetricFilter", "Metrics from log filters", "metricMonth")
	counted("aws:ecr/repository:Repository", "ECR repositories (1 GB each, assumed)", "ecrGBMonth")

	if groups := of("aws:cloudwatch/logGroup:LogGroup"); len(groups) > 0 {
		tier := observabilityTier
		e.add(tier, "CloudWatch Logs ingestion", "logsIngestGB", "", u.LogsGB, fmt.Sprintf("%g GB a month into %d log groups (assumed)", u.LogsGB, len(groups)))
		months := 0.0
		for _, g := range groups {
			months += math.Min(number(g.Inputs["retentionInDays"])/30, 12)
		}
		months /= float64(len(groups))
		e.add(tier, "CloudWatch Logs storage", "logsStorageGBMonth", "", roundCents(u.LogsGB*months),
			fmt.Sprintf("steady state: a month's logs × %.1f months of average retention (at most 12 counted)", months))
	}
	if len(of("aws:autoscaling/group:Group")) > 0 {
		e.add(observabilityTier, "CloudWatch agent metrics", "metricMonth", "", u.AgentMetrics, fmt.Sprintf("%g metrics (assumed)", u.AgentMetrics))
	}
	for _, acl := range of("aws:wafv2/webAcl:WebAcl") {
		rules := len(list(acl.Inputs["rules"]))
		e.add(acl.Tier, "WAF web ACL", "wafAclMonth", "", 1, "1 web ACL")
		e.add(acl.Tier, "WAF rules", "wafRuleMonth", "", float64(rules), fmt.Sprintf("%d rules and managed rule groups", rules))
		e.add(acl.Tier, "WAF requests", "wafMillionRequests", "", u.RequestsMillions, fmt.Sprintf("%g million requests a month (assumed)", u.RequestsMillions))
	}
	if buckets := of("aws:s3/bucketV2:BucketV2"); len(buckets) > 0 {
		e.add(observabilityTier, "S3 storage (logs)", "s3GBMonth", "", u.S3GB, fmt.Sprintf("%g GB in %d buckets (assumed)", u.S3GB, len(buckets)))
	}

	est := Estimate{Region: t.Region, Currency: t.Currency, Read: t.Read, Profile: profile, Lines: e.lines}
	sort.SliceStable(est.Lines, func(i, j int) bool { return est.Lines[i].Tier < est.Lines[j].Tier })
	for _, l := range est.Lines {
		est.Total += l.Monthly
	}
	est.Total = roundCents(est.Total)
	return est
}

// observabilityTier holds the lines of usage shared by every tier: log ingestion and storage, the
// agent's metrics, the log buckets' storage (every bucket of the stack holds logs).
const observabilityTier = "observability"

// number reads a plain number (int from the mocks, float64 from JSON).
func number(v any) float64 {
	switch v := v.(type) {
	case int:
		return float64(v)
	case float64:
		return v
	default:
		return 0
	}
}

// list reads a list of objects.
func list(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		} else {
			out = append(out, map[string]any{"value": e})
		}
	}
	return out
}
