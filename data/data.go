// Package data is the data tier: the RDS PostgreSQL instance with its subnet and parameter groups and log
// groups, its credentials in Secrets Manager (the RDS-managed password secret and the application's
// connection secret), the KMS keys of the data, cross-region replication of the automated backups, and
// the bucket receiving the S3 server access logs of the stack's buckets.
package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/data/dbname"
	"github.com/8byte/infra/secure"
	"github.com/8byte/infra/settings"
)

// ComponentType is the type token of the Data component.
const ComponentType = "8byte:data:Data"

// Args configures a Data.
type Args struct {
	Environment settings.Environment
	Account     settings.Account
	Config      Config
	// Recovery, when enabled, restores the database from another stack's replicated backups (a recovery
	// stack, possibly a drill) instead of creating it empty.
	Recovery Recovery
	// DatabaseSubnetIds and DatabaseSecurityGroupId place the instance (network tier).
	DatabaseSubnetIds       pulumi.StringArrayInput
	DatabaseSecurityGroupId pulumi.StringInput
	// DatabasePort is the port the instance listens on, the one the network tier opened.
	DatabasePort int
	// MonitoringRoleArn is the enhanced-monitoring role (IAM tier); it must exist before the instance.
	MonitoringRoleArn pulumi.StringInput
	// AppRoleArn is the application instance role (IAM tier): the secrets key lets it decrypt through
	// Secrets Manager.
	AppRoleArn pulumi.StringInput
	// DefaultTags are the stack's aws:defaultTags, given to the replica-region provider (an explicit
	// provider does not inherit them).
	DefaultTags map[string]string
}

// Data is the stack's database, its credentials and keys, and the access-log bucket.
type Data struct {
	pulumi.ResourceState

	DbEndpoint   pulumi.StringOutput `pulumi:"dbEndpoint"`   // host:port
	DbAddress    pulumi.StringOutput `pulumi:"dbAddress"`    // host
	DbPort       pulumi.IntOutput    `pulumi:"dbPort"`       // port
	DbName       pulumi.StringOutput `pulumi:"dbName"`       // database name
	DbInstanceId pulumi.StringOutput `pulumi:"dbInstanceId"` // RDS identifier (CloudWatch dimension DBInstanceIdentifier)
	// DbSecretArn is the RDS-managed secret holding the master username and password.
	DbSecretArn pulumi.StringOutput `pulumi:"dbSecretArn"`
	// ConnectionSecretArn is the connection secret (contract/app-env.json); it does not wait for the
	// database, so the compute tier can hand it to the instances at once.
	ConnectionSecretArn pulumi.StringOutput `pulumi:"connectionSecretArn"`
	// SecretArns are both secrets the application reads, for the IAM tier's secret-access policy.
	SecretArns     pulumi.StringArrayOutput `pulumi:"secretArns"`
	DatabaseKeyArn pulumi.StringOutput      `pulumi:"databaseKeyArn"`
	SecretsKeyArn  pulumi.StringOutput      `pulumi:"secretsKeyArn"`
	// ReplicaKeyArn is the key of the replicated backups in the replica region; "" without replication.
	ReplicaKeyArn pulumi.StringOutput `pulumi:"replicaKeyArn"`
	// AccessLogBucketName receives the S3 server access logs of the stack's other buckets.
	AccessLogBucketName pulumi.StringOutput `pulumi:"accessLogBucketName"`
	AccessLogBucketArn  pulumi.StringOutput `pulumi:"accessLogBucketArn"`
}

// builder creates the data tier's children step by step and keeps what later steps wire together.
type builder struct {
	ctx        *pulumi.Context
	name       string
	args       *Args
	parent     pulumi.ResourceOption
	identifier string
	major      int

	databaseKey, secretsKey, replicaKey *secure.Key
	accessLogBucket                     *secure.Bucket
	connection                          *secretsmanager.Secret
	db                                  *rds.Instance
	passwordSecretArn                   pulumi.StringOutput
}

// child returns the logical name of a child resource: "<component>-<role>".
func (b *builder) child(role string) string { return b.name + "-" + role }

// NewData validates args and creates the data tier of a stack.
func NewData(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Data, error) {
	major, err := validateArgs(name, args)
	if err != nil {
		return nil, err
	}

	d := &Data{}
	if err := ctx.RegisterComponentResource(ComponentType, name, d, opts...); err != nil {
		return nil, fmt.Errorf("register data %s: %w", name, err)
	}
	b := &builder{
		ctx: ctx, name: name, args: args, parent: pulumi.Parent(d),
		identifier: dbname.Instance(args.Environment), major: major,
	}
	// The connection secret, the keys and the bucket come before the database and do not depend on it.
	steps := []func() error{
		b.keys, b.accessLogs, b.accountPublicAccessBlock, b.connectionSecret,
		b.database, b.connectionValue, b.backupReplication,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("data %s: %w", name, err)
		}
	}

	d.DbEndpoint = b.db.Endpoint
	d.DbAddress = b.db.Address
	d.DbPort = b.db.Port
	d.DbName = b.db.DbName
	d.DbInstanceId = b.db.Identifier
	d.DbSecretArn = b.passwordSecretArn
	d.ConnectionSecretArn = b.connection.Arn
	d.SecretArns = pulumi.StringArray{b.connection.Arn, b.passwordSecretArn}.ToStringArrayOutput()
	d.DatabaseKeyArn = b.databaseKey.Arn
	d.SecretsKeyArn = b.secretsKey.Arn
	d.ReplicaKeyArn = pulumi.String("").ToStringOutput()
	if b.replicaKey != nil {
		d.ReplicaKeyArn = b.replicaKey.Arn
	}
	d.AccessLogBucketName = b.accessLogBucket.Name
	d.AccessLogBucketArn = b.accessLogBucket.Arn
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"dbEndpoint":          d.DbEndpoint,
		"dbAddress":           d.DbAddress,
		"dbPort":              d.DbPort,
		"dbName":              d.DbName,
		"dbInstanceId":        d.DbInstanceId,
		"dbSecretArn":         d.DbSecretArn,
		"connectionSecretArn": d.ConnectionSecretArn,
		"secretArns":          d.SecretArns,
		"databaseKeyArn":      d.DatabaseKeyArn,
		"secretsKeyArn":       d.SecretsKeyArn,
		"replicaKeyArn":       d.ReplicaKeyArn,
		"accessLogBucketName": d.AccessLogBucketName,
		"accessLogBucketArn":  d.AccessLogBucketArn,
	}); err != nil {
		return nil, fmt.Errorf("register data %s outputs: %w", name, err)
	}
	return d, nil
}

// validateArgs checks everything before a resource is registered and returns the PostgreSQL major.
func validateArgs(name string, args *Args) (int, error) {
	if args == nil {
		return 0, fmt.Errorf("data %s: args are required (environment, account, network and IAM inputs)", name)
	}
	if args.Account.ID == "" || args.Account.Region == "" {
		return 0, fmt.Errorf("data %s: the account id and region are required", name)
	}
	if err := args.Config.Validate(args.Environment); err != nil {
		return 0, err
	}
	if err := args.Config.CheckReplicaRegion(args.Account.Region); err != nil {
		return 0, err
	}
	if err := args.Recovery.Validate(args.Config); err != nil {
		return 0, err
	}
	if err := args.Recovery.CheckAccount(args.Account); err != nil {
		return 0, err
	}
	if args.DatabasePort < 1 || args.DatabasePort > 65535 {
		return 0, fmt.Errorf("data %s: database port must be 1-65535, got %d", name, args.DatabasePort)
	}
	if args.DatabaseSubnetIds == nil || args.DatabaseSecurityGroupId == nil || args.AppRoleArn == nil {
		return 0, fmt.Errorf("data %s: the database subnets, the database security group and the app role are required", name)
	}
	if args.Config.MonitoringIntervalSeconds > 0 && args.MonitoringRoleArn == nil {
		return 0, fmt.Errorf("data %s: enhanced monitoring every %ds needs the monitoring role", name, args.Config.MonitoringIntervalSeconds)
	}
	if args.Config.BackupReplication && len(args.DefaultTags) == 0 {
		return 0, fmt.Errorf("data %s: backup replication needs the stack's default tags for the %s provider", name, args.Config.ReplicaRegion)
	}
	return args.Config.Major()
}
