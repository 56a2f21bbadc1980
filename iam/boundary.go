package iam

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
)

// sessionManagerAgentActions are the actions of the AWS managed AmazonSSMManagedInstanceCore policy (on
// Resource "*"): the SSM agent's registration and its Session Manager and Run Command channels.
var sessionManagerAgentActions = slices.Concat(
	actions("ssm", "DescribeAssociation", "DescribeDocument", "GetDeployablePatchSnapshotForInstance", "GetDocument", "GetManifest",
		"GetParameter", "GetParameters", "ListAssociations", "ListInstanceAssociations", "PutComplianceItems",
		"PutConfigurePackageResult", "PutInventory", "UpdateAssociationStatus", "UpdateInstanceAssociationStatus",
		"UpdateInstanceInformation"),
	actions("ssmmessages", "CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel"),
	actions("ec2messages", "AcknowledgeMessage", "DeleteMessage", "FailMessage", "GetEndpoint", "GetMessages", "SendReply"),
)

// managedPolicyCeilings are what the AWS managed policies attached to the stack's roles grant, as the
// boundary must let them through: the SSM agent's actions, and enhanced monitoring's RDSOSMetrics group.
func managedPolicyCeilings(s scope) []policy.Statement {
	rdsGroups := s.account.ARN("logs", "log-group:RDS*")
	return []policy.Statement{
		{Effect: policy.Allow, Action: sessionManagerAgentActions, Resource: []string{"*"}},
		{Effect: policy.Allow, Action: actions("logs", "CreateLogGroup", "PutRetentionPolicy"), Resource: []string{rdsGroups}},
		{
			Effect:   policy.Allow,
			Action:   actions("logs", "CreateLogStream", "DescribeLogStreams", "GetLogEvents", "PutLogEvents"),
			Resource: []string{rdsGroups + ":log-stream:*"},
		},
	}
}

// deliveryRoleCeilings are what the other tiers' delivery roles (VPC flow logs, CloudTrail to CloudWatch
// Logs) need: writing to the stack's log groups and finding them.
func deliveryRoleCeilings(s scope) []policy.Statement {
	return []policy.Statement{
		{Effect: policy.Allow, Action: actions("logs", "CreateLogStream", "DescribeLogStreams", "PutLogEvents"), Resource: s.logGroups()},
		{Effect: policy.Allow, Action: []string{"logs:DescribeLogGroups"}, Resource: []string{s.account.ARN("logs", "log-group:*")}},
	}
}

// boundaryGuards are the boundary's denials against privilege escalation by any role under it:
//   - the boundary policy itself cannot be changed, replaced or deleted (changes to it are applied by an
//     administrator, outside the boundary);
//   - no role or user can lose its permissions boundary;
//   - no role or user can be created, or have its permissions changed, unless this boundary is its
//     permissions boundary.
//
// The boundary's physical name is generated from its logical name, so it is matched by that prefix; the
// prefix is protected by the first denial, so no role can create a look-alike.
func boundaryGuards(s scope) []policy.Statement {
	return []policy.Statement{
		{
			Sid:      "ProtectBoundaryPolicy",
			Effect:   policy.Deny,
			Action:   actions("iam", "CreatePolicy", "CreatePolicyVersion", "DeletePolicy", "DeletePolicyVersion", "SetDefaultPolicyVersion"),
			Resource: s.boundaries(),
		},
		{
			Sid:      "KeepPermissionsBoundaries",
			Effect:   policy.Deny,
			Action:   actions("iam", "DeleteRolePermissionsBoundary", "DeleteUserPermissionsBoundary"),
			Resource: []string{"*"},
		},
		{
			Sid:    "NoPrincipalOutsideBoundary",
			Effect: policy.Deny,
			Action: actions("iam", "AttachRolePolicy", "AttachUserPolicy", "CreateRole", "CreateUser", "DeleteRolePolicy",
				"DeleteUserPolicy", "DetachRolePolicy", "DetachUserPolicy", "PutRolePermissionsBoundary", "PutRolePolicy",
				"PutUserPermissionsBoundary", "PutUserPolicy"),
			Resource:  []string{"*"},
			Condition: policy.Conditions{"StringNotLike": {"iam:PermissionsBoundary": s.boundaries()}},
		},
	}
}

// boundaries are the patterns of the stack's boundaries: its own and, with github.drill, the drill role's
// (an administrator creates and changes both; the deploy role creates the drill role under the second).
func (s scope) boundaries() []string {
	if s.drillBoundaryPattern == "" {
		return []string{s.boundaryPattern}
	}
	return []string{s.boundaryPattern, s.drillBoundaryPattern}
}

// allows returns the Allow statements of statements.
func allows(statements []policy.Statement) []policy.Statement {
	return slices.DeleteFunc(slices.Clone(statements), func(st policy.Statement) bool { return st.Effect != policy.Allow })
}

// ciRolePattern matches the stack's GitHub Actions roles and their policies.
func (s scope) ciRolePattern(kind string) string {
	return s.iamNamed(kind)[:len(s.iamNamed(kind))-1] + "github-*"
}

// isolationGuards are the boundary's denials that keep every role of the stack inside it, whatever its
// identity policies say (the deploy role can change the policies of the stack's roles, its own included):
//   - the CI roles cannot change their own trust or boundary, nor be deleted, by any role under the
//     boundary: only an administrator changes whom they trust;
//   - no action applies to a resource tagged with another environment (aws:ResourceTag/Environment):
//     with dev and prod in one account, dev's roles cannot touch prod's network, instances, database,
//     keys (and so its secrets: reading a secret decrypts with its key), log groups, alarms or topics.
//     Actions whose resources carry no such tag, or that do not support the key, are scoped by name
//     in the identity policies and the ceiling;
//   - no role under the boundary may assume a role: what the deploy role creates or changes cannot be
//     used to leave the boundary's reach (a trust policy naming a role ARN is limited by the boundary).
func isolationGuards(s scope) []policy.Statement {
	return []policy.Statement{
		{
			Sid:      "ProtectCIRoles",
			Effect:   policy.Deny,
			Action:   actions("iam", "DeleteRole", "PutRolePermissionsBoundary", "UpdateAssumeRolePolicy"), // DeleteRolePermissionsBoundary: KeepPermissionsBoundaries
			Resource: []string{s.ciRolePattern("role")},
		},
		{
			Sid:       "DenyOtherEnvironments",
			Effect:    policy.Deny,
			Action:    taggedServices,
			Resource:  []string{"*"},
			Condition: policy.Conditions{"StringNotEquals": {resourceTagKey: {s.environment, SharedEnvironment}}, "Null": {resourceTagKey: {"false"}}},
		},
		{Sid: "NoRoleChaining", Effect: policy.Deny, Action: []string{"sts:AssumeRole"}, Resource: []string{"*"}},
	}
}

// SharedEnvironment is the Environment tag of the account's shared resources, which the bootstrap
// project creates for every stack (state bucket, Pulumi secrets keys, OIDC provider, image repository):
// the identity policies name the ones a stack's roles may use, exactly.
const SharedEnvironment = "bootstrap"

// taggedServices are the services of the stack whose resources carry the Environment tag.
var taggedServices = []string{"autoscaling:*", "cloudtrail:*", "cloudwatch:*", "ec2:*", "ecr:*", "elasticloadbalancing:*",
	"iam:*", "kms:*", "logs:*", "rds:*", "secretsmanager:*", "sns:*", "wafv2:*"}

// boundaryDocument is the permissions boundary of every role of the stack: a ceiling over what each role
// legitimately needs (the instances, their secrets at most by the stack's name patterns, the managed
// policies, the delivery roles, and the deploy role, whose reach also bounds the preview role's AWS
// ReadOnlyAccess), followed by the denials against escalation. It is the same document whether or not
// the GitHub roles exist, so that switching them does not change the other roles' ceiling.
func boundaryDocument(s scope) policy.Document {
	grants := slices.Concat(
		appRuntimeStatements(s),
		secretReadStatements(s.account,
			[]string{s.named("secretsmanager", "secret:"), s.account.ARN("secretsmanager", "secret:rds!*")},
			[]string{s.account.ARN("kms", "key/*")}),
		managedPolicyCeilings(s),
		deliveryRoleCeilings(s),
		DeployStatements(s),
		allows(PreviewStatements(s)),
	)
	return policy.New(slices.Concat(ceiling(grants, s.prefix), boundaryGuards(s), isolationGuards(s))...)
}

// ceiling returns statements that allow at least everything grants allow, small enough for a managed
// policy (6,144 characters; the exact union of the deploy role's action groups alone is larger):
//   - a grant scoped to resources, without conditions, outside IAM, widens to its whole services on the
//     union of those resources. As each such action only ever applies to ARNs of its own service (the one
//     exception, wafv2:AssociateWebACL, names a load balancer, which is in the union), the union of
//     resources costs no precision across services;
//   - a grant whose resources also match other stacks' resources (what the stack's name patterns match
//     with another prefix than prefix, e.g. log-group:* for finding log groups) stays exact: widened, it
//     would give every action of its service beyond the stack;
//   - grants on Resource "*", with conditions, or of IAM stay exact: widening them would widen the reach
//     of every role.
//
// Exact grants are merged by resources and conditions. The service wildcards are the boundary's alone;
// no policy that grants permissions uses one.
func ceiling(grants []policy.Statement, prefix string) []policy.Statement {
	var foreign []string
	for _, g := range grants {
		for _, r := range g.Resource {
			if strings.Contains(r, prefix) {
				foreign = append(foreign, strings.ReplaceAll(r, prefix, "other-stack"))
			}
		}
	}
	var exact []policy.Statement
	iamGrants := policy.Statement{Effect: policy.Allow}
	wide := policy.Statement{Effect: policy.Allow}
	// Actions granted on "*" without conditions (by verb, as the boundary writes them) need no other grant.
	var onAny []string
	for _, g := range grants {
		if len(g.Condition) == 0 && slices.Contains(g.Resource, "*") {
			onAny = append(onAny, collapseReads(g.Action)...)
		}
	}
	for _, g := range grants {
		if !slices.Contains(g.Resource, "*") && !slices.ContainsFunc(g.Action, func(a string) bool { return !matchesAny(onAny, a) }) {
			continue
		}
		reachesOthers := slices.ContainsFunc(foreign, func(f string) bool { return matchesAny(g.Resource, f) })
		switch {
		case reachesOthers || !onlyTagConditions(g.Condition) || slices.Contains(g.Resource, "*"):
			exact = append(exact, g)
		case slices.ContainsFunc(g.Action, isIAM):
			// Each IAM action applies to one kind of entity (role, policy, instance profile, provider), so
			// IAM's unconditional grants share one statement without reaching further.
			iamGrants.Action = append(iamGrants.Action, g.Action...)
			iamGrants.Resource = append(iamGrants.Resource, g.Resource...)
		default:
			for _, a := range g.Action {
				wide.Action = appendNew(wide.Action, service(a)+":*")
			}
			for _, r := range g.Resource {
				wide.Resource = append(wide.Resource, generalized(r, prefix))
			}
		}
	}
	out := mergeGrants(exact)
	for i := range out {
		out[i].Action = collapseReads(out[i].Action)
	}
	iamGrants.Action = collapseReads(iamGrants.Action)
	for _, st := range []policy.Statement{iamGrants, wide} {
		if len(st.Action) > 0 {
			st.Action = withoutCovered(st.Action)
			slices.Sort(st.Action)
			st.Resource = withoutCovered(st.Resource)
			slices.Sort(st.Resource)
			out = append(out, st)
		}
	}
	return withoutSubsumed(out)
}

// withoutSubsumed drops the Allow statements whose every action and resource another statement, without
// conditions or with the same ones, already allows (of two that allow the same, the first stays).
func withoutSubsumed(statements []policy.Statement) []policy.Statement {
	var out []policy.Statement
	for i, st := range statements {
		subsumed := false
		for j, other := range statements {
			if i != j && allowsAll(other, st) && !(j > i && allowsAll(st, other)) {
				subsumed = true
				break
			}
		}
		if !subsumed {
			out = append(out, st)
		}
	}
	return out
}

// allowsAll reports whether the Allow statement a allows everything the Allow statement b allows.
func allowsAll(a, b policy.Statement) bool {
	if a.Effect != policy.Allow || b.Effect != policy.Allow || (len(a.Condition) > 0 && grantKey(a) != grantKey(policy.Statement{Effect: a.Effect, Resource: a.Resource, Condition: b.Condition})) {
		return false
	}
	return !slices.ContainsFunc(b.Action, func(x string) bool { return !matchesAny(a.Action, x) }) &&
		!slices.ContainsFunc(b.Resource, func(x string) bool { return !matchesAny(a.Resource, x) })
}

// matchesAny reports whether one of the IAM patterns matches value.
func matchesAny(patterns []string, value string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return globMatch(p, value) })
}

// withoutCovered drops the patterns (ARNs or actions) that another pattern of the list already matches,
// and duplicates.
func withoutCovered(patterns []string) []string {
	var out []string
	for i, a := range patterns {
		covered := slices.ContainsFunc(patterns, func(b string) bool { return b != a && globMatch(b, a) })
		if !covered && !slices.Contains(patterns[:i], a) {
			out = append(out, a)
		}
	}
	return out
}

// globMatch reports whether the IAM pattern (where * matches any characters) matches s. Applied to
// another pattern taken literally, it tells whether that pattern's matches are all matched too: its *s
// can only be consumed by the pattern's own wildcards.
func globMatch(pattern, s string) bool {
	star, ok := strings.CutPrefix(pattern, "*")
	if ok {
		for i := 0; i <= len(s); i++ {
			if globMatch(star, s[i:]) {
				return true
			}
		}
		return false
	}
	if pattern == "" || s == "" {
		return pattern == s
	}
	return pattern[0] == s[0] && globMatch(pattern[1:], s[1:])
}

// onlyTagConditions reports whether conditions only scope by the Environment tag, which the boundary's
// DenyOtherEnvironments enforces for the whole service, or name the services a stack role is passed to
// (the roles under the boundary are the stack's own): such a grant may widen like an unconditional one.
func onlyTagConditions(conditions policy.Conditions) bool {
	for _, kv := range conditions {
		for k := range kv {
			if k != requestTagKey && k != resourceTagKey && k != "iam:PassedToService" {
				return false
			}
		}
	}
	return true
}

// generalized returns an RDS or CloudWatch Logs ARN pattern that names the stack's prefix as the
// pattern of every such resource of the stack in its region: *<prefix>* (their names embed the prefix:
// postgres-8byte-<env>, /aws/rds/instance/postgres-8byte-<env>/..., aws-waf-logs-8byte-<env>).
func generalized(arn, prefix string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && (parts[2] == "rds" || parts[2] == "logs") && strings.Contains(parts[5], prefix) {
		parts[5] = "*" + prefix + "*"
		return strings.Join(parts, ":")
	}
	return arn
}

// readVerbs are the verbs of read-only calls; the boundary allows a service's reads it grants by verb.
var readVerbs = []string{"Describe", "Get", "List"}

// collapseReads replaces each read call of actions by its service's verb wildcard (ec2:DescribeVpcs ->
// ec2:Describe*): the boundary's exact grants stay within reads of the same resources.
func collapseReads(actions []string) []string {
	var out []string
	for _, a := range actions {
		svc, name, _ := strings.Cut(a, ":")
		// The SSM agent's channels and messages (AmazonSSMManagedInstanceCore), by their suffix.
		if svc == "ssmmessages" && strings.HasSuffix(name, "Channel") {
			a = "ssmmessages:*Channel"
		} else if svc == "ec2messages" && strings.HasSuffix(name, "Message") {
			a = "ec2messages:*Message"
		}
		for _, verb := range readVerbs {
			if strings.HasPrefix(name, verb) && !slices.Contains([]string{"ecr", "s3", "secretsmanager"}, svc) {
				a = svc + ":" + verb + "*"
				break
			}
		}
		out = appendNew(out, a)
	}
	slices.Sort(out)
	return out
}

func service(action string) string {
	svc, _, _ := strings.Cut(action, ":")
	return svc
}

func isIAM(action string) bool { return service(action) == "iam" }

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// mergeGrants unions the actions of Allow statements that have the same resources and conditions, in
// order of first appearance. Statement ids are dropped, as a merged statement serves several purposes.
func mergeGrants(statements []policy.Statement) []policy.Statement {
	var merged []policy.Statement
	index := map[string]int{}
	for _, st := range statements {
		key := grantKey(st)
		i, seen := index[key]
		if !seen {
			i = len(merged)
			index[key] = i
			merged = append(merged, policy.Statement{Effect: st.Effect, Resource: st.Resource, Condition: st.Condition})
		}
		for _, a := range st.Action {
			merged[i].Action = appendNew(merged[i].Action, a)
		}
	}
	for i := range merged {
		slices.Sort(merged[i].Action)
	}
	return merged
}

func grantKey(st policy.Statement) string {
	key, _ := json.Marshal([]any{st.Effect, st.Resource, st.Condition}) // maps marshal with sorted keys
	return string(key)
}

// permissionsBoundary creates the boundary policy. Its name is auto-generated from the logical name
// (8byte-<env>-boundary-<suffix>), inside the stack's policy/8byte-<env>-* pattern.
func (b *builder) permissionsBoundary() error {
	doc := boundaryDocument(b.scope)
	var err error
	b.boundary, err = awsiam.NewPolicy(b.ctx, b.child("boundary"), &awsiam.PolicyArgs{
		Description: pulumi.String("Permissions boundary of every role of " + b.name + ": what its roles need, and no escalation"),
		Policy:      cloud.StaticPolicyJSON(doc),
		Tags:        cloud.NameTag(b.child("boundary")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("permissions boundary: %w", err)
	}
	return nil
}
