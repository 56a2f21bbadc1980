package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

func TestAccessLogBucketLetsTheRegionsELBDeliver(t *testing.T) {
	cases := []struct {
		name      string
		region    string
		principal policy.Principal
		invokes   []string
	}{
		{"region with an ELB account", tests.Region, policy.AWS(tests.ELBAccountARN), []string{invokeELBAccount}},
		{"region opened after August 2022", "eu-central-2", policy.Services("logdelivery.elasticloadbalancing.amazonaws.com"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mocks, _ := runCompute(t, settings.Dev, func(_ *pulumi.Context, a *Args) error {
				a.Account.Region = tc.region
				a.Config.RepositoryURL = "123456789012.dkr.ecr." + tc.region + ".amazonaws.com/8byte-app"
				return nil
			})
			assert.Equal(t, tc.invokes, mocks.Invokes())

			only(t, mocks, secure.BucketType)
			bucket := only(t, mocks, typeBucket)
			arn := bucket.Out["arn"].(string)
			assert.Equal(t, "AES256", only(t, mocks, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2").
				String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"), "ALB log delivery supports SSE-S3 only")
			assert.Equal(t, testAccessLogs, only(t, mocks, "aws:s3/bucketLoggingV2:BucketLoggingV2").String("targetBucket"))

			var doc policy.Document
			require.NoError(t, only(t, mocks, typeBucketPolicy).JSON("policy", &doc))
			require.Len(t, doc.Statement, 2)
			assert.Equal(t, policy.DenyInsecureTransport([]string{"s3:*"}, arn, arn+"/*"), doc.Statement[0])
			assert.Equal(t, policy.Statement{
				Sid:       "ELBAccessLogDelivery",
				Effect:    policy.Allow,
				Principal: tc.principal,
				Action:    []string{"s3:PutObject"},
				Resource:  []string{arn + "/alb/AWSLogs/123456789012/*"},
			}, doc.Statement[1])
		})
	}
}

func TestELBLogDeliveryPrincipal(t *testing.T) {
	const looked = "arn:aws:iam::000000000000:root" // what elb.GetServiceAccount answered
	for region, want := range map[string]policy.Principal{
		"eu-west-1":      policy.AWS(looked),
		"ap-southeast-3": policy.AWS(looked), // Jakarta (December 2021) still has an ELB account
		"cn-north-1":     policy.AWS(looked),
		"ap-southeast-4": policy.Services("logdelivery.elasticloadbalancing.amazonaws.com"),
		"il-central-1":   policy.Services("logdelivery.elasticloadbalancing.amazonaws.com"),
	} {
		acct := account
		acct.Region = region
		assert.Equal(t, want, ELBLogDeliveryPrincipal(acct, looked), region)
	}
}

func TestLoadBalancer(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runCompute(t, env, nil)
			alb := only(t, mocks, typeLB)
			assert.Equal(t, settings.Prefix(env)+"-alb", alb.Name)
			assert.Equal(t, "application", alb.String("loadBalancerType"))
			assert.False(t, alb.Bool("internal"), "internet-facing")
			assert.Equal(t, []string{"subnet-pub-a", "subnet-pub-b"}, alb.Strings("subnets"))
			assert.Equal(t, []string{"sg-alb"}, alb.Strings("securityGroups"))
			assert.True(t, alb.Bool("dropInvalidHeaderFields"))
			assert.Equal(t, "defensive", alb.String("desyncMitigationMode"))
			assert.Equal(t, env.IsProd(), alb.Bool("enableDeletionProtection"))
			assert.Equal(t, 60, alb.Int("idleTimeout"))
			assert.True(t, alb.Bool("accessLogs.enabled"))
			assert.Equal(t, only(t, mocks, typeBucket).Out["bucket"], alb.String("accessLogs.bucket"))
			assert.Equal(t, "alb", alb.String("accessLogs.prefix"))
			assert.True(t, mocks.DependsOn(alb, only(t, mocks, typeBucketPolicy)), "the ALB tests log delivery on creation: it needs the bucket policy")
			assert.Equal(t, settings.Prefix(env)+"-alb", alb.Tag("Name"))
		})
	}
}

func TestTargetGroup(t *testing.T) {
	mocks, _ := runCompute(t, settings.Prod, func(_ *pulumi.Context, a *Args) error {
		a.AppPort = 8080
		a.Config.HealthCheckPath = "/healthz"
		a.Config.DeregistrationDelaySeconds = 45
		return nil
	})
	tg := only(t, mocks, typeTargetGroup)
	assert.Equal(t, "vpc-0123", tg.String("vpcId"))
	assert.Equal(t, "instance", tg.String("targetType"))
	assert.Equal(t, "HTTP", tg.String("protocol"))
	assert.Equal(t, 8080, tg.Int("port"))
	assert.Equal(t, 45, tg.Int("deregistrationDelay"))
	assert.Equal(t, map[string]any{
		"enabled": true, "protocol": "HTTP", "port": "traffic-port", "path": "/healthz", "matcher": "200",
		"interval": 15, "timeout": 5, "healthyThreshold": 2, "unhealthyThreshold": 3,
	}, tg.Get("healthCheck"))

	mocks, _ = runCompute(t, settings.Dev, nil)
	tg = only(t, mocks, typeTargetGroup)
	assert.Equal(t, "/health", tg.String("healthCheck.path"))
	assert.Equal(t, 30, tg.Int("deregistrationDelay"))
	assert.Equal(t, 8000, tg.Int("port"))
}

func TestListenersWithCertificate(t *testing.T) {
	mocks, _ := runCompute(t, settings.Prod, nil)
	tgArn := only(t, mocks, typeTargetGroup).Out["arn"]
	albArn := only(t, mocks, typeLB).Out["arn"]
	require.Len(t, mocks.OfType(typeListener), 2)

	https := mocks.Find(typeListener, "8byte-prod-https")
	require.NotNil(t, https)
	assert.Equal(t, albArn, https.String("loadBalancerArn"))
	assert.Equal(t, 443, https.Int("port"))
	assert.Equal(t, "HTTPS", https.String("protocol"))
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", https.String("sslPolicy"))
	assert.Equal(t, testCertificate, https.String("certificateArn"))
	assert.Equal(t, "max-age=31536000; includeSubDomains", https.String("routingHttpResponseStrictTransportSecurityHeaderValue"))
	assert.Equal(t, []any{map[string]any{"type": "forward", "targetGroupArn": tgArn}}, https.Get("defaultActions"))

	http := mocks.Find(typeListener, "8byte-prod-http")
	require.NotNil(t, http)
	assert.Equal(t, albArn, http.String("loadBalancerArn"))
	assert.Equal(t, 80, http.Int("port"))
	assert.Equal(t, "HTTP", http.String("protocol"))
	assert.Equal(t, []any{map[string]any{
		"type":     "redirect",
		"redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
	}}, http.Get("defaultActions"))
}

func TestListenerWithoutCertificateForwardsHTTP(t *testing.T) {
	cases := map[string]struct {
		env    settings.Environment
		change func(*Args)
	}{
		"dev":                   {settings.Dev, func(*Args) {}},
		"prod with the opt-out": {settings.Prod, func(a *Args) { a.Config.CertificateArn, a.Config.AllowHTTPWithoutCertificate = "", true }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mocks, _ := runCompute(t, tc.env, func(_ *pulumi.Context, a *Args) error { tc.change(a); return nil })
			l := only(t, mocks, typeListener)
			assert.Equal(t, 80, l.Int("port"))
			assert.Equal(t, "HTTP", l.String("protocol"))
			assert.Empty(t, l.String("sslPolicy"))
			assert.Empty(t, l.String("routingHttpResponseStrictTransportSecurityHeaderValue"))
			assert.Equal(t, []any{map[string]any{"type": "forward", "targetGroupArn": only(t, mocks, typeTargetGroup).Out["arn"]}}, l.Get("defaultActions"))
		})
	}
}

func TestDevWithCertificateServesHTTPS(t *testing.T) {
	mocks, c := runCompute(t, settings.Dev, func(_ *pulumi.Context, a *Args) error {
		a.Config.CertificateArn = testCertificate
		return nil
	})
	require.Len(t, mocks.OfType(typeListener), 2)
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", mocks.Find(typeListener, "8byte-dev-https").String("sslPolicy"))
	assert.Equal(t, "redirect", mocks.Find(typeListener, "8byte-dev-http").String("defaultActions.0.type"))
	assert.Regexp(t, `^https://`, tests.AwaitString(t, c.AlbURL))
}
