package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
)

// builder creates the network's children step by step and keeps what later steps wire together.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	plan   Plan
	parent pulumi.ResourceOption

	vpcRes                    *ec2.Vpc
	public, private, database []*ec2.Subnet
	igw                       *ec2.InternetGateway
	nats                      []*ec2.NatGateway
	eips                      []*ec2.Eip
	albSG, appSG, dbSG        *ec2.SecurityGroup
	flowLogGroup              *cloudwatch.LogGroup
}

// child returns the logical name of a child resource: "<component>-<role>".
func (b *builder) child(role string) string { return b.name + "-" + role }

// zoneKey returns the stable key of zone i ("a", "b", ...), used in logical names instead of an index.
func (b *builder) zoneKey(i int) string {
	return zoneSuffix(b.args.Account.Region, b.args.AvailabilityZones[i])
}

func (b *builder) vpc() error {
	var err error
	b.vpcRes, err = ec2.NewVpc(b.ctx, b.child("vpc"), &ec2.VpcArgs{
		CidrBlock:          pulumi.String(b.plan.Vpc.String()),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		InstanceTenancy:    pulumi.String("default"),
		Tags:               cloud.NameTag(b.child("vpc")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("vpc: %w", err)
	}
	// Adopt the VPC's default security group and leave it without rules, so that nothing placed in it by
	// mistake can talk to anything (Security Hub EC2.2).
	_, err = ec2.NewDefaultSecurityGroup(b.ctx, b.child("default-sg"), &ec2.DefaultSecurityGroupArgs{
		VpcId: b.vpcRes.ID(),
		Tags:  cloud.NameTag(b.child("default-sg-unused")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("default security group: %w", err)
	}
	return nil
}

func (b *builder) subnets() error {
	tiers := []struct {
		role  string
		cidrs []netip.Prefix
		dst   *[]*ec2.Subnet
	}{
		{"public", b.plan.Public, &b.public},
		{"private", b.plan.Private, &b.private},
		{"database", b.plan.Database, &b.database},
	}
	for _, tier := range tiers {
		for i, cidr := range tier.cidrs {
			name := b.child(tier.role + "-" + b.zoneKey(i))
			s, err := ec2.NewSubnet(b.ctx, name, &ec2.SubnetArgs{
				VpcId:            b.vpcRes.ID(),
				CidrBlock:        pulumi.String(cidr.String()),
				AvailabilityZone: pulumi.String(b.args.AvailabilityZones[i]),
				// Nothing gets a public IP by being launched here: the ALB and NAT gateways bring their own
				// (Security Hub EC2.15).
				MapPublicIpOnLaunch: pulumi.Bool(false),
				Tags:                pulumi.StringMap{"Name": pulumi.String(name), "Tier": pulumi.String(tier.role)},
			}, b.parent)
			if err != nil {
				return fmt.Errorf("subnet %s: %w", name, err)
			}
			*tier.dst = append(*tier.dst, s)
		}
	}
	return nil
}

// gateways creates the internet gateway and the NAT gateways (one, or one per zone), each with an EIP.
func (b *builder) gateways() error {
	var err error
	b.igw, err = ec2.NewInternetGateway(b.ctx, b.child("igw"), &ec2.InternetGatewayArgs{
		VpcId: b.vpcRes.ID(),
		Tags:  cloud.NameTag(b.child("igw")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("internet gateway: %w", err)
	}
	natCount := 1
	if b.args.Config.NatStrategy == NatPerAz {
		natCount = len(b.public)
	}
	for i := range natCount {
		name := b.child("nat-" + b.zoneKey(i))
		eip, err := ec2.NewEip(b.ctx, name, &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   cloud.NameTag(name),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.igw}))
		if err != nil {
			return fmt.Errorf("nat eip %s: %w", name, err)
		}
		nat, err := ec2.NewNatGateway(b.ctx, name, &ec2.NatGatewayArgs{
			AllocationId:     eip.AllocationId,
			SubnetId:         b.public[i].ID(),
			ConnectivityType: pulumi.String("public"),
			Tags:             cloud.NameTag(name),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.igw}))
		if err != nil {
			return fmt.Errorf("nat gateway %s: %w", name, err)
		}
		b.eips = append(b.eips, eip)
		b.nats = append(b.nats, nat)
	}
	return nil
}

// routes: the public subnets route to the internet gateway; each private subnet has its own route table
// whose default route goes to its zone's NAT gateway (or the single one); the database subnets share a
// route table with no routes at all beyond the implicit local one.
func (b *builder) routes() error {
	publicRT, err := ec2.NewRouteTable(b.ctx, b.child("public-rt"), &ec2.RouteTableArgs{
		VpcId:  b.vpcRes.ID(),
		Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String(anywhere), GatewayId: b.igw.ID()}},
		Tags:   cloud.NameTag(b.child("public-rt")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("public route table: %w", err)
	}
	for i, subnet := range b.public {
		if err := b.associate("public", i, subnet, publicRT); err != nil {
			return err
		}
	}
	for i, subnet := range b.private {
		nat := b.nats[0]
		if len(b.nats) > 1 {
			nat = b.nats[i]
		}
		name := b.child("private-rt-" + b.zoneKey(i))
		rt, err := ec2.NewRouteTable(b.ctx, name, &ec2.RouteTableArgs{
			VpcId:  b.vpcRes.ID(),
			Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String(anywhere), NatGatewayId: nat.ID()}},
			Tags:   cloud.NameTag(name),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("private route table %s: %w", name, err)
		}
		if err := b.associate("private", i, subnet, rt); err != nil {
			return err
		}
	}
	databaseRT, err := ec2.NewRouteTable(b.ctx, b.child("database-rt"), &ec2.RouteTableArgs{
		VpcId: b.vpcRes.ID(),
		// An explicit empty list: the provider then removes any route added outside Pulumi, so the
		// database subnets can never gain a path to the internet unnoticed.
		Routes: ec2.RouteTableRouteArray{},
		Tags:   cloud.NameTag(b.child("database-rt")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("database route table: %w", err)
	}
	for i, subnet := range b.database {
		if err := b.associate("database", i, subnet, databaseRT); err != nil {
			return err
		}
	}
	return nil
}

// associate attaches the tier's subnet in zone i to rt.
func (b *builder) associate(tier string, i int, subnet *ec2.Subnet, rt *ec2.RouteTable) error {
	name := b.child(tier + "-rta-" + b.zoneKey(i))
	if _, err := ec2.NewRouteTableAssociation(b.ctx, name, &ec2.RouteTableAssociationArgs{
		SubnetId:     subnet.ID(),
		RouteTableId: rt.ID(),
	}, b.parent); err != nil {
		return fmt.Errorf("route table association %s: %w", name, err)
	}
	return nil
}

func (b *builder) natIPs() pulumi.StringArrayOutput {
	ips := make(pulumi.StringArray, len(b.eips))
	for i, eip := range b.eips {
		ips[i] = eip.PublicIp
	}
	return ips.ToStringArrayOutput()
}

func subnetIDs(subnets []*ec2.Subnet) pulumi.StringArrayOutput {
	ids := make(pulumi.StringArray, len(subnets))
	for i, s := range subnets {
		ids[i] = s.ID().ToStringOutput()
	}
	return ids.ToStringArrayOutput()
}

// anywhere is the IPv4 default route and "any address".
const anywhere = "0.0.0.0/0"
