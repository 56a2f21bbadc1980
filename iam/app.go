package iam

import (
	"fmt"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
)

// AWS managed policies the tier attaches.
const (
	// SessionManagerPolicy lets the SSM agent register the instance and open Session Manager sessions,
	// so operators never need SSH keys.
	SessionManagerPolicy = "AmazonSSMManagedInstanceCore"
	// EnhancedMonitoringPolicy lets RDS publish OS metrics to the RDSOSMetrics log group.
	EnhancedMonitoringPolicy = "service-role/AmazonRDSEnhancedMonitoringRole"
)

// appRuntimeStatements is what the application instances need at run time, besides their secrets
// (SecretAccess) and Session Manager (the managed policy):
//   - the docker awslogs driver and the CloudWatch agent write to the stack's pre-created log groups. The
//     design also grants logs:CreateLogGroup; it is dropped: the groups exist before any instance, and
//     an instance that could create groups could create them without retention or encryption;
//   - the CloudWatch agent and the application publish metrics into the environment's namespace only;
//   - docker pulls the application image: a registry token (no resource-level permission exists for it)
//     and the layers of the one repository.
func appRuntimeStatements(s scope) []policy.Statement {
	return []policy.Statement{
		{
			Sid:      "WriteStackLogs",
			Effect:   policy.Allow,
			Action:   actions("logs", "CreateLogStream", "PutLogEvents"),
			Resource: s.logGroups(),
		},
		{
			Sid:       "PublishEnvironmentMetrics",
			Effect:    policy.Allow,
			Action:    []string{"cloudwatch:PutMetricData"},
			Resource:  []string{"*"},
			Condition: policy.Conditions{"StringEquals": {"cloudwatch:namespace": {s.namespace}}},
		},
		registryLogin(),
		{
			Sid:      "PullAppImage",
			Effect:   policy.Allow,
			Action:   actions("ecr", "BatchCheckLayerAvailability", "BatchGetImage", "GetDownloadUrlForLayer"),
			Resource: []string{s.repositoryARN()},
		},
	}
}

// registryLogin lets a principal get an ECR login token; the action has no resource-level permission.
func registryLogin() policy.Statement {
	return policy.Statement{Sid: "RegistryLogin", Effect: policy.Allow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}
}

// appRole creates the application instances' role, its policies and its instance profile.
func (b *builder) appRole() error {
	acct := b.args.Account
	// EC2 does not document aws:SourceAccount or aws:SourceArn for assuming an instance profile's role (a
	// condition on a key the service does not send would leave the instances without credentials), so the
	// trust names the service only; who may give the role to an instance is decided by iam:PassRole.
	trust := policy.New(policy.AssumeRole(policy.Services(acct.Service("ec2")), nil))
	role, err := b.role("app-role", "Runs the application instances of "+b.name, trust)
	if err != nil {
		return err
	}
	runtime, err := b.rolePolicy("app-runtime", role.Name, cloud.StaticPolicyJSON(policy.New(appRuntimeStatements(b.scope)...)))
	if err != nil {
		return err
	}
	sessions, err := b.attach("app-session-manager", role.Name, acct.ManagedPolicyARN(SessionManagerPolicy))
	if err != nil {
		return err
	}
	profile, err := awsiam.NewInstanceProfile(b.ctx, b.child("app-profile"), &awsiam.InstanceProfileArgs{
		Role: role.Name,
		Tags: cloud.NameTag(b.child("app-profile")),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("app instance profile: %w", err)
	}
	b.out.AppRoleArn = role.Arn
	b.out.AppRoleName = role.Name
	// Instances launched with the profile must find its permissions in place: consumers of the profile
	// wait for the role's policies (but not for SecretAccess, which comes after the data tier).
	b.out.InstanceProfileArn = readyWhen(profile.Arn, runtime, sessions)
	b.out.InstanceProfileName = readyWhen(profile.Name, runtime, sessions)
	return nil
}

// monitoringRole creates the role RDS enhanced monitoring assumes to publish OS metrics: trusted by this
// account's RDS monitoring only, with the AWS managed policy and nothing else.
func (b *builder) monitoringRole() error {
	acct := b.args.Account
	trust := policy.New(policy.AssumeRole(policy.Services(acct.Service("monitoring.rds")), policy.Conditions{
		"StringEquals": {"aws:SourceAccount": {acct.ID}},
	}))
	role, err := b.role("monitoring-role", "Publishes the enhanced monitoring metrics of the database of "+b.name, trust)
	if err != nil {
		return err
	}
	attachment, err := b.attach("monitoring-policy", role.Name, acct.ManagedPolicyARN(EnhancedMonitoringPolicy))
	if err != nil {
		return err
	}
	// RDS rejects a monitoring role without the policy: the instance waits for the attachment.
	b.out.MonitoringRoleArn = readyWhen(role.Arn, attachment)
	return nil
}

// role creates a role of the stack under the permissions boundary. Its name is auto-generated from the
// logical name, so it matches the stack's role/8byte-<env>-* pattern; sessions last at most an hour.
// (CI roles: roleWithTrust with CISessionSeconds.)
func (b *builder) role(key, description string, trust policy.Document) (*awsiam.Role, error) {
	return b.roleWithTrust(key, description, cloud.StaticPolicyJSON(trust), WorkloadSessionSeconds)
}

// roleWithTrust is role for a trust policy that names outputs (the OIDC provider's ARN), with sessions
// of at most sessionSeconds.
func (b *builder) roleWithTrust(key, description string, trust pulumi.StringOutput, sessionSeconds int) (*awsiam.Role, error) {
	return b.roleUnder(key, description, trust, sessionSeconds, b.boundary.Arn)
}

// roleUnder is roleWithTrust under another permissions boundary than the stack's (the drill role's).
func (b *builder) roleUnder(key, description string, trust pulumi.StringOutput, sessionSeconds int, boundary pulumi.StringInput) (*awsiam.Role, error) {
	role, err := awsiam.NewRole(b.ctx, b.child(key), &awsiam.RoleArgs{
		Description:         pulumi.String(description),
		AssumeRolePolicy:    trust,
		PermissionsBoundary: boundary,
		MaxSessionDuration:  pulumi.Int(sessionSeconds),
		Tags:                cloud.NameTag(b.child(key)),
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("role %s: %w", key, err)
	}
	return role, nil
}

// rolePolicy adds an inline policy to a role.
func (b *builder) rolePolicy(key string, roleName pulumi.StringInput, document pulumi.StringOutput) (*awsiam.RolePolicy, error) {
	p, err := awsiam.NewRolePolicy(b.ctx, b.child(key), &awsiam.RolePolicyArgs{Role: roleName, Policy: document}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("role policy %s: %w", key, err)
	}
	return p, nil
}

// attach attaches a managed policy to a role.
func (b *builder) attach(key string, roleName pulumi.StringInput, policyARN string) (*awsiam.RolePolicyAttachment, error) {
	a, err := awsiam.NewRolePolicyAttachment(b.ctx, b.child(key), &awsiam.RolePolicyAttachmentArgs{
		Role:      roleName,
		PolicyArn: pulumi.String(policyARN),
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("policy attachment %s: %w", key, err)
	}
	return a, nil
}

// readyWhen returns value once every resource of deps exists, so that whoever uses the value waits for
// them too.
func readyWhen(value pulumi.StringOutput, deps ...pulumi.CustomResource) pulumi.StringOutput {
	inputs := []any{value}
	for _, d := range deps {
		inputs = append(inputs, d.ID())
	}
	return pulumi.All(inputs...).ApplyT(func(values []any) string { return values[0].(string) }).(pulumi.StringOutput)
}
