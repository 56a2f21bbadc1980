package controls

import (
	"github.com/8byte/infra/tests"
)

const (
	typeLaunchTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	typeASG            = "aws:autoscaling/group:Group"
	typeASGAttachment  = "aws:autoscaling/attachment:Attachment"
	typeLB             = "aws:lb/loadBalancer:LoadBalancer"
	typeListener       = "aws:lb/listener:Listener"
	typeECR            = "aws:ecr/repository:Repository"
	typeECRLifecycle   = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	typeVpcEndpoint    = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeWebACL         = "aws:wafv2/webAcl:WebAcl"
	typeWebACLAssoc    = "aws:wafv2/webAclAssociation:WebAclAssociation"
	// recommendedTLSPolicy is the ALB policy of the design: TLS 1.2 and 1.3 only, forward-secret ciphers.
	recommendedTLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
)

// launchTemplateCheck returns a control over every launch template.
func launchTemplateCheck(id, title, checks string, ok func(lt *tests.Resource) (bool, string), breakIt func(lt *tests.Resource)) *Control {
	return &Control{
		ID: id, Title: title, Checks: checks, Types: []string{typeLaunchTemplate},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeLaunchTemplate}, func(lt *tests.Resource) []Finding {
				good, problem := ok(lt)
				return unless(good, lt, "%s", problem)
			})
		},
		Break: func(s *Stack) { breakIt(first(s, typeLaunchTemplate)) },
	}
}

func imdsV2Required(lt *tests.Resource) (bool, string) {
	return lt.String("metadataOptions.httpTokens") == "required", "IMDSv2 not required (httpTokens " + lt.String("metadataOptions.httpTokens") + ")"
}

func noPublicIP(lt *tests.Resource) (bool, string) {
	nics := list(lt, "networkInterfaces")
	if len(nics) == 0 {
		return false, "no network interface spelling out associatePublicIpAddress=false"
	}
	for _, nic := range nics {
		if v, set := nic["associatePublicIpAddress"]; !set || truthy(v) || v == nil {
			return false, "a network interface may get a public IP"
		}
	}
	return true, ""
}

func breakIMDS(lt *tests.Resource) { set(lt, "metadataOptions.httpTokens", "optional") }

// publicIPBranches are the other ways a launch template may hand out a public IP.
var publicIPBranches = []Branch{
	{"an interface that leaves the flag to the subnet", func(s *Stack) {
		set(first(s, typeLaunchTemplate), "networkInterfaces", []any{map[string]any{"deviceIndex": 0}})
	}},
	{"no network interface", func(s *Stack) { set(first(s, typeLaunchTemplate), "networkInterfaces", []any{}) }},
}

func breakPublicIP(lt *tests.Resource) {
	set(lt, "networkInterfaces", []any{map[string]any{"associatePublicIpAddress": "true"}})
}

// computeControls are the Security Hub EC2, Auto Scaling, ELB and ECR controls and the design's
// web-traffic controls.
var computeControls = []*Control{
	withBranches(launchTemplateCheck("EC2.3", "Attached Amazon EBS volumes should be encrypted at-rest",
		"every block device of every launch template is an encrypted EBS volume",
		func(lt *tests.Resource) (bool, string) {
			devices := list(lt, "blockDeviceMappings")
			for _, d := range devices {
				ebs, _ := d["ebs"].(map[string]any)
				if !truthy(ebs["encrypted"]) {
					return false, "unencrypted volume"
				}
			}
			return len(devices) > 0, "no block device mapping: the root volume would follow the AMI's default"
		},
		func(lt *tests.Resource) {
			set(lt, "blockDeviceMappings", []any{map[string]any{"ebs": map[string]any{"encrypted": "false"}}})
		}),
		Branch{"no block device mapping", func(s *Stack) { set(first(s, typeLaunchTemplate), "blockDeviceMappings", []any{}) }}),
	launchTemplateCheck("EC2.8", "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
		"every launch template requires IMDSv2 tokens", imdsV2Required, breakIMDS),
	withBranches(launchTemplateCheck("EC2.9", "EC2 instances should not have a public IPv4 address",
		"every launch template's network interfaces set associatePublicIpAddress false", noPublicIP, breakPublicIP), publicIPBranches...),
	{
		ID: "EC2.10", Title: "Amazon EC2 should be configured to use VPC endpoints that are created for the Amazon EC2 service",
		Checks: "the VPC has an interface endpoint for com.amazonaws.<region>.ec2",
		Types:  []string{typeVpc},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeVpc}, func(vpc *tests.Resource) []Finding {
				for _, e := range s.OfType(typeVpcEndpoint) {
					if e.String("vpcId") == vpc.Out["id"] && e.String("serviceName") == "com.amazonaws."+s.region()+".ec2" {
						return nil
					}
				}
				return []Finding{finding(vpc, "no EC2 interface endpoint")}
			})
		},
		Break: func(s *Stack) {
			for _, e := range s.OfType(typeVpcEndpoint) {
				set(e, "serviceName", "com.amazonaws.none")
			}
		},
		Fix: func(s *Stack) { // the accepted missing endpoint, added for the proof
			for _, vpc := range s.OfType(typeVpc) {
				s.Resources = append(s.Resources, &tests.Resource{Type: typeVpcEndpoint, Name: prefixOf(s) + "-ec2-endpoint",
					In: map[string]any{"vpcId": vpc.Out["id"], "serviceName": "com.amazonaws." + s.region() + ".ec2"}, Out: map[string]any{}})
			}
		},
		Branches: []Branch{{"an endpoint of another VPC", func(s *Stack) {
			for _, e := range s.OfType(typeVpcEndpoint) {
				set(e, "vpcId", "vpc-other")
			}
		}}},
	},
	withBranches(launchTemplateCheck("EC2.25", "Amazon EC2 launch templates should not assign public IPs to network interfaces",
		"every launch template's network interfaces set associatePublicIpAddress false", noPublicIP, breakPublicIP), publicIPBranches...),
	{
		ID: "AutoScaling.1", Title: "Auto Scaling groups associated with a load balancer should use ELB health checks",
		Checks: "every Auto Scaling group behind a target group uses ELB health checks with a grace period",
		Types:  []string{typeASG},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeASG}, func(g *tests.Resource) []Finding {
				return unless(g.String("healthCheckType") == "ELB" && g.Int("healthCheckGracePeriod") > 0, g,
					"health check type %q, grace period %d", g.String("healthCheckType"), g.Int("healthCheckGracePeriod"))
			})
		},
		Break:    func(s *Stack) { set(first(s, typeASG), "healthCheckType", "EC2") },
		Branches: []Branch{{"no grace period", func(s *Stack) { set(first(s, typeASG), "healthCheckGracePeriod", 0) }}},
	},
	{
		ID: "AutoScaling.2", Title: "Amazon EC2 Auto Scaling group should cover multiple Availability Zones",
		Checks: "every Auto Scaling group spans subnets in at least two availability zones",
		Types:  []string{typeASG},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeASG}, func(g *tests.Resource) []Finding {
				zones := s.zonesOfSubnets(g.Strings("vpcZoneIdentifiers"))
				return unless(zones >= 2, g, "spans %d availability zones", zones)
			})
		},
		Break: func(s *Stack) {
			g := first(s, typeASG)
			if ids := g.Strings("vpcZoneIdentifiers"); len(ids) > 0 {
				set(g, "vpcZoneIdentifiers", []any{ids[0]})
			}
		},
	},
	launchTemplateCheck("AutoScaling.3", "Auto Scaling group launch configurations should configure EC2 instances to require IMDSv2",
		"the launch template of every Auto Scaling group requires IMDSv2 (we use launch templates, not configurations)", imdsV2Required, breakIMDS),
	launchTemplateCheck("AutoScaling.4", "Auto Scaling group launch configuration should not have a metadata response hop limit greater than 1",
		"every launch template sets the IMDS response hop limit to 1 (the container uses the host network)",
		func(lt *tests.Resource) (bool, string) {
			return lt.Int("metadataOptions.httpPutResponseHopLimit") == 1, "hop limit is not 1"
		},
		func(lt *tests.Resource) { set(lt, "metadataOptions.httpPutResponseHopLimit", 2) }),
	withBranches(launchTemplateCheck("AutoScaling.5", "Amazon EC2 instances launched using Auto Scaling group launch configurations should not have Public IP addresses",
		"the launch template of every Auto Scaling group assigns no public IP", noPublicIP, breakPublicIP), publicIPBranches...),
	{
		ID: "AutoScaling.6", Title: "Auto Scaling groups should use multiple instance types in multiple Availability Zones",
		Checks: "every Auto Scaling group has a mixed instances policy with more than one instance type",
		Types:  []string{typeASG},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeASG}, func(g *tests.Resource) []Finding {
				overrides, _ := g.Get("mixedInstancesPolicy.launchTemplate.overrides").([]any)
				return unless(len(overrides) > 1, g, "a single instance type")
			})
		},
		Break: func(s *Stack) { set(first(s, typeASG), "mixedInstancesPolicy", nil) },
		Fix: func(s *Stack) { // the accepted single instance type, made mixed for the proof
			for _, g := range s.OfType(typeASG) {
				set(g, "mixedInstancesPolicy.launchTemplate.overrides", []any{map[string]any{"instanceType": "t3.small"}, map[string]any{"instanceType": "t3a.small"}})
			}
		},
	},
	{
		ID: "AutoScaling.9", Title: "Amazon EC2 Auto Scaling groups should use Amazon EC2 launch templates",
		Checks: "every Auto Scaling group uses a launch template (at its latest version) and no launch configuration",
		Types:  []string{typeASG},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeASG}, func(g *tests.Resource) []Finding {
				return unless(g.String("launchTemplate.id") != "" && g.Get("launchConfiguration") == nil, g, "no launch template")
			})
		},
		Break: func(s *Stack) {
			g := first(s, typeASG)
			set(g, "launchTemplate", nil)
			set(g, "launchConfiguration", "legacy")
		},
		Branches: []Branch{{"a launch configuration besides the template", func(s *Stack) { set(first(s, typeASG), "launchConfiguration", "legacy") }}},
	},
	{
		ID: "ELB.1", Title: "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
		Checks: "every HTTP listener's default action is a redirect to HTTPS",
		Types:  []string{typeListener},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeListener}, func(l *tests.Resource) []Finding {
				if l.String("protocol") != "HTTP" {
					return nil
				}
				return unless(l.String("defaultActions.0.type") == "redirect" && l.String("defaultActions.0.redirect.protocol") == "HTTPS",
					l, "HTTP listener does not redirect to HTTPS")
			})
		},
		Break: func(s *Stack) {
			for _, l := range s.OfType(typeListener) {
				if l.String("protocol") == "HTTP" {
					set(l, "defaultActions", []any{map[string]any{"type": "forward"}})
				}
			}
		},
		Branches: []Branch{{"a redirect to HTTP", func(s *Stack) {
			for _, l := range s.OfType(typeListener) {
				if l.String("protocol") == "HTTP" {
					set(l, "defaultActions.0.redirect.protocol", "HTTP")
				}
			}
		}}},
	},
	lbCheck("ELB.4", "Application Load Balancer should be configured to drop invalid HTTP headers",
		"every ALB drops invalid header fields",
		func(lb *tests.Resource) bool { return lb.Bool("dropInvalidHeaderFields") },
		func(lb *tests.Resource) { set(lb, "dropInvalidHeaderFields", false) }),
	lbCheck("ELB.5", "Application and Classic Load Balancers logging should be enabled",
		"every ALB writes access logs to a bucket",
		func(lb *tests.Resource) bool {
			return lb.Bool("accessLogs.enabled") && lb.String("accessLogs.bucket") != ""
		},
		func(lb *tests.Resource) { set(lb, "accessLogs.enabled", false) }),
	lbCheck("ELB.6", "Application, Gateway, and Network Load Balancers should have deletion protection enabled",
		"every ALB has deletion protection",
		func(lb *tests.Resource) bool { return lb.Bool("enableDeletionProtection") },
		func(lb *tests.Resource) { set(lb, "enableDeletionProtection", false) }),
	lbCheck("ELB.12", "Application Load Balancer should be configured with defensive or strictest desync mitigation mode",
		"every ALB's desync mitigation mode is defensive or strictest",
		func(lb *tests.Resource) bool {
			m := lb.String("desyncMitigationMode")
			return m == "defensive" || m == "strictest"
		},
		func(lb *tests.Resource) { set(lb, "desyncMitigationMode", "monitor") }),
	{
		ID: "ELB.13", Title: "Application, Network and Gateway Load Balancers should span multiple Availability Zones",
		Checks: "every ALB is in subnets of at least two availability zones",
		Types:  []string{typeLB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeLB}, func(lb *tests.Resource) []Finding {
				zones := s.zonesOfSubnets(lb.Strings("subnets"))
				return unless(zones >= 2, lb, "spans %d availability zones", zones)
			})
		},
		Break: func(s *Stack) {
			lb := first(s, typeLB)
			if ids := lb.Strings("subnets"); len(ids) > 0 {
				set(lb, "subnets", []any{ids[0]})
			}
		},
	},
	{
		ID: "Design.Web.1", Title: "TLS 1.2+ on every HTTPS listener",
		Checks: "every HTTPS listener uses " + recommendedTLSPolicy + " and a certificate",
		Types:  []string{typeListener},
		Evaluate: func(s *Stack) []Finding {
			var out []Finding
			https := 0
			for _, l := range s.OfType(typeListener) {
				if l.String("protocol") != "HTTPS" {
					continue
				}
				https++
				out = append(out, unless(l.String("sslPolicy") == recommendedTLSPolicy && l.String("certificateArn") != "", l,
					"policy %q", l.String("sslPolicy"))...)
			}
			if https == 0 {
				out = append(out, Finding{Resource: "lb Listener", Problem: "no HTTPS listener"})
			}
			return out
		},
		Break: func(s *Stack) {
			for _, l := range s.OfType(typeListener) {
				set(l, "sslPolicy", "ELBSecurityPolicy-2016-08")
			}
		},
		Branches: []Branch{
			{"no certificate", func(s *Stack) {
				for _, l := range s.OfType(typeListener) {
					set(l, "certificateArn", nil)
				}
			}},
			{"no HTTPS listener", func(s *Stack) {
				for _, l := range s.OfType(typeListener) {
					set(l, "protocol", "HTTP")
				}
			}},
		},
	},
	{
		ID: "Design.Web.2", Title: "A WAF web ACL protects every internet-facing load balancer",
		Checks: "every ALB is associated with a WAFv2 web ACL",
		Types:  []string{typeLB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeLB}, func(lb *tests.Resource) []Finding {
				for _, a := range s.OfType(typeWebACLAssoc) {
					if a.String("resourceArn") == lb.Out["arn"] && a.String("webAclArn") != "" {
						return nil
					}
				}
				return []Finding{finding(lb, "no web ACL association")}
			})
		},
		Break: func(s *Stack) {
			for _, a := range s.OfType(typeWebACLAssoc) {
				set(a, "resourceArn", "arn:other")
			}
		},
		Branches: []Branch{{"an association without web ACL", func(s *Stack) {
			for _, a := range s.OfType(typeWebACLAssoc) {
				set(a, "webAclArn", "")
			}
		}}},
	},
	{
		ID: "ECR.1", Title: "ECR private repositories should have image scanning configured",
		Checks: "every repository scans images on push",
		Types:  []string{typeECR},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeECR}, func(r *tests.Resource) []Finding {
				return unless(r.Bool("imageScanningConfiguration.scanOnPush"), r, "scan on push off")
			})
		},
		Break: func(s *Stack) { set(first(s, typeECR), "imageScanningConfiguration.scanOnPush", false) },
	},
	{
		ID: "ECR.2", Title: "ECR private repositories should have tag immutability configured",
		Checks: "every repository's tags are IMMUTABLE",
		Types:  []string{typeECR},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeECR}, func(r *tests.Resource) []Finding {
				return unless(r.String("imageTagMutability") == "IMMUTABLE", r, "tags are mutable")
			})
		},
		Break: func(s *Stack) { set(first(s, typeECR), "imageTagMutability", "MUTABLE") },
	},
	{
		ID: "ECR.3", Title: "ECR repositories should have at least one lifecycle policy configured",
		Checks: "every repository has a lifecycle policy",
		Types:  []string{typeECR},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeECR}, func(r *tests.Resource) []Finding {
				for _, p := range s.OfType(typeECRLifecycle) {
					if p.String("repository") == r.Out["name"] && p.String("policy") != "" {
						return nil
					}
				}
				return []Finding{finding(r, "no lifecycle policy")}
			})
		},
		Break: func(s *Stack) {
			for _, p := range s.OfType(typeECRLifecycle) {
				set(p, "repository", "other")
			}
		},
	},
}

func lbCheck(id, title, checks string, ok func(*tests.Resource) bool, breakIt func(*tests.Resource)) *Control {
	return &Control{
		ID: id, Title: title, Checks: checks, Types: []string{typeLB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeLB}, func(lb *tests.Resource) []Finding { return unless(ok(lb), lb, "%s: no", checks) })
		},
		Break: func(s *Stack) { breakIt(first(s, typeLB)) },
	}
}

// zonesOfSubnets counts the distinct availability zones of the subnets with ids.
func (s *Stack) zonesOfSubnets(ids []string) int {
	zones := map[string]bool{}
	for _, id := range ids {
		if sub := s.ByOutput("id", id); sub != nil {
			zones[sub.String("availabilityZone")] = true
		}
	}
	return len(zones)
}

// region returns the stack's region, read from its VPC's ARN-free data: the zone names of its subnets.
func (s *Stack) region() string {
	for _, sub := range s.OfType(typeSubnet) {
		if az := sub.String("availabilityZone"); len(az) > 1 {
			return az[:len(az)-1]
		}
	}
	return ""
}
