package iam

import (
	"slices"
	"strings"
)

// Operation is a step of a resource's life that the provider performs with its own API calls.
type Operation string

// The operations of the permission table. Read is what `pulumi refresh` (and the read after every
// create and update) calls; Tag is changing only the resource's tags.
const (
	Create Operation = "create"
	Read   Operation = "read"
	Update Operation = "update"
	Tag    Operation = "tag"
	Delete Operation = "delete"
)

// Operations are the operations of the table, in lifecycle order.
var Operations = []Operation{Create, Read, Update, Tag, Delete}

// Scoping says how the CI roles' policies confine a row's actions to the stack.
type Scoping int

const (
	// ByName scopes by name: the resource's ARN holds a name this stack chooses (prefix 8byte-<env>-, or a fixed name
	// derived from it); the policies name that pattern.
	ByName Scoping = iota
	// ByTag scopes by tag: the ARN holds only an AWS-generated id (EC2, KMS keys). Creating actions require the request
	// to tag the new resource Environment=<env> (aws:RequestTag), every other action requires the resource
	// to carry that tag (aws:ResourceTag); the provider's aws:defaultTags put it on every resource.
	ByTag
	// Account is an account-level setting without a resource type; its actions are granted on "*" to the
	// stack that manages it only.
	Account
)

// ARNValues are what an ARN form is filled with: the account, and the resource's name, id and inputs.
// Rendering a policy fills them with the stack's patterns; the proofs fill them from the mock inventory.
type ARNValues struct {
	Partition, Region, Account string
	// Name is the resource's physical name; ID its provider id.
	Name, ID string
	// In returns an input of the resource (another resource's name, id or ARN it acts on).
	In func(key string) string
}

// Permissions is one row of the table: the Pulumi resource type, the ARN the provider's calls authorize
// against, and the IAM actions of each operation.
type Permissions struct {
	// Type is the Pulumi type token, e.g. "aws:ec2/vpc:Vpc".
	Type string
	// ARN is the resource's ARN form (for sub-resources such as a bucket's policy or a role's inline
	// policy: the ARN of the resource the calls act on).
	ARN func(v ARNValues) string
	// Names are the patterns of the stack's names of this type ({prefix} is 8byte-<env>); ignored ByTag.
	Names []string
	// Of names the row whose ARN patterns this type's calls act on, for a type whose ARN form is an input
	// ARN (a secret's version acts on the secret, a topic subscription on the topic).
	Of      string
	Scoping Scoping
	// Actions are the calls of each operation (an operation without calls is a no-op for AWS, e.g. the
	// "delete" of a default security group, which only leaves the state).
	Actions map[Operation][]string
	// AnyResource are the actions of Actions that have no resource type in the Service Authorization
	// Reference (or authorize against a wildcard ARN only): they are granted on "*".
	AnyResource []string
	// Also are further ARNs (of the stack's other resources, or AWS-owned ones) that a create or update
	// call authorizes against too, with the actions that need them, e.g. CreateSubnet on the VPC.
	Also []Dependent
}

// Dependent is an extra authorization of a row's calls: Actions on the ARNs of Resources.
type Dependent struct {
	Actions []string
	// Resources returns the ARN patterns; it receives the stack's patterns.
	Resources func(s scope) []string
	// Untagged resources (AWS's public images, the caller's roles) carry no Environment tag: the
	// grant has no tag condition even in a ByTag row.
	Untagged bool
	// Via, when set, is the service that makes the calls on the caller's behalf (kms:ViaService): the
	// grant holds only through it.
	Via string
}

// regional returns an ARN form of a regional resource of service: resource is formatted by path.
func regional(service string, path func(v ARNValues) string) func(v ARNValues) string {
	return func(v ARNValues) string {
		return "arn:" + v.Partition + ":" + service + ":" + v.Region + ":" + v.Account + ":" + path(v)
	}
}

// global returns an ARN form of a region-less resource of service (IAM, CloudWatch dashboards).
func global(service string, path func(v ARNValues) string) func(v ARNValues) string {
	return func(v ARNValues) string {
		return "arn:" + v.Partition + ":" + service + "::" + v.Account + ":" + path(v)
	}
}

func byID(kind string) func(v ARNValues) string {
	return func(v ARNValues) string { return kind + v.ID }
}
func byName(kind string) func(v ARNValues) string {
	return func(v ARNValues) string { return kind + v.Name }
}
func byInput(kind, key string) func(v ARNValues) string {
	return func(v ARNValues) string { return kind + v.In(key) }
}

// bucketARN is the ARN form of a bucket, or of a bucket sub-resource by its "bucket" input.
func bucketARN(v ARNValues) string {
	name := v.Name
	if b := v.In("bucket"); b != "" {
		name = b
	}
	return "arn:" + v.Partition + ":s3:::" + name
}

// lastPart is the part after the last "/" of an ARN or name (the role name of a role ARN input).
func lastPart(s string) string { return s[strings.LastIndex(s, "/")+1:] }

// ec2 is a row of an EC2 resource: scoped by tag, its Describe calls on "*" (EC2's Describe* actions
// have no resource-level permissions).
func ec2(typ string, arn func(v ARNValues) string, create, read, update, del []string, also ...Dependent) Permissions {
	return Permissions{
		Type: typ, ARN: regional("ec2", arn), Scoping: ByTag,
		Actions: map[Operation][]string{
			Create: append(create, "ec2:CreateTags"), Read: read, Update: update,
			Tag: {"ec2:CreateTags", "ec2:DeleteTags"}, Delete: del,
		},
		AnyResource: read,
		Also:        also,
	}
}

// inVPC: creating a resource in a VPC authorizes against the VPC too.
var inVPC = Dependent{Resources: func(s scope) []string { return []string{s.account.ARN("ec2", "vpc/*")} }}

func onVPC(actions ...string) Dependent {
	d := inVPC
	d.Actions = actions
	return d
}

func onEC2(kind string, actions ...string) Dependent {
	return Dependent{Actions: actions, Resources: func(s scope) []string { return []string{s.account.ARN("ec2", kind+"/*")} }}
}

// PermissionTable is the permission table of every resource type the program creates: for each, the API
// calls the provider (pulumi-aws v6, which bridges the Terraform AWS provider v5) makes to create,
// read (refresh), update, tag and delete it, the ARN the calls authorize against, and the calls that
// have no resource type. The CI roles and the permissions boundary are rendered from it (see
// PreviewStatements, DeployStatements); the stack tests fail when the program creates a type without
// a row, and prove every row against every resource of both stacks with an IAM evaluator.
//
// Sources, per service (read for each row):
//   - the Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/
//     pages list_amazonec2.html, list_amazonec2autoscaling.html, list_elasticloadbalancingv2.html,
//     list_awswafv2.html, list_amazonrds.html, list_awskeymanagementservice.html,
//     list_amazoncloudwatchlogs.html, list_amazoncloudwatch.html, list_amazonsns.html,
//     list_awscloudtrail.html, list_amazons3.html, list_awssecretsmanager.html,
//     list_awsidentityandaccessmanagementiam.html, list_amazonelasticcontainerregistry.html: the
//     resource type of each action (none: AnyResource) and its condition keys (aws:RequestTag on
//     EC2 Create* and kms:CreateKey, aws:ResourceTag on the others of ByTag rows);
//   - github.com/hashicorp/terraform-provider-aws, internal/service/<service>/<resource>.go, the
//     resource<Type>Create/Read/Update/Delete functions (and the tags interceptor, which tags through
//     the service's TagResource/CreateTags call and reads through ListTagsForResource/DescribeTags):
//     e.g. ec2/vpc_.go, ec2/vpc_subnet.go, ec2/vpc_network_acl.go, ec2/vpc_default_network_acl.go,
//     ec2/vpc_default_security_group.go, ec2/ec2_launch_template.go, autoscaling/group.go,
//     elbv2/load_balancer.go, elbv2/listener.go, wafv2/web_acl_association.go (AssociateWebACL, whose
//     dependent action elasticloadbalancing:SetWebAcl has no resource type), rds/instance.go,
//     rds/instance_automated_backups_replication.go, kms/key.go, logs/group.go, cloudwatch/dashboard.go
//     (the dashboard is named exactly 8byte-<env>), sns/topic_subscription.go (Get/Set
//     SubscriptionAttributes and Unsubscribe have no resource type), s3/account_public_access_block.go
//     (Get/PutAccountPublicAccessBlock have no resource type), s3/bucket.go, secretsmanager/secret_version.go
//     (its read calls GetSecretValue), ecr/repository.go (a KMS-encrypted repository's deletion retires
//     its KMS grant: kms:RetireGrant), iam/role.go.
var PermissionTable = []Permissions{
	// Network.
	ec2("aws:ec2/vpc:Vpc", byID("vpc/"),
		[]string{"ec2:CreateVpc", "ec2:ModifyVpcAttribute"},
		[]string{"ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups"},
		[]string{"ec2:ModifyVpcAttribute"}, []string{"ec2:DeleteVpc"}),
	ec2("aws:ec2/subnet:Subnet", byID("subnet/"),
		[]string{"ec2:CreateSubnet", "ec2:ModifySubnetAttribute"}, []string{"ec2:DescribeSubnets"},
		[]string{"ec2:ModifySubnetAttribute"}, []string{"ec2:DeleteSubnet"}, onVPC("ec2:CreateSubnet")),
	ec2("aws:ec2/internetGateway:InternetGateway", byID("internet-gateway/"),
		[]string{"ec2:CreateInternetGateway", "ec2:AttachInternetGateway"}, []string{"ec2:DescribeInternetGateways"},
		[]string{"ec2:AttachInternetGateway", "ec2:DetachInternetGateway"}, []string{"ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"},
		onVPC("ec2:AttachInternetGateway", "ec2:DetachInternetGateway")),
	ec2("aws:ec2/eip:Eip", byID("elastic-ip/"),
		[]string{"ec2:AllocateAddress"}, []string{"ec2:DescribeAddresses"},
		nil, []string{"ec2:DisassociateAddress", "ec2:ReleaseAddress"}),
	ec2("aws:ec2/natGateway:NatGateway", byID("natgateway/"),
		[]string{"ec2:CreateNatGateway"}, []string{"ec2:DescribeNatGateways"},
		nil, []string{"ec2:DeleteNatGateway"},
		onEC2("subnet", "ec2:CreateNatGateway"), onEC2("elastic-ip", "ec2:CreateNatGateway")),
	ec2("aws:ec2/routeTable:RouteTable", byID("route-table/"),
		[]string{"ec2:CreateRouteTable", "ec2:CreateRoute"}, []string{"ec2:DescribeRouteTables"},
		[]string{"ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"}, []string{"ec2:DeleteRouteTable"},
		onVPC("ec2:CreateRouteTable"),
		// Routes name their target (internet or NAT gateway).
		onEC2("internet-gateway", "ec2:CreateRoute", "ec2:ReplaceRoute"), onEC2("natgateway", "ec2:CreateRoute", "ec2:ReplaceRoute")),
	ec2("aws:ec2/routeTableAssociation:RouteTableAssociation", byInput("route-table/", "routeTableId"),
		[]string{"ec2:AssociateRouteTable"}, []string{"ec2:DescribeRouteTables"},
		[]string{"ec2:ReplaceRouteTableAssociation"}, []string{"ec2:DisassociateRouteTable"},
		onEC2("subnet", "ec2:AssociateRouteTable")),
	ec2("aws:ec2/networkAcl:NetworkAcl", byID("network-acl/"),
		[]string{"ec2:CreateNetworkAcl", "ec2:ReplaceNetworkAclAssociation"}, []string{"ec2:DescribeNetworkAcls"},
		[]string{"ec2:ReplaceNetworkAclAssociation"}, []string{"ec2:ReplaceNetworkAclAssociation", "ec2:DeleteNetworkAcl"},
		onVPC("ec2:CreateNetworkAcl"), onEC2("subnet", "ec2:ReplaceNetworkAclAssociation")),
	ec2("aws:ec2/networkAclRule:NetworkAclRule", byInput("network-acl/", "networkAclId"),
		[]string{"ec2:CreateNetworkAclEntry"}, []string{"ec2:DescribeNetworkAcls"},
		[]string{"ec2:ReplaceNetworkAclEntry"}, []string{"ec2:DeleteNetworkAclEntry"}),
	// Adopted, not created: its create tags it and replaces its entries; its delete only leaves the state.
	ec2("aws:ec2/defaultNetworkAcl:DefaultNetworkAcl", byInput("network-acl/", "defaultNetworkAclId"),
		[]string{"ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry", "ec2:ReplaceNetworkAclAssociation"}, []string{"ec2:DescribeNetworkAcls"},
		[]string{"ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry", "ec2:ReplaceNetworkAclAssociation"}, nil),
	ec2("aws:ec2/securityGroup:SecurityGroup", byID("security-group/"),
		[]string{"ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress"},
		[]string{"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"},
		[]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
			"ec2:RevokeSecurityGroupEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress"},
		[]string{"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup"},
		onVPC("ec2:CreateSecurityGroup")),
	// The VPC's default group: adopted (emptied and tagged), never created or deleted.
	ec2("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", byID("security-group/"),
		[]string{"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"}, []string{"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"},
		[]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"},
		nil),
	ec2("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", byID("security-group-rule/"),
		[]string{"ec2:AuthorizeSecurityGroupIngress"}, []string{"ec2:DescribeSecurityGroupRules"},
		[]string{"ec2:ModifySecurityGroupRules"}, []string{"ec2:RevokeSecurityGroupIngress"},
		onEC2("security-group", "ec2:AuthorizeSecurityGroupIngress", "ec2:ModifySecurityGroupRules", "ec2:RevokeSecurityGroupIngress")),
	ec2("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", byID("security-group-rule/"),
		[]string{"ec2:AuthorizeSecurityGroupEgress"}, []string{"ec2:DescribeSecurityGroupRules"},
		[]string{"ec2:ModifySecurityGroupRules"}, []string{"ec2:RevokeSecurityGroupEgress"},
		onEC2("security-group", "ec2:AuthorizeSecurityGroupEgress", "ec2:ModifySecurityGroupRules", "ec2:RevokeSecurityGroupEgress")),
	ec2("aws:ec2/flowLog:FlowLog", byID("vpc-flow-log/"),
		[]string{"ec2:CreateFlowLogs"}, []string{"ec2:DescribeFlowLogs"}, nil, []string{"ec2:DeleteFlowLogs"},
		onVPC("ec2:CreateFlowLogs"),
		Dependent{Actions: []string{"iam:PassRole"}, Untagged: true, Resources: func(s scope) []string { return []string{s.iamNamed("role")} }}),
	ec2("aws:ec2/launchTemplate:LaunchTemplate", byID("launch-template/"),
		[]string{"ec2:CreateLaunchTemplate"}, []string{"ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"},
		[]string{"ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"}, []string{"ec2:DeleteLaunchTemplate"}),

	// Instances.
	{
		Type: "aws:autoscaling/group:Group", Names: []string{"{prefix}-*"},
		ARN: regional("autoscaling", func(v ARNValues) string { return "autoScalingGroup:*:autoScalingGroupName/" + v.Name }),
		Actions: map[Operation][]string{
			Create: {"autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup", "autoscaling:EnableMetricsCollection", "autoscaling:CreateOrUpdateTags"},
			Read:   {"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeInstanceRefreshes", "autoscaling:DescribeLoadBalancerTargetGroups", "autoscaling:DescribeTrafficSources"},
			Update: {"autoscaling:UpdateAutoScalingGroup", "autoscaling:StartInstanceRefresh", "autoscaling:CancelInstanceRefresh",
				"autoscaling:AttachTrafficSources", "autoscaling:DetachTrafficSources", "autoscaling:EnableMetricsCollection", "autoscaling:DisableMetricsCollection",
				"autoscaling:SuspendProcesses", "autoscaling:ResumeProcesses", "autoscaling:SetDesiredCapacity"},
			Tag:    {"autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags"},
			Delete: {"autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup"},
		},
		AnyResource: []string{"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeInstanceRefreshes", "autoscaling:DescribeLoadBalancerTargetGroups", "autoscaling:DescribeTrafficSources"},
		Also: []Dependent{
			// Auto Scaling checks that its caller may launch the template: RunInstances and PassRole.
			{Actions: []string{"ec2:RunInstances", "ec2:CreateTags"}, Untagged: true, Resources: func(s scope) []string {
				return []string{s.account.ARN("ec2", "*"), s.unowned("ec2", "image/*")}
			}},
			{Actions: []string{"iam:PassRole"}, Resources: func(s scope) []string { return []string{s.iamNamed("role")} }},
		},
	},
	{
		Type: "aws:autoscaling/policy:Policy", Names: []string{"{prefix}-*"},
		ARN: regional("autoscaling", func(v ARNValues) string {
			return "autoScalingGroup:*:autoScalingGroupName/" + v.In("autoscalingGroupName")
		}),
		Actions: map[Operation][]string{
			Create: {"autoscaling:PutScalingPolicy"}, Read: {"autoscaling:DescribePolicies"},
			Update: {"autoscaling:PutScalingPolicy"}, Delete: {"autoscaling:DeletePolicy"},
		},
		AnyResource: []string{"autoscaling:DescribePolicies"},
	},
	{
		Type: "aws:autoscaling/notification:Notification", Names: []string{"{prefix}-*"},
		ARN: regional("autoscaling", func(v ARNValues) string {
			return "autoScalingGroup:*:autoScalingGroupName/" + firstOf(v.In("groupNames"))
		}),
		Actions: map[Operation][]string{
			Create: {"autoscaling:PutNotificationConfiguration"}, Read: {"autoscaling:DescribeNotificationConfigurations"},
			Update: {"autoscaling:PutNotificationConfiguration", "autoscaling:DeleteNotificationConfiguration"},
			Delete: {"autoscaling:DeleteNotificationConfiguration"},
		},
		AnyResource: []string{"autoscaling:DescribeNotificationConfigurations"},
	},

	// Load balancing and WAF.
	{
		Type: "aws:lb/loadBalancer:LoadBalancer", Names: []string{"{prefix}-*"},
		ARN: regional("elasticloadbalancing", func(v ARNValues) string { return "loadbalancer/app/" + v.Name + "/" + v.ID }),
		Actions: map[Operation][]string{
			Create: {"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:AddTags", "elasticloadbalancing:ModifyLoadBalancerAttributes"},
			Read:   {"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeTags"},
			Update: {"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets", "elasticloadbalancing:SetIpAddressType"},
			Tag:    {"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"},
			Delete: {"elasticloadbalancing:DeleteLoadBalancer"},
		},
		AnyResource: []string{"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeTags"},
	},
	{
		Type: "aws:lb/targetGroup:TargetGroup", Names: []string{"{prefix}-*"},
		ARN: regional("elasticloadbalancing", func(v ARNValues) string { return "targetgroup/" + v.Name + "/" + v.ID }),
		Actions: map[Operation][]string{
			Create: {"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags", "elasticloadbalancing:ModifyTargetGroupAttributes"},
			Read:   {"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTags"},
			Update: {"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes"},
			Tag:    {"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"},
			Delete: {"elasticloadbalancing:DeleteTargetGroup"},
		},
		AnyResource: []string{"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTags"},
	},
	{
		Type: "aws:lb/listener:Listener", Names: []string{"{prefix}-*"},
		// A listener's ARN is its load balancer's with listener/ for loadbalancer/ and its own id added.
		ARN: regional("elasticloadbalancing", func(v ARNValues) string { return "listener/" + loadBalancerPath(v) + "/" + v.ID }),
		Actions: map[Operation][]string{
			Create: {"elasticloadbalancing:CreateListener", "elasticloadbalancing:AddTags"},
			Read:   {"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:DescribeTags"},
			Update: {"elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyListenerAttributes"},
			Tag:    {"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"},
			Delete: {"elasticloadbalancing:DeleteListener"},
		},
		AnyResource: []string{"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:DescribeTags"},
		Also: []Dependent{{Actions: []string{"elasticloadbalancing:CreateListener"}, Resources: func(s scope) []string {
			return []string{s.account.ARN("elasticloadbalancing", "loadbalancer/app/"+s.prefix+"-*")}
		}}},
	},
	{
		Type: "aws:wafv2/webAcl:WebAcl", Names: []string{"{prefix}-*"},
		ARN: regional("wafv2", func(v ARNValues) string { return "regional/webacl/" + v.Name + "/" + v.ID }),
		Actions: map[Operation][]string{
			Create: {"wafv2:CreateWebACL", "wafv2:TagResource"}, Read: {"wafv2:GetWebACL", "wafv2:ListTagsForResource"},
			Update: {"wafv2:UpdateWebACL"}, Tag: {"wafv2:TagResource", "wafv2:UntagResource"},
			Delete: {"wafv2:GetWebACL", "wafv2:DeleteWebACL"},
		},
		// The AWS managed rule groups the web ACL uses are AWS's.
		Also: []Dependent{{Actions: []string{"wafv2:CreateWebACL", "wafv2:UpdateWebACL"}, Resources: func(s scope) []string {
			return []string{s.account.ARN("wafv2", "regional/managedruleset/*")}
		}}},
	},
	{
		Type: "aws:wafv2/webAclAssociation:WebAclAssociation", Of: "aws:wafv2/webAcl:WebAcl", Names: []string{"{prefix}-*"},
		ARN: func(v ARNValues) string { return v.In("webAclArn") },
		Actions: map[Operation][]string{
			Create: {"wafv2:AssociateWebACL", "elasticloadbalancing:SetWebAcl"}, Read: {"wafv2:GetWebACLForResource"},
			Delete: {"wafv2:DisassociateWebACL", "elasticloadbalancing:SetWebAcl"},
		},
		AnyResource: []string{"elasticloadbalancing:SetWebAcl"},
		Also: []Dependent{{Actions: []string{"wafv2:AssociateWebACL", "wafv2:GetWebACLForResource", "wafv2:DisassociateWebACL"}, Resources: func(s scope) []string {
			return []string{s.account.ARN("elasticloadbalancing", "loadbalancer/app/"+s.prefix+"-*")}
		}}},
	},
	{
		Type: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", Of: "aws:wafv2/webAcl:WebAcl", Names: []string{"{prefix}-*"},
		ARN: func(v ARNValues) string { return v.In("resourceArn") },
		Actions: map[Operation][]string{
			Create: {"wafv2:PutLoggingConfiguration", "logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"},
			Read:   {"wafv2:GetLoggingConfiguration"},
			Update: {"wafv2:PutLoggingConfiguration", "logs:CreateLogDelivery", "logs:DeleteLogDelivery"},
			Delete: {"wafv2:DeleteLoggingConfiguration", "logs:DeleteLogDelivery"},
		},
		AnyResource: []string{"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"},
	},

	// Data.
	{
		Type: "aws:rds/instance:Instance", Names: []string{"*{prefix}*"},
		ARN: regional("rds", byName("db:")),
		Actions: map[Operation][]string{
			Create: {"rds:CreateDBInstance", "rds:AddTagsToResource"},
			Read:   {"rds:DescribeDBInstances", "rds:ListTagsForResource"},
			Update: {"rds:ModifyDBInstance", "rds:RebootDBInstance"},
			Tag:    {"rds:AddTagsToResource", "rds:RemoveTagsFromResource"},
			Delete: {"rds:DeleteDBInstance"},
		},
		Also: []Dependent{
			{Actions: []string{"rds:CreateDBInstance", "rds:ModifyDBInstance"}, Resources: func(s scope) []string {
				return []string{s.account.ARN("rds", "pg:*"+s.prefix+"*"), s.account.ARN("rds", "subgrp:*"+s.prefix+"*"), s.account.ARN("rds", "og:default:*")}
			}},
			// The final snapshot of a deleted prod database.
			{Actions: []string{"rds:CreateDBSnapshot", "rds:DeleteDBInstance"}, Resources: func(s scope) []string {
				return []string{s.account.ARN("rds", "snapshot:*"+s.prefix+"*")}
			}},
			// RDS creates and tags the master-password secret (rds!db-<id>) with the caller's permissions.
			{Actions: []string{"secretsmanager:CreateSecret", "secretsmanager:TagResource"}, Resources: func(s scope) []string {
				return []string{s.account.ARN("secretsmanager", "secret:rds!*")}
			}},
			{Actions: []string{"iam:PassRole"}, Resources: func(s scope) []string { return []string{s.iamNamed("role")} }},
		},
	},
	{
		Type: "aws:rds/parameterGroup:ParameterGroup", Names: []string{"*{prefix}*"},
		ARN: regional("rds", byName("pg:")),
		Actions: map[Operation][]string{
			Create: {"rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup", "rds:AddTagsToResource"},
			Read:   {"rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"},
			Update: {"rds:ModifyDBParameterGroup", "rds:ResetDBParameterGroup"},
			Tag:    {"rds:AddTagsToResource", "rds:RemoveTagsFromResource"},
			Delete: {"rds:DeleteDBParameterGroup"},
		},
	},
	{
		Type: "aws:rds/subnetGroup:SubnetGroup", Names: []string{"*{prefix}*"},
		ARN: regional("rds", byName("subgrp:")),
		Actions: map[Operation][]string{
			Create: {"rds:CreateDBSubnetGroup", "rds:AddTagsToResource"}, Read: {"rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"},
			Update: {"rds:ModifyDBSubnetGroup"}, Tag: {"rds:AddTagsToResource", "rds:RemoveTagsFromResource"},
			Delete: {"rds:DeleteDBSubnetGroup"},
		},
	},
	{
		Type: "aws:rds/eventSubscription:EventSubscription", Names: []string{"*{prefix}*"},
		ARN: regional("rds", byName("es:")),
		Actions: map[Operation][]string{
			Create: {"rds:CreateEventSubscription", "rds:AddTagsToResource"}, Read: {"rds:DescribeEventSubscriptions", "rds:ListTagsForResource"},
			Update: {"rds:ModifyEventSubscription", "rds:AddSourceIdentifierToSubscription", "rds:RemoveSourceIdentifierFromSubscription"},
			Tag:    {"rds:AddTagsToResource", "rds:RemoveTagsFromResource"},
			Delete: {"rds:DeleteEventSubscription"},
		},
	},
	{
		// Replicates the database's automated backups into the replica region: the calls name the source
		// database (in the stack's region) and the replicated backups, in the replica region.
		Type: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", Of: "aws:rds/instance:Instance", Names: []string{"*{prefix}*"},
		ARN: func(v ARNValues) string { return v.In("sourceDbInstanceArn") },
		Actions: map[Operation][]string{
			Create: {"rds:StartDBInstanceAutomatedBackupsReplication"}, Read: {"rds:DescribeDBInstanceAutomatedBackups"},
			Delete: {"rds:StopDBInstanceAutomatedBackupsReplication"},
		},
		Also: []Dependent{{
			Actions: []string{"rds:StartDBInstanceAutomatedBackupsReplication", "rds:DescribeDBInstanceAutomatedBackups", "rds:StopDBInstanceAutomatedBackupsReplication"},
			Resources: func(s scope) []string {
				return []string{s.anyRegion.ARN("rds", "auto-backup:*"), s.anyRegion.ARN("rds", "db:postgres-"+s.prefix)}
			},
		}},
	},
	{
		Type: "aws:kms/key:Key", Scoping: ByTag,
		ARN: func(v ARNValues) string {
			return "arn:" + v.Partition + ":kms:" + v.Region + ":" + v.Account + ":key/" + v.ID
		},
		Actions: map[Operation][]string{
			Create: {"kms:CreateKey", "kms:TagResource", "kms:EnableKeyRotation", "kms:PutKeyPolicy"},
			Read:   {"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"},
			Update: {"kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:EnableKeyRotation", "kms:DisableKeyRotation"},
			Tag:    {"kms:TagResource", "kms:UntagResource"},
			Delete: {"kms:ScheduleKeyDeletion"},
		},
		AnyResource: []string{"kms:CreateKey"},
	},
	{
		Type: "aws:kms/alias:Alias", Names: []string{"alias/{prefix}-*"},
		ARN: regional("kms", func(v ARNValues) string { return v.Name }),
		Actions: map[Operation][]string{
			Create: {"kms:CreateAlias"}, Read: {"kms:ListAliases"}, Update: {"kms:UpdateAlias"}, Delete: {"kms:DeleteAlias"},
		},
		AnyResource: []string{"kms:ListAliases"},
		// An alias operation authorizes against the key too (its tag scopes it: see ByTag).
		Also: []Dependent{{Actions: []string{"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"}, Resources: func(s scope) []string {
			return []string{s.account.ARN("kms", "key/*")}
		}}},
	},
	{
		Type: "aws:secretsmanager/secret:Secret", Names: []string{"{prefix}-*"},
		// The provider's id of a secret is its ARN: its name and six random characters.
		ARN: func(v ARNValues) string {
			if strings.HasPrefix(v.ID, "arn:") {
				return v.ID
			}
			return regional("secretsmanager", byName("secret:"))(v) + "-??????"
		},
		Actions: map[Operation][]string{
			Create: {"secretsmanager:CreateSecret", "secretsmanager:TagResource"},
			Read:   {"secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"},
			Update: {"secretsmanager:UpdateSecret"},
			Tag:    {"secretsmanager:TagResource", "secretsmanager:UntagResource"},
			Delete: {"secretsmanager:DeleteSecret"},
		},
	},
	{
		// Its read is GetSecretValue: the preview role may read the connection secret, which holds no
		// password, and nothing else (see PreviewStatements).
		Type: "aws:secretsmanager/secretVersion:SecretVersion", Of: "aws:secretsmanager/secret:Secret", Names: []string{"{prefix}-*"},
		ARN: func(v ARNValues) string { return v.In("secretId") },
		Actions: map[Operation][]string{
			Create: {"secretsmanager:PutSecretValue"}, Read: {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Update: {"secretsmanager:PutSecretValue"}, Delete: {"secretsmanager:UpdateSecretVersionStage", "secretsmanager:DescribeSecret"},
		},
	},
	{
		Type: "aws:s3/bucketV2:BucketV2", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{
			Create: {"s3:CreateBucket", "s3:PutBucketTagging"},
			Read: {"s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning",
				"s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration",
				"s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration",
				"s3:GetBucketPolicy", "s3:GetBucketTagging", "s3:GetBucketLocation"},
			Tag:    {"s3:PutBucketTagging"},
			Delete: {"s3:DeleteBucket"},
		},
	},
	{
		Type: "aws:s3/bucketPolicy:BucketPolicy", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{Create: {"s3:PutBucketPolicy"}, Read: {"s3:GetBucketPolicy"}, Update: {"s3:PutBucketPolicy"}, Delete: {"s3:DeleteBucketPolicy"}},
	},
	{
		Type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{
			Create: {"s3:PutBucketPublicAccessBlock"}, Read: {"s3:GetBucketPublicAccessBlock"},
			Update: {"s3:PutBucketPublicAccessBlock"}, Delete: {"s3:PutBucketPublicAccessBlock"},
		},
	},
	{
		Type: "aws:s3/bucketOwnershipControls:BucketOwnershipControls", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{
			Create: {"s3:PutBucketOwnershipControls"}, Read: {"s3:GetBucketOwnershipControls"},
			Update: {"s3:PutBucketOwnershipControls"}, Delete: {"s3:PutBucketOwnershipControls"},
		},
	},
	{
		Type: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{
			Create: {"s3:PutEncryptionConfiguration"}, Read: {"s3:GetEncryptionConfiguration"},
			Update: {"s3:PutEncryptionConfiguration"}, Delete: {"s3:PutEncryptionConfiguration"},
		},
	},
	{
		Type: "aws:s3/bucketVersioningV2:BucketVersioningV2", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{
			Create: {"s3:PutBucketVersioning"}, Read: {"s3:GetBucketVersioning"}, Update: {"s3:PutBucketVersioning"}, Delete: {"s3:PutBucketVersioning"},
		},
	},
	{
		Type: "aws:s3/bucketLoggingV2:BucketLoggingV2", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{
			Create: {"s3:PutBucketLogging"}, Read: {"s3:GetBucketLogging"}, Update: {"s3:PutBucketLogging"}, Delete: {"s3:PutBucketLogging"},
		},
	},
	{
		Type: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", Names: []string{"{prefix}-*"}, ARN: bucketARN,
		Actions: map[Operation][]string{
			Create: {"s3:PutLifecycleConfiguration"}, Read: {"s3:GetLifecycleConfiguration"},
			Update: {"s3:PutLifecycleConfiguration"}, Delete: {"s3:PutLifecycleConfiguration"},
		},
	},
	{
		// The account's Block Public Access: no resource type. Only a stack that manages it gets the write.
		Type: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", Scoping: Account,
		ARN: func(ARNValues) string { return "*" },
		Actions: map[Operation][]string{
			Create: {"s3:PutAccountPublicAccessBlock"}, Read: {"s3:GetAccountPublicAccessBlock"},
			Update: {"s3:PutAccountPublicAccessBlock"}, Delete: {"s3:PutAccountPublicAccessBlock"},
		},
		AnyResource: []string{"s3:PutAccountPublicAccessBlock", "s3:GetAccountPublicAccessBlock"},
	},

	// Observability.
	{
		// The stack's own groups, the RDS exports (/aws/rds/instance/postgres-8byte-<env>/<log>) and the
		// WAF's (aws-waf-logs-8byte-<env>).
		Type: "aws:cloudwatch/logGroup:LogGroup", Names: []string{"{prefix}-*", "/aws/rds/instance/*{prefix}*", "aws-waf-logs-{prefix}*"},
		ARN: regional("logs", byName("log-group:")),
		Actions: map[Operation][]string{
			Create: {"logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource"},
			Read:   {"logs:DescribeLogGroups", "logs:ListTagsForResource"},
			Update: {"logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"},
			Tag:    {"logs:TagResource", "logs:UntagResource"},
			Delete: {"logs:DeleteLogGroup"},
		},
		AnyResource: []string{"logs:DescribeLogGroups"},
	},
	{
		Type: "aws:cloudwatch/logMetricFilter:LogMetricFilter", Names: []string{"{prefix}-*", "/aws/rds/instance/*{prefix}*", "aws-waf-logs-{prefix}*"},
		ARN: regional("logs", byInput("log-group:", "logGroupName")),
		Actions: map[Operation][]string{
			Create: {"logs:PutMetricFilter"}, Read: {"logs:DescribeMetricFilters"}, Update: {"logs:PutMetricFilter"}, Delete: {"logs:DeleteMetricFilter"},
		},
		AnyResource: []string{"logs:DescribeMetricFilters"},
	},
	{
		Type: "aws:cloudwatch/metricAlarm:MetricAlarm", Names: []string{"{prefix}-*"},
		ARN: regional("cloudwatch", byName("alarm:")),
		Actions: map[Operation][]string{
			Create: {"cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"}, Read: {"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},
			Update: {"cloudwatch:PutMetricAlarm"}, Tag: {"cloudwatch:TagResource", "cloudwatch:UntagResource"},
			Delete: {"cloudwatch:DeleteAlarms"},
		},
	},
	{
		Type: "aws:cloudwatch/dashboard:Dashboard", Names: []string{"{prefix}"},
		ARN: global("cloudwatch", byName("dashboard/")),
		Actions: map[Operation][]string{
			Create: {"cloudwatch:PutDashboard"}, Read: {"cloudwatch:GetDashboard"}, Update: {"cloudwatch:PutDashboard"}, Delete: {"cloudwatch:DeleteDashboards"},
		},
	},
	{
		Type: "aws:sns/topic:Topic", Names: []string{"{prefix}-*"},
		ARN: regional("sns", byName("")),
		Actions: map[Operation][]string{
			Create: {"sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource"}, Read: {"sns:GetTopicAttributes", "sns:ListTagsForResource"},
			Update: {"sns:SetTopicAttributes"}, Tag: {"sns:TagResource", "sns:UntagResource"}, Delete: {"sns:DeleteTopic"},
		},
	},
	{
		Type: "aws:sns/topicPolicy:TopicPolicy", Of: "aws:sns/topic:Topic", Names: []string{"{prefix}-*"},
		ARN: func(v ARNValues) string { return v.In("arn") },
		Actions: map[Operation][]string{
			Create: {"sns:SetTopicAttributes"}, Read: {"sns:GetTopicAttributes"}, Update: {"sns:SetTopicAttributes"}, Delete: {"sns:SetTopicAttributes"},
		},
	},
	{
		// Subscribe names the topic; the subscription's own calls have no resource type.
		Type: "aws:sns/topicSubscription:TopicSubscription", Of: "aws:sns/topic:Topic", Names: []string{"{prefix}-*"},
		ARN: func(v ARNValues) string { return v.In("topic") },
		Actions: map[Operation][]string{
			Create: {"sns:Subscribe", "sns:GetSubscriptionAttributes"}, Read: {"sns:GetSubscriptionAttributes"},
			Update: {"sns:SetSubscriptionAttributes"}, Delete: {"sns:Unsubscribe"},
		},
		AnyResource: []string{"sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"},
	},
	{
		Type: "aws:cloudtrail/trail:Trail", Names: []string{"{prefix}-*"},
		ARN: regional("cloudtrail", byName("trail/")),
		Actions: map[Operation][]string{
			Create: {"cloudtrail:CreateTrail", "cloudtrail:AddTags", "cloudtrail:StartLogging", "cloudtrail:PutEventSelectors"},
			Read: {"cloudtrail:DescribeTrails", "cloudtrail:GetTrail", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
				"cloudtrail:GetInsightSelectors", "cloudtrail:ListTags"},
			Update: {"cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors", "cloudtrail:StartLogging"},
			Tag:    {"cloudtrail:AddTags", "cloudtrail:RemoveTags"},
			Delete: {"cloudtrail:DeleteTrail"},
		},
		AnyResource: []string{"cloudtrail:DescribeTrails"},
		Also:        []Dependent{{Actions: []string{"iam:PassRole"}, Resources: func(s scope) []string { return []string{s.iamNamed("role")} }}},
	},

	// Identity.
	{
		Type: "aws:iam/role:Role", Names: []string{"{prefix}-*"},
		ARN: global("iam", byName("role/")),
		Actions: map[Operation][]string{
			Create: {"iam:CreateRole", "iam:TagRole"},
			Read:   {"iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListRoleTags"},
			Update: {"iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary"},
			Tag:    {"iam:TagRole", "iam:UntagRole"},
			Delete: {"iam:ListInstanceProfilesForRole", "iam:DeleteRole"},
		},
	},
	{
		Type: "aws:iam/rolePolicy:RolePolicy", Names: []string{"{prefix}-*"},
		ARN: global("iam", func(v ARNValues) string { return "role/" + lastPart(v.In("role")) }),
		Actions: map[Operation][]string{
			Create: {"iam:PutRolePolicy"}, Read: {"iam:GetRolePolicy"}, Update: {"iam:PutRolePolicy"}, Delete: {"iam:DeleteRolePolicy"},
		},
	},
	{
		Type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", Names: []string{"{prefix}-*"},
		ARN: global("iam", func(v ARNValues) string { return "role/" + lastPart(v.In("role")) }),
		Actions: map[Operation][]string{
			Create: {"iam:AttachRolePolicy"}, Read: {"iam:ListAttachedRolePolicies"}, Delete: {"iam:DetachRolePolicy"},
		},
	},
	{
		Type: "aws:iam/policy:Policy", Names: []string{"{prefix}-*"},
		ARN: global("iam", byName("policy/")),
		Actions: map[Operation][]string{
			Create: {"iam:CreatePolicy", "iam:TagPolicy"},
			Read:   {"iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListPolicyTags"},
			Update: {"iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:ListPolicyVersions"},
			Tag:    {"iam:TagPolicy", "iam:UntagPolicy"},
			Delete: {"iam:ListPolicyVersions", "iam:DeletePolicyVersion", "iam:ListEntitiesForPolicy", "iam:DeletePolicy"},
		},
	},
	{
		Type: "aws:iam/instanceProfile:InstanceProfile", Names: []string{"{prefix}-*"},
		ARN: global("iam", byName("instance-profile/")),
		Actions: map[Operation][]string{
			Create: {"iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:TagInstanceProfile"},
			Read:   {"iam:GetInstanceProfile"},
			Update: {"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"},
			Tag:    {"iam:TagInstanceProfile", "iam:UntagInstanceProfile"},
			Delete: {"iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"},
		},
		Also: []Dependent{{Actions: []string{"iam:PassRole"}, Resources: func(s scope) []string { return []string{s.iamNamed("role")} }}},
	},
	{
		// The account's provider: created once, by an administrator (or the bootstrap project); the CI
		// roles may read it only (AdminOnly).
		Type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider", Names: []string{githubOIDCHost},
		ARN: global("iam", func(ARNValues) string { return "oidc-provider/" + githubOIDCHost }),
		Actions: map[Operation][]string{
			Create: {"iam:CreateOpenIDConnectProvider"}, Read: {"iam:GetOpenIDConnectProvider"},
			Update: {"iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint"},
			Tag:    {"iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"},
			Delete: {"iam:DeleteOpenIDConnectProvider"},
		},
	},
	{
		Type: "aws:ecr/repository:Repository", Names: []string{"{prefix}-*"},
		ARN: regional("ecr", byName("repository/")),
		Actions: map[Operation][]string{
			Create: {"ecr:CreateRepository", "ecr:TagResource"}, Read: {"ecr:DescribeRepositories", "ecr:ListTagsForResource"},
			Update: {"ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability"}, Tag: {"ecr:TagResource", "ecr:UntagResource"},
			Delete: {"ecr:DeleteRepository"},
		},
		// A KMS-encrypted repository holds a KMS grant of the caller: ECR creates it (after DescribeKey), and
		// retires it on delete, each time calling KMS on the caller's behalf: through ECR only.
		Also: []Dependent{{Actions: []string{"kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"}, Via: "ecr", Resources: func(s scope) []string {
			return []string{s.account.ARN("kms", "key/*")}
		}}},
	},
	{
		Type: "aws:ecr/lifecyclePolicy:LifecyclePolicy", Names: []string{"{prefix}-*"},
		ARN: regional("ecr", byInput("repository/", "repository")),
		Actions: map[Operation][]string{
			Create: {"ecr:PutLifecyclePolicy"}, Read: {"ecr:GetLifecyclePolicy"}, Update: {"ecr:PutLifecyclePolicy"}, Delete: {"ecr:DeleteLifecyclePolicy"},
		},
	},
}

// loadBalancerPath is app/<name>/<id> of the listener's load balancer (its loadBalancerArn input), or
// app/<pattern>/* when the input is a name pattern.
func loadBalancerPath(v ARNValues) string {
	lb := v.In("loadBalancerArn")
	if _, path, ok := strings.Cut(lb, ":loadbalancer/"); ok {
		return path
	}
	return "app/" + lb + "/*"
}

// firstOf returns the first element of a list input rendered as a string ("[a b]" or "a").
func firstOf(s string) string {
	s = strings.Trim(s, "[]")
	first, _, _ := strings.Cut(s, " ")
	return first
}

// PermissionsOf returns the row of a Pulumi type, and whether it has one. Provider resources
// (pulumi:providers:aws) make no AWS calls of their own and have none.
func PermissionsOf(typ string) (Permissions, bool) {
	i := slices.IndexFunc(PermissionTable, func(p Permissions) bool { return p.Type == typ })
	if i < 0 {
		return Permissions{}, false
	}
	return PermissionTable[i], true
}

// AdminOnly are the operations of the table no CI role may perform, with the reason; the deploy role's
// proofs skip exactly these, and the README lists them.
var AdminOnly = map[string]map[Operation]string{
	// The account's GitHub OIDC provider is what every stack's CI trust rests on, shared by the stacks of
	// the account (bootstrap creates it): CI may read it, an administrator changes it.
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
		Create: "the account's OIDC provider is the CI roles' trust anchor: an administrator creates it once",
		Update: "changing the provider's audiences or thumbprints changes every stack's CI trust",
		Tag:    "the provider is the account's, shared by every stack",
		Delete: "deleting the provider would lock every stack's CI out",
	},
}
