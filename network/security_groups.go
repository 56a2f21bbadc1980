package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
)

// HTTPS is the port of every AWS API, ECR and the package repositories the instances use.
const (
	HTTP  = 80
	HTTPS = 443
	SSH   = 22
)

// sgRule is one security group rule: traffic on port from/to either a CIDR or another security group.
type sgRule struct {
	key         string // stable part of the logical name
	ingress     bool
	port        int
	cidr        string
	peer        *ec2.SecurityGroup
	description string
}

// securityGroups creates the design's three security groups with standalone rule resources (never inline
// rules, which would fight them) that reference each other instead of address ranges:
//
//	alb: in 80, 443 from anywhere; out the app port to app only (health checks and requests).
//	app: in the app port from alb only, 22 from the VPC (design); out 443 anywhere (AWS APIs, ECR, package
//	     repositories, through the NAT gateway), the database port to db only.
//	db:  in the database port from app only; no egress at all (RDS answers on the same connection and
//	     needs nothing else).
func (b *builder) securityGroups() error {
	groups := []struct {
		role, description string
		dst               **ec2.SecurityGroup
	}{
		{"alb", "8byte load balancer: HTTP and HTTPS from the internet", &b.albSG},
		{"app", "8byte application instances: traffic from the load balancer only", &b.appSG},
		{"db", "8byte database: PostgreSQL from the application instances only", &b.dbSG},
	}
	for _, g := range groups {
		name := b.child(g.role + "-sg")
		sg, err := ec2.NewSecurityGroup(b.ctx, name, &ec2.SecurityGroupArgs{
			VpcId:       b.vpcRes.ID(),
			Description: pulumi.String(g.description),
			Tags:        cloud.NameTag(name),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("security group %s: %w", name, err)
		}
		*g.dst = sg
	}

	app, db := b.args.AppPort, b.args.DatabasePort
	rules := map[*ec2.SecurityGroup][]sgRule{
		b.albSG: {
			{key: "in-http", ingress: true, port: HTTP, cidr: anywhere, description: "HTTP from the internet (redirected to HTTPS when a certificate is set)"},
			{key: "in-https", ingress: true, port: HTTPS, cidr: anywhere, description: "HTTPS from the internet"},
			{key: "out-app", port: app, peer: b.appSG, description: "Requests and health checks to the application instances"},
		},
		b.appSG: {
			{key: "in-app", ingress: true, port: app, peer: b.albSG, description: "Application traffic from the load balancer only"},
			{key: "out-https", port: HTTPS, cidr: anywhere, description: "HTTPS to AWS APIs, ECR and package repositories through the NAT gateway"},
			{key: "out-db", port: db, peer: b.dbSG, description: "PostgreSQL to the database"},
		},
		b.dbSG: {
			{key: "in-db", ingress: true, port: db, peer: b.appSG, description: "PostgreSQL from the application instances only"},
		},
	}
	if b.args.Config.AllowSshFromVpc {
		rules[b.appSG] = append(rules[b.appSG], sgRule{key: "in-ssh", ingress: true, port: SSH, cidr: b.plan.Vpc.String(), description: "SSH from inside the VPC only (bastion path of the design)"})
	}
	for _, g := range []struct {
		role string
		sg   *ec2.SecurityGroup
	}{{"alb", b.albSG}, {"app", b.appSG}, {"db", b.dbSG}} {
		for _, rule := range rules[g.sg] {
			if err := b.sgRule(g.role, g.sg, rule); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) sgRule(role string, sg *ec2.SecurityGroup, r sgRule) error {
	name := b.child(role + "-sg-" + r.key)
	var cidr, peer pulumi.StringPtrInput
	if r.peer != nil {
		peer = r.peer.ID()
	} else {
		cidr = pulumi.String(r.cidr)
	}
	var err error
	if r.ingress {
		_, err = vpc.NewSecurityGroupIngressRule(b.ctx, name, &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(), IpProtocol: pulumi.String("tcp"),
			FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port),
			CidrIpv4: cidr, ReferencedSecurityGroupId: peer,
			Description: pulumi.String(r.description), Tags: cloud.NameTag(name),
		}, b.parent)
	} else {
		_, err = vpc.NewSecurityGroupEgressRule(b.ctx, name, &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: sg.ID(), IpProtocol: pulumi.String("tcp"),
			FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port),
			CidrIpv4: cidr, ReferencedSecurityGroupId: peer,
			Description: pulumi.String(r.description), Tags: cloud.NameTag(name),
		}, b.parent)
	}
	if err != nil {
		return fmt.Errorf("security group rule %s: %w", name, err)
	}
	return nil
}
