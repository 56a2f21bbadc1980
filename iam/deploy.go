package iam

import (
	"github.com/8byte/infra/policy"
)

// managedServiceReads are the read calls of the services the program manages that have no resource-level
// permissions (Describe and List calls, and IAM's reads).
var managedServiceReads = []string{
	"autoscaling:Describe*", "cloudtrail:Describe*", "cloudtrail:List*", "cloudwatch:Describe*", "cloudwatch:List*",
	"ec2:Describe*", "elasticloadbalancing:Describe*", "kms:List*", "logs:Describe*", "rds:Describe*",
	"sns:List*", "wafv2:List*", "iam:Get*", "iam:List*",
}

// Services whose service-linked roles a `pulumi up` of this stack may have to create (the first Auto
// Scaling group, load balancer or database of an account).
var serviceLinkedRoleServices = []string{"autoscaling", "elasticloadbalancing", "rds"}

// Services the deploy role may pass the stack's roles to: instances, RDS enhanced monitoring, VPC flow
// logs and CloudTrail's delivery to CloudWatch Logs.
var passRoleServices = []string{"ec2", "monitoring.rds", "vpc-flow-logs", "cloudtrail"}

// deployStatements is what `pulumi up` of this stack needs: the services the program manages, with
// action groups (verb wildcards, never a whole service) on this account's resources, named resources
// where the stack controls the names, and IAM only on the stack's own roles, policies and instance
// profiles. roleBoundary is the condition every role the deploy role creates or changes must satisfy:
// the permissions boundary is set on it.
//
// What it leaves out on purpose: cloudtrail:StopLogging (CI cannot switch the audit trail off), KMS key
// disabling, IAM users, and the OIDC provider's creation and deletion (a stack's deploy role cannot exist
// before the provider, and must not remove the trust it runs on).
func deployStatements(s scope, roleBoundary policy.Conditions) []policy.Statement {
	acct := s.account
	statements := []policy.Statement{
		{
			Sid:      "ReadManagedServices",
			Effect:   policy.Allow,
			Action:   managedServiceReads,
			Resource: []string{"*"},
		},
		{
			Sid:    "ManageNetworkAndInstances",
			Effect: policy.Allow,
			Action: append(actions("ec2", "Allocate*", "Associate*", "Attach*", "Authorize*", "Create*", "Delete*", "Detach*",
				"Disassociate*", "Modify*", "Release*", "Replace*", "Revoke*", "UpdateSecurityGroupRuleDescriptions*"), "ec2:RunInstances"),
			// Images and snapshots carry no account in their ARN (public AMIs are launched by the ASG).
			Resource: []string{acct.ARN("ec2", "*"), s.unowned("ec2", "image/*"), s.unowned("ec2", "snapshot/*")},
		},
		{
			Sid:    "ManageAutoScaling",
			Effect: policy.Allow,
			Action: actions("autoscaling", "Attach*", "Cancel*", "Create*", "Delete*", "Detach*", "Disable*", "Enable*", "Put*",
				"Resume*", "Set*", "Start*", "Suspend*", "Update*"),
			Resource: []string{acct.ARN("autoscaling", "*")},
		},
		{
			Sid:      "ManageLoadBalancers",
			Effect:   policy.Allow,
			Action:   actions("elasticloadbalancing", "Add*", "Create*", "Delete*", "Deregister*", "Modify*", "Register*", "Remove*", "Set*"),
			Resource: []string{acct.ARN("elasticloadbalancing", "*")},
		},
		{
			Sid:    "ManageWebACL",
			Effect: policy.Allow,
			Action: actions("wafv2", "Associate*", "Create*", "Delete*", "Disassociate*", "Get*", "Put*", "TagResource", "UntagResource", "Update*"),
			// Associating a web ACL names the load balancer too.
			Resource: []string{acct.ARN("wafv2", "*"), acct.ARN("elasticloadbalancing", "loadbalancer/app/*")},
		},
		{
			Sid:    "ManageDatabase",
			Effect: policy.Allow,
			Action: actions("rds", "Add*", "Create*", "Delete*", "List*", "Modify*", "Reboot*", "Remove*", "Start*", "Stop*"),
			// Automated backups are replicated to another region.
			Resource: []string{s.anyRegion.ARN("rds", "*")},
		},
		{
			Sid:    "ManageKeys",
			Effect: policy.Allow,
			// Creating a grant and using the keys is what RDS, Secrets Manager and ECR ask of their caller
			// when they encrypt with a customer-managed key.
			Action: actions("kms", "CancelKeyDeletion", "Create*", "Decrypt", "Delete*", "Describe*", "Enable*", "Encrypt",
				"GenerateDataKey*", "Get*", "List*", "Put*", "ScheduleKeyDeletion", "TagResource", "UntagResource", "Update*"),
			Resource: []string{s.anyRegion.ARN("kms", "key/*"), s.anyRegion.ARN("kms", "alias/"+s.prefix+"-*")},
		},
		{
			Sid:      "CreateKeys",
			Effect:   policy.Allow,
			Action:   []string{"kms:CreateKey"}, // a key has no ARN before it exists
			Resource: []string{"*"},
		},
		{
			Sid:    "ManageSecrets",
			Effect: policy.Allow,
			Action: actions("secretsmanager", "CancelRotateSecret", "Create*", "Delete*", "Describe*", "Get*", "List*", "Put*",
				"RestoreSecret", "RotateSecret", "TagResource", "UntagResource", "Update*"),
			// RDS creates the master-password secret (rds!db-<id>) with the caller's permissions; its name
			// does not say which environment it belongs to.
			Resource: []string{s.named("secretsmanager", "secret:"), acct.ARN("secretsmanager", "secret:rds!*")},
		},
		{
			Sid:    "ManageLogGroups",
			Effect: policy.Allow,
			Action: actions("logs", "AssociateKmsKey", "Create*", "Delete*", "DisassociateKmsKey", "List*", "Put*", "Tag*", "Untag*"),
			// The WAF requires its log group's name to start with aws-waf-logs-.
			Resource: append(s.logGroups(), acct.ARN("logs", "log-group:aws-waf-logs-"+s.prefix+"*")),
		},
		{
			Sid:    "ConfigureLogDelivery",
			Effect: policy.Allow,
			// WAF logging writes through a log-group resource policy it asks its caller to put.
			Action:   actions("logs", "DeleteResourcePolicy", "DescribeResourcePolicies", "PutResourcePolicy"),
			Resource: []string{acct.ARN("logs", "*")},
		},
		{
			Sid:      "ManageLogDeliveries",
			Effect:   policy.Allow,
			Action:   actions("logs", "CreateLogDelivery", "DeleteLogDelivery", "GetLogDelivery", "ListLogDeliveries", "UpdateLogDelivery"),
			Resource: []string{"*"}, // log deliveries have no resource-level permissions
		},
		{
			Sid:      "ManageAlarmsAndDashboards",
			Effect:   policy.Allow,
			Action:   actions("cloudwatch", "Delete*", "Get*", "Put*", "TagResource", "UntagResource"),
			Resource: []string{s.named("cloudwatch", "alarm:"), acct.GlobalARN("cloudwatch", "dashboard/"+s.prefix+"-*")},
		},
		{
			Sid:      "ManageTopics",
			Effect:   policy.Allow,
			Action:   actions("sns", "CreateTopic", "DeleteTopic", "Get*", "Set*", "Subscribe", "TagResource", "Unsubscribe", "UntagResource"),
			Resource: []string{s.named("sns", "")},
		},
		{
			Sid:      "ManageTrail",
			Effect:   policy.Allow,
			Action:   actions("cloudtrail", "AddTags", "CreateTrail", "DeleteTrail", "Get*", "Put*", "RemoveTags", "StartLogging", "UpdateTrail"),
			Resource: []string{s.named("cloudtrail", "trail/")},
		},
		{
			Sid:      "ManageBuckets",
			Effect:   policy.Allow,
			Action:   actions("s3", "CreateBucket", "Delete*", "Get*", "List*", "Put*"),
			Resource: s.stackBuckets(),
		},
		registryLogin(),
		{
			Sid:    "ManageAppRepository",
			Effect: policy.Allow,
			// What the repository and its lifecycle policy need from Pulumi (create, read, update, delete,
			// tags). The repository has no repository policy, and deletion empties it with the Force flag of
			// DeleteRepository, so neither the policy actions nor BatchDeleteImage are granted.
			Action: actions("ecr", "CreateRepository", "DeleteLifecyclePolicy", "DeleteRepository", "DescribeRepositories",
				"GetLifecyclePolicy", "ListTagsForResource", "PutImageScanningConfiguration", "PutImageTagMutability",
				"PutLifecyclePolicy", "TagResource", "UntagResource"),
			Resource: []string{s.repositoryARN()},
		},
		{
			Sid:    "PushAppImage",
			Effect: policy.Allow,
			// app-image.yml: whether the tag exists (DescribeImages), then docker push.
			Action: actions("ecr", "BatchCheckLayerAvailability", "BatchGetImage", "CompleteLayerUpload", "DescribeImages",
				"InitiateLayerUpload", "PutImage", "UploadLayerPart"),
			Resource: []string{s.repositoryARN()},
		},
		{
			Sid:      "ReadPublicAmiParameters",
			Effect:   policy.Allow,
			Action:   actions("ssm", "GetParameter", "GetParameters"),
			Resource: []string{s.unowned("ssm", "parameter/aws/service/*")},
		},
		{
			Sid:       "CreateRolesWithinBoundary",
			Effect:    policy.Allow,
			Action:    actions("iam", "AttachRolePolicy", "CreateRole", "PutRolePermissionsBoundary", "PutRolePolicy"),
			Resource:  []string{s.iamNamed("role")},
			Condition: roleBoundary,
		},
		{
			Sid:    "ManageStackRoles",
			Effect: policy.Allow,
			Action: actions("iam", "DeleteRole", "DeleteRolePolicy", "DetachRolePolicy", "TagRole", "UntagRole",
				"UpdateAssumeRolePolicy", "UpdateRole", "UpdateRoleDescription"),
			Resource: []string{s.iamNamed("role")},
		},
		{
			Sid:      "ManageStackPolicies",
			Effect:   policy.Allow,
			Action:   actions("iam", "CreatePolicy", "CreatePolicyVersion", "DeletePolicy", "DeletePolicyVersion", "TagPolicy", "UntagPolicy"),
			Resource: []string{s.iamNamed("policy")},
		},
		{
			Sid:    "ManageInstanceProfiles",
			Effect: policy.Allow,
			Action: actions("iam", "AddRoleToInstanceProfile", "CreateInstanceProfile", "DeleteInstanceProfile",
				"RemoveRoleFromInstanceProfile", "TagInstanceProfile", "UntagInstanceProfile"),
			Resource: []string{s.iamNamed("instance-profile")},
		},
		{
			Sid:       "PassStackRoles",
			Effect:    policy.Allow,
			Action:    []string{"iam:PassRole"},
			Resource:  []string{s.iamNamed("role")},
			Condition: policy.Conditions{"StringEquals": {"iam:PassedToService": servicePrincipals(s, passRoleServices)}},
		},
		{
			Sid:       "CreateServiceLinkedRoles",
			Effect:    policy.Allow,
			Action:    []string{"iam:CreateServiceLinkedRole"},
			Resource:  []string{acct.GlobalARN("iam", "role/aws-service-role/*")},
			Condition: policy.Conditions{"StringEquals": {"iam:AWSServiceName": servicePrincipals(s, serviceLinkedRoleServices)}},
		},
	}
	return append(statements, stateStatements(s, true)...)
}

func servicePrincipals(s scope, services []string) []string {
	out := make([]string, len(services))
	for i, svc := range services {
		out[i] = s.account.Service(svc)
	}
	return out
}
