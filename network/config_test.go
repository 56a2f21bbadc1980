package network

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/8byte/infra/settings"
)

func TestDefaultConfigsAreValid(t *testing.T) {
	for _, env := range settings.Environments {
		assert.NoError(t, DefaultConfig(env).Validate(env), env)
	}
	assert.Equal(t, 2, DefaultConfig(settings.Dev).AzCount)
	assert.Equal(t, NatSingle, DefaultConfig(settings.Dev).NatStrategy)
	assert.Equal(t, 3, DefaultConfig(settings.Prod).AzCount)
	assert.Equal(t, NatPerAz, DefaultConfig(settings.Prod).NatStrategy)
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name   string
		env    settings.Environment
		change func(*Config)
		want   string
	}{
		{"malformed vpc cidr", settings.Dev, func(c *Config) { c.VpcCidr = "10.0.0.0/33" },
			`config 8byte:network.vpcCidr: invalid value "10.0.0.0/33": must be an IPv4 CIDR such as 10.0.0.0/16`},
		{"not a cidr", settings.Dev, func(c *Config) { c.VpcCidr = "ten dot zero" },
			`config 8byte:network.vpcCidr: invalid value "ten dot zero": must be an IPv4 CIDR such as 10.0.0.0/16`},
		{"ipv6 vpc cidr", settings.Dev, func(c *Config) { c.VpcCidr = "fd00::/48" },
			`config 8byte:network.vpcCidr: invalid value "fd00::/48": must be an IPv4 CIDR such as 10.0.0.0/16`},
		{"host bits set", settings.Dev, func(c *Config) { c.VpcCidr = "10.0.3.0/16" },
			`config 8byte:network.vpcCidr: invalid value "10.0.3.0/16": has host bits set; the network address is 10.0.0.0/16`},
		{"vpc larger than AWS allows", settings.Dev, func(c *Config) { c.VpcCidr = "10.0.0.0/8" },
			`config 8byte:network.vpcCidr: invalid value "10.0.0.0/8": AWS VPCs are /16 to /28`},
		{"vpc too small for the plan", settings.Dev, func(c *Config) { c.VpcCidr = "10.0.0.0/24" },
			`config 8byte:network.vpcCidr: invalid value "10.0.0.0/24": too small for the derived subnet plan (each subnet is 1/256 of the VPC and at least a /28): use /16 to /20, or list the subnet CIDRs`},
		{"one az", settings.Dev, func(c *Config) { c.AzCount = 1 },
			"config 8byte:network.azCount: invalid value 1: must be between 2 and 3"},
		{"four azs", settings.Prod, func(c *Config) { c.AzCount = 4 },
			"config 8byte:network.azCount: invalid value 4: must be between 2 and 3"},
		{"az list of the wrong length", settings.Prod, func(c *Config) { c.AvailabilityZones = []string{"us-east-1a", "us-east-1b"} },
			`config 8byte:network.availabilityZones: invalid value ["us-east-1a" "us-east-1b"]: lists 2 zones but network.azCount is 3; list exactly azCount zones or none`},
		{"duplicate az", settings.Dev, func(c *Config) { c.AvailabilityZones = []string{"us-east-1a", "us-east-1a"} },
			`config 8byte:network.availabilityZones: invalid value ["us-east-1a" "us-east-1a"]: zone "us-east-1a" is listed twice`},
		{"unknown nat strategy", settings.Dev, func(c *Config) { c.NatStrategy = "none" },
			`config 8byte:network.natStrategy: invalid value "none": must be "single" or "perAz"`},
		{"zero retention", settings.Dev, func(c *Config) { c.FlowLogRetentionDays = 0 },
			"config 8byte:network.flowLogRetentionDays: invalid value 0: must be one of the CloudWatch Logs retention periods [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]"},
		{"negative retention", settings.Dev, func(c *Config) { c.FlowLogRetentionDays = -7 },
			"config 8byte:network.flowLogRetentionDays: invalid value -7: must be one of the CloudWatch Logs retention periods [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]"},
		{"short prod retention", settings.Prod, func(c *Config) { c.FlowLogRetentionDays = 90 },
			"config 8byte:network.flowLogRetentionDays: invalid value 90: prod keeps logs for at least 365 days"},
		{"only some subnet lists", settings.Dev, func(c *Config) { c.PublicSubnetCidrs = []string{"10.0.1.0/24", "10.0.2.0/24"} },
			`config 8byte:network.publicSubnetCidrs: invalid value ["10.0.1.0/24" "10.0.2.0/24"]: set publicSubnetCidrs, privateSubnetCidrs and databaseSubnetCidrs together, or none of them`},
		{"subnet list of the wrong length", settings.Dev, func(c *Config) {
			c.PublicSubnetCidrs = []string{"10.0.1.0/24"}
			c.PrivateSubnetCidrs = []string{"10.0.11.0/24", "10.0.12.0/24"}
			c.DatabaseSubnetCidrs = []string{"10.0.21.0/24", "10.0.22.0/24"}
		}, `config 8byte:network.publicSubnetCidrs: invalid value ["10.0.1.0/24"]: needs one CIDR per zone: 2`},
		{"subnet outside the vpc", settings.Dev, func(c *Config) {
			c.PublicSubnetCidrs = []string{"10.0.1.0/24", "10.1.2.0/24"}
			c.PrivateSubnetCidrs = []string{"10.0.11.0/24", "10.0.12.0/24"}
			c.DatabaseSubnetCidrs = []string{"10.0.21.0/24", "10.0.22.0/24"}
		}, `config 8byte:network.publicSubnetCidrs: invalid value "10.1.2.0/24": must be a /16 to /28 network inside network.vpcCidr 10.0.0.0/16`},
		{"subnet smaller than AWS allows", settings.Dev, func(c *Config) {
			c.PublicSubnetCidrs = []string{"10.0.1.0/24", "10.0.2.0/29"}
			c.PrivateSubnetCidrs = []string{"10.0.11.0/24", "10.0.12.0/24"}
			c.DatabaseSubnetCidrs = []string{"10.0.21.0/24", "10.0.22.0/24"}
		}, `config 8byte:network.publicSubnetCidrs: invalid value "10.0.2.0/29": must be a /16 to /28 network inside network.vpcCidr 10.0.0.0/16`},
		{"overlapping subnets", settings.Dev, func(c *Config) {
			c.PublicSubnetCidrs = []string{"10.0.1.0/24", "10.0.2.0/24"}
			c.PrivateSubnetCidrs = []string{"10.0.0.0/22", "10.0.12.0/24"}
			c.DatabaseSubnetCidrs = []string{"10.0.21.0/24", "10.0.22.0/24"}
		}, `config 8byte:network.privateSubnetCidrs: invalid value "10.0.0.0/22": overlaps subnet 10.0.1.0/24`},
		{"malformed subnet", settings.Dev, func(c *Config) {
			c.PublicSubnetCidrs = []string{"10.0.1.0/24", "10.0.2.0/24"}
			c.PrivateSubnetCidrs = []string{"10.0.11.0/24", "10.0.12.0/24"}
			c.DatabaseSubnetCidrs = []string{"10.0.21.0/24", "10.0.22.300/24"}
		}, `config 8byte:network.databaseSubnetCidrs: invalid value "10.0.22.300/24": must be an IPv4 CIDR such as 10.0.0.0/16`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(tc.env)
			tc.change(&cfg)
			assert.EqualError(t, cfg.Validate(tc.env), tc.want)
		})
	}
}

func TestNewNetworkRejectsBadArgsBeforeRegisteringAnything(t *testing.T) {
	cases := map[string]func(*Args){
		"bad config":     func(a *Args) { a.Config.NatStrategy = "two" },
		"zones mismatch": func(a *Args) { a.AvailabilityZones = a.AvailabilityZones[:1] },
		"bad app port":   func(a *Args) { a.AppPort = 0 },
		"bad db port":    func(a *Args) { a.DatabasePort = 70000 },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			args := testArgs(settings.Dev)
			change(args)
			mocks, err := runWithArgs(args)
			assert.Error(t, err)
			assert.Empty(t, mocks.All(), "resources registered despite invalid args")
		})
	}
}
