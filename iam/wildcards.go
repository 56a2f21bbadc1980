package iam

import "strings"

// WildcardGrant says why an action may be allowed on Resource "*", and which condition key must then
// restrict the statement ("" when none can).
type WildcardGrant struct {
	Reason            string
	RequiredCondition string
}

// WildcardResourceActions are the only actions an Allow statement of this stack may grant on Resource
// "*" (patterns are matched as written, not expanded). AWS offers no resource-level permission for any
// of them. The stack-wide control matrix checks every identity policy against this list.
var WildcardResourceActions = func() map[string]WildcardGrant {
	m := map[string]WildcardGrant{
		"ecr:GetAuthorizationToken": {Reason: "the registry login token has no resource-level permission"},
		"cloudwatch:PutMetricData": {Reason: "metric data has no resource-level permission; the namespace condition scopes it",
			RequiredCondition: "cloudwatch:namespace"},
		"ec2:DescribeAvailabilityZones": {Reason: "the program's zone lookup; EC2 Describe calls have no resource-level permission"},
	}
	for _, p := range PermissionTable {
		for _, a := range p.AnyResource {
			m[a] = WildcardGrant{Reason: "no resource type in the Service Authorization Reference (permission table row " + p.Type + ")"}
		}
	}
	// The boundary lets the reads above through by verb (collapseReads), and the SSM agent's calls.
	var listed []string
	for a := range m {
		listed = append(listed, a)
	}
	for _, a := range collapseReads(append(listed, sessionManagerAgentActions...)) {
		if _, ok := m[a]; ok || !strings.Contains(a, "*") {
			continue
		}
		reason := "a read-only call by verb, in the boundary's ceiling of the reads listed here"
		if svc, _, _ := strings.Cut(a, ":"); svc == "ssmmessages" || svc == "ec2messages" {
			reason = "the SSM agent's channel and message calls, in the boundary's ceiling of AmazonSSMManagedInstanceCore"
		}
		m[a] = WildcardGrant{Reason: reason}
	}
	for _, a := range sessionManagerAgentActions {
		m[a] = WildcardGrant{Reason: "the SSM agent's actions as the AWS managed AmazonSSMManagedInstanceCore grants them (the boundary lets them through)"}
	}
	return m
}()
