package observability

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/settings"
)

// CISControl is one of the Security Hub controls CloudWatch.1-14 (CIS AWS Foundations Benchmark): a
// metric filter with exactly Pattern on the trail's log group, and an alarm on its metric.
type CISControl struct {
	ID      string // Security Hub control id, e.g. "CloudWatch.1"
	Title   string // the control's title in Security Hub
	Metric  string // name of the metric the filter publishes
	Pattern string // the filter pattern, verbatim from the Security Hub documentation
}

// CISControls are the metric filters Security Hub checks for CloudWatch.1-14. Security Hub compares the
// patterns character by character ("This control fails if the exact metric filters prescribed by CIS are
// not used"), so each is copied verbatim from the remediation steps of the Security Hub user guide,
// https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html. Never reformat them.
var CISControls = []CISControl{
	{"CloudWatch.1", `A log metric filter and alarm should exist for usage of the "root" user`, "RootUserUsage",
		`{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}`},
	{"CloudWatch.2", "Ensure a log metric filter and alarm exist for unauthorized API calls", "UnauthorizedApiCalls",
		`{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}`},
	{"CloudWatch.3", "Ensure a log metric filter and alarm exist for Management Console sign-in without MFA", "ConsoleSignInWithoutMfa",
		`{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`},
	{"CloudWatch.4", "Ensure a log metric filter and alarm exist for IAM policy changes", "IamPolicyChanges",
		`{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}`},
	{"CloudWatch.5", "Ensure a log metric filter and alarm exist for CloudTrail AWS Configuration changes", "CloudTrailChanges",
		`{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}`},
	{"CloudWatch.6", "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures", "ConsoleAuthenticationFailures",
		`{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}`},
	{"CloudWatch.7", "Ensure a log metric filter and alarm exist for disabling or scheduled deletion of customer managed keys", "KmsKeyDisableOrDeletion",
		`{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}`},
	{"CloudWatch.8", "Ensure a log metric filter and alarm exist for S3 bucket policy changes", "S3BucketPolicyChanges",
		`{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}`},
	{"CloudWatch.9", "Ensure a log metric filter and alarm exist for AWS Config configuration changes", "AwsConfigChanges",
		`{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}`},
	{"CloudWatch.10", "Ensure a log metric filter and alarm exist for security group changes", "SecurityGroupChanges",
		`{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}`},
	{"CloudWatch.11", "Ensure a log metric filter and alarm exist for changes to Network Access Control Lists (NACL)", "NetworkAclChanges",
		`{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}`},
	{"CloudWatch.12", "Ensure a log metric filter and alarm exist for changes to network gateways", "NetworkGatewayChanges",
		`{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}`},
	{"CloudWatch.13", "Ensure a log metric filter and alarm exist for route table changes", "RouteTableChanges",
		`{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}`},
	{"CloudWatch.14", "Ensure a log metric filter and alarm exist for VPC changes", "VpcChanges",
		`{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}`},
}

// CISNamespace is the metric namespace of env's CIS metrics. It is per stack so that two stacks with
// trails in one account never count each other's events.
func CISNamespace(env settings.Environment) string { return "CISBenchmark/" + settings.Prefix(env) }

// cisAlarms creates, for every CIS control, the metric filter on the trail's log group and an alarm that
// fires on the first matching event (Security Hub's remediation: Sum >= 1 over 5 minutes).
func (b *monitor) cisAlarms(trailLogGroup pulumi.StringOutput) error {
	ns := CISNamespace(b.args.Environment)
	for _, c := range CISControls {
		role := "cis-" + c.Metric
		if err := b.logMetric(role, trailLogGroup, c.Pattern, ns, c.Metric); err != nil {
			return fmt.Errorf("%s: %w", c.ID, err)
		}
		if err := b.alarm(alarmSpec{
			role: role, description: fmt.Sprintf("[%s] %s", c.ID, c.Title),
			namespace: ns, metric: c.Metric, statistic: "Sum", period: fiveMinutes, evaluationPeriods: 1,
			comparison: atLeast, threshold: 1, treatMissingData: missingIsOK,
		}); err != nil {
			return fmt.Errorf("%s: %w", c.ID, err)
		}
	}
	return nil
}
