package controls

import (
	"github.com/8byte/infra/tests"
)

const (
	typeVpc        = "aws:ec2/vpc:Vpc"
	typeSubnet     = "aws:ec2/subnet:Subnet"
	typeRouteTable = "aws:ec2/routeTable:RouteTable"
	typeRTA        = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeSG         = "aws:ec2/securityGroup:SecurityGroup"
	typeDefaultSG  = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	typeIngress    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeEgress     = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	typeNacl       = "aws:ec2/networkAcl:NetworkAcl"
	typeNaclRule   = "aws:ec2/networkAclRule:NetworkAclRule"
	typeFlowLog    = "aws:ec2/flowLog:FlowLog"
	anywhereIPv4   = "0.0.0.0/0"
	anywhereIPv6   = "::/0"
	remoteAdminSSH = 22
	remoteAdminRDP = 3389
)

// networkControls are the design's network controls and the Security Hub EC2 controls on the network.
var networkControls = []*Control{
	{
		ID: "EC2.2", Title: "VPC default security groups should not allow inbound or outbound traffic",
		Checks: "every VPC's default security group is adopted by the stack and has no ingress or egress rule",
		Types:  []string{typeVpc},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeVpc}, func(vpc *tests.Resource) []Finding {
				for _, d := range s.OfType(typeDefaultSG) {
					if d.String("vpcId") == vpc.Out["id"] {
						return unless(d.Get("ingress") == nil && d.Get("egress") == nil, d, "default security group has rules")
					}
				}
				return []Finding{finding(vpc, "default security group not adopted and emptied")}
			})
		},
		Break: func(s *Stack) { set(first(s, typeDefaultSG), "ingress", []any{map[string]any{"fromPort": 0}}) },
		Branches: []Branch{
			{"an egress rule", func(s *Stack) { set(first(s, typeDefaultSG), "egress", []any{map[string]any{"fromPort": 0}}) }},
			{"default group not adopted", func(s *Stack) { set(first(s, typeDefaultSG), "vpcId", "vpc-other") }},
		},
	},
	{
		ID: "EC2.6", Title: "VPC flow logging should be enabled in all VPCs",
		Checks: "every VPC has a flow log capturing ALL traffic",
		Types:  []string{typeVpc},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeVpc}, func(vpc *tests.Resource) []Finding {
				for _, fl := range s.OfType(typeFlowLog) {
					if fl.String("vpcId") == vpc.Out["id"] && fl.String("trafficType") == "ALL" {
						return nil
					}
				}
				return []Finding{finding(vpc, "no flow log with trafficType ALL")}
			})
		},
		Break: func(s *Stack) { set(first(s, typeFlowLog), "trafficType", "REJECT") },
		Branches: []Branch{
			{"flow log of another VPC", func(s *Stack) { set(first(s, typeFlowLog), "vpcId", "vpc-other") }},
		},
	},
	{
		ID: "EC2.13", Title: "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
		Checks: "no security group ingress rule open to 0.0.0.0/0 or ::/0 covers port 22",
		Types:  []string{typeIngress, typeSG},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeIngress}, func(r *tests.Resource) []Finding {
				return unless(!(openToInternet(r) && coversPort(r, remoteAdminSSH)), r, "port 22 open to the internet")
			})
		},
		Break: func(s *Stack) { breakRuleOpen(s, remoteAdminSSH) },
		Branches: []Branch{
			{"IPv6 ::/0 on 22", func(s *Stack) { breakRuleOpenIPv6(s, remoteAdminSSH) }},
			{"all protocols from 0.0.0.0/0", func(s *Stack) {
				breakRule(s, func(r *tests.Resource) {
					set(r, "cidrIpv4", anywhereIPv4)
					set(r, "ipProtocol", "-1")
					set(r, "fromPort", -1)
					set(r, "toPort", -1)
				})
			}},
			{"a range covering 22", func(s *Stack) {
				breakRule(s, func(r *tests.Resource) {
					set(r, "cidrIpv4", anywhereIPv4)
					set(r, "fromPort", 0)
					set(r, "toPort", 1023)
				})
			}},
		},
	},
	{
		ID: "EC2.15", Title: "EC2 subnets should not automatically assign public IP addresses",
		Checks: "every subnet has mapPublicIpOnLaunch false",
		Types:  []string{typeSubnet},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeSubnet}, func(r *tests.Resource) []Finding {
				return unless(!r.Bool("mapPublicIpOnLaunch"), r, "assigns public IPs on launch")
			})
		},
		Break: func(s *Stack) { set(first(s, typeSubnet), "mapPublicIpOnLaunch", true) },
	},
	{
		ID: "EC2.16", Title: "Unused Network Access Control Lists should be removed",
		Checks: "every network ACL the stack creates is associated with at least one subnet",
		Types:  []string{typeNacl},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeNacl}, func(r *tests.Resource) []Finding {
				return unless(len(r.Strings("subnetIds")) > 0, r, "associated with no subnet")
			})
		},
		Break: func(s *Stack) { set(first(s, typeNacl), "subnetIds", []any{}) },
	},
	{
		ID: "EC2.18", Title: "Security groups should only allow unrestricted incoming traffic for authorized ports",
		Checks: "every security group rule open to 0.0.0.0/0 is ingress on 80 or 443 to the ALB's group (authorized ports 80, 443)",
		Types:  []string{typeIngress, typeSG},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeIngress}, func(r *tests.Resource) []Finding {
				if !openToInternet(r) {
					return nil
				}
				authorized := (r.Int("fromPort") == 80 || r.Int("fromPort") == 443) && r.Int("fromPort") == r.Int("toPort")
				sg := s.ByOutput("id", r.String("securityGroupId"))
				albGroup := sg != nil && sg.Name == prefixOf(s)+"-alb-sg"
				return unless(authorized && albGroup, r, "open to the internet on %d-%d", r.Int("fromPort"), r.Int("toPort"))
			})
		},
		Break: func(s *Stack) { breakRuleOpen(s, 8000) },
		Branches: []Branch{
			{"IPv6 ::/0 on 8000", func(s *Stack) { breakRuleOpenIPv6(s, 8000) }},
			{"port 443 open to the internet on the app group", func(s *Stack) {
				for _, r := range s.OfType(typeIngress) {
					if sg := s.ByOutput("id", r.String("securityGroupId")); sg != nil && sg.Name == prefixOf(s)+"-app-sg" {
						set(r, "referencedSecurityGroupId", nil)
						set(r, "cidrIpv4", anywhereIPv4)
						set(r, "fromPort", 443)
						set(r, "toPort", 443)
						return
					}
				}
			}},
			{"the ALB group open on 80-443", func(s *Stack) {
				for _, r := range s.OfType(typeIngress) {
					if openToInternet(r) {
						set(r, "fromPort", 80)
						set(r, "toPort", 443)
						return
					}
				}
			}},
		},
	},
	{
		ID: "EC2.21", Title: "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
		Checks: "no allow rule of a network ACL admits 0.0.0.0/0 or ::/0 on a range covering 22 or 3389",
		Types:  []string{typeNaclRule},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeNaclRule}, func(r *tests.Resource) []Finding {
				if r.Bool("egress") || r.String("ruleAction") != "allow" || (r.String("cidrBlock") != anywhereIPv4 && r.String("ipv6CidrBlock") != anywhereIPv6) {
					return nil
				}
				all := r.String("protocol") == "-1"
				for _, port := range []int{remoteAdminSSH, remoteAdminRDP} {
					if all || coversPort(r, port) {
						return []Finding{finding(r, "admits port %d from the internet", port)}
					}
				}
				return nil
			})
		},
		Break: func(s *Stack) {
			breakNaclRule(s, func(r *tests.Resource) { set(r, "fromPort", 1024); set(r, "toPort", 65535) })
		},
		Branches: []Branch{
			{"IPv6 ::/0 on 22", func(s *Stack) {
				breakNaclRule(s, func(r *tests.Resource) {
					set(r, "cidrBlock", nil)
					set(r, "ipv6CidrBlock", anywhereIPv6)
					set(r, "fromPort", 22)
					set(r, "toPort", 22)
				})
			}},
			{"all protocols", func(s *Stack) { breakNaclRule(s, func(r *tests.Resource) { set(r, "protocol", "-1") }) }},
			{"port 3389 only", func(s *Stack) {
				breakNaclRule(s, func(r *tests.Resource) { set(r, "fromPort", 3389); set(r, "toPort", 3389) })
			}},
		},
	},
	{
		ID: "Design.Net.1", Title: "Database subnets have no route to the internet",
		Checks: "the route tables of database-tier subnets manage an explicit, empty route list (no IGW, NAT or other route)",
		Types:  []string{typeSubnet},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeSubnet}, func(sub *tests.Resource) []Finding {
				if sub.Tag("Tier") != "database" {
					return nil
				}
				for _, a := range s.OfType(typeRTA) {
					if a.String("subnetId") != sub.Out["id"] {
						continue
					}
					rt := s.ByOutput("id", a.String("routeTableId"))
					routes, managed := rt.Get("routes").([]any)
					return unless(managed && len(routes) == 0, sub, "route table %s has routes %v", rt.Name, routes)
				}
				return []Finding{finding(sub, "no route table association")}
			})
		},
		Break: func(s *Stack) {
			for _, rt := range s.OfType(typeRouteTable) {
				if routes, ok := rt.Get("routes").([]any); ok && len(routes) == 0 {
					set(rt, "routes", []any{map[string]any{"cidrBlock": anywhereIPv4, "natGatewayId": "nat-1"}})
				}
			}
		},
		Branches: []Branch{
			{"an IPv6 route", func(s *Stack) {
				for _, rt := range s.OfType(typeRouteTable) {
					if routes, ok := rt.Get("routes").([]any); ok && len(routes) == 0 {
						set(rt, "routes", []any{map[string]any{"ipv6CidrBlock": anywhereIPv6, "gatewayId": "igw-1"}})
					}
				}
			}},
			{"routes not managed by the stack", func(s *Stack) {
				for _, rt := range s.OfType(typeRouteTable) {
					if routes, ok := rt.Get("routes").([]any); ok && len(routes) == 0 {
						set(rt, "routes", nil)
					}
				}
			}},
			{"a database subnet without association", func(s *Stack) {
				for _, a := range s.OfType(typeRTA) {
					if sub := s.ByOutput("id", a.String("subnetId")); sub != nil && sub.Tag("Tier") == "database" {
						set(a, "subnetId", "subnet-other")
					}
				}
			}},
		},
	},
	{
		ID: "Design.Net.2", Title: "Security groups reference each other, least privilege",
		Checks: "app ingress comes only from the ALB group (and SSH from the VPC CIDR), database ingress only from the app group; every rule has a description",
		Types:  []string{typeIngress, typeEgress},
		Evaluate: func(s *Stack) []Finding {
			p := prefixOf(s)
			group := func(r *tests.Resource) string {
				if sg := s.ByOutput("id", r.String("securityGroupId")); sg != nil {
					return sg.Name
				}
				return ""
			}
			peer := func(r *tests.Resource) string {
				if sg := s.ByOutput("id", r.String("referencedSecurityGroupId")); sg != nil {
					return sg.Name
				}
				return ""
			}
			vpcCidr := ""
			if vpcs := s.OfType(typeVpc); len(vpcs) > 0 {
				vpcCidr = vpcs[0].String("cidrBlock")
			}
			return each(s, []string{typeIngress, typeEgress}, func(r *tests.Resource) []Finding {
				out := unless(r.String("description") != "", r, "rule has no description")
				if r.Type != typeIngress {
					return out
				}
				switch group(r) {
				case p + "-app-sg":
					ssh := r.Int("fromPort") == remoteAdminSSH && r.Int("toPort") == remoteAdminSSH && r.String("ipProtocol") == "tcp"
					ok := peer(r) == p+"-alb-sg" || (ssh && r.String("cidrIpv4") == vpcCidr && r.String("cidrIpv6") == "")
					out = append(out, unless(ok, r, "app ingress not from the ALB group")...)
				case p + "-db-sg":
					out = append(out, unless(peer(r) == p+"-app-sg", r, "database ingress not from the app group")...)
				}
				return out
			})
		},
		Break: func(s *Stack) {
			for _, r := range s.OfType(typeIngress) {
				if sg := s.ByOutput("id", r.String("securityGroupId")); sg != nil && sg.Name == prefixOf(s)+"-db-sg" {
					set(r, "referencedSecurityGroupId", nil)
					set(r, "cidrIpv4", "10.0.0.0/16")
				}
			}
		},
		Branches: []Branch{
			{"app ingress from the database group", func(s *Stack) {
				for _, r := range s.OfType(typeIngress) {
					if sg := s.ByOutput("id", r.String("securityGroupId")); sg != nil && sg.Name == prefixOf(s)+"-app-sg" && r.String("referencedSecurityGroupId") != "" {
						set(r, "referencedSecurityGroupId", s.groupID("db-sg"))
					}
				}
			}},
			{"SSH from the VPC widened to every port", func(s *Stack) {
				for _, r := range s.OfType(typeIngress) {
					if r.Int("fromPort") == remoteAdminSSH && r.String("cidrIpv4") != "" {
						set(r, "toPort", 65535)
					}
				}
			}},
			{"SSH also from IPv6 anywhere", func(s *Stack) {
				for _, r := range s.OfType(typeIngress) {
					if r.Int("fromPort") == remoteAdminSSH && r.String("cidrIpv4") != "" {
						set(r, "cidrIpv6", anywhereIPv6)
					}
				}
			}},
			{"a rule without description", func(s *Stack) { set(first(s, typeEgress), "description", "") }},
		},
	},
}

func openToInternet(r *tests.Resource) bool {
	return r.String("cidrIpv4") == anywhereIPv4 || r.String("cidrIpv6") == anywhereIPv6
}

func coversPort(r *tests.Resource, port int) bool {
	if r.String("ipProtocol") == "-1" {
		return true
	}
	return r.Int("fromPort") <= port && port <= r.Int("toPort")
}

// breakRuleOpen opens the first non-internet ingress rule to the IPv4 internet on port.
func breakRuleOpen(s *Stack, port int) {
	breakRule(s, func(r *tests.Resource) {
		set(r, "cidrIpv4", anywhereIPv4)
		set(r, "fromPort", port)
		set(r, "toPort", port)
	})
}

// breakRuleOpenIPv6 opens the first non-internet ingress rule to the IPv6 internet (only) on port.
func breakRuleOpenIPv6(s *Stack, port int) {
	breakRule(s, func(r *tests.Resource) {
		set(r, "cidrIpv6", anywhereIPv6)
		set(r, "fromPort", port)
		set(r, "toPort", port)
	})
}

// breakRule applies edit to the first ingress rule that is not open to the internet, after removing its
// source (peer group and CIDRs).
func breakRule(s *Stack, edit func(r *tests.Resource)) {
	for _, r := range s.OfType(typeIngress) {
		if !openToInternet(r) {
			set(r, "referencedSecurityGroupId", nil)
			set(r, "cidrIpv4", nil)
			edit(r)
			return
		}
	}
}

// breakNaclRule applies edit to the first inbound allow rule of a network ACL open to 0.0.0.0/0.
func breakNaclRule(s *Stack, edit func(r *tests.Resource)) {
	for _, r := range s.OfType(typeNaclRule) {
		if !r.Bool("egress") && r.String("cidrBlock") == anywhereIPv4 && r.String("ruleAction") == "allow" {
			edit(r)
			return
		}
	}
}
