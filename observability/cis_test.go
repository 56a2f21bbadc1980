package observability

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

// publishedCISPatterns are the filter patterns of the remediation steps of Security Hub controls
// CloudWatch.1-14, transcribed separately from CISControls from the Security Hub user guide
// (https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html): Security Hub
// passes a control only with exactly this text.
var publishedCISPatterns = map[string]string{
	"CloudWatch.1":  `{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}`,
	"CloudWatch.2":  `{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}`,
	"CloudWatch.3":  `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`,
	"CloudWatch.4":  `{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}`,
	"CloudWatch.5":  `{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}`,
	"CloudWatch.6":  `{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}`,
	"CloudWatch.7":  `{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}`,
	"CloudWatch.8":  `{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}`,
	"CloudWatch.9":  `{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}`,
	"CloudWatch.10": `{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}`,
	"CloudWatch.11": `{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}`,
	"CloudWatch.12": `{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}`,
	"CloudWatch.13": `{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}`,
	"CloudWatch.14": `{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}`,
}

func TestCISPatternsAreThePublishedText(t *testing.T) {
	require.Len(t, CISControls, len(publishedCISPatterns))
	metrics := map[string]bool{}
	for _, c := range CISControls {
		want, ok := publishedCISPatterns[c.ID]
		require.True(t, ok, "unknown control %s", c.ID)
		assert.Equal(t, want, c.Pattern, c.ID)
		assert.NotEmpty(t, c.Title, c.ID)
		assert.False(t, metrics[c.Metric], "metric %s used twice", c.Metric)
		metrics[c.Metric] = true
	}
}

func TestEachCISFilterIsOnTheTrailLogGroupWithAnAlarm(t *testing.T) {
	mocks, _, err := runMonitoring(t, settings.Prod, nil)
	require.NoError(t, err)
	ns := "CISBenchmark/8byte-prod"
	for _, c := range CISControls {
		filter := mocks.Find(typeMetricFilter, "8byte-prod-cis-"+c.Metric)
		require.NotNil(t, filter, c.ID)
		assert.Equal(t, "8byte-prod-cloudtrail", filter.String("logGroupName"), c.ID)
		assert.Equal(t, publishedCISPatterns[c.ID], filter.String("pattern"), c.ID)
		assert.Equal(t, c.Metric, filter.String("metricTransformation.name"), c.ID)
		assert.Equal(t, ns, filter.String("metricTransformation.namespace"), c.ID)
		assert.Equal(t, "1", filter.String("metricTransformation.value"), c.ID)

		alarm := mocks.Find(typeAlarm, "8byte-prod-cis-"+c.Metric)
		require.NotNil(t, alarm, c.ID)
		assert.Equal(t, c.Metric, alarm.String("metricName"), c.ID)
		assert.Equal(t, ns, alarm.String("namespace"), c.ID)
		assert.Equal(t, "Sum", alarm.String("statistic"), c.ID)
		assert.Equal(t, "GreaterThanOrEqualToThreshold", alarm.String("comparisonOperator"), c.ID)
		assert.InDelta(t, 1, threshold(alarm), 1e-9, c.ID)
		assert.Equal(t, "notBreaching", alarm.String("treatMissingData"), c.ID)
		assert.Equal(t, []string{testTopicArn}, alarm.Strings("alarmActions"), c.ID)
		assert.Equal(t, []string{testTopicArn}, alarm.Strings("okActions"), c.ID)
		assert.Contains(t, alarm.String("alarmDescription"), "["+c.ID+"]")
	}
	assert.Len(t, mocks.OfType(typeMetricFilter), len(CISControls)+2, "the CIS filters and the two app-log filters")
	assert.Len(t, mocks.OfType(typeAlarm), len(CISControls)+len(expectedAlarms(settings.Prod)))
}
