package iam

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
	const read = "a read-only Describe/List/Get call of a managed service without resource-level permissions"
	m := map[string]WildcardGrant{
		"ecr:GetAuthorizationToken": {Reason: "the registry login token has no resource-level permission"},
		"cloudwatch:PutMetricData": {Reason: "metric data has no resource-level permission; the namespace condition scopes it",
			RequiredCondition: "cloudwatch:namespace"},
		"kms:CreateKey": {Reason: "a key has no ARN before it exists"},
	}
	for _, a := range managedServiceReads {
		m[a] = WildcardGrant{Reason: read}
	}
	for _, a := range actions("logs", "CreateLogDelivery", "DeleteLogDelivery", "GetLogDelivery", "ListLogDeliveries", "UpdateLogDelivery") {
		m[a] = WildcardGrant{Reason: "WAF logging's log deliveries have no resource-level permissions"}
	}
	for _, a := range sessionManagerAgentActions {
		m[a] = WildcardGrant{Reason: "the SSM agent's actions as the AWS managed AmazonSSMManagedInstanceCore grants them (the boundary lets them through)"}
	}
	return m
}()
