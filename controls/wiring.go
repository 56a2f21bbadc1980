package controls

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/8byte/infra/tests"
)

const (
	typeInstance     = "aws:ec2/instance:Instance"
	typeTargetGroup  = "aws:lb/targetGroup:TargetGroup"
	typeDBSubnetGrp  = "aws:rds/subnetGroup:SubnetGroup"
	typeWAFLogging   = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	tierTag          = "Tier"
	tierPublic       = "public"
	tierPrivate      = "private"
	tierDatabase     = "database"
	rdsLogGroupRoot  = "/aws/rds/instance/"
	awslogsGroupFlag = "awslogs-group="
)

// groupID returns the id of the stack's security group named <prefix>-<role> ("app-sg"), or "".
func (s *Stack) groupID(role string) string {
	for _, sg := range s.OfType(typeSG) {
		if sg.Name == prefixOf(s)+"-"+role {
			id, _ := sg.Out["id"].(string)
			return id
		}
	}
	return ""
}

// subnetTiers checks that ids name at least one subnet and only subnets of the stack tagged with tier.
func (s *Stack) subnetTiers(ids []string, tier string) (bool, string) {
	if len(ids) == 0 {
		return false, "no subnets"
	}
	for _, id := range ids {
		sub := s.ByOutput("id", id)
		if sub == nil || sub.Type != typeSubnet {
			return false, fmt.Sprintf("subnet %s is not a subnet of the stack", id)
		}
		if sub.Tag(tierTag) != tier {
			return false, fmt.Sprintf("subnet %s is a %s subnet, not %s", sub.Name, sub.Tag(tierTag), tier)
		}
	}
	return true, ""
}

// onlyGroup checks that groups is exactly the security group of role.
func (s *Stack) onlyGroup(groups []string, role string) (bool, string) {
	want := s.groupID(role)
	if want == "" || !slices.Equal(groups, []string{want}) {
		return false, fmt.Sprintf("security groups %v, want only %s-%s (%s)", groups, prefixOf(s), role, want)
	}
	return true, ""
}

// wiringControls are the design's whole-stack wiring: which tier's security group and subnets each
// resource uses, where each log is written, and the permissions boundary of every role. The tier tests
// inject fixed groups and subnets, so only a whole-stack check can see a resource wired to the wrong one.
var wiringControls = []*Control{
	{
		ID: "Design.Wire.1", Title: "Instances run in the app security group, in the private subnets only",
		Checks: "every launch template's interfaces carry exactly the app group (no template-level groups), every Auto Scaling group launches one of them into private subnets only, and any instance sits in a private subnet with only the app group",
		Types:  []string{typeLaunchTemplate, typeASG, typeInstance},
		Evaluate: func(s *Stack) []Finding {
			out := each(s, []string{typeLaunchTemplate}, func(lt *tests.Resource) []Finding {
				nics := list(lt, "networkInterfaces")
				if len(nics) == 0 {
					return []Finding{finding(lt, "no network interface naming the app group")}
				}
				var found []Finding
				for _, nic := range nics {
					ok, problem := s.onlyGroup(StringList(nic["securityGroups"]), "app-sg")
					found = append(found, unless(ok, lt, "interface %v: %s", nic["deviceIndex"], problem)...)
					found = append(found, unless(nic["subnetId"] == nil, lt, "interface pins subnet %v", nic["subnetId"])...)
				}
				for _, key := range []string{"vpcSecurityGroupIds", "securityGroupNames"} {
					found = append(found, unless(len(lt.Strings(key)) == 0, lt, "%s %v besides the interfaces' groups", key, lt.Strings(key))...)
				}
				return found
			})
			out = append(out, each(s, []string{typeASG}, func(g *tests.Resource) []Finding {
				found := []Finding{}
				ok, problem := s.subnetTiers(g.Strings("vpcZoneIdentifiers"), tierPrivate)
				found = append(found, unless(ok, g, "%s", problem)...)
				lt := s.ByOutput("id", g.String("launchTemplate.id"))
				found = append(found, unless(lt != nil && lt.Type == typeLaunchTemplate, g, "launches %q, not a launch template of the stack", g.String("launchTemplate.id"))...)
				return found
			})...)
			return append(out, each(s, []string{typeInstance}, func(i *tests.Resource) []Finding {
				ok, problem := s.subnetTiers([]string{i.String("subnetId")}, tierPrivate)
				found := unless(ok, i, "%s", problem)
				ok, problem = s.onlyGroup(i.Strings("vpcSecurityGroupIds"), "app-sg")
				return append(found, unless(ok, i, "%s", problem)...)
			})...)
		},
		Break: func(s *Stack) { // the instances in the load balancer's group
			set(first(s, typeLaunchTemplate), "networkInterfaces.0.securityGroups", []any{s.groupID("alb-sg")})
		},
		Branches: []Branch{
			{"app group plus the database group", func(s *Stack) {
				set(first(s, typeLaunchTemplate), "networkInterfaces.0.securityGroups", []any{s.groupID("app-sg"), s.groupID("db-sg")})
			}},
			{"template-level group", func(s *Stack) {
				set(first(s, typeLaunchTemplate), "vpcSecurityGroupIds", []any{s.groupID("alb-sg")})
			}},
			{"Auto Scaling group in a public subnet", func(s *Stack) {
				g := first(s, typeASG)
				set(g, "vpcZoneIdentifiers", append(g.Get("vpcZoneIdentifiers").([]any), subnetOfTier(s, tierPublic)))
			}},
			{"Auto Scaling group in the database subnets", func(s *Stack) {
				set(first(s, typeASG), "vpcZoneIdentifiers", []any{subnetOfTier(s, tierDatabase)})
			}},
			{"Auto Scaling group launching another template", func(s *Stack) { set(first(s, typeASG), "launchTemplate.id", "lt-other") }},
		},
	},
	{
		ID: "Design.Wire.2", Title: "The load balancer is internet-facing in the public subnets, with its own group",
		Checks: "every load balancer is an internet-facing application load balancer in public subnets only, with exactly the ALB group",
		Types:  []string{typeLB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeLB}, func(lb *tests.Resource) []Finding {
				ok, problem := s.subnetTiers(lb.Strings("subnets"), tierPublic)
				found := unless(ok, lb, "%s", problem)
				ok, problem = s.onlyGroup(lb.Strings("securityGroups"), "alb-sg")
				found = append(found, unless(ok, lb, "%s", problem)...)
				found = append(found, unless(lb.String("loadBalancerType") == "application", lb, "type %q", lb.String("loadBalancerType"))...)
				return append(found, unless(!lb.Bool("internal"), lb, "internal, not internet-facing")...)
			})
		},
		Break: func(s *Stack) { set(first(s, typeLB), "securityGroups", []any{s.groupID("app-sg")}) },
		Branches: []Branch{
			{"ALB group plus the app group", func(s *Stack) {
				set(first(s, typeLB), "securityGroups", []any{s.groupID("alb-sg"), s.groupID("app-sg")})
			}},
			{"in the private subnets", func(s *Stack) { set(first(s, typeLB), "subnets", []any{subnetOfTier(s, tierPrivate)}) }},
			{"internal", func(s *Stack) { set(first(s, typeLB), "internal", true) }},
		},
	},
	{
		ID: "Design.Wire.3", Title: "The database sits in the database subnets, with its own group",
		Checks: "every RDS instance has exactly the database group and a subnet group of database subnets only",
		Types:  []string{typeDB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeDB}, func(db *tests.Resource) []Finding {
				ok, problem := s.onlyGroup(db.Strings("vpcSecurityGroupIds"), "db-sg")
				found := unless(ok, db, "%s", problem)
				var group *tests.Resource
				for _, g := range s.OfType(typeDBSubnetGrp) {
					if g.Out["name"] == db.String("dbSubnetGroupName") {
						group = g
					}
				}
				if group == nil {
					return append(found, finding(db, "subnet group %q is not one of the stack", db.String("dbSubnetGroupName")))
				}
				ok, problem = s.subnetTiers(group.Strings("subnetIds"), tierDatabase)
				return append(found, unless(ok, db, "subnet group %s: %s", group.Name, problem)...)
			})
		},
		Break: func(s *Stack) { set(first(s, typeDB), "vpcSecurityGroupIds", []any{s.groupID("app-sg")}) },
		Branches: []Branch{
			{"database group plus the app group", func(s *Stack) {
				set(first(s, typeDB), "vpcSecurityGroupIds", []any{s.groupID("db-sg"), s.groupID("app-sg")})
			}},
			{"subnet group with a private subnet", func(s *Stack) {
				g := first(s, typeDBSubnetGrp)
				set(g, "subnetIds", append(g.Get("subnetIds").([]any), subnetOfTier(s, tierPrivate)))
			}},
			{"another subnet group", func(s *Stack) { set(first(s, typeDB), "dbSubnetGroupName", "default") }},
		},
	},
	{
		ID: "Design.Wire.4", Title: "Each target group forwards to the app port in the stack's VPC",
		Checks: "every target group is HTTP on the port the app group admits from the ALB group, in the stack's VPC, with health checks on the traffic port, and receives from a listener and an Auto Scaling group",
		Types:  []string{typeTargetGroup},
		Evaluate: func(s *Stack) []Finding {
			appPort := 0
			for _, r := range s.OfType(typeIngress) {
				if r.String("securityGroupId") == s.groupID("app-sg") && r.String("referencedSecurityGroupId") == s.groupID("alb-sg") {
					appPort = r.Int("fromPort")
				}
			}
			vpc := first(s, typeVpc).Out["id"]
			return each(s, []string{typeTargetGroup}, func(tg *tests.Resource) []Finding {
				found := unless(appPort != 0 && tg.Int("port") == appPort && tg.String("protocol") == "HTTP", tg,
					"%s port %d, the app group admits the ALB on %d", tg.String("protocol"), tg.Int("port"), appPort)
				found = append(found, unless(tg.Get("vpcId") == vpc, tg, "in VPC %v, not the stack's %v", tg.Get("vpcId"), vpc)...)
				hcPort := tg.String("healthCheck.port")
				found = append(found, unless(hcPort == "" || hcPort == "traffic-port", tg, "health checks on port %s", hcPort)...)
				forwarded := slices.ContainsFunc(s.OfType(typeListener), func(l *tests.Resource) bool { return forwardsTo(l, tg.Out["arn"]) })
				found = append(found, unless(forwarded, tg, "no listener forwards to it")...)
				attached := slices.ContainsFunc(s.OfType(typeASG), func(g *tests.Resource) bool {
					return slices.Contains(g.Strings("targetGroupArns"), fmt.Sprint(tg.Out["arn"])) ||
						slices.ContainsFunc(list(g, "trafficSources"), func(src map[string]any) bool { return src["identifier"] == tg.Out["arn"] })
				}) || slices.ContainsFunc(s.OfType(typeASGAttachment), func(a *tests.Resource) bool { return a.Get("lbTargetGroupArn") == tg.Out["arn"] })
				return append(found, unless(attached, tg, "no Auto Scaling group registers into it")...)
			})
		},
		Break: func(s *Stack) { set(first(s, typeTargetGroup), "port", 8080) },
		Branches: []Branch{
			{"another VPC", func(s *Stack) { set(first(s, typeTargetGroup), "vpcId", "vpc-other") }},
			{"HTTPS to the instances", func(s *Stack) { set(first(s, typeTargetGroup), "protocol", "HTTPS") }},
			{"health checks on another port", func(s *Stack) { set(first(s, typeTargetGroup), "healthCheck.port", "22") }},
			{"no listener forwards to it", func(s *Stack) {
				for _, l := range s.OfType(typeListener) {
					set(l, "defaultActions", []any{map[string]any{"type": "fixed-response"}})
				}
			}},
			{"no Auto Scaling group registers into it", func(s *Stack) {
				for _, g := range s.OfType(typeASG) {
					set(g, "targetGroupArns", []any{})
					set(g, "trafficSources", []any{})
				}
				for _, a := range s.OfType(typeASGAttachment) {
					set(a, "lbTargetGroupArn", "arn:other")
				}
			}},
		},
	},
	{
		ID: "Design.IAM.4", Title: "Every role carries the stack's permissions boundary",
		Checks: "every IAM role of the stack, of every tier, has the stack's boundary policy as its permissions boundary (the drill role, github.drill: the drill boundary)",
		Types:  []string{typeRole},
		Evaluate: func(s *Stack) []Finding {
			boundaryOf := func(name string) string {
				for _, p := range s.OfType(typeIAMPolicy) {
					if p.Name == name {
						arn, _ := p.Out["arn"].(string)
						return arn
					}
				}
				return ""
			}
			return each(s, []string{typeRole}, func(r *tests.Resource) []Finding {
				boundary := boundaryOf(prefixOf(s) + "-boundary")
				if r.Name == prefixOf(s)+"-github-drill" {
					boundary = boundaryOf(prefixOf(s) + "-drill-boundary")
				}
				return unless(boundary != "" && r.String("permissionsBoundary") == boundary, r,
					"permissions boundary %q, want the stack's %q", r.String("permissionsBoundary"), boundary)
			})
		},
		Break: func(s *Stack) { // a tier that receives the boundary drops it (the flow-log role of the issue)
			set(roleNamed(s, "flow-logs"), "permissionsBoundary", nil)
		},
		Branches: []Branch{
			{"another policy as boundary", func(s *Stack) {
				set(first(s, typeRole), "permissionsBoundary", "arn:aws:iam::aws:policy/AdministratorAccess")
			}},
		},
	},
	{
		ID: "Design.Logs.2", Title: "Every log group is where its writer writes",
		Checks: "every log group of the stack is the destination of its writer, and every writer names a log group of the stack: VPC flow logs, the trail, WAF logging, RDS log exports, the app container's awslogs driver and the CloudWatch agent in the user data",
		Types:  []string{typeLogGroup},
		Evaluate: func(s *Stack) []Finding {
			groups := map[string]*tests.Resource{}
			for _, g := range s.OfType(typeLogGroup) {
				name, _ := g.Out["name"].(string)
				groups[name] = g
			}
			written := map[string]bool{}
			var out []Finding
			writes := func(writer *tests.Resource, what, group string) {
				if _, ok := groups[group]; !ok {
					out = append(out, finding(writer, "%s writes to %q, not a log group of the stack", what, group))
					return
				}
				written[group] = true
			}
			byArn := func(arn string) string {
				for name, g := range groups {
					if g.Out["arn"] == strings.TrimSuffix(arn, ":*") {
						return name
					}
				}
				return arn
			}
			for _, fl := range s.OfType(typeFlowLog) {
				writes(fl, "flow log", byArn(fl.String("logDestination")))
			}
			for _, t := range s.OfType(typeTrail) {
				writes(t, "trail", byArn(t.String("cloudWatchLogsGroupArn")))
			}
			for _, w := range s.OfType(typeWAFLogging) {
				for _, arn := range w.Strings("logDestinationConfigs") {
					writes(w, "WAF logging", byArn(arn))
				}
			}
			for _, db := range s.OfType(typeDB) {
				for _, logType := range db.Strings("enabledCloudwatchLogsExports") {
					writes(db, "log export "+logType, rdsLogGroupRoot+db.String("identifier")+"/"+logType)
				}
			}
			for _, lt := range s.OfType(typeLaunchTemplate) {
				for _, group := range userDataLogGroups(lt) {
					writes(lt, "user data", group)
				}
			}
			for name, g := range groups {
				out = append(out, unless(written[name], g, "no writer of the stack writes to %s", name)...)
			}
			slices.SortFunc(out, func(a, b Finding) int { return strings.Compare(a.Resource+a.Problem, b.Resource+b.Problem) })
			return out
		},
		Break: func(s *Stack) {
			set(first(s, typeFlowLog), "logDestination", "arn:aws:logs:us-east-1:123456789012:log-group:elsewhere")
		},
		Branches: []Branch{
			{"an RDS export without its group", func(s *Stack) {
				db := first(s, typeDB)
				set(db, "enabledCloudwatchLogsExports", append(db.Get("enabledCloudwatchLogsExports").([]any), "iam-db-auth-error"))
			}},
			{"the app container logs elsewhere", func(s *Stack) {
				lt := first(s, typeLaunchTemplate)
				script, _ := base64.StdEncoding.DecodeString(lt.String("userData"))
				set(lt, "userData", base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(string(script), awslogsGroupFlag, awslogsGroupFlag+"x"))))
			}},
			{"the agent ships the system logs elsewhere", func(s *Stack) {
				lt := first(s, typeLaunchTemplate)
				script, _ := base64.StdEncoding.DecodeString(lt.String("userData"))
				set(lt, "userData", base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(string(script), `"log_group_name": "`, `"log_group_name": "x`))))
			}},
			{"a WAF log destination outside the stack", func(s *Stack) {
				set(first(s, typeWAFLogging), "logDestinationConfigs", []any{"arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-other"})
			}},
			{"a trail delivering elsewhere", func(s *Stack) {
				set(first(s, typeTrail), "cloudWatchLogsGroupArn", "arn:aws:logs:us-east-1:123456789012:log-group:other:*")
			}},
		},
	},
}

// userDataLogGroups returns the log groups the launch template's user data writes to: the docker
// awslogs driver's group and the CloudWatch agent's log_group_name entries.
func userDataLogGroups(lt *tests.Resource) []string {
	script, err := base64.StdEncoding.DecodeString(lt.String("userData"))
	if err != nil {
		return []string{"<user data is not base64>"}
	}
	var out []string
	for _, line := range strings.Split(string(script), "\n") {
		for _, marker := range []string{awslogsGroupFlag, `"log_group_name": "`} {
			if _, rest, ok := strings.Cut(line, marker); ok {
				name := strings.FieldsFunc(rest, func(r rune) bool { return r == '"' || r == ' ' || r == '\\' })
				if len(name) > 0 && !slices.Contains(out, name[0]) {
					out = append(out, name[0])
				}
			}
		}
	}
	return out
}

// forwardsTo reports whether listener l forwards to the target group with arn.
func forwardsTo(l *tests.Resource, arn any) bool {
	for _, a := range list(l, "defaultActions") {
		if a["type"] == "forward" && a["targetGroupArn"] == arn {
			return true
		}
		if fwd, ok := a["forward"].(map[string]any); ok {
			groups, _ := fwd["targetGroups"].([]any)
			for _, g := range groups {
				if m, ok := g.(map[string]any); ok && m["arn"] == arn {
					return true
				}
			}
		}
	}
	return false
}

// subnetOfTier returns the id of the stack's first subnet tagged tier.
func subnetOfTier(s *Stack, tier string) string {
	for _, sub := range s.OfType(typeSubnet) {
		if sub.Tag(tierTag) == tier {
			id, _ := sub.Out["id"].(string)
			return id
		}
	}
	return ""
}

// roleNamed returns the stack's role whose name is <prefix>-<suffix> or ends in it, or the first role.
func roleNamed(s *Stack, suffix string) *tests.Resource {
	for _, r := range s.OfType(typeRole) {
		if strings.HasSuffix(r.Name, suffix) || strings.HasSuffix(r.Name, suffix+"-role") {
			return r
		}
	}
	return first(s, typeRole)
}
