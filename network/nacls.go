package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
)

// Ephemeral ports are where return traffic of a TCP connection arrives (Linux, the ALB and NAT gateways
// use 1024-65535). Network ACLs are stateless, so every allowed flow needs its return path too.
const (
	ephemeralFrom = 1024
	ephemeralTo   = 65535
	rdp           = 3389
	// allProtocols is the ACL protocol "-1": every protocol, with ports 0-0.
	allProtocols = "-1"
)

// naclRule is one stateless rule, repeated for each CIDR in cidrs with consecutive rule numbers.
type naclRule struct {
	key      string // stable part of the logical name
	egress   bool
	deny     bool // a deny rule of every protocol, evaluated before the allow rules by its lower number
	number   int  // rule number of the first CIDR; each purpose has its own block of ten
	from, to int
	cidrs    []string
}

// internetEphemeral is the return-traffic range from the internet, split around 3389 so that no rule open
// to 0.0.0.0/0 covers a remote-administration port (Security Hub EC2.21); a connection that happened to
// use local port 3389 is retried on another.
func internetEphemeral(key string, number int) []naclRule {
	return []naclRule{
		{key: key + "-low", number: number, from: ephemeralFrom, to: rdp - 1, cidrs: []string{anywhere}},
		{key: key + "-high", number: number + 10, from: rdp + 1, to: ephemeralTo, cidrs: []string{anywhere}},
	}
}

// networkACLs gives each subnet tier its own network ACL allowing exactly the flows its security groups
// allow, with their return traffic, and adopts the VPC's default ACL with no rules (deny all) so that a
// subnet that loses its association is cut off rather than opened.
func (b *builder) networkACLs() error {
	public, private, database := cidrs(b.plan.Public), cidrs(b.plan.Private), cidrs(b.plan.Database)
	app, db := b.args.AppPort, b.args.DatabasePort

	publicRules := append([]naclRule{
		// The public tier faces the internet; whatever happens there, it never talks to the database tier.
		{key: "deny-in-database", deny: true, number: 50, cidrs: database},
		{key: "deny-out-database", egress: true, deny: true, number: 50, cidrs: database},
		{key: "in-http", number: 100, from: HTTP, to: HTTP, cidrs: []string{anywhere}},
		{key: "in-https", number: 110, from: HTTPS, to: HTTPS, cidrs: []string{anywhere}}, // clients, and instances' HTTPS to the NAT
		{key: "in-return-app", number: 140, from: ephemeralFrom, to: ephemeralTo, cidrs: private},
		{key: "out-return", egress: true, number: 100, from: ephemeralFrom, to: ephemeralTo, cidrs: []string{anywhere}},
		{key: "out-https", egress: true, number: 110, from: HTTPS, to: HTTPS, cidrs: []string{anywhere}}, // NAT to AWS APIs
		{key: "out-app", egress: true, number: 120, from: app, to: app, cidrs: private},
	}, internetEphemeral("in-return-internet", 120)...)

	privateRules := append([]naclRule{
		{key: "in-app", number: 100, from: app, to: app, cidrs: public},
		{key: "in-return-db", number: 140, from: ephemeralFrom, to: ephemeralTo, cidrs: database},
		{key: "out-https", egress: true, number: 100, from: HTTPS, to: HTTPS, cidrs: []string{anywhere}},
		{key: "out-db", egress: true, number: 110, from: db, to: db, cidrs: database},
		{key: "out-return-alb", egress: true, number: 120, from: ephemeralFrom, to: ephemeralTo, cidrs: public},
	}, internetEphemeral("in-return-internet", 120)...)
	if b.args.Config.AllowSshFromVpc {
		// SSH from inside the VPC, as the security group allows: from a bastion in the public subnets or
		// another instance (the database tier never opens connections, so it is left out).
		sshPeers := append(append([]string{}, public...), private...)
		publicRules = append(publicRules,
			naclRule{key: "out-ssh", egress: true, number: 130, from: SSH, to: SSH, cidrs: private})
		privateRules = append(privateRules,
			naclRule{key: "in-ssh", number: 110, from: SSH, to: SSH, cidrs: sshPeers},
			naclRule{key: "out-return-ssh", egress: true, number: 130, from: ephemeralFrom, to: ephemeralTo, cidrs: sshPeers},
			naclRule{key: "out-ssh", egress: true, number: 140, from: SSH, to: SSH, cidrs: private})
	}

	databaseRules := []naclRule{
		{key: "in-db", number: 100, from: db, to: db, cidrs: private},
		{key: "out-return-app", egress: true, number: 100, from: ephemeralFrom, to: ephemeralTo, cidrs: private},
	}

	tiers := []struct {
		role    string
		subnets []*ec2.Subnet
		rules   []naclRule
	}{
		{"public", b.public, publicRules},
		{"private", b.private, privateRules},
		{"database", b.database, databaseRules},
	}
	for _, tier := range tiers {
		if err := b.networkACL(tier.role, tier.subnets, tier.rules); err != nil {
			return err
		}
	}

	_, err := ec2.NewDefaultNetworkAcl(b.ctx, b.child("default-nacl"), &ec2.DefaultNetworkAclArgs{
		DefaultNetworkAclId: b.vpcRes.DefaultNetworkAclId,
		Tags:                cloud.NameTag(b.child("default-nacl-unused")),
	}, b.parent, pulumi.IgnoreChanges([]string{"subnetIds"}))
	if err != nil {
		return fmt.Errorf("default network acl: %w", err)
	}
	return nil
}

func (b *builder) networkACL(role string, subnets []*ec2.Subnet, rules []naclRule) error {
	name := b.child(role + "-nacl")
	ids := make(pulumi.StringArray, len(subnets))
	for i, s := range subnets {
		ids[i] = s.ID()
	}
	acl, err := ec2.NewNetworkAcl(b.ctx, name, &ec2.NetworkAclArgs{
		VpcId:     b.vpcRes.ID(),
		SubnetIds: ids,
		Tags:      cloud.NameTag(name),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("network acl %s: %w", name, err)
	}
	for _, rule := range rules {
		for i, cidr := range rule.cidrs {
			ruleName := fmt.Sprintf("%s-%s-%d", name, rule.key, i+1)
			action, protocol := "allow", "tcp"
			if rule.deny {
				action, protocol = "deny", allProtocols
			}
			if _, err := ec2.NewNetworkAclRule(b.ctx, ruleName, &ec2.NetworkAclRuleArgs{
				NetworkAclId: acl.ID(),
				RuleNumber:   pulumi.Int(rule.number + i),
				Egress:       pulumi.Bool(rule.egress),
				Protocol:     pulumi.String(protocol),
				RuleAction:   pulumi.String(action),
				CidrBlock:    pulumi.String(cidr),
				FromPort:     pulumi.Int(rule.from),
				ToPort:       pulumi.Int(rule.to),
			}, b.parent); err != nil {
				return fmt.Errorf("network acl rule %s: %w", ruleName, err)
			}
		}
	}
	return nil
}

func cidrs(prefixes []netip.Prefix) []string {
	out := make([]string, len(prefixes))
	for i, p := range prefixes {
		out[i] = p.String()
	}
	return out
}
