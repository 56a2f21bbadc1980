package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// Load balancer settings that are not configuration.
const (
	// TLSPolicy is the HTTPS listener's security policy: TLS 1.3 and 1.2 with forward-secret ciphers only.
	// The provider's default (ELBSecurityPolicy-2016-08) still accepts TLS 1.0, so it is always set.
	TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	// HSTSHeader is the Strict-Transport-Security header the HTTPS listener adds to every response: one
	// year, subdomains included. No `preload`: that commits the whole domain, the domain owner's call.
	HSTSHeader = "max-age=31536000; includeSubDomains"
	// AccessLogPrefix is where the ALB writes its access logs in the log bucket.
	AccessLogPrefix = "alb"
	// DesyncMitigationMode makes the ALB reject requests that HTTP desync attacks rely on, while still
	// serving merely unusual but safe requests.
	DesyncMitigationMode = "defensive"
	idleTimeoutSeconds   = 60
	healthCheckInterval  = 15
	healthCheckTimeout   = 5
	healthyThreshold     = 2
	unhealthyThreshold   = 3
)

// elbAccountRegions are the regions opened before August 2022, where ALB access logs are delivered by
// the region's Elastic Load Balancing account (elb.GetServiceAccount knows only these and fails
// elsewhere). Newer regions deliver through the logdelivery.elasticloadbalancing service principal.
var elbAccountRegions = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true,
	"af-south-1": true, "ap-east-1": true, "ap-south-1": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"ap-southeast-3": true, "ap-northeast-1": true, "ap-northeast-2": true, "ap-northeast-3": true,
	"ca-central-1": true, "eu-central-1": true, "eu-west-1": true, "eu-west-2": true, "eu-west-3": true,
	"eu-south-1": true, "eu-north-1": true, "me-south-1": true, "sa-east-1": true,
	"us-gov-west-1": true, "us-gov-east-1": true, "cn-north-1": true, "cn-northwest-1": true,
}

// ELBLogDeliveryPrincipal returns the principal that writes ALB access logs in account's region: the
// region's Elastic Load Balancing account (elbAccountArn, from elb.GetServiceAccount) in regions opened
// before August 2022, the log-delivery service principal in newer ones.
func ELBLogDeliveryPrincipal(account settings.Account, elbAccountArn string) policy.Principal {
	if elbAccountRegions[account.Region] {
		return policy.AWS(elbAccountArn)
	}
	return policy.Services(account.Service("logdelivery.elasticloadbalancing"))
}

// logBucket creates the ALB access-log bucket: SSE-S3 (the only encryption ALB log delivery supports),
// writable by the ELB log delivery under this account's log prefix only.
func (b *builder) logBucket() error {
	acct := b.args.Account
	inputs := pulumi.StringMap{}
	if elbAccountRegions[acct.Region] {
		inputs["elbAccountArn"] = elb.GetServiceAccountOutput(b.ctx, elb.GetServiceAccountOutputArgs{
			Region: pulumi.String(acct.Region),
		}, pulumi.Parent(b.component)).Arn()
	}
	bucket, err := secure.NewBucket(b.ctx, b.child("alb-logs"), &secure.BucketArgs{
		Environment:     b.args.Environment,
		Account:         acct,
		AccessLogBucket: b.args.AccessLogBucketName,
		Lifecycle:       secure.DefaultLifecycle(b.args.Environment),
		Inputs:          inputs,
		Statements: func(bucketArn string, v map[string]string) []policy.Statement {
			return []policy.Statement{{
				Sid:       "ELBAccessLogDelivery",
				Effect:    policy.Allow,
				Principal: ELBLogDeliveryPrincipal(acct, v["elbAccountArn"]),
				Action:    []string{"s3:PutObject"},
				Resource:  []string{fmt.Sprintf("%s/%s/AWSLogs/%s/*", bucketArn, AccessLogPrefix, acct.ID)},
			}}
		},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("alb log bucket: %w", err)
	}
	b.albLogs = bucket
	return nil
}

// loadBalancer creates the internet-facing ALB in the public subnets, its target group and its listeners.
func (b *builder) loadBalancer() error {
	cfg := b.args.Config
	var err error
	b.alb, err = lb.NewLoadBalancer(b.ctx, b.child("alb"), &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		Subnets:                  b.args.PublicSubnetIds,
		SecurityGroups:           pulumi.StringArray{b.args.AlbSecurityGroupId},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String(DesyncMitigationMode),
		EnableDeletionProtection: pulumi.Bool(b.args.Environment.Protected()),
		IdleTimeout:              pulumi.Int(idleTimeoutSeconds),
		EnableHttp2:              pulumi.Bool(true),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket:  b.albLogs.Name,
			Prefix:  pulumi.String(AccessLogPrefix),
			Enabled: pulumi.Bool(true),
		},
		Tags: cloud.NameTag(b.child("alb")),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.albLogs.Policy}))
	if err != nil {
		return fmt.Errorf("load balancer: %w", err)
	}

	b.targetGroup, err = lb.NewTargetGroup(b.ctx, b.child("app"), &lb.TargetGroupArgs{
		VpcId:               b.args.VpcId,
		TargetType:          pulumi.String("instance"),
		Protocol:            pulumi.String("HTTP"),
		Port:                pulumi.Int(b.args.AppPort),
		DeregistrationDelay: pulumi.Int(cfg.DeregistrationDelaySeconds),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String("HTTP"),
			Port:               pulumi.String("traffic-port"),
			Path:               pulumi.String(cfg.HealthCheckPath),
			Matcher:            pulumi.String("200"),
			Interval:           pulumi.Int(healthCheckInterval),
			Timeout:            pulumi.Int(healthCheckTimeout),
			HealthyThreshold:   pulumi.Int(healthyThreshold),
			UnhealthyThreshold: pulumi.Int(unhealthyThreshold),
		},
		Tags: cloud.NameTag(b.child("app")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("target group: %w", err)
	}
	return b.listeners()
}

// listeners: with a certificate, HTTPS on 443 forwards (TLS 1.2+, HSTS) and HTTP on 80 redirects to it;
// without one (dev, or prod with the documented opt-out), HTTP on 80 forwards.
func (b *builder) listeners() error {
	forward := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type:           pulumi.String("forward"),
		TargetGroupArn: b.targetGroup.Arn,
	}}
	cert := b.args.Config.CertificateArn
	if cert == "" {
		_, err := lb.NewListener(b.ctx, b.child("http"), &lb.ListenerArgs{
			LoadBalancerArn: b.alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward,
			Tags:            cloud.NameTag(b.child("http")),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("http listener: %w", err)
		}
		return nil
	}
	if _, err := lb.NewListener(b.ctx, b.child("https"), &lb.ListenerArgs{
		LoadBalancerArn: b.alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(TLSPolicy),
		CertificateArn:  pulumi.String(cert),
		DefaultActions:  forward,
		RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String(HSTSHeader),
		Tags: cloud.NameTag(b.child("https")),
	}, b.parent); err != nil {
		return fmt.Errorf("https listener: %w", err)
	}
	if _, err := lb.NewListener(b.ctx, b.child("http"), &lb.ListenerArgs{
		LoadBalancerArn: b.alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
		Tags: cloud.NameTag(b.child("http")),
	}, b.parent); err != nil {
		return fmt.Errorf("http redirect listener: %w", err)
	}
	return nil
}
