package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// node is one box of the diagram: it is drawn when a stack has a resource of one of its types (none:
// always), and named with the stacks that have it when the diagram covers several and not all have it.
type node struct {
	id, label string
	shape     string // "[]" box, "[()]" cylinder (data), "([])" stadium (outside AWS)
	types     []string
	inVPC     bool
}

// edge is one flow; it is drawn when both ends are.
type edge struct {
	from, to, label string
	dotted          bool
}

// The tiers' main resources and the flows between them.
var (
	nodes = []node{
		{id: "user", label: "Internet", shape: "([])"},
		{id: "waf", label: "WAF web ACL", types: []string{"aws:wafv2/webAcl:WebAcl"}},
		{id: "alb", label: "ALB, TLS 1.2+<br/>public subnets", types: []string{"aws:lb/loadBalancer:LoadBalancer"}, inVPC: true},
		{id: "app", label: "EC2 Auto Scaling group<br/>private subnets, IMDSv2, hardened container", types: []string{"aws:autoscaling/group:Group"}, inVPC: true},
		{id: "db", label: "RDS PostgreSQL, KMS<br/>database subnets, no internet route", shape: "[()]", types: []string{"aws:rds/instance:Instance"}, inVPC: true},
		{id: "nat", label: "NAT gateways<br/>public subnets", types: []string{"aws:ec2/natGateway:NatGateway"}, inVPC: true},
		{id: "apis", label: "ECR, Secrets Manager,<br/>CloudWatch, SSM"},
		{id: "replica", label: "backup replica<br/>second region", shape: "[()]", types: []string{"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"}},
		{id: "logs", label: "CloudWatch Logs<br/>app, system, flow logs", types: []string{"aws:cloudwatch/logGroup:LogGroup"}},
		{id: "buckets", label: "S3 buckets, KMS<br/>ALB and access logs", shape: "[()]", types: []string{"aws:s3/bucketV2:BucketV2"}},
		{id: "alarms", label: "alarms → SNS, KMS → e-mail", types: []string{"aws:cloudwatch/metricAlarm:MetricAlarm"}},
		{id: "trail", label: "CloudTrail, multi-region<br/>CIS alarms", types: []string{"aws:cloudtrail/trail:Trail"}},
		{id: "ci", label: "GitHub Actions", shape: "([])", types: []string{"aws:iam/role:Role"}},
		{id: "roles", label: "preview / deploy roles<br/>permissions boundary", types: []string{"aws:iam/role:Role"}},
	}
	edges = []edge{
		{from: "user", to: "waf", label: "80 / 443"},
		{from: "waf", to: "alb"},
		{from: "alb", to: "app", label: "app port"},
		{from: "app", to: "db", label: "5432, TLS verify-full"},
		{from: "app", to: "nat", label: "443"},
		{from: "nat", to: "apis"},
		{from: "db", to: "replica", label: "backups", dotted: true},
		{from: "app", to: "logs"},
		{from: "alb", to: "buckets", label: "access logs"},
		{from: "logs", to: "alarms", label: "metric filters"},
		{from: "trail", to: "buckets"},
		{from: "trail", to: "logs"},
		{from: "ci", to: "roles", label: "OIDC"},
	}
)

// Diagram draws the Mermaid flowchart of the stacks' tiers (one stack in the report; every stack in
// the README, where a box not every stack has names the stacks that have it).
func Diagram(stacks map[string][]Resource) string {
	names := slices.Sorted(maps.Keys(stacks))
	has := func(n node, stack string) bool {
		if len(n.types) == 0 {
			return true
		}
		return slices.ContainsFunc(stacks[stack], func(r Resource) bool { return slices.Contains(n.types, r.Type) })
	}
	drawn := map[string]bool{}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	var vpc []string
	for _, n := range nodes {
		var in []string
		for _, s := range names {
			if has(n, s) {
				in = append(in, s)
			}
		}
		if len(in) == 0 {
			continue
		}
		drawn[n.id] = true
		label := n.label
		if len(in) < len(names) {
			label += "<br/>(" + strings.Join(in, ", ") + ")"
		}
		open, closing := "[", "]"
		if n.shape != "" {
			open, closing = n.shape[:len(n.shape)/2], n.shape[len(n.shape)/2:]
		}
		fmt.Fprintf(&b, "  %s%s\"%s\"%s\n", n.id, open, label, closing)
		if n.inVPC {
			vpc = append(vpc, n.id)
		}
	}
	if len(vpc) > 0 {
		b.WriteString("  subgraph VPC\n")
		for _, id := range vpc {
			fmt.Fprintf(&b, "    %s\n", id)
		}
		b.WriteString("  end\n")
	}
	for _, e := range edges {
		from, to := e.from, e.to
		if from == "user" && !drawn["waf"] && e.to == "waf" {
			to = "alb" // no WAF: the internet reaches the load balancer directly
		}
		if !drawn[from] || !drawn[to] {
			continue
		}
		arrow := "-->"
		if e.dotted {
			arrow = "-.->"
		}
		if e.label != "" {
			if e.dotted {
				fmt.Fprintf(&b, "  %s -. %s .-> %s\n", from, e.label, to)
				continue
			}
			fmt.Fprintf(&b, "  %s %s|%s| %s\n", from, arrow, e.label, to)
			continue
		}
		fmt.Fprintf(&b, "  %s %s %s\n", from, arrow, to)
	}
	return b.String()
}
