package network

import (
	"fmt"
	"net/netip"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// sgRuleView is a security group rule reduced to what it allows.
type sgRuleView struct {
	Group, Direction string
	Port             int
	Source           string // CIDR or the role of the peer group
}

// sgRules returns every SG rule of the network, with peer groups replaced by their role (alb, app, db).
func sgRules(t *testing.T, mocks *tests.Mocks, env settings.Environment) []sgRuleView {
	t.Helper()
	role := map[string]string{}
	for _, r := range []string{"alb", "app", "db"} {
		sg := mocks.Find(typeSG, settings.Prefix(env)+"-"+r+"-sg")
		require.NotNil(t, sg)
		role[sg.Out["id"].(string)] = r
	}
	var out []sgRuleView
	for _, typ := range []string{typeIngress, typeEgress} {
		for _, r := range mocks.OfType(typ) {
			assert.NotEmpty(t, r.String("description"), "%s has no description", r.Name)
			assert.Equal(t, "tcp", r.String("ipProtocol"), r.Name)
			assert.Equal(t, r.Int("fromPort"), r.Int("toPort"), "%s opens a port range", r.Name)
			source := r.String("cidrIpv4")
			if peer := r.String("referencedSecurityGroupId"); peer != "" {
				assert.Empty(t, source, "%s has both a CIDR and a peer", r.Name)
				source = role[peer]
			}
			dir := "in"
			if typ == typeEgress {
				dir = "out"
			}
			out = append(out, sgRuleView{role[r.String("securityGroupId")], dir, r.Int("fromPort"), source})
		}
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

func TestSecurityGroupRulesAreExactlyTheDesign(t *testing.T) {
	want := []sgRuleView{
		{"alb", "in", 443, "0.0.0.0/0"},
		{"alb", "in", 80, "0.0.0.0/0"},
		{"alb", "out", 8000, "app"},
		{"app", "in", 22, "10.0.0.0/16"},
		{"app", "in", 8000, "alb"},
		{"app", "out", 443, "0.0.0.0/0"},
		{"app", "out", 5432, "db"},
		{"db", "in", 5432, "app"},
	}
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runNetwork(t, env, nil)
			assert.Equal(t, want, sgRules(t, mocks, env))
			for _, sg := range mocks.OfType(typeSG) {
				assert.Nil(t, sg.Get("ingress"), "%s mixes inline rules with rule resources", sg.Name)
				assert.Nil(t, sg.Get("egress"), "%s mixes inline rules with rule resources", sg.Name)
				assert.NotEmpty(t, sg.String("description"))
			}
		})
	}
}

func TestSshRuleFollowsConfigAndAppPort(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Dev, func(a *Args) {
		a.Config.AllowSshFromVpc = false
		a.AppPort = 9000
	})
	for _, r := range sgRules(t, mocks, settings.Dev) {
		assert.NotEqual(t, SSH, r.Port, "SSH rule present although disabled: %+v", r)
		assert.NotEqual(t, 8000, r.Port, "old app port still open: %+v", r)
	}
	assert.Contains(t, sgRules(t, mocks, settings.Dev), sgRuleView{"app", "in", 9000, "alb"})
	v := newNaclView(t, mocks)
	for _, from := range []string{"public", "private"} {
		assert.False(t, v.allows("private", false, v.host(from), SSH), "private ACL admits SSH from %s although disabled", from)
	}
}

func TestDefaultSecurityGroupIsEmptied(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Prod, nil)
	dsg := mocks.OfType(typeDefaultSG)
	require.Len(t, dsg, 1)
	assert.Equal(t, mocks.OfType(typeVpc)[0].Out["id"], dsg[0].String("vpcId"))
	assert.Nil(t, dsg[0].Get("ingress"))
	assert.Nil(t, dsg[0].Get("egress"))
}

func TestDefaultNetworkAclDeniesEverything(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Dev, nil)
	acl := mocks.OfType(typeDefaultACL)
	require.Len(t, acl, 1)
	assert.Equal(t, mocks.OfType(typeVpc)[0].Out["defaultNetworkAclId"], acl[0].String("defaultNetworkAclId"))
	assert.Nil(t, acl[0].Get("ingress"))
	assert.Nil(t, acl[0].Get("egress"))
}

// naclView evaluates the stateless rules of each subnet tier.
type naclView struct {
	rules map[string][]*tests.Resource // tier -> rules of the tier's ACL
	cidrs map[string][]string          // tier -> subnet CIDRs
}

func newNaclView(t *testing.T, mocks *tests.Mocks) naclView {
	t.Helper()
	v := naclView{rules: map[string][]*tests.Resource{}, cidrs: map[string][]string{}}
	subnetByID := map[string]*tests.Resource{}
	for _, s := range mocks.OfType(typeSubnet) {
		subnetByID[s.Out["id"].(string)] = s
		v.cidrs[s.Tag("Tier")] = append(v.cidrs[s.Tag("Tier")], s.String("cidrBlock"))
	}
	tierOfACL := map[string]string{}
	for _, acl := range mocks.OfType(typeNacl) {
		ids := acl.Strings("subnetIds")
		require.NotEmpty(t, ids, "%s is associated with no subnet", acl.Name)
		tier := subnetByID[ids[0]].Tag("Tier")
		for _, id := range ids {
			assert.Equal(t, tier, subnetByID[id].Tag("Tier"), "%s mixes tiers", acl.Name)
		}
		assert.Len(t, ids, len(v.cidrs[tier]), "%s covers every subnet of its tier", acl.Name)
		tierOfACL[acl.Out["id"].(string)] = tier
	}
	for _, r := range mocks.OfType(typeNaclRule) {
		tier := tierOfACL[r.String("networkAclId")]
		v.rules[tier] = append(v.rules[tier], r)
		switch r.String("ruleAction") {
		case "allow":
			assert.Equal(t, "tcp", r.String("protocol"), r.Name)
		case "deny":
			assert.Equal(t, "-1", r.String("protocol"), "%s denies every protocol", r.Name)
		default:
			t.Errorf("%s has action %q", r.Name, r.String("ruleAction"))
		}
	}
	return v
}

// allows reports whether tier's ACL lets a TCP packet to port cross it in direction (egress or not) to or
// from addr: like AWS, the matching rule with the lowest number decides, and no match denies.
func (v naclView) allows(tier string, egress bool, addr string, port int) bool {
	ip := netip.MustParseAddr(addr)
	rules := append([]*tests.Resource(nil), v.rules[tier]...)
	sort.Slice(rules, func(i, j int) bool { return rules[i].Int("ruleNumber") < rules[j].Int("ruleNumber") })
	for _, r := range rules {
		anyPort := r.String("protocol") == "-1"
		if r.Bool("egress") == egress && (anyPort || r.Int("fromPort") <= port && port <= r.Int("toPort")) &&
			netip.MustParsePrefix(r.String("cidrBlock")).Contains(ip) {
			return r.String("ruleAction") == "allow"
		}
	}
	return false
}

// host returns an address inside the first subnet of tier, or a public address for "internet".
func (v naclView) host(tier string) string {
	if tier == "internet" {
		return "198.51.100.7"
	}
	return netip.MustParsePrefix(v.cidrs[tier][0]).Addr().Next().Next().Next().Next().String()
}

func TestNetworkAclsAdmitEverySecurityGroupFlowBothWays(t *testing.T) {
	// Every flow the security groups allow, by subnet tier: the ALB and NAT gateways live in public,
	// instances in private, the database in database. Instances reach the internet through the NAT.
	flows := []struct {
		from, to string
		port     int
	}{
		{"internet", "public", 80},
		{"internet", "public", 443},
		{"public", "private", 8000}, // ALB to targets
		{"private", "public", 443},  // instance to NAT gateway
		{"public", "internet", 443}, // NAT gateway onwards
		{"private", "database", 5432},
		{"private", "private", 22}, // SSH from the VPC (bastion path)
		{"public", "private", 22},
	}
	clientPorts := []int{1024, 3388, 32768, 60999, 65535}
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runNetwork(t, env, nil)
			v := newNaclView(t, mocks)
			for _, f := range flows {
				src, dst := v.host(f.from), v.host(f.to)
				if f.from != "internet" {
					assert.True(t, v.allows(f.from, true, dst, f.port), "%s ACL blocks egress to %s:%d", f.from, f.to, f.port)
				}
				if f.to != "internet" {
					assert.True(t, v.allows(f.to, false, src, f.port), "%s ACL blocks ingress from %s on %d", f.to, f.from, f.port)
				}
				for _, client := range clientPorts {
					if f.to != "internet" {
						assert.True(t, v.allows(f.to, true, src, client), "%s ACL blocks the reply to %s port %d", f.to, f.from, client)
					}
					if f.from != "internet" {
						assert.True(t, v.allows(f.from, false, dst, client), "%s ACL blocks the reply from %s to port %d", f.from, f.to, client)
					}
				}
			}
		})
	}
}

func TestNetworkAclsAllowNothingElse(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Dev, nil)
	v := newNaclView(t, mocks)
	// Ports below 1024 are never return traffic, so a stateless rule admitting one is a real opening.
	// (Ephemeral ports are open for replies by necessity; the security groups close them to new flows.)
	blocked := []struct {
		tier   string
		egress bool
		from   string
		port   int
	}{
		{"public", false, "internet", 22},
		{"public", false, "internet", 3389},
		{"public", false, "internet", 25},
		{"private", false, "internet", 22},
		{"private", false, "internet", 80},
		{"private", false, "internet", 443},
		{"private", false, "internet", 3389},
		{"private", false, "database", 22},
		{"private", false, "database", 443},
		{"private", false, "public", 80}, // the load balancer reaches the instances on the app port only
		{"private", false, "public", 443},
		{"private", false, "public", 3389},
		{"private", true, "internet", 80}, // only HTTPS leaves the instances
		{"private", true, "internet", 22},
		{"private", true, "internet", 5432},
		{"public", true, "database", 5432}, // nothing in the public tier reaches the database ...
		{"public", true, "database", 40000},
		{"public", false, "database", 40000}, // ... nor hears from it
		{"database", false, "internet", 5432},
		{"database", false, "public", 5432},
		{"database", false, "private", 22},
		{"database", true, "internet", 443}, // the database reaches nothing outside the VPC
		{"database", true, "public", 1024},
		{"database", true, "private", 443},
	}
	for _, b := range blocked {
		assert.False(t, v.allows(b.tier, b.egress, v.host(b.from), b.port), "%s ACL (egress=%v) admits %s on %d", b.tier, b.egress, b.from, b.port)
	}
}

func TestNoNetworkAclOpensRemoteAdministrationToTheInternet(t *testing.T) {
	for _, env := range settings.Environments {
		mocks, _ := runNetwork(t, env, nil)
		for _, r := range mocks.OfType(typeNaclRule) {
			if r.Bool("egress") || r.String("cidrBlock") != "0.0.0.0/0" || r.String("ruleAction") != "allow" {
				continue
			}
			for _, port := range []int{22, 3389} {
				assert.False(t, r.Int("fromPort") <= port && port <= r.Int("toPort"), "%s admits port %d from the internet (EC2.21)", r.Name, port)
			}
		}
	}
}

func TestNetworkAclRuleNumbersAreUniquePerDirection(t *testing.T) {
	mocks, _ := runNetwork(t, settings.Prod, nil)
	seen := map[string]string{}
	for _, r := range mocks.OfType(typeNaclRule) {
		key := fmt.Sprintf("%s/%v/%d", r.String("networkAclId"), r.Bool("egress"), r.Int("ruleNumber"))
		assert.Empty(t, seen[key], "%s and %s share rule number %s", r.Name, seen[key], key)
		seen[key] = r.Name
	}
}
