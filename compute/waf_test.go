package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

func TestWebACLRules(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			prefix := settings.Prefix(env)
			mocks, _ := runCompute(t, env, func(_ *pulumi.Context, a *Args) error { a.Config.WafRateLimit = 1500; return nil })
			acl := only(t, mocks, typeWebACL)
			assert.Equal(t, "REGIONAL", acl.String("scope"))
			assert.Equal(t, map[string]any{"allow": map[string]any{}}, acl.Get("defaultAction"))
			assert.Equal(t, map[string]any{"cloudwatchMetricsEnabled": true, "sampledRequestsEnabled": true, "metricName": prefix + "-waf"},
				acl.Get("visibilityConfig"))

			managed := func(priority int, group string) map[string]any {
				return map[string]any{
					"name": group, "priority": priority,
					"overrideAction": map[string]any{"none": map[string]any{}},
					"statement":      map[string]any{"managedRuleGroupStatement": map[string]any{"vendorName": "AWS", "name": group}},
					"visibilityConfig": map[string]any{
						"cloudwatchMetricsEnabled": true, "sampledRequestsEnabled": true, "metricName": prefix + "-waf-" + group,
					},
				}
			}
			assert.Equal(t, []any{
				managed(0, "AWSManagedRulesAmazonIpReputationList"),
				map[string]any{
					"name": "rate-limit-per-ip", "priority": 1,
					"action": map[string]any{"block": map[string]any{}},
					"statement": map[string]any{"rateBasedStatement": map[string]any{
						"aggregateKeyType": "IP", "limit": 1500, "evaluationWindowSec": 300,
					}},
					"visibilityConfig": map[string]any{
						"cloudwatchMetricsEnabled": true, "sampledRequestsEnabled": true, "metricName": prefix + "-waf-rate-limit-per-ip",
					},
				},
				managed(2, "AWSManagedRulesCommonRuleSet"),
				managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
				managed(4, "AWSManagedRulesSQLiRuleSet"),
			}, acl.Get("rules"))
		})
	}
}

func TestWebACLIsAssociatedAndLogged(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runCompute(t, env, nil)
			acl, alb := only(t, mocks, typeWebACL), only(t, mocks, typeLB)
			assoc := only(t, mocks, typeWebACLAssoc)
			assert.Equal(t, alb.Out["arn"], assoc.String("resourceArn"))
			assert.Equal(t, acl.Out["arn"], assoc.String("webAclArn"))

			group := only(t, mocks, typeLogGroup)
			assert.Equal(t, "aws-waf-logs-8byte-"+env.String(), group.String("name"), "WAF only logs to groups named aws-waf-logs-*")
			assert.Equal(t, testRetention(env), group.Int("retentionInDays"))
			logging := only(t, mocks, typeWebACLLogging)
			assert.Equal(t, acl.Out["arn"], logging.String("resourceArn"))
			assert.Equal(t, []string{group.Out["arn"].(string)}, logging.Strings("logDestinationConfigs"))
			assert.Equal(t, []any{
				map[string]any{"singleHeader": map[string]any{"name": "authorization"}},
				map[string]any{"singleHeader": map[string]any{"name": "cookie"}},
			}, logging.Get("redactedFields"))
		})
	}
}

func TestDevWithoutWAF(t *testing.T) {
	mocks, _ := runCompute(t, settings.Dev, func(_ *pulumi.Context, a *Args) error { a.Config.WafEnabled = false; return nil })
	for _, typ := range []string{typeWebACL, typeWebACLAssoc, typeWebACLLogging, typeLogGroup} {
		assert.Empty(t, mocks.OfType(typ), typ)
	}
	require.Len(t, mocks.OfType(typeLB), 1)
}
