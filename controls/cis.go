package controls

import (
	"strings"

	"github.com/8byte/infra/tests"
)

// cisPatterns are the metric filter patterns Security Hub requires for CloudWatch.1-14, copied verbatim
// from the Security Hub user guide (cloudwatch-controls). Security Hub matches them exactly, so this
// table is transcribed independently of the observability tier's: the two cross-check each other.
var cisPatterns = []struct{ id, title, pattern string }{
	{"CloudWatch.1", "A log metric filter and alarm should exist for usage of the \"root\" user", `{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}`},
	{"CloudWatch.2", "Ensure a log metric filter and alarm exist for unauthorized API calls", `{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}`},
	{"CloudWatch.3", "Ensure a log metric filter and alarm exist for Management Console sign-in without MFA", `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`},
	{"CloudWatch.4", "Ensure a log metric filter and alarm exist for IAM policy changes", `{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}`},
	{"CloudWatch.5", "Ensure a log metric filter and alarm exist for CloudTrail AWS Configuration changes", `{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}`},
	{"CloudWatch.6", "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures", `{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}`},
	{"CloudWatch.7", "Ensure a log metric filter and alarm exist for disabling or scheduled deletion of customer managed keys", `{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}`},
	{"CloudWatch.8", "Ensure a log metric filter and alarm exist for S3 bucket policy changes", `{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}`},
	{"CloudWatch.9", "Ensure a log metric filter and alarm exist for AWS Config configuration changes", `{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}`},
	{"CloudWatch.10", "Ensure a log metric filter and alarm exist for security group changes", `{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}`},
	{"CloudWatch.11", "Ensure a log metric filter and alarm exist for changes to Network Access Control Lists (NACL)", `{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}`},
	{"CloudWatch.12", "Ensure a log metric filter and alarm exist for changes to network gateways", `{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}`},
	{"CloudWatch.13", "Ensure a log metric filter and alarm exist for route table changes", `{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}`},
	{"CloudWatch.14", "Ensure a log metric filter and alarm exist for VPC changes", `{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}`},
}

// cisControls returns one control per CIS pattern: a metric filter with exactly that pattern on the log
// group the trail delivers to, and an alarm on its metric that notifies a topic with a subscriber.
func cisControls() []*Control {
	out := make([]*Control, 0, len(cisPatterns))
	for _, p := range cisPatterns {
		out = append(out, &Control{
			ID: p.id, Title: p.title,
			Checks: "a metric filter on the trail's log group with the published pattern, and an alarm on its metric that notifies a subscribed topic",
			Types:  []string{typeTrail},
			Evaluate: func(s *Stack) []Finding {
				return each(s, []string{typeTrail}, func(trail *tests.Resource) []Finding {
					group := logGroupOfARN(trail.String("cloudWatchLogsGroupArn"))
					for _, f := range s.OfType(typeMetricFilter) {
						if f.String("logGroupName") != group || f.String("pattern") != p.pattern {
							continue
						}
						if alarmNotifies(s, f.String("metricTransformation.name"), f.String("metricTransformation.namespace")) {
							return nil
						}
						return []Finding{finding(f, "no alarm on its metric notifies a subscribed topic")}
					}
					return []Finding{finding(trail, "no metric filter with the published pattern on log group %q", group)}
				})
			},
			Break: func(s *Stack) {
				for _, f := range s.OfType(typeMetricFilter) {
					if f.String("pattern") == p.pattern {
						set(f, "pattern", p.pattern+" ")
					}
				}
			},
			Branches: []Branch{
				{"the filter on another log group", func(s *Stack) {
					for _, f := range s.OfType(typeMetricFilter) {
						if f.String("pattern") == p.pattern {
							set(f, "logGroupName", "other")
						}
					}
				}},
				{"no alarm on its metric notifies a subscriber", func(s *Stack) {
					for _, sub := range s.OfType(typeSubscription) {
						set(sub, "topic", "arn:other")
					}
				}},
			},
		})
	}
	return out
}

// logGroupOfARN returns the log group name of "arn:...:log-group:NAME:*".
func logGroupOfARN(arn string) string {
	_, rest, ok := strings.Cut(arn, ":log-group:")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(rest, ":*")
}

// alarmNotifies reports whether an alarm on metric (namespace) sends to a topic that has a subscription.
func alarmNotifies(s *Stack, metric, namespace string) bool {
	for _, a := range s.OfType(typeAlarm) {
		if a.String("metricName") != metric || a.String("namespace") != namespace {
			continue
		}
		for _, arn := range a.Strings("alarmActions") {
			for _, sub := range s.OfType(typeSubscription) {
				if sub.String("topic") == arn {
					return true
				}
			}
		}
	}
	return false
}
