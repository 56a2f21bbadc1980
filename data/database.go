package data

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/data/dbname"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/secure"
)

// LogExports are the PostgreSQL logs the instance publishes to CloudWatch Logs.
var LogExports = []string{"postgresql", "upgrade"}

// LogGroupName returns the CloudWatch log group RDS exports the log of the given type to.
func LogGroupName(identifier, logType string) string {
	return "/aws/rds/instance/" + identifier + "/" + logType
}

// CACertificate is the certificate authority of the instance's TLS certificate.
const CACertificate = "rds-ca-rsa2048-g1"

// performanceInsightsRetentionDays is the free tier of Performance Insights.
const performanceInsightsRetentionDays = 7

// Apply methods of DB parameters: dynamic parameters take effect at once, static ones at the next reboot.
const (
	applyImmediate     = "immediate"
	applyPendingReboot = "pending-reboot"
)

// parameter is one setting of the DB parameter group.
type parameter struct {
	Name, Value, ApplyMethod string
}

// parameters returns the DB parameters of the instance: TLS required for every connection, connections,
// disconnections and slow statements logged.
func parameters(major, slowStatementMs int) []parameter {
	// PostgreSQL 18 turned log_connections from a boolean into a list of connection stages.
	logConnections := "1"
	if major >= 18 {
		logConnections = "all"
	}
	return []parameter{
		// RDS accepts pending-reboot for any parameter; on a new instance the group is in force from the
		// start, and turning TLS enforcement on or off later waits for a deliberate reboot.
		{"rds.force_ssl", "1", applyPendingReboot},
		{"log_connections", logConnections, applyImmediate},
		{"log_disconnections", "1", applyImmediate},
		{"log_min_duration_statement", fmt.Sprint(slowStatementMs), applyImmediate},
	}
}

// database creates the subnet and parameter groups, the log groups and the PostgreSQL instance.
func (b *builder) database() error {
	cfg := b.args.Config
	env := b.args.Environment
	// Explicit name: RDS names must start with a letter, and the auto-name would start with "8byte". It is
	// the instance's identifier, so it never changes (a new name would replace the group, and an instance
	// cannot move to another subnet group of the same VPC).
	subnets, err := rds.NewSubnetGroup(b.ctx, b.child("db-subnets"), &rds.SubnetGroupArgs{
		Name:        pulumi.String(b.identifier),
		Description: pulumi.String("Database subnets of " + b.name),
		SubnetIds:   b.args.DatabaseSubnetIds,
		Tags:        cloud.NameTag(b.child("db-subnets")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("db subnet group: %w", err)
	}

	paramGroups, err := b.parameterGroups()
	if err != nil {
		return err
	}
	paramGroup := paramGroups[b.major]

	var logGroups []pulumi.Resource
	for _, logType := range LogExports {
		groupName := LogGroupName(b.identifier, logType)
		// The name is RDS's: it exports into exactly this group.
		group, err := cloudwatch.NewLogGroup(b.ctx, b.child(logType+"-logs"), &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(groupName),
			RetentionInDays: pulumi.Int(cfg.LogRetentionDays),
			Tags:            cloud.NameTag(groupName),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("%s log group: %w", logType, err)
		}
		logGroups = append(logGroups, group)
	}

	prod := env.IsProd()
	// protected: prod keeps its database through a mistaken destroy; a recovery drill's copy is disposable.
	protected := env.Protected()
	args := &rds.InstanceArgs{
		Identifier:    pulumi.String(b.identifier),
		Engine:        pulumi.String("postgres"),
		EngineVersion: pulumi.String(cfg.EngineVersion),
		// Minor versions arrive in the maintenance window. A major upgrade only happens when the config
		// names a new major: the provider then sends the new version and the new major's parameter group
		// in one ModifyDBInstance (with AllowMajorVersionUpgrade), applied in prod's maintenance window.
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		AllowMajorVersionUpgrade: pulumi.Bool(true),
		InstanceClass:            pulumi.String(cfg.InstanceClass),
		ParameterGroupName:       paramGroup.Name,
		CaCertIdentifier:         pulumi.String(CACertificate),

		DbSubnetGroupName:   subnets.Name,
		VpcSecurityGroupIds: pulumi.StringArray{b.args.DatabaseSecurityGroupId},
		PubliclyAccessible:  pulumi.Bool(false),
		Port:                pulumi.Int(b.args.DatabasePort),
		MultiAz:             pulumi.Bool(cfg.MultiAz),

		StorageType:         pulumi.String("gp3"),
		AllocatedStorage:    pulumi.Int(cfg.AllocatedStorageGb),
		MaxAllocatedStorage: pulumi.Int(cfg.MaxAllocatedStorageGb),
		StorageEncrypted:    pulumi.Bool(true),
		KmsKeyId:            b.databaseKey.Arn,

		DbName:   pulumi.String(cfg.DbName),
		Username: pulumi.String(cfg.Username),
		// RDS generates the password, keeps it in Secrets Manager under the secrets key and rotates it; it
		// is never in code, config or state.
		ManageMasterUserPassword:         pulumi.Bool(true),
		MasterUserSecretKmsKeyId:         b.secretsKey.Arn,
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),

		// The Performance Insights key can never be changed once set: it is the database key.
		PerformanceInsightsEnabled:         pulumi.Bool(true),
		PerformanceInsightsKmsKeyId:        b.databaseKey.Arn,
		PerformanceInsightsRetentionPeriod: pulumi.Int(performanceInsightsRetentionDays),
		MonitoringInterval:                 pulumi.Int(cfg.MonitoringIntervalSeconds),
		EnabledCloudwatchLogsExports:       pulumi.ToStringArray(LogExports),

		BackupRetentionPeriod: pulumi.Int(cfg.BackupRetentionDays),
		BackupWindow:          pulumi.String(cfg.BackupWindow),
		// Lower case: the provider stores the window in lower case, so "Sun" would show a change forever.
		MaintenanceWindow:  pulumi.String(strings.ToLower(cfg.MaintenanceWindow)),
		CopyTagsToSnapshot: pulumi.Bool(true),

		// prod: protected, a final snapshot and the automated backups survive a deletion, and changes wait
		// for the maintenance window. dev and recovery drills: disposable; dev's changes apply at once.
		DeletionProtection:     pulumi.Bool(protected),
		SkipFinalSnapshot:      pulumi.Bool(!protected),
		DeleteAutomatedBackups: pulumi.Bool(!protected),
		ApplyImmediately:       pulumi.Bool(!prod),
		Tags:                   cloud.NameTag(b.identifier),
	}
	if cfg.MonitoringIntervalSeconds > 0 {
		args.MonitoringRoleArn = b.args.MonitoringRoleArn
	}
	if protected {
		args.FinalSnapshotIdentifier = pulumi.String(dbname.FinalSnapshot(env))
	}
	if recovery := b.args.Recovery; recovery.Enabled() {
		restoreFrom(args, recovery)
	}
	opts := []pulumi.ResourceOption{
		b.parent,
		pulumi.DependsOn(logGroups),
		// Multi-AZ creation, storage changes and major upgrades can take well over the provider defaults.
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "90m", Update: "120m", Delete: "60m"}),
		pulumi.Protect(protected),
	}
	b.db, err = rds.NewInstance(b.ctx, b.child("postgres"), args, opts...)
	if err != nil {
		return fmt.Errorf("db instance: %w", err)
	}
	b.passwordSecretArn = b.db.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()
	return nil
}

// parameterGroups creates one DB parameter group per supported major (SupportedMajors), whatever the
// configured major is, and returns them by major. A major upgrade therefore only updates the instance
// (engine version and parameter group in one modification) and creates or deletes no group: prod applies
// the modification in its maintenance window (applyImmediately false), so the old group stays attached
// until then, and RDS refuses to delete a group in use (InvalidDBParameterGroupState). A group leaves the
// stack only when its major leaves SupportedMajors, by then unused by every stack.
func (b *builder) parameterGroups() (map[int]*rds.ParameterGroup, error) {
	groups := map[int]*rds.ParameterGroup{}
	for _, major := range SupportedMajors {
		family := ParameterGroupFamily(major)
		// Explicit name: RDS names must start with a letter, and auto-names start with "8byte". The family
		// is part of it, so that the groups of the majors differ.
		name := b.identifier + "-" + family
		var params rds.ParameterGroupParameterArray
		for _, p := range parameters(major, b.args.Config.SlowStatementMs) {
			params = append(params, rds.ParameterGroupParameterArgs{
				Name: pulumi.String(p.Name), Value: pulumi.String(p.Value), ApplyMethod: pulumi.String(p.ApplyMethod),
			})
		}
		opts := []pulumi.ResourceOption{b.parent}
		if major == b.major {
			// Stacks deployed before the groups were kept per major have the configured major's group
			// under the old logical name: adopt it rather than replace it (deploy once with an unchanged
			// engineVersion before a major upgrade).
			opts = append(opts, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(b.child("db-params"))}}))
		}
		group, err := rds.NewParameterGroup(b.ctx, b.child("db-params-"+family), &rds.ParameterGroupArgs{
			Name:        pulumi.String(name),
			Family:      pulumi.String(family),
			Description: pulumi.String("PostgreSQL settings of " + b.identifier + ": TLS only, connection and slow-statement logging"),
			Parameters:  params,
			Tags:        cloud.NameTag(name),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("db parameter group %s: %w", family, err)
		}
		groups[major] = group
	}
	return groups, nil
}

// backupReplication copies the instance's automated backups to the replica region, encrypted with a key
// of that region. Both are created through a provider for that region that carries the stack's default
// tags (an explicit provider does not inherit them).
func (b *builder) backupReplication() error {
	cfg := b.args.Config
	if !cfg.BackupReplication {
		return nil
	}
	provider, err := aws.NewProvider(b.ctx, b.child("replica-region"), &aws.ProviderArgs{
		Region:      pulumi.String(cfg.ReplicaRegion),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(b.args.DefaultTags)},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("replica region provider: %w", err)
	}
	inReplicaRegion := pulumi.Provider(provider)

	replicaAccount := b.args.Account
	replicaAccount.Region = cfg.ReplicaRegion
	b.replicaKey, err = secure.NewKey(b.ctx, b.child("replica-key"), &secure.KeyArgs{
		Environment: b.args.Environment,
		Account:     replicaAccount,
		Purpose:     "database-replica",
		Description: "Encrypts the replicated automated backups of " + b.identifier + " in " + cfg.ReplicaRegion,
		Grants: func(map[string]string) []policy.Statement {
			return []policy.Statement{useThroughRDS(replicaAccount)}
		},
	}, b.parent, inReplicaRegion)
	if err != nil {
		return fmt.Errorf("replica key: %w", err)
	}
	if _, err := rds.NewInstanceAutomatedBackupsReplication(b.ctx, b.child("backup-replication"), &rds.InstanceAutomatedBackupsReplicationArgs{
		SourceDbInstanceArn: b.db.Arn,
		KmsKeyId:            b.replicaKey.Arn,
		RetentionPeriod:     pulumi.Int(cfg.ReplicaRetentionDays),
	}, b.parent, inReplicaRegion); err != nil {
		return fmt.Errorf("backup replication: %w", err)
	}
	return nil
}
