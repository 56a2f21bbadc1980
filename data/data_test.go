package data

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

const (
	typeKey          = "aws:kms/key:Key"
	typeAlias        = "aws:kms/alias:Alias"
	typeInstance     = "aws:rds/instance:Instance"
	typeParamGroup   = "aws:rds/parameterGroup:ParameterGroup"
	typeSubnetGroup  = "aws:rds/subnetGroup:SubnetGroup"
	typeReplication  = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
	typeLogGroup     = "aws:cloudwatch/logGroup:LogGroup"
	typeSecret       = "aws:secretsmanager/secret:Secret"
	typeVersion      = "aws:secretsmanager/secretVersion:SecretVersion"
	typeBucket       = "aws:s3/bucketV2:BucketV2"
	typeBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"
	typeBucketSSE    = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	typeBucketLog    = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typeAccountPAB   = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
	typeAwsProvider  = "pulumi:providers:aws"
)

const (
	testMonitoringRole = "arn:aws:iam::123456789012:role/8byte-x-rds-monitoring"
	testAppRole        = "arn:aws:iam::123456789012:role/8byte-x-app"
	testDBSecurityGrp  = "sg-0db"
)

var (
	account         = tests.Account
	testDBSubnetIDs = []string{"subnet-0db1", "subnet-0db2"}
)

func defaultTags(env settings.Environment) map[string]string {
	return map[string]string{"Project": "8byte", "Environment": env.Name, "ManagedBy": "pulumi"}
}

// testArgs returns the args main.go would pass for env with its default config.
func testArgs(env settings.Environment) *Args {
	return &Args{
		Environment:             env,
		Account:                 account,
		Config:                  DefaultConfig(env),
		DatabaseSubnetIds:       pulumi.ToStringArray(testDBSubnetIDs),
		DatabaseSecurityGroupId: pulumi.String(testDBSecurityGrp),
		DatabasePort:            5432,
		MonitoringRoleArn:       pulumi.String(testMonitoringRole),
		AppRoleArn:              pulumi.String(testAppRole),
		DefaultTags:             defaultTags(env),
	}
}

// runData builds a Data for env under mocks; change, when not nil, adjusts the args first.
func runData(t *testing.T, env settings.Environment, change func(*Args)) (*tests.Mocks, *Data) {
	t.Helper()
	args := testArgs(env)
	if change != nil {
		change(args)
	}
	var d *Data
	mocks, err := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		var err error
		d, err = NewData(ctx, settings.Prefix(env), args)
		return err
	})
	require.NoError(t, err)
	return mocks, d
}

// instance returns the stack's one RDS instance.
func instance(t *testing.T, mocks *tests.Mocks) *tests.Resource {
	t.Helper()
	dbs := mocks.OfType(typeInstance)
	require.Len(t, dbs, 1)
	return dbs[0]
}

func TestEveryChildIsParentedByTheComponent(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runData(t, env, nil)
			tests.AssertAllDescendFrom(t, mocks, ComponentType)
		})
	}
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name   string
		env    settings.Environment
		change func(*Args)
		want   string
	}{
		{"invalid config", settings.Dev, func(a *Args) { a.Config.InstanceClass = "t4g.micro" },
			`config 8byte:database.instanceClass: invalid value "t4g.micro": must be an RDS instance class such as db.t4g.micro (it starts with "db.")`},
		{"replica in the primary region", settings.Prod, func(a *Args) { a.Config.ReplicaRegion = tests.Region },
			`config 8byte:database.replicaRegion: invalid value "us-east-1": must differ from the stack's region us-east-1`},
		{"no account", settings.Dev, func(a *Args) { a.Account = settings.Account{} },
			"data 8byte-dev: the account id and region are required"},
		{"port out of range", settings.Dev, func(a *Args) { a.DatabasePort = 0 },
			"data 8byte-dev: database port must be 1-65535, got 0"},
		{"no subnets", settings.Dev, func(a *Args) { a.DatabaseSubnetIds = nil },
			"data 8byte-dev: the database subnets, the database security group and the app role are required"},
		{"no app role", settings.Prod, func(a *Args) { a.AppRoleArn = nil },
			"data 8byte-prod: the database subnets, the database security group and the app role are required"},
		{"monitoring without a role", settings.Dev, func(a *Args) { a.MonitoringRoleArn = nil },
			"data 8byte-dev: enhanced monitoring every 60s needs the monitoring role"},
		{"replication without default tags", settings.Prod, func(a *Args) { a.DefaultTags = nil },
			"data 8byte-prod: backup replication needs the stack's default tags for the us-west-2 provider"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := testArgs(tc.env)
			tc.change(args)
			mocks, err := runInvalid(tc.env, args)
			assert.EqualError(t, err, tc.want)
			assert.Empty(t, mocks.All(), "nothing is registered when the args are invalid")
		})
	}

	mocks, err := runInvalid(settings.Dev, nil)
	assert.EqualError(t, err, "data 8byte-dev: args are required (environment, account, network and IAM inputs)")
	assert.Empty(t, mocks.All())
}

// runInvalid runs NewData with args that should be rejected and returns its error as NewData returned it.
func runInvalid(env settings.Environment, args *Args) (*tests.Mocks, error) {
	var newErr error
	mocks, _ := tests.Run(env.Name, nil, func(ctx *pulumi.Context) error {
		_, newErr = NewData(ctx, settings.Prefix(env), args)
		return newErr
	})
	return mocks, newErr
}

func TestDevWithoutMonitoringNeedsNoRole(t *testing.T) {
	mocks, _ := runData(t, settings.Dev, func(a *Args) {
		a.Config.MonitoringIntervalSeconds = 0
		a.MonitoringRoleArn = nil
	})
	db := instance(t, mocks)
	assert.Equal(t, 0, db.Int("monitoringInterval"))
	assert.Nil(t, db.Get("monitoringRoleArn"))
}

func TestOutputs(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, d := runData(t, env, nil)
			db := instance(t, mocks)
			passwordSecret := db.Output("masterUserSecrets.0.secretArn").(string)
			connection := mocks.Find(typeSecret, settings.Prefix(env)+"-db-connection")
			require.NotNil(t, connection)

			assert.Equal(t, db.Out["endpoint"], tests.AwaitString(t, d.DbEndpoint))
			assert.Equal(t, db.Out["address"], tests.AwaitString(t, d.DbAddress))
			assert.Equal(t, 5432, tests.Await(t, d.DbPort))
			assert.Equal(t, "app", tests.AwaitString(t, d.DbName))
			assert.Equal(t, "postgres-8byte-"+env.Name, tests.AwaitString(t, d.DbInstanceId))
			assert.Equal(t, passwordSecret, tests.AwaitString(t, d.DbSecretArn))
			assert.Contains(t, passwordSecret, ":secret:rds!db-")
			assert.Equal(t, connection.Out["arn"], tests.AwaitString(t, d.ConnectionSecretArn))
			assert.Equal(t, []string{connection.Out["arn"].(string), passwordSecret}, tests.Await(t, d.SecretArns))

			keyArn := func(name string) any { return mocks.Find(typeKey, settings.Prefix(env)+"-"+name).Out["arn"] }
			assert.Equal(t, keyArn("database-key"), tests.AwaitString(t, d.DatabaseKeyArn))
			assert.Equal(t, keyArn("secrets-key"), tests.AwaitString(t, d.SecretsKeyArn))
			if env.IsProd() {
				assert.Equal(t, keyArn("replica-key"), tests.AwaitString(t, d.ReplicaKeyArn))
				assert.Contains(t, tests.AwaitString(t, d.ReplicaKeyArn), ":us-west-2:")
			} else {
				assert.Empty(t, tests.AwaitString(t, d.ReplicaKeyArn))
			}
			bucket := mocks.Find(typeBucket, settings.Prefix(env)+"-access-logs")
			require.NotNil(t, bucket)
			assert.Equal(t, bucket.Out["bucket"], tests.AwaitString(t, d.AccessLogBucketName))
			assert.Equal(t, bucket.Out["arn"], tests.AwaitString(t, d.AccessLogBucketArn))
		})
	}
}

// The compute tier consumes the connection secret ARN, the secrets key and the access-log bucket: none of
// them may wait for the database, or the instance fleet would be on its 10-20 minute critical path.
func TestNothingTheInstanceFleetNeedsWaitsForTheDatabase(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks, _ := runData(t, env, nil)
			prefix := settings.Prefix(env)
			db := instance(t, mocks)
			upFront := []*tests.Resource{
				mocks.Find(typeSecret, prefix+"-db-connection"),
				mocks.Find(typeKey, prefix+"-secrets-key"),
				mocks.Find(typeKey, prefix+"-database-key"),
				mocks.Find(typeBucket, prefix+"-access-logs"),
				mocks.Find(typeBucketPolicy, prefix+"-access-logs"),
			}
			for _, r := range upFront {
				require.NotNil(t, r)
				assert.False(t, mocks.DependsOn(r, db), "%s waits for the database", r.Describe())
			}
			// The secret's value, on the other hand, is written once the endpoint exists.
			version := mocks.Find(typeVersion, prefix+"-db-connection")
			require.NotNil(t, version)
			assert.True(t, mocks.DependsOn(version, db), "the connection value is written after the database")
		})
	}
}
