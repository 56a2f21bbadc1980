package iam

import (
	"fmt"
	"slices"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// DrillEnvironment is the GitHub environment of the disaster-recovery drill (.github/workflows/dr-drill.yml),
// the only subject the drill role trusts.
const DrillEnvironment = "dr-drill"

// DrillMetricsNamespace is the CloudWatch namespace the drill publishes its RTO, RPO and outcome to (package
// drill's MetricsNamespace; a test checks they agree), the only one the drill role may write.
const DrillMetricsNamespace = "8byte/dr"

// drillBoundaryName is the logical name of the drill role's boundary, given the stack's boundary's. It
// must not match the recovery stack's names (8byte-<prod>-drill-... is not 8byte-<prod>-dr-...), which
// the drill role may change.
func drillBoundaryName(boundaryName string) string {
	return boundaryName[:len(boundaryName)-len("boundary")] + "drill-boundary"
}

// drillScope is the scope of the recovery stack the drill role creates and destroys: its region, names
// (8byte-<stack>-*), Environment tag and state, with this stack's account, repository and state backend.
// Its boundary pattern is the recovery stack's own boundary, which every role of that stack carries.
func (s scope) drillScope() scope {
	d := s.github.Drill
	env := settings.Environment{Name: d.Stack}
	out := s
	out.account.Region = d.Region
	out.prefix = settings.Prefix(env)
	out.boundaryPattern = s.account.GlobalARN("iam", "policy/"+out.prefix+"-boundary*")
	out.drillBoundaryPattern = ""
	out.namespace = "8byte/" + d.Stack
	out.environment = d.Stack
	out.accountSettings = false
	out.github = Config{StateBucket: s.github.StateBucket, StateKeyArn: s.github.StateKeyArn, SecretsProviderKeyArn: d.SecretsProviderKeyArn}
	return out
}

// DrillStatements are the drill role's permissions (scripts/dr-drill.sh): a `pulumi up` and `pulumi
// destroy` of the recovery stack of the drill scope d (the deploy permissions of its resources), its own
// state and secrets-provider key (the state backend is in the region of stack s), restoring the recovery
// database from prod's replicated automated backups with the replica key through RDS, and publishing the
// drill's metrics in its own namespace. Finding the backups (rds:DescribeDBInstanceAutomatedBackups,
// authorized on the auto-backup resource type) is the table's read of the backup replication, which the
// deploy permissions already grant on auto-backup:*.
func DrillStatements(s, d scope) []policy.Statement {
	state := d
	state.account = s.account // the state bucket and its key are in the stack's (bootstrap's) region
	backups := d.account.ARN("rds", "auto-backup:*")
	return slices.Concat(
		stackDeployStatements(d),
		stateStatements(state, true),
		[]policy.Statement{
			{
				Sid:    "RestoreFromReplicatedBackups",
				Effect: policy.Allow,
				Action: []string{"rds:RestoreDBInstanceToPointInTime"},
				Resource: []string{backups, d.account.ARN("rds", "db:*"+d.prefix+"*"), d.account.ARN("rds", "pg:*"+d.prefix+"*"),
					d.account.ARN("rds", "subgrp:*"+d.prefix+"*"), d.account.ARN("rds", "og:default:*")},
			},
			{
				// The replicated backups are encrypted with the source stack's replica key of this region:
				// RDS uses it for the restored instance on the drill role's behalf, through RDS only.
				Sid:       "UseReplicaKeyThroughRDS",
				Effect:    policy.Allow,
				Action:    actions("kms", "CreateGrant", "Decrypt", "DescribeKey"),
				Resource:  []string{d.account.ARN("kms", "key/*")},
				Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {viaService(d.account, "rds")}}},
			},
			{
				Sid: "PublishDrillMetrics", Effect: policy.Allow, Action: []string{"cloudwatch:PutMetricData"}, Resource: []string{"*"},
				Condition: policy.Conditions{"StringEquals": {"cloudwatch:namespace": {DrillMetricsNamespace}}},
			},
		},
	)
}

// drillGuards are the drill boundary's denials (see boundaryGuards and isolationGuards): the drill boundary
// itself cannot be changed; no boundary can be removed; every role or user the drill creates or changes
// carries the recovery stack's boundary (so the drill role cannot change its own policies); the stack's CI
// roles (the drill role among them) keep their trust and boundary; no resource tagged with another
// environment than the recovery stack's is touched, except the source's replicated backups and replica
// key, which RDS reads for the restore; and no role is assumed.
func drillGuards(s, d scope) []policy.Statement {
	return []policy.Statement{
		{
			Sid:      "ProtectDrillBoundary",
			Effect:   policy.Deny,
			Action:   actions("iam", "CreatePolicy", "CreatePolicyVersion", "DeletePolicy", "DeletePolicyVersion", "SetDefaultPolicyVersion"),
			Resource: []string{s.drillBoundaryPattern, s.boundaryPattern},
		},
		boundaryGuards(d)[1], // KeepPermissionsBoundaries
		boundaryGuards(d)[2], // NoPrincipalOutsideBoundary: the recovery stack's boundary
		{
			Sid:      "ProtectCIRoles",
			Effect:   policy.Deny,
			Action:   actions("iam", "DeleteRole", "PutRolePermissionsBoundary", "UpdateAssumeRolePolicy"),
			Resource: []string{s.ciRolePattern("role")},
		},
		{
			Sid:         "DenyOtherEnvironments",
			Effect:      policy.Deny,
			Action:      taggedServices,
			NotResource: []string{d.account.ARN("rds", "auto-backup:*")},
			Condition: policy.Conditions{
				"StringNotEquals": {resourceTagKey: {d.environment, SharedEnvironment}, "kms:ViaService": {viaService(d.account, "rds")}},
				"Null":            {resourceTagKey: {"false"}},
			},
		},
		isolationGuards(d)[2], // NoRoleChaining
	}
}

// drillBoundaryDocument is the drill role's permissions boundary: the ceiling of its permissions and the
// drill's guards.
func drillBoundaryDocument(s, d scope) policy.Document {
	return policy.New(slices.Concat(ceiling(DrillStatements(s, d), d.prefix), drillGuards(s, d))...)
}

// drillRole creates, with github.drill, the drill role: trusted by the dr-drill environment of the
// repository only, under its own boundary (created here; changed by an administrator only), with the
// drill's permissions.
func (b *builder) drillRole() error {
	if !b.scope.github.Drill.enabled() {
		b.out.DrillRoleArn = pulumi.String("").ToStringOutput()
		return nil
	}
	d := b.scope.drillScope()
	name := drillBoundaryName(b.child("boundary"))
	boundary, err := awsiam.NewPolicy(b.ctx, name, &awsiam.PolicyArgs{
		Description: pulumi.String("Permissions boundary of the drill role of " + b.name + ": create and destroy " + d.environment + " only"),
		Policy:      cloud.StaticPolicyJSON(drillBoundaryDocument(b.scope, d)),
		Tags:        cloud.NameTag(name),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("drill boundary: %w", err)
	}
	cfg := b.scope.github
	role, err := b.roleUnder("github-drill", "Creates and destroys "+d.environment+" from the "+DrillEnvironment+" environment of "+cfg.Repository,
		b.githubTrust(EnvironmentSubject(cfg.subjectRepository(), DrillEnvironment)), CISessionSeconds, boundary.Arn)
	if err != nil {
		return err
	}
	if err := b.managedPolicies("github-drill-permissions", role.Name, DrillStatements(b.scope, d)); err != nil {
		return err
	}
	b.out.DrillRoleArn = role.Arn
	return nil
}
