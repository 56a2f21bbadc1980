// Package network is the network tier: the VPC with public, private (application) and database subnets
// in every availability zone, internet and NAT gateways, route tables, security groups, network ACLs and
// VPC flow logs.
package network

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/settings"
)

// ComponentType is the type token of the Network component.
const ComponentType = "8byte:network:Network"

// Args configures a Network.
type Args struct {
	Environment settings.Environment
	Account     settings.Account
	Config      Config
	// AvailabilityZones are the zones to use, Config.AzCount of them, in order.
	AvailabilityZones []string
	// AppPort is the port the application instances listen on; DatabasePort the database's.
	AppPort      int
	DatabasePort int
	// PermissionsBoundary is the IAM tier's permissions boundary, set on every role this tier creates.
	PermissionsBoundary pulumi.StringInput
}

// Network is the VPC and everything that decides which traffic may flow where.
type Network struct {
	pulumi.ResourceState

	VpcId                   pulumi.StringOutput      `pulumi:"vpcId"`
	VpcCidr                 pulumi.StringOutput      `pulumi:"vpcCidr"`
	PublicSubnetIds         pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIds        pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	DatabaseSubnetIds       pulumi.StringArrayOutput `pulumi:"databaseSubnetIds"`
	AlbSecurityGroupId      pulumi.StringOutput      `pulumi:"albSecurityGroupId"`
	AppSecurityGroupId      pulumi.StringOutput      `pulumi:"appSecurityGroupId"`
	DatabaseSecurityGroupId pulumi.StringOutput      `pulumi:"databaseSecurityGroupId"`
	NatPublicIps            pulumi.StringArrayOutput `pulumi:"natPublicIps"`
	FlowLogGroupName        pulumi.StringOutput      `pulumi:"flowLogGroupName"`
}

// NewNetwork validates args and creates the network tier of a stack.
func NewNetwork(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, fmt.Errorf("network %s: args are required (environment, account, zones)", name)
	}
	if err := args.Config.Validate(args.Environment); err != nil {
		return nil, err
	}
	if len(args.AvailabilityZones) != args.Config.AzCount {
		return nil, fmt.Errorf("network %s: %d availability zones given, config wants %d", name, len(args.AvailabilityZones), args.Config.AzCount)
	}
	if args.AppPort < 1 || args.AppPort > 65535 || args.DatabasePort < 1 || args.DatabasePort > 65535 {
		return nil, fmt.Errorf("network %s: ports must be 1-65535 (app %d, database %d)", name, args.AppPort, args.DatabasePort)
	}
	plan, err := args.Config.Plan()
	if err != nil {
		return nil, err
	}

	n := &Network{}
	if err := ctx.RegisterComponentResource(ComponentType, name, n, opts...); err != nil {
		return nil, fmt.Errorf("register network %s: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, plan: plan, parent: pulumi.Parent(n)}

	steps := []func() error{b.vpc, b.subnets, b.gateways, b.routes, b.securityGroups, b.networkACLs, b.flowLogs}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("network %s: %w", name, err)
		}
	}

	n.VpcId = b.vpcRes.ID().ToStringOutput()
	n.VpcCidr = b.vpcRes.CidrBlock
	n.PublicSubnetIds = subnetIDs(b.public)
	n.PrivateSubnetIds = subnetIDs(b.private)
	n.DatabaseSubnetIds = subnetIDs(b.database)
	n.AlbSecurityGroupId = b.albSG.ID().ToStringOutput()
	n.AppSecurityGroupId = b.appSG.ID().ToStringOutput()
	n.DatabaseSecurityGroupId = b.dbSG.ID().ToStringOutput()
	n.NatPublicIps = b.natIPs()
	n.FlowLogGroupName = b.flowLogGroup.Name
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":                   n.VpcId,
		"vpcCidr":                 n.VpcCidr,
		"publicSubnetIds":         n.PublicSubnetIds,
		"privateSubnetIds":        n.PrivateSubnetIds,
		"databaseSubnetIds":       n.DatabaseSubnetIds,
		"albSecurityGroupId":      n.AlbSecurityGroupId,
		"appSecurityGroupId":      n.AppSecurityGroupId,
		"databaseSecurityGroupId": n.DatabaseSecurityGroupId,
		"natPublicIps":            n.NatPublicIps,
		"flowLogGroupName":        n.FlowLogGroupName,
	}); err != nil {
		return nil, fmt.Errorf("register network %s outputs: %w", name, err)
	}
	return n, nil
}
