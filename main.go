// Command 8byte is the Pulumi program that deploys the 8byte web application's AWS stack, one stack per
// environment (dev, prod, or any name with a dev or prod profile). It only wires the tiers together:
// each tier package owns its resources. What every stack of an account shares (state backend, secrets
// keys, GitHub OIDC provider, image registry) is the bootstrap project's (bootstrap/), read here by config.
package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/compute"
	"github.com/8byte/infra/data"
	"github.com/8byte/infra/iam"
	"github.com/8byte/infra/network"
	"github.com/8byte/infra/observability"
	"github.com/8byte/infra/settings"
)

func main() { pulumi.Run(program, mainOptions...) }

// mainOptions are extra options of main's run: none in a deployment (the engine configures the run through
// the process environment); the tests set the mock cloud here to run the real main.
var mainOptions []pulumi.RunOption

// program is the whole Pulumi program: it refuses unknown config keys (the engine passes all of them in
// pulumi.EnvConfig), deploys the stack and exports every output deploy returns.
var program = cloud.Program(rejectUnknownKeys, deploy)

// deploy reads the configuration, builds the tiers in order and returns the stack outputs. IAM comes
// first: every role of the stack carries its permissions boundary. The observability tier's log groups and
// alarm topic come before compute (the instances write to them from their first boot), its alarms after.
func deploy(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg, err := readConfig(ctx)
	if err != nil {
		return nil, err
	}
	account, err := cloud.LookupAccount(ctx)
	if err != nil {
		return nil, err
	}
	if err := cfg.Database.CheckReplicaRegion(account.Region); err != nil {
		return nil, err
	}
	if err := cfg.Recovery.CheckAccount(account); err != nil {
		return nil, err
	}
	if err := checkStandIns(cfg, account); err != nil {
		return nil, err
	}
	zones, err := availabilityZones(ctx, account, cfg.Network)
	if err != nil {
		return nil, err
	}
	defaultTags, err := readDefaultTags(ctx)
	if err != nil {
		return nil, err
	}
	env := cfg.Environment
	name := settings.Prefix(env)
	_, _, repository, _ := cfg.Compute.Repository() // validated: the instance role may pull from it only
	metricsNamespace := "8byte/" + env.Name         // the only namespace the instance role may publish to

	identity, err := iam.NewIAM(ctx, name, &iam.Args{
		Environment: env, Account: account, Config: cfg.GitHub,
		AppRepositoryName: repository, MetricsNamespace: metricsNamespace,
		ManagesAccountSettings: cfg.Database.ManageAccountPublicAccessBlock,
	})
	if err != nil {
		return nil, err
	}
	net, err := network.NewNetwork(ctx, name, &network.Args{
		Environment: env, Account: account, Config: cfg.Network, AvailabilityZones: zones,
		AppPort: cfg.AppPort, DatabasePort: postgresPort, PermissionsBoundary: identity.PermissionsBoundaryArn,
	})
	if err != nil {
		return nil, err
	}
	db, err := data.NewData(ctx, name, &data.Args{
		Environment: env, Account: account, Config: cfg.Database, Recovery: cfg.Recovery, DefaultTags: defaultTags,
		DatabaseSubnetIds: net.DatabaseSubnetIds, DatabaseSecurityGroupId: net.DatabaseSecurityGroupId,
		DatabasePort: postgresPort, MonitoringRoleArn: identity.MonitoringRoleArn, AppRoleArn: identity.AppRoleArn,
	})
	if err != nil {
		return nil, err
	}
	// The app role may read exactly the database secrets once they exist; the instances do not wait for
	// this (the app retries until it can read them).
	if _, err := iam.NewSecretAccess(ctx, name, &iam.SecretAccessArgs{
		Account: account, RoleName: identity.AppRoleName,
		SecretArns: db.SecretArns, KeyArns: pulumi.StringArray{db.SecretsKeyArn},
	}); err != nil {
		return nil, err
	}
	logs, err := observability.NewLogging(ctx, name, &observability.LoggingArgs{
		Environment: env, Account: account, Config: cfg.Observability,
	})
	if err != nil {
		return nil, err
	}
	app, err := compute.NewCompute(ctx, name, &compute.Args{
		Environment: env, Account: account, Config: cfg.Compute, AppPort: cfg.AppPort,
		MetricsNamespace: metricsNamespace, LogRetentionDays: logs.LogRetentionDays,
		VpcId: net.VpcId, PublicSubnetIds: net.PublicSubnetIds, PrivateSubnetIds: net.PrivateSubnetIds,
		AlbSecurityGroupId: net.AlbSecurityGroupId, AppSecurityGroupId: net.AppSecurityGroupId,
		InstanceProfileArn: identity.InstanceProfileArn, ConnectionSecretArn: db.ConnectionSecretArn,
		AccessLogBucketName: db.AccessLogBucketName,
		AppLogGroupName:     logs.AppLogGroupName, SystemLogGroupName: logs.SystemLogGroupName,
	})
	if err != nil {
		return nil, err
	}
	monitoring, err := observability.NewMonitoring(ctx, name, &observability.MonitoringArgs{
		Environment: env, Account: account, Config: cfg.Observability, MetricsNamespace: metricsNamespace,
		AlarmTopicArn: logs.AlarmTopicArn, AppLogGroupName: logs.AppLogGroupName,
		AlbArnSuffix: app.AlbArnSuffix, TargetGroupArnSuffix: app.TargetGroupArnSuffix, AsgName: app.AsgName,
		DbInstanceIdentifier: db.DbInstanceId, AccessLogBucketName: db.AccessLogBucketName,
		PermissionsBoundaryArn: identity.PermissionsBoundaryArn,
	})
	if err != nil {
		return nil, err
	}

	return pulumi.Map{
		"environment":       pulumi.String(env.Name),
		"profile":           pulumi.String(env.Profile),
		"region":            pulumi.String(account.Region),
		"vpcId":             net.VpcId,
		"vpcCidr":           net.VpcCidr,
		"publicSubnetIds":   net.PublicSubnetIds,
		"privateSubnetIds":  net.PrivateSubnetIds,
		"databaseSubnetIds": net.DatabaseSubnetIds,
		"natPublicIps":      net.NatPublicIps,

		"appRoleArn":             identity.AppRoleArn,
		"instanceProfileName":    identity.InstanceProfileName,
		"monitoringRoleArn":      identity.MonitoringRoleArn,
		"permissionsBoundaryArn": identity.PermissionsBoundaryArn,
		"previewRoleArn":         identity.PreviewRoleArn,
		"deployRoleArn":          identity.DeployRoleArn,
		"drillRoleArn":           identity.DrillRoleArn,
		"oidcProviderArn":        identity.OidcProviderArn,

		"dbEndpoint":          db.DbEndpoint,
		"dbAddress":           db.DbAddress,
		"dbPort":              db.DbPort,
		"dbName":              db.DbName,
		"dbInstanceId":        db.DbInstanceId,
		"dbSecretArn":         db.DbSecretArn,
		"connectionSecretArn": db.ConnectionSecretArn,
		"databaseKeyArn":      db.DatabaseKeyArn,
		"secretsKeyArn":       db.SecretsKeyArn,
		"replicaKeyArn":       db.ReplicaKeyArn,
		"accessLogBucketName": db.AccessLogBucketName,

		"albDnsName":       app.AlbDNSName,
		"albUrl":           app.AlbURL,
		"albArn":           app.AlbArn,
		"targetGroupArn":   app.TargetGroupArn,
		"asgName":          app.AsgName,
		"ecrRepositoryUrl": pulumi.String(cfg.Compute.RepositoryURL),
		"imageTag":         pulumi.String(cfg.Compute.ImageTag),
		"webAclArn":        app.WebACLArn,
		"albLogBucketName": app.AlbLogBucketName,

		"alarmTopicArn":   logs.AlarmTopicArn,
		"dashboardName":   monitoring.DashboardName,
		"dashboardUrl":    monitoring.DashboardURL,
		"trailArn":        monitoring.TrailArn,
		"trailBucketName": monitoring.TrailBucketName,
	}, nil
}

// readDefaultTags returns the tags of the provider's aws:defaultTags, for the explicit provider of the
// backup-replication region (explicit providers do not inherit the stack's provider config).
func readDefaultTags(ctx *pulumi.Context) (map[string]string, error) {
	var defaultTags struct {
		Tags map[string]string `json:"tags"`
	}
	if err := config.New(ctx, "aws").TryObject("defaultTags", &defaultTags); err != nil && !errors.Is(err, config.ErrMissingVar) {
		return nil, fmt.Errorf("config aws:defaultTags: %w", err)
	}
	return defaultTags.Tags, nil
}

// availabilityZones returns the configured zones, checked against the region's, or the region's first
// AzCount zones that need no opt-in. Counts of subnets and NAT gateways follow from it, so it is a plain
// value, looked up once.
func availabilityZones(ctx *pulumi.Context, account settings.Account, cfg network.Config) ([]string, error) {
	available, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State:   pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	})
	if err != nil {
		return nil, fmt.Errorf("looking up the availability zones of %s: %w", account.Region, err)
	}
	if len(cfg.AvailabilityZones) > 0 {
		for _, zone := range cfg.AvailabilityZones {
			if !slices.Contains(available.Names, zone) {
				return nil, settings.Invalid("network.availabilityZones", cfg.AvailabilityZones,
					"zone %q is not an available zone of %s (%v)", zone, account.Region, available.Names)
			}
		}
		return cfg.AvailabilityZones, nil
	}
	if len(available.Names) < cfg.AzCount {
		return nil, settings.Invalid("network.azCount", cfg.AzCount, "region %s has only %d available zones", account.Region, len(available.Names))
	}
	return available.Names[:cfg.AzCount], nil
}
