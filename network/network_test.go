package network

import (
	"net/netip"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

const (
	typeVpc        = "aws:ec2/vpc:Vpc"
	typeSubnet     = "aws:ec2/subnet:Subnet"
	typeNat        = "aws:ec2/natGateway:NatGateway"
	typeEip        = "aws:ec2/eip:Eip"
	typeRouteTable = "aws:ec2/routeTable:RouteTable"
	typeRTA        = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeSG         = "aws:ec2/securityGroup:SecurityGroup"
	typeIngress    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeEgress     = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	typeDefaultSG  = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	typeNacl       = "aws:ec2/networkAcl:NetworkAcl"
	typeNaclRule   = "aws:ec2/networkAclRule:NetworkAclRule"
	typeDefaultACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
	typeFlowLog    = "aws:ec2/flowLog:FlowLog"
	typeLogGroup   = "aws:cloudwatch/logGroup:LogGroup"
	typeRole       = "aws:iam/role:Role"
	typeRolePolicy = "aws:iam/rolePolicy:RolePolicy"
)

const testBoundary = "arn:aws:iam::123456789012:policy/8byte-boundary"

var account = tests.Account

// testArgs returns the args main.go would pass for env with its default config.
func testArgs(env settings.Environment) *Args {
	cfg := DefaultConfig(env)
	return &Args{
		Environment:         env,
		Account:             account,
		Config:              cfg,
		AvailabilityZones:   tests.AvailabilityZones[:cfg.AzCount],
		AppPort:             8000,
		DatabasePort:        5432,
		PermissionsBoundary: pulumi.String(testBoundary),
	}
}

// runNetwork builds a Network for env under mocks; change, when not nil, adjusts the args first.
func runNetwork(t *testing.T, env settings.Environment, change func(*Args)) (*tests.Mocks, *Network) {
	t.Helper()
	args := testArgs(env)
	if change != nil {
		change(args)
	}
	var net *Network
	mocks, err := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		var err error
		net, err = NewNetwork(ctx, settings.Prefix(env), args)
		return err
	})
	require.NoError(t, err)
	return mocks, net
}

func TestVpcHasDNSAndDefaultCidr(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Dev, nil)
	vpcs := mocks.OfType(typeVpc)
	require.Len(t, vpcs, 1)
	assert.Equal(t, "10.0.0.0/16", vpcs[0].String("cidrBlock"))
	assert.True(t, vpcs[0].Bool("enableDnsSupport"))
	assert.True(t, vpcs[0].Bool("enableDnsHostnames"))
	assert.Equal(t, "8byte-dev-vpc", vpcs[0].Tag("Name"))
}

func TestSubnetPlanPerEnvironment(t *testing.T) {
	cases := []struct {
		env  settings.Environment
		want map[string]string // logical name -> CIDR
	}{
		{settings.Dev, map[string]string{
			"8byte-dev-public-a": "10.0.1.0/24", "8byte-dev-public-b": "10.0.2.0/24",
			"8byte-dev-private-a": "10.0.11.0/24", "8byte-dev-private-b": "10.0.12.0/24",
			"8byte-dev-database-a": "10.0.21.0/24", "8byte-dev-database-b": "10.0.22.0/24",
		}},
		{settings.Prod, map[string]string{
			"8byte-prod-public-a": "10.0.1.0/24", "8byte-prod-public-b": "10.0.2.0/24", "8byte-prod-public-c": "10.0.3.0/24",
			"8byte-prod-private-a": "10.0.11.0/24", "8byte-prod-private-b": "10.0.12.0/24", "8byte-prod-private-c": "10.0.13.0/24",
			"8byte-prod-database-a": "10.0.21.0/24", "8byte-prod-database-b": "10.0.22.0/24", "8byte-prod-database-c": "10.0.23.0/24",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, _ := runNetwork(t, tc.env, nil)
			got := map[string]string{}
			for _, s := range mocks.OfType(typeSubnet) {
				got[s.Name] = s.String("cidrBlock")
				assert.False(t, s.Bool("mapPublicIpOnLaunch"), "%s maps public IPs on launch", s.Name)
				assert.Equal(t, "us-east-1"+s.Name[len(s.Name)-1:], s.String("availabilityZone"), "%s is in the zone of its key", s.Name)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDerivedPlanForAnotherVpcCidr(t *testing.T) {
	cfg := DefaultConfig(settings.Prod)
	cfg.VpcCidr = "172.16.64.0/18"
	plan, err := cfg.Plan()
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{mustPrefix("172.16.64.64/26"), mustPrefix("172.16.64.128/26"), mustPrefix("172.16.64.192/26")}, plan.Public)
	assert.Equal(t, mustPrefix("172.16.66.192/26"), plan.Private[0])  // block 11
	assert.Equal(t, mustPrefix("172.16.69.64/26"), plan.Database[0])  // block 21
	assert.Equal(t, mustPrefix("172.16.69.192/26"), plan.Database[2]) // block 23
}

func TestExplicitSubnetCidrsAreUsed(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Dev, func(a *Args) {
		a.Config.PublicSubnetCidrs = []string{"10.0.100.0/24", "10.0.101.0/24"}
		a.Config.PrivateSubnetCidrs = []string{"10.0.128.0/20", "10.0.144.0/20"}
		a.Config.DatabaseSubnetCidrs = []string{"10.0.200.0/25", "10.0.200.128/25"}
	})
	assert.Equal(t, "10.0.144.0/20", mocks.Find(typeSubnet, "8byte-dev-private-b").String("cidrBlock"))
	assert.Equal(t, "10.0.200.128/25", mocks.Find(typeSubnet, "8byte-dev-database-b").String("cidrBlock"))
}

func TestNatGatewaysPerStrategy(t *testing.T) {
	cases := []struct {
		env      settings.Environment
		strategy string
		want     []string
	}{
		{settings.Dev, NatSingle, []string{"8byte-dev-nat-a"}},
		{settings.Dev, NatPerAz, []string{"8byte-dev-nat-a", "8byte-dev-nat-b"}},
		{settings.Prod, NatPerAz, []string{"8byte-prod-nat-a", "8byte-prod-nat-b", "8byte-prod-nat-c"}},
		{settings.Prod, NatSingle, []string{"8byte-prod-nat-a"}},
	}
	for _, tc := range cases {
		t.Run(tc.env.Name+"-"+tc.strategy, func(t *testing.T) {
			mocks, _ := runNetwork(t, tc.env, func(a *Args) { a.Config.NatStrategy = tc.strategy })
			var names []string
			for _, nat := range mocks.OfType(typeNat) {
				names = append(names, nat.Name)
				zone := nat.Name[len(nat.Name)-1:]
				public := mocks.Find(typeSubnet, settings.Prefix(tc.env)+"-public-"+zone)
				assert.Equal(t, public.Out["id"], nat.String("subnetId"), "NAT %s sits in its zone's public subnet", nat.Name)
				eip := mocks.Find(typeEip, nat.Name)
				assert.Equal(t, eip.Out["allocationId"], nat.String("allocationId"))
				assert.Equal(t, "vpc", eip.String("domain"))
			}
			assert.Equal(t, tc.want, names)
		})
	}
}

func TestRoutes(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runNetwork(t, env, nil)
			prefix := settings.Prefix(env)
			perAz := DefaultConfig(env).NatStrategy == NatPerAz
			rtOf := subnetRouteTables(mocks)

			igw := mocks.OfType("aws:ec2/internetGateway:InternetGateway")
			require.Len(t, igw, 1)
			for _, s := range mocks.OfType(typeSubnet) {
				rt := rtOf[s.Out["id"].(string)]
				require.NotNil(t, rt, "subnet %s has no route table association", s.Name)
				routes, _ := rt.Get("routes").([]any)
				zone := s.Name[len(s.Name)-1:]
				switch s.Tag("Tier") {
				case "public":
					require.Len(t, routes, 1)
					assert.Equal(t, "0.0.0.0/0", dig(routes[0], "cidrBlock"))
					assert.Equal(t, igw[0].Out["id"], dig(routes[0], "gatewayId"))
				case "private":
					require.Len(t, routes, 1, "private subnet %s routes", s.Name)
					natZone := "a"
					if perAz {
						natZone = zone
					}
					nat := mocks.Find(typeNat, prefix+"-nat-"+natZone)
					assert.Equal(t, "0.0.0.0/0", dig(routes[0], "cidrBlock"))
					assert.Equal(t, nat.Out["id"], dig(routes[0], "natGatewayId"), "private %s uses NAT of zone %s", s.Name, natZone)
					assert.Nil(t, dig(routes[0], "gatewayId"))
				case "database":
					assert.NotNil(t, rt.Get("routes"), "database route table must manage its routes (explicit empty list)")
					assert.Empty(t, routes, "database subnet %s must have no route beyond the VPC", s.Name)
				default:
					t.Errorf("subnet %s has no Tier tag", s.Name)
				}
			}
		})
	}
}

// subnetRouteTables maps subnet id -> its associated route table.
func subnetRouteTables(mocks *tests.Mocks) map[string]*tests.Resource {
	byID := map[string]*tests.Resource{}
	for _, rt := range mocks.OfType(typeRouteTable) {
		byID[rt.Out["id"].(string)] = rt
	}
	out := map[string]*tests.Resource{}
	for _, a := range mocks.OfType(typeRTA) {
		out[a.String("subnetId")] = byID[a.String("routeTableId")]
	}
	return out
}

func dig(v any, key string) any {
	m, _ := v.(map[string]any)
	return m[key]
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// runWithArgs builds a Network from args under mocks and returns the error instead of failing.
func runWithArgs(args *Args) (*tests.Mocks, error) {
	return tests.Run(args.Environment.Name, nil, func(ctx *pulumi.Context) error {
		_, err := NewNetwork(ctx, settings.Prefix(args.Environment), args)
		return err
	})
}
