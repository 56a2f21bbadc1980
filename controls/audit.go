package controls

import (
	"slices"
	"strings"

	"github.com/8byte/infra/iam"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/tests"
)

const (
	typeIAMPolicy      = "aws:iam/policy:Policy"
	typeRolePolicy     = "aws:iam/rolePolicy:RolePolicy"
	typeRole           = "aws:iam/role:Role"
	typeAttachment     = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeProfile        = "aws:iam/instanceProfile:InstanceProfile"
	typeTopic          = "aws:sns/topic:Topic"
	typeSubscription   = "aws:sns/topicSubscription:TopicSubscription"
	typeTrail          = "aws:cloudtrail/trail:Trail"
	typeLogGroup       = "aws:cloudwatch/logGroup:LogGroup"
	typeAlarm          = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeMetricFilter   = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
	ssmManagedInstance = "AmazonSSMManagedInstanceCore"
)

// identityCheck returns a control over every Allow statement of every identity policy.
func identityCheck(id, title, checks string, types []string, bad func(action string, resources []string) bool, breakIt func(s *Stack)) *Control {
	return &Control{
		ID: id, Title: title, Checks: checks, Types: types,
		Evaluate: func(s *Stack) []Finding {
			var out []Finding
			for _, p := range identityPolicies(s) {
				if !slices.Contains(types, p.owner.Type) {
					continue
				}
				for _, st := range p.statements {
					if st.Effect != "Allow" {
						continue
					}
					for _, a := range st.Action {
						if bad(a, st.Resource) {
							out = append(out, finding(p.owner, "allows %s on %v", a, st.Resource))
						}
					}
				}
			}
			return out
		},
		Break: breakIt,
	}
}

// addStatement appends an Allow statement to the first policy of typ.
func addStatement(s *Stack, typ, action, resource string) {
	addStatementTo(first(s, typ), action, resource)
}

// addStatementTo appends an Allow statement of action to the policy of r.
func addStatementTo(r *tests.Resource, action, resource string) {
	sts := statements(r, "policy")
	doc := `{"Version":"2012-10-17","Statement":[` + allowAmongHarmless(action, resource)
	for range sts {
		doc += `,{"Effect":"Deny","Action":"none:None","Resource":"*"}`
	}
	set(r, "policy", doc+"]}")
}

// addInlinePolicy gives the first role of the stack an inline policy (the role's inlinePolicies input)
// that allows action on resource.
func addInlinePolicy(s *Stack, action, resource string) {
	role := first(s, typeRole)
	inline := append(list(role, "inlinePolicies"), map[string]any{
		"name": "planted", "policy": `{"Version":"2012-10-17","Statement":[` + allowAmongHarmless(action, resource) + `]}`,
	})
	policies := make([]any, len(inline))
	for i, p := range inline {
		policies[i] = p
	}
	set(role, "inlinePolicies", policies)
}

// allowAmongHarmless is an Allow statement of action between two harmless actions, so that a check that
// reads only one action of a statement (the first, or the last) misses it.
func allowAmongHarmless(action, resource string) string {
	return `{"Effect":"Allow","Action":["sts:GetCallerIdentity","` + action + `","sts:GetSessionToken"],"Resource":"` + resource + `"}`
}

func serviceWildcard(action string) bool {
	service, name, ok := strings.Cut(action, ":")
	return action == "*" || (ok && service != "" && name == "*")
}

func decryptsAnyKey(action string, resources []string) bool {
	a := strings.ToLower(action)
	decrypt := a == "*" || a == "kms:*" || a == "kms:decrypt" || strings.HasPrefix(a, "kms:reencrypt") || a == "kms:de*"
	return decrypt && slices.Contains(resources, "*")
}

// auditControls are the Security Hub IAM, KMS, SNS, SSM, CloudTrail and CloudWatch controls and the
// design's monitoring controls.
var auditControls = []*Control{
	withBranches(identityCheck("IAM.1", "IAM policies should not allow full \"*\" administrative privileges",
		"no identity policy of the stack allows Action * on Resource *", []string{typeIAMPolicy, typeRolePolicy, typeRole},
		func(a string, res []string) bool { return a == "*" && slices.Contains(res, "*") },
		func(s *Stack) { addStatement(s, typeIAMPolicy, "*", "*") }),
		Branch{"in an inline role policy", func(s *Stack) { addStatement(s, typeRolePolicy, "*", "*") }},
		Branch{"in a role's inlinePolicies", func(s *Stack) { addInlinePolicy(s, "*", "*") }}),
	withBranches(identityCheck("IAM.21", "IAM customer managed policies that you create should not allow wildcard actions for services",
		"no identity policy of the stack (managed or inline: stricter than the control) allows a whole service (\"ec2:*\")",
		[]string{typeIAMPolicy, typeRolePolicy, typeRole},
		func(a string, _ []string) bool { return serviceWildcard(a) },
		// Proven on the stack without the accepted boundary, whose only other policies are inline ones.
		func(s *Stack) { addStatement(s, typeRolePolicy, "s3:*", "arn:aws:s3:::b") }),
		Branch{"in a role's inlinePolicies", func(s *Stack) { addInlinePolicy(s, "s3:*", "arn:aws:s3:::b") }}),
	withBranches(identityCheck("KMS.1", "IAM customer managed policies should not allow decryption actions on all KMS keys",
		"no customer managed policy allows kms:Decrypt or kms:ReEncryptFrom on Resource *", []string{typeIAMPolicy},
		decryptsAnyKey, func(s *Stack) { addStatement(s, typeIAMPolicy, "kms:Decrypt", "*") }),
		Branch{"kms:ReEncryptFrom", func(s *Stack) { addStatement(s, typeIAMPolicy, "kms:ReEncryptFrom", "*") }},
		Branch{"kms:*", func(s *Stack) { addStatement(s, typeIAMPolicy, "kms:*", "*") }}),
	withBranches(identityCheck("KMS.2", "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys",
		"no inline role policy allows kms:Decrypt or kms:ReEncryptFrom on Resource *", []string{typeRolePolicy, typeRole},
		decryptsAnyKey, func(s *Stack) { addStatement(s, typeRolePolicy, "kms:Decrypt", "*") }),
		Branch{"kms:ReEncryptFrom", func(s *Stack) { addStatement(s, typeRolePolicy, "kms:ReEncryptFrom", "*") }},
		Branch{"in a role's inlinePolicies", func(s *Stack) { addInlinePolicy(s, "kms:Decrypt", "*") }}),
	{
		ID: "SNS.1", Title: "SNS topics should be encrypted at-rest using AWS KMS",
		Checks: "every topic is encrypted with a customer-managed key of the stack (the AWS managed key drops alarm notifications)",
		Types:  []string{typeTopic},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeTopic}, func(t *tests.Resource) []Finding {
				key := t.String("kmsMasterKeyId")
				return unless(key != "" && (s.ByOutput("arn", key) != nil || s.ByOutput("id", key) != nil), t, "not encrypted with a key of the stack")
			})
		},
		Break:    func(s *Stack) { set(first(s, typeTopic), "kmsMasterKeyId", "alias/aws/sns") },
		Branches: []Branch{{"no key", func(s *Stack) { set(first(s, typeTopic), "kmsMasterKeyId", nil) }}},
	},
	{
		ID: "SSM.1", Title: "Amazon EC2 instances should be managed by AWS Systems Manager",
		Checks: "the role of every launch template's instance profile has AmazonSSMManagedInstanceCore",
		Types:  []string{typeLaunchTemplate},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeLaunchTemplate}, func(lt *tests.Resource) []Finding {
				profile := s.ByOutput("arn", lt.String("iamInstanceProfile.arn"))
				if profile == nil {
					profile = s.ByOutput("name", lt.String("iamInstanceProfile.name"))
				}
				if profile == nil {
					return []Finding{finding(lt, "no instance profile of the stack")}
				}
				for _, a := range s.OfType(typeAttachment) {
					if a.String("role") == profile.String("role") && strings.HasSuffix(a.String("policyArn"), "/"+ssmManagedInstance) {
						return nil
					}
				}
				return []Finding{finding(lt, "instance role lacks %s", ssmManagedInstance)}
			})
		},
		Break: func(s *Stack) {
			for _, a := range s.OfType(typeAttachment) {
				set(a, "policyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
			}
		},
		Branches: []Branch{{"an instance profile outside the stack", func(s *Stack) {
			set(first(s, typeLaunchTemplate), "iamInstanceProfile", map[string]any{"arn": "arn:aws:iam::123456789012:instance-profile/other"})
		}}},
	},
	withBranches(trailCheck("CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
		"a multi-region trail with global service events and all management events (no selector excluding them)",
		func(t *tests.Resource) bool {
			return t.Bool("isMultiRegionTrail") && t.Bool("includeGlobalServiceEvents") && t.Get("enableLogging") != false &&
				(t.Get("eventSelectors") == nil || t.String("eventSelectors.0.readWriteType") == "All")
		},
		func(t *tests.Resource) { set(t, "isMultiRegionTrail", false) }),
		Branch{"no global service events", func(s *Stack) { set(first(s, typeTrail), "includeGlobalServiceEvents", false) }},
		Branch{"logging off", func(s *Stack) { set(first(s, typeTrail), "enableLogging", false) }},
		Branch{"write events only", func(s *Stack) {
			set(first(s, typeTrail), "eventSelectors", []any{map[string]any{"readWriteType": "WriteOnly"}})
		}}),
	trailCheck("CloudTrail.2", "CloudTrail should have encryption at-rest enabled", "the trail encrypts its log files with a KMS key",
		func(t *tests.Resource) bool { return t.String("kmsKeyId") != "" },
		func(t *tests.Resource) { set(t, "kmsKeyId", nil) }),
	trailCheck("CloudTrail.4", "CloudTrail log file validation should be enabled", "log file validation is on",
		func(t *tests.Resource) bool { return t.Bool("enableLogFileValidation") },
		func(t *tests.Resource) { set(t, "enableLogFileValidation", false) }),
	withBranches(trailCheck("CloudTrail.5", "CloudTrail trails should be integrated with Amazon CloudWatch Logs",
		"the trail delivers to a log group of the stack (ARN ending in :*) through a role",
		func(t *tests.Resource) bool {
			arn := t.String("cloudWatchLogsGroupArn")
			return strings.HasSuffix(arn, ":*") && t.String("cloudWatchLogsRoleArn") != ""
		},
		func(t *tests.Resource) { set(t, "cloudWatchLogsGroupArn", nil) }),
		Branch{"no delivery role", func(s *Stack) { set(first(s, typeTrail), "cloudWatchLogsRoleArn", nil) }},
		Branch{"a log stream instead of the group", func(s *Stack) {
			t := first(s, typeTrail)
			set(t, "cloudWatchLogsGroupArn", strings.TrimSuffix(t.String("cloudWatchLogsGroupArn"), ":*"))
		}}),
	{
		ID: "Design.Mon.1", Title: "Every alarm notifies",
		Checks: "every metric alarm has alarm and OK actions, all of them SNS topics of the stack",
		Types:  []string{typeAlarm},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeAlarm}, func(a *tests.Resource) []Finding {
				for _, key := range []string{"alarmActions", "okActions"} {
					actions := a.Strings(key)
					if len(actions) == 0 {
						return []Finding{finding(a, "no %s", key)}
					}
					for _, arn := range actions {
						if t := s.ByOutput("arn", arn); t == nil || t.Type != typeTopic {
							return []Finding{finding(a, "%s names %s, not a topic of the stack", key, arn)}
						}
					}
				}
				return nil
			})
		},
		Break: func(s *Stack) { set(first(s, typeAlarm), "okActions", []any{}) },
		Branches: []Branch{
			{"no alarm actions", func(s *Stack) { set(first(s, typeAlarm), "alarmActions", []any{}) }},
			{"an action that is not a topic of the stack", func(s *Stack) {
				a := first(s, typeAlarm)
				set(a, "alarmActions", append(a.Get("alarmActions").([]any), "arn:aws:automate:us-east-1:ec2:stop"))
			}},
		},
	},
	{
		ID: "Design.Mon.2", Title: "Alarm notifications reach people",
		Checks: "every topic that alarms notify has at least one email subscription",
		Types:  []string{typeTopic},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeTopic}, func(t *tests.Resource) []Finding {
				for _, sub := range s.OfType(typeSubscription) {
					if sub.String("topic") == t.Out["arn"] && sub.String("protocol") == "email" {
						return nil
					}
				}
				return []Finding{finding(t, "no email subscription")}
			})
		},
		Break: func(s *Stack) {
			for _, sub := range s.OfType(typeSubscription) {
				set(sub, "topic", "arn:other")
			}
		},
		Branches: []Branch{{"only non-email subscriptions", func(s *Stack) {
			for _, sub := range s.OfType(typeSubscription) {
				set(sub, "protocol", "sqs")
			}
		}}},
	},
	{
		ID: "Design.Logs.1", Title: "Every log group expires its logs, a year or more in prod",
		Checks: "every log group has a retention; in prod at least 365 days",
		Types:  []string{typeLogGroup},
		Evaluate: func(s *Stack) []Finding {
			minimum := 1
			if s.Env.IsProd() {
				minimum = 365
			}
			return each(s, []string{typeLogGroup}, func(g *tests.Resource) []Finding {
				return unless(g.Int("retentionInDays") >= minimum, g, "retention %d days", g.Int("retentionInDays"))
			})
		},
		Break: func(s *Stack) { set(first(s, typeLogGroup), "retentionInDays", nil) },
		Branches: []Branch{{"a month in prod", func(s *Stack) {
			if s.Env.IsProd() {
				set(first(s, typeLogGroup), "retentionInDays", 30)
			}
		}}},
	},
}

func trailCheck(id, title, checks string, ok func(*tests.Resource) bool, breakIt func(*tests.Resource)) *Control {
	return &Control{
		ID: id, Title: title, Checks: checks, Types: []string{typeTrail},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeTrail}, func(t *tests.Resource) []Finding { return unless(ok(t), t, "%s: no", checks) })
		},
		Break: func(s *Stack) { breakIt(first(s, typeTrail)) },
	}
}

// wildcardResourceControl is issue-level least privilege: an identity policy may grant an action on
// Resource "*" only when AWS offers no resource-level permission for it (the IAM tier's allow-list),
// and with the condition the allow-list requires.
var wildcardResourceControl = &Control{
	ID: "Design.IAM.1", Title: "Resource \"*\" only where AWS has no resource-level permission",
	Checks: "every Allow statement of every identity policy that names Resource * grants only allow-listed actions (iam.WildcardResourceActions), each with its required condition",
	Types:  []string{typeIAMPolicy, typeRolePolicy},
	Evaluate: func(s *Stack) []Finding {
		var out []Finding
		for _, p := range identityPolicies(s) {
			if p.owner.Name == prefixOf(s)+"-boundary" || p.owner.Name == prefixOf(s)+"-drill-boundary" {
				continue // a ceiling, not a grant (see the IAM.21 exception)
			}
			for _, st := range p.statements {
				if st.Effect != "Allow" || !slices.Contains(st.Resource, "*") {
					continue
				}
				for _, a := range st.Action {
					grant, ok := iam.WildcardResourceActions[a]
					switch {
					case !ok:
						out = append(out, finding(p.owner, "grants %s on Resource *", a))
					case grant.RequiredCondition != "" && !hasConditionKey(st, grant.RequiredCondition):
						out = append(out, finding(p.owner, "grants %s on Resource * without a %s condition", a, grant.RequiredCondition))
					}
				}
			}
		}
		return out
	},
	Break: func(s *Stack) { addStatement(s, typeRolePolicy, "s3:GetObject", "*") },
	Branches: []Branch{
		{"an allow-listed action without its condition", func(s *Stack) { addStatement(s, typeRolePolicy, "cloudwatch:PutMetricData", "*") }},
	},
}

func hasConditionKey(st policy.Statement, key string) bool {
	for _, kv := range st.Condition {
		if _, ok := kv[key]; ok {
			return true
		}
	}
	return false
}
