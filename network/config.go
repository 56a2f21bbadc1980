package network

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"

	"github.com/8byte/infra/settings"
)

// NAT strategies: one NAT gateway for the whole VPC, or one per availability zone (so that losing a zone
// never cuts the other zones' instances off the internet).
const (
	NatSingle = "single"
	NatPerAz  = "perAz"
)

// Config is the `8byte:network` stack-config object.
type Config struct {
	// VpcCidr is the VPC's IPv4 range, /16 to /20 when the subnet plan is derived from it.
	VpcCidr string `json:"vpcCidr"`
	// AzCount is how many availability zones the VPC spans (2 or 3).
	AzCount int `json:"azCount"`
	// AvailabilityZones pins the zones by name; empty means the first AzCount available zones.
	AvailabilityZones []string `json:"availabilityZones,omitempty"`
	// PublicSubnetCidrs, PrivateSubnetCidrs and DatabaseSubnetCidrs override the derived subnet plan, one
	// CIDR per zone; all three or none.
	PublicSubnetCidrs   []string `json:"publicSubnetCidrs,omitempty"`
	PrivateSubnetCidrs  []string `json:"privateSubnetCidrs,omitempty"`
	DatabaseSubnetCidrs []string `json:"databaseSubnetCidrs,omitempty"`
	// NatStrategy is NatSingle or NatPerAz.
	NatStrategy string `json:"natStrategy"`
	// AllowSshFromVpc opens port 22 on the instances to the VPC CIDR (the design's bastion path).
	AllowSshFromVpc bool `json:"allowSshFromVpc"`
	// FlowLogRetentionDays is how long VPC flow logs are kept.
	FlowLogRetentionDays int `json:"flowLogRetentionDays"`
}

// DefaultConfig returns the network defaults of env: dev is small and cheap (2 zones, one NAT gateway),
// prod is highly available (3 zones, a NAT gateway per zone) and keeps flow logs for a year.
func DefaultConfig(env settings.Environment) Config {
	c := Config{
		VpcCidr:              "10.0.0.0/16",
		AzCount:              2,
		NatStrategy:          NatSingle,
		AllowSshFromVpc:      true,
		FlowLogRetentionDays: 30,
	}
	if env.IsProd() {
		c.AzCount = 3
		c.NatStrategy = NatPerAz
		c.FlowLogRetentionDays = 365
	}
	return c
}

// Plan is the address plan of the VPC: one public, one private (application) and one database subnet
// per availability zone, in zone order.
type Plan struct {
	Vpc      netip.Prefix
	Public   []netip.Prefix
	Private  []netip.Prefix
	Database []netip.Prefix
}

// The derived plan gives each subnet 1/256 of the VPC (a /24 in a /16) and places the tiers at fixed
// offsets, the layout of the design's source: public at blocks 1-3, private at 11-13, database at 21-23.
const (
	subnetBitsBelowVpc = 8
	publicOffset       = 1
	privateOffset      = 11
	databaseOffset     = 21
	largestVpcPrefix   = 16 // AWS allows VPCs from /16 ...
	smallestVpcPrefix  = 28 // ... to /28
	smallestSubnet     = 28
	// smallestPlannedVpc is the smallest VPC whose derived subnets are still /28 or larger.
	smallestPlannedVpc = smallestSubnet - subnetBitsBelowVpc
)

// Validate checks the network config of env; every error names the key, the value and what is allowed.
func (c Config) Validate(env settings.Environment) error {
	if err := settings.CheckRange("network.azCount", c.AzCount, 2, 3); err != nil {
		return err
	}
	if len(c.AvailabilityZones) > 0 {
		if len(c.AvailabilityZones) != c.AzCount {
			return settings.Invalid("network.availabilityZones", c.AvailabilityZones,
				"lists %d zones but network.azCount is %d; list exactly azCount zones or none", len(c.AvailabilityZones), c.AzCount)
		}
		if dup := firstDuplicate(c.AvailabilityZones); dup != "" {
			return settings.Invalid("network.availabilityZones", c.AvailabilityZones, "zone %q is listed twice", dup)
		}
	}
	if c.NatStrategy != NatSingle && c.NatStrategy != NatPerAz {
		return settings.Invalid("network.natStrategy", c.NatStrategy, "must be %q or %q", NatSingle, NatPerAz)
	}
	if err := settings.CheckLogRetention("network.flowLogRetentionDays", env, c.FlowLogRetentionDays); err != nil {
		return err
	}
	_, err := c.Plan()
	return err
}

// Plan returns the subnet plan: the configured subnet CIDRs when given, else the plan derived from the
// VPC CIDR. It checks that every subnet is a valid network inside the VPC and that no two overlap.
func (c Config) Plan() (Plan, error) {
	vpc, err := parsePrefix("network.vpcCidr", c.VpcCidr)
	if err != nil {
		return Plan{}, err
	}
	if vpc.Bits() < largestVpcPrefix || vpc.Bits() > smallestVpcPrefix {
		return Plan{}, settings.Invalid("network.vpcCidr", c.VpcCidr, "AWS VPCs are /%d to /%d", largestVpcPrefix, smallestVpcPrefix)
	}
	explicit := [][]string{c.PublicSubnetCidrs, c.PrivateSubnetCidrs, c.DatabaseSubnetCidrs}
	given := 0
	for _, list := range explicit {
		if len(list) > 0 {
			given++
		}
	}
	switch given {
	case 0:
		return derivePlan(vpc, c.AzCount, c.VpcCidr)
	case len(explicit):
		return explicitPlan(vpc, c)
	default:
		return Plan{}, settings.Invalid("network.publicSubnetCidrs", c.PublicSubnetCidrs,
			"set publicSubnetCidrs, privateSubnetCidrs and databaseSubnetCidrs together, or none of them")
	}
}

func derivePlan(vpc netip.Prefix, azCount int, raw string) (Plan, error) {
	if vpc.Bits() > smallestPlannedVpc {
		return Plan{}, settings.Invalid("network.vpcCidr", raw,
			"too small for the derived subnet plan (each subnet is 1/256 of the VPC and at least a /%d): use /%d to /%d, or list the subnet CIDRs",
			smallestSubnet, largestVpcPrefix, smallestPlannedVpc)
	}
	subnetBits := vpc.Bits() + subnetBitsBelowVpc
	block := func(n int) netip.Prefix {
		base := vpc.Addr().As4()
		offset := uint32(n) << (32 - subnetBits) //nolint:gosec // G115: n is a block index below 256 (the plan's offsets)
		var addr [4]byte
		binary.BigEndian.PutUint32(addr[:], binary.BigEndian.Uint32(base[:])+offset)
		return netip.PrefixFrom(netip.AddrFrom4(addr), subnetBits)
	}
	p := Plan{Vpc: vpc}
	for i := range azCount {
		p.Public = append(p.Public, block(publicOffset+i))
		p.Private = append(p.Private, block(privateOffset+i))
		p.Database = append(p.Database, block(databaseOffset+i))
	}
	return p, nil
}

func explicitPlan(vpc netip.Prefix, c Config) (Plan, error) {
	p := Plan{Vpc: vpc}
	tiers := []struct {
		key  string
		cidr []string
		dst  *[]netip.Prefix
	}{
		{"network.publicSubnetCidrs", c.PublicSubnetCidrs, &p.Public},
		{"network.privateSubnetCidrs", c.PrivateSubnetCidrs, &p.Private},
		{"network.databaseSubnetCidrs", c.DatabaseSubnetCidrs, &p.Database},
	}
	var all []netip.Prefix
	var allRaw []string
	for _, tier := range tiers {
		if len(tier.cidr) != c.AzCount {
			return Plan{}, settings.Invalid(tier.key, tier.cidr, "needs one CIDR per zone: %d", c.AzCount)
		}
		for _, raw := range tier.cidr {
			subnet, err := parsePrefix(tier.key, raw)
			if err != nil {
				return Plan{}, err
			}
			if subnet.Bits() > smallestSubnet || subnet.Bits() < vpc.Bits() || !vpc.Contains(subnet.Addr()) {
				return Plan{}, settings.Invalid(tier.key, raw, "must be a /%d to /%d network inside network.vpcCidr %s", vpc.Bits(), smallestSubnet, vpc)
			}
			for i, other := range all {
				if other.Overlaps(subnet) {
					return Plan{}, settings.Invalid(tier.key, raw, "overlaps subnet %s", allRaw[i])
				}
			}
			all = append(all, subnet)
			allRaw = append(allRaw, raw)
			*tier.dst = append(*tier.dst, subnet)
		}
	}
	return p, nil
}

func parsePrefix(key, raw string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(raw))
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, settings.Invalid(key, raw, "must be an IPv4 CIDR such as 10.0.0.0/16")
	}
	if p.Masked() != p {
		return netip.Prefix{}, settings.Invalid(key, raw, "has host bits set; the network address is %s", p.Masked())
	}
	return p, nil
}

func firstDuplicate(values []string) string {
	for i, v := range values {
		if slices.Contains(values[:i], v) {
			return v
		}
	}
	return ""
}

// zoneSuffix returns the stable key of an availability zone in logical names: "a" for "us-east-1a".
func zoneSuffix(region, zone string) string {
	if s, ok := strings.CutPrefix(zone, region); ok && s != "" {
		return s
	}
	return zone
}
