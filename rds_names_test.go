package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// rdsNameRule is what RDS accepts for one kind of name (Amazon RDS API Reference, the Create* actions).
type rdsNameRule struct {
	pattern *regexp.Regexp
	max     int
}

// ok reports whether name satisfies the rule; RDS stores these names in lower case.
func (r rdsNameRule) ok(name string) bool {
	return len(name) <= r.max && r.pattern.MatchString(name) && !strings.Contains(name, "--") && !strings.HasSuffix(name, "-")
}

var (
	// identifierRule: DB instance identifier, DB parameter group and final snapshot names: letters,
	// digits and hyphens; first a letter; no trailing hyphen nor two consecutive hyphens.
	identifierRule = func(maxLen int) rdsNameRule {
		return rdsNameRule{regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`), maxLen}
	}
	// subnetGroupRule: letters, digits, periods, underscores, spaces or hyphens, first a letter, at most
	// 255, not "default" (CreateDBSubnetGroup).
	subnetGroupRule = rdsNameRule{regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._ -]*$`), 255}
	// eventSubscriptionRule: under 255 characters (CreateEventSubscription); the provider allows letters,
	// digits and hyphens.
	eventSubscriptionRule = rdsNameRule{regexp.MustCompile(`^[A-Za-z0-9-]+$`), 254}
)

// rdsNames lists, per RDS resource type, the name inputs of the type and their rule. Pulumi names a
// resource with no name input after its logical name plus "-" and 7 random characters; the provider
// appends 26 characters to a name prefix.
var rdsNames = map[string][]struct {
	input, prefixInput string
	rule               rdsNameRule
}{
	"aws:rds/instance:Instance": {
		{"identifier", "identifierPrefix", identifierRule(63)},
		{"finalSnapshotIdentifier", "", identifierRule(255)},
	},
	"aws:rds/subnetGroup:SubnetGroup":                                                 {{"name", "namePrefix", subnetGroupRule}},
	"aws:rds/parameterGroup:ParameterGroup":                                           {{"name", "namePrefix", identifierRule(255)}},
	"aws:rds/optionGroup:OptionGroup":                                                 {{"name", "namePrefix", identifierRule(255)}},
	"aws:rds/eventSubscription:EventSubscription":                                     {{"name", "namePrefix", eventSubscriptionRule}},
	"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": nil, // no name
}

// physicalRDSName returns the name RDS would be asked for, and whether the resource has one at all.
func physicalRDSName(r *tests.Resource, input, prefixInput string) (string, bool) {
	if v := r.String(input); v != "" {
		return v, true
	}
	if prefixInput != "" {
		if p := r.String(prefixInput); p != "" {
			return p + "20261201220000000000000001", true
		}
	}
	if input == "finalSnapshotIdentifier" {
		return "", false // optional: dev skips the final snapshot
	}
	return r.Name + "-a1b2c3d", true
}

// TestEveryRDSNameIsOneRDSAccepts checks every name the stacks give or let Pulumi derive for an RDS
// resource against RDS's naming rules: the DB subnet group, parameter groups, instance identifier, final
// snapshot, option and event subscriptions. A new RDS resource type must be given its rule here.
func TestEveryRDSNameIsOneRDSAccepts(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			checked := 0
			for _, r := range stackInventory(t, env).Resources {
				if !strings.HasPrefix(r.Type, "aws:rds/") {
					continue
				}
				names, known := rdsNames[r.Type]
				require.True(t, known, "%s: add the naming rule of this RDS resource type", r.Describe())
				for _, n := range names {
					name, has := physicalRDSName(r, n.input, n.prefixInput)
					if !has {
						continue
					}
					checked++
					assert.True(t, n.rule.ok(name), "%s: %s %q is not a name RDS accepts", r.Describe(), n.input, name)
				}
			}
			assert.GreaterOrEqual(t, checked, 4, "the subnet group, parameter group, instance and event subscription at least")
		})
	}
}

func TestRDSNameRulesRefuseWhatRDSRefuses(t *testing.T) {
	for _, bad := range []string{"8byte-dev-db-subnets-a1b2c3d", "postgres--dev", "postgres-dev-", "postgres_dev"} {
		assert.False(t, identifierRule(63).ok(bad), bad)
	}
	assert.False(t, identifierRule(63).ok("p"+strings.Repeat("a", 63)), "64 characters")
	assert.False(t, subnetGroupRule.ok("8byte-dev-db-subnets-a1b2c3d"))
	assert.True(t, subnetGroupRule.ok("postgres-8byte-dev"))
	assert.True(t, identifierRule(255).ok("postgres-8byte-prod-final"))
}
