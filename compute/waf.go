package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/settings"
)

// ManagedRuleGroups are the AWS managed rule groups of the web ACL, in evaluation order after the IP
// reputation list and the rate limit: common exploits (OWASP top 10), known bad inputs (Log4Shell, ...)
// and SQL injection.
var ManagedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// IPReputationRuleGroup blocks addresses that AWS threat intelligence lists as bots or attackers; it runs
// first, so known-bad clients cost no further rule evaluation.
const IPReputationRuleGroup = "AWSManagedRulesAmazonIpReputationList"

// RateLimitRule is the name of the rule that blocks a client IP over the configured rate.
const RateLimitRule = "rate-limit-per-ip"

// RedactedLogHeaders are the request headers WAF replaces with "REDACTED" in its logs: they carry
// credentials and session cookies.
var RedactedLogHeaders = []string{"authorization", "cookie"}

// WAFLogGroupName returns the name of env's WAF log group. It is explicit: WAF only logs to CloudWatch
// log groups whose name starts with `aws-waf-logs-`. Keep it stable; a rename replaces the group.
func WAFLogGroupName(env settings.Environment) string { return "aws-waf-logs-" + settings.Prefix(env) }

// firewall creates the regional WAFv2 web ACL, associates it with the ALB and logs it, when enabled.
func (b *builder) firewall() error {
	cfg := b.args.Config
	if !cfg.WafEnabled {
		return nil
	}
	metric := func(rule string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			SampledRequestsEnabled:   pulumi.Bool(true),
			MetricName:               pulumi.String(b.child("waf-" + rule)),
		}
	}
	managed := func(priority int, group string) wafv2.WebAclRuleArgs {
		return wafv2.WebAclRuleArgs{
			Name:           pulumi.String(group),
			Priority:       pulumi.Int(priority),
			OverrideAction: &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}},
			Statement: &wafv2.WebAclRuleStatementArgs{
				ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
					VendorName: pulumi.String("AWS"),
					Name:       pulumi.String(group),
				},
			},
			VisibilityConfig: metric(group),
		}
	}
	rules := wafv2.WebAclRuleArray{
		managed(0, IPReputationRuleGroup),
		wafv2.WebAclRuleArgs{
			Name:     pulumi.String(RateLimitRule),
			Priority: pulumi.Int(1),
			Action:   &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}},
			Statement: &wafv2.WebAclRuleStatementArgs{
				RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
					AggregateKeyType:    pulumi.String("IP"),
					Limit:               pulumi.Int(cfg.WafRateLimit),
					EvaluationWindowSec: pulumi.Int(300),
				},
			},
			VisibilityConfig: metric(RateLimitRule),
		},
	}
	for i, group := range ManagedRuleGroups {
		rules = append(rules, managed(2+i, group))
	}

	var err error
	b.webACL, err = wafv2.NewWebAcl(b.ctx, b.child("waf"), &wafv2.WebAclArgs{
		Description:   pulumi.String("Protects the load balancer of " + b.name),
		Scope:         pulumi.String("REGIONAL"),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         rules,
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			SampledRequestsEnabled:   pulumi.Bool(true),
			MetricName:               pulumi.String(b.child("waf")),
		},
		Tags: cloud.NameTag(b.child("waf")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("web acl: %w", err)
	}
	if _, err := wafv2.NewWebAclAssociation(b.ctx, b.child("waf"), &wafv2.WebAclAssociationArgs{
		ResourceArn: b.alb.Arn,
		WebAclArn:   b.webACL.Arn,
	}, b.parent); err != nil {
		return fmt.Errorf("web acl association: %w", err)
	}

	groupName := WAFLogGroupName(b.args.Environment)
	logGroup, err := cloudwatch.NewLogGroup(b.ctx, b.child("waf-logs"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
		Tags:            cloud.NameTag(groupName),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("waf log group: %w", err)
	}
	var redacted wafv2.WebAclLoggingConfigurationRedactedFieldArray
	for _, header := range RedactedLogHeaders {
		redacted = append(redacted, wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(header)},
		})
	}
	if _, err := wafv2.NewWebAclLoggingConfiguration(b.ctx, b.child("waf-logs"), &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           b.webACL.Arn,
		LogDestinationConfigs: pulumi.StringArray{logGroup.Arn},
		RedactedFields:        redacted,
	}, b.parent); err != nil {
		return fmt.Errorf("waf logging: %w", err)
	}
	return nil
}
