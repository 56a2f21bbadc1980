package report

// ReplaceOnChange lists, per resource type, the inputs whose change makes the provider replace the
// resource (delete and create, or create and delete) instead of updating it in place. pulumi-aws v6
// bridges terraform-provider-aws, where these attributes are `ForceNew: true` in the resource schema (or
// the resource has no Update at all); the Pulumi schema does not carry that flag, so it is written here,
// from the terraform-provider-aws v5/v6 schemas of each type, for the stateful types first. A test checks
// that every name is an input of the pulumi-aws type. A change to an input of a type not listed here is
// reported as "not assessed" rather than as an update.
var ReplaceOnChange = map[string][]string{
	// Stateful types: their replacement loses data.
	"aws:rds/instance:Instance": {
		"identifier", "identifierPrefix", "engine", "dbName", "username", "storageEncrypted", "kmsKeyId",
		"availabilityZone", "characterSetName", "ncharCharacterSetName", "timezone", "snapshotIdentifier",
		"restoreToPointInTime", "s3Import", "customIamInstanceProfile",
	},
	"aws:s3/bucketV2:BucketV2":         {"bucket", "bucketPrefix", "objectLockEnabled"},
	"aws:kms/key:Key":                  {"customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"},
	"aws:secretsmanager/secret:Secret": {"name", "namePrefix"},
	"aws:cloudwatch/logGroup:LogGroup": {"name", "namePrefix", "logGroupClass"},
	"aws:ecr/repository:Repository":    {"name"},
	// No Update: every argument replaces.
	"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": {
		"sourceDbInstanceArn", "kmsKeyId", "retentionPeriod", "preSignedUrl",
	},

	// Stateless types the program creates, whose replacement is worth seeing.
	"aws:ec2/launchTemplate:LaunchTemplate":   {"name", "namePrefix"},
	"aws:autoscaling/group:Group":             {"name", "namePrefix"},
	"aws:lb/loadBalancer:LoadBalancer":        {"name", "namePrefix", "internal", "loadBalancerType"},
	"aws:lb/targetGroup:TargetGroup":          {"name", "namePrefix", "port", "protocol", "protocolVersion", "vpcId", "targetType"},
	"aws:ec2/vpc:Vpc":                         {"cidrBlock"},
	"aws:ec2/subnet:Subnet":                   {"vpcId", "cidrBlock", "availabilityZone"},
	"aws:ec2/securityGroup:SecurityGroup":     {"name", "namePrefix", "description", "vpcId"},
	"aws:rds/subnetGroup:SubnetGroup":         {"name", "namePrefix"},
	"aws:rds/parameterGroup:ParameterGroup":   {"name", "namePrefix", "family", "description"},
	"aws:iam/role:Role":                       {"name", "namePrefix", "path"},
	"aws:iam/policy:Policy":                   {"name", "namePrefix", "path", "description"},
	"aws:iam/instanceProfile:InstanceProfile": {"name", "namePrefix", "path"},
	"aws:sns/topic:Topic":                     {"name", "namePrefix", "fifoTopic"},
	"aws:kms/alias:Alias":                     {"name", "namePrefix"},
	"aws:cloudtrail/trail:Trail":              {"name"},
	"aws:wafv2/webAcl:WebAcl":                 {"name", "namePrefix", "scope"},
	"aws:ec2/natGateway:NatGateway":           {"allocationId", "subnetId", "connectivityType"},
	"aws:ec2/eip:Eip":                         {"domain"},
}
