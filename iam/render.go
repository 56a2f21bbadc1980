package iam

import (
	"maps"
	"slices"
	"strings"

	"github.com/8byte/infra/policy"
)

// EnvironmentTag is the tag key whose value (the environment) the stack's provider puts on every resource
// (aws:defaultTags in Pulumi.<env>.yaml); the ByTag rows of the table are scoped by it.
const EnvironmentTag = "Environment"

// Condition keys of the tag scoping.
const (
	requestTagKey  = "aws:RequestTag/" + EnvironmentTag
	resourceTagKey = "aws:ResourceTag/" + EnvironmentTag
)

// patterns returns the ARN patterns of this stack's resources of row p: its ARN form filled with the
// stack's name patterns (ByName) or wildcards (ByTag, Account), in the stack's region, or in any region
// for the services whose resources the stack also creates in the backup-replica region (RDS, KMS).
func (s scope) patterns(p Permissions) []string {
	if p.Of != "" {
		if of, ok := PermissionsOf(p.Of); ok {
			return s.patterns(of)
		}
	}
	region := s.account.Region
	if strings.HasPrefix(p.Type, "aws:kms/") || strings.HasPrefix(p.Type, "aws:rds/") {
		region = "*"
	}
	names := []string{"*"}
	if p.Scoping == ByName {
		names = nil
		for _, n := range p.Names {
			names = append(names, strings.ReplaceAll(n, "{prefix}", s.prefix))
		}
	}
	var out []string
	for _, n := range names {
		v := ARNValues{Partition: s.account.Partition, Region: region, Account: s.account.ID, Name: n, ID: "*",
			In: func(string) string { return n }}
		out = appendNew(out, p.ARN(v))
	}
	return out
}

func (s scope) tagged(key string) policy.Conditions {
	return policy.Conditions{"StringEquals": {key: {s.environment}}}
}

// tableStatements renders the grants of the table's operations ops for this stack: every action on the
// stack's ARN patterns of its row (tag-scoped for ByTag rows: creating calls by aws:RequestTag, the others
// by aws:ResourceTag), the rows' dependent authorizations, and the actions without resource type on "*".
// Admin-only operations, and account-level rows the stack does not manage, are left out.
func tableStatements(s scope, ops []Operation) []policy.Statement {
	writes := slices.Contains(ops, Create)
	anyResource := policy.Statement{Effect: policy.Allow, Resource: []string{"*"}}
	var out []policy.Statement
	add := func(st policy.Statement) {
		if len(st.Action) > 0 {
			slices.Sort(st.Action)
			out = append(out, st)
		}
	}
	for _, p := range PermissionTable {
		var scoped, creating, all []string
		for _, op := range ops {
			if AdminOnly[p.Type][op] != "" || (p.Scoping == Account && op != Read && !s.accountSettings) {
				continue
			}
			for _, a := range p.Actions[op] {
				all = appendNew(all, a)
				switch {
				case slices.Contains(p.AnyResource, a):
					anyResource.Action = appendNew(anyResource.Action, a)
				case p.Scoping == ByTag && op == Create:
					creating = appendNew(creating, a)
				default:
					scoped = appendNew(scoped, a)
				}
			}
		}
		var onResource policy.Conditions
		if p.Scoping == ByTag {
			onResource = s.tagged(resourceTagKey)
			add(policy.Statement{Effect: policy.Allow, Action: creating, Resource: s.patterns(p), Condition: s.tagged(requestTagKey)})
		}
		add(policy.Statement{Effect: policy.Allow, Action: scoped, Resource: s.patterns(p), Condition: onResource})
		for _, d := range p.Also {
			var acts []string
			for _, a := range d.Actions {
				if slices.Contains(all, a) || (writes && !slices.ContainsFunc(Operations, func(op Operation) bool { return slices.Contains(p.Actions[op], a) })) {
					acts = appendNew(acts, a)
				}
			}
			cond := onResource
			if d.Untagged {
				cond = nil
			}
			if d.Via != "" {
				cond = maps.Clone(cond)
				if cond == nil {
					cond = policy.Conditions{}
				}
				equals := maps.Clone(cond["StringEquals"])
				if equals == nil {
					equals = map[string][]string{}
				}
				equals["kms:ViaService"] = []string{viaService(s.account, d.Via)}
				cond["StringEquals"] = equals
			}
			if slices.Contains(acts, "iam:PassRole") {
				acts = slices.DeleteFunc(acts, func(a string) bool { return a == "iam:PassRole" })
				add(passStackRoles(s))
			}
			add(policy.Statement{Effect: policy.Allow, Action: acts, Resource: d.Resources(s), Condition: cond})
		}
	}
	add(anyResource)
	return mergeGrants(out)
}

// passStackRoles lets the deploy role give the stack's roles to the services that use them.
func passStackRoles(s scope) policy.Statement {
	return policy.Statement{
		Effect:    policy.Allow,
		Action:    []string{"iam:PassRole"},
		Resource:  []string{s.iamNamed("role")},
		Condition: policy.Conditions{"StringEquals": {"iam:PassedToService": servicePrincipals(s, passRoleServices)}},
	}
}

// programReads are the calls the program itself makes before any resource (its invokes): the region's
// availability zones and AWS's public AMI parameters. Caller identity, partition and region need none.
func programReads(s scope) []policy.Statement {
	return []policy.Statement{
		{Sid: "ProgramLookups", Effect: policy.Allow, Action: []string{"ec2:DescribeAvailabilityZones"}, Resource: []string{"*"}},
		{Sid: "ReadPublicAmiParameters", Effect: policy.Allow, Action: actions("ssm", "GetParameter", "GetParameters"),
			Resource: []string{s.unowned("ssm", "parameter/aws/service/*")}},
	}
}

// PreviewStatements are the preview role's permissions: the table's reads of every resource of the stack
// (what `pulumi preview --refresh` calls), the program's lookups, the stack's own state read and, for
// stacks whose secrets the preview may decrypt, its secrets-provider key (see stateStatements).
//
// Refreshing the connection secret's SecretVersion reads its value (GetSecretValue): the preview role may
// read the stack's own secrets by name (8byte-<env>-*), that is the connection secret, which holds no
// password (host, port, database, user and the ARN of the RDS-managed password secret), and decrypt
// them through Secrets Manager only, with the secret's ARN as encryption context. The RDS-managed password
// secret (rds!db-...) matches no pattern of the preview role, and an explicit deny keeps every other
// secret value out of reach whatever else is attached.
func PreviewStatements(s scope) []policy.Statement {
	secrets := s.named("secretsmanager", "secret:")
	return slices.Concat(
		tableStatements(s, []Operation{Read}),
		programReads(s),
		[]policy.Statement{{
			Sid:      "DecryptConnectionSecret",
			Effect:   policy.Allow,
			Action:   []string{"kms:Decrypt"},
			Resource: []string{s.account.ARN("kms", "key/*")},
			Condition: policy.Conditions{
				"StringEquals": {"kms:ViaService": {viaService(s.account, "secretsmanager")}, resourceTagKey: {s.environment}},
				"StringLike":   {"kms:EncryptionContext:SecretARN": {secrets}},
			},
		}},
		[]policy.Statement{{
			// plan/preview jobs check that the image tag the merge would deploy exists.
			Sid: "FindAppImage", Effect: policy.Allow, Action: []string{"ecr:DescribeImages"}, Resource: []string{s.repositoryARN()},
		}},
		stateStatements(s, false),
		[]policy.Statement{{Sid: "DenyOtherSecretValues", Effect: policy.Deny, Action: actions("secretsmanager", "BatchGetSecretValue", "GetSecretValue"),
			NotResource: []string{secrets}}},
	)
}

// DeployStatements are the deploy role's permissions: every operation of the table on the stack's
// resources except the admin-only ones, the program's lookups, the service-linked roles a first deployment
// of an account needs, pushing the application image, and the stack's state and secrets provider.
func DeployStatements(s scope) []policy.Statement {
	return slices.Concat(
		stackDeployStatements(s),
		[]policy.Statement{
			registryLogin(),
			{
				Sid:    "PushAppImage",
				Effect: policy.Allow,
				// app-image.yml: whether the tag exists (DescribeImages), then docker push.
				Action: actions("ecr", "BatchCheckLayerAvailability", "BatchGetImage", "CompleteLayerUpload", "DescribeImages",
					"InitiateLayerUpload", "PutImage", "UploadLayerPart"),
				Resource: []string{s.repositoryARN()},
			},
		},
		stateStatements(s, true),
	)
}

// stackDeployStatements are what a `pulumi up` or `pulumi destroy` of the stack of s calls on AWS: every
// operation of the table on its resources except the admin-only ones, the program's lookups and the
// service-linked roles a first deployment of an account needs (the deploy role and the drill role).
func stackDeployStatements(s scope) []policy.Statement {
	return slices.Concat(
		tableStatements(s, Operations),
		programReads(s),
		[]policy.Statement{{
			Sid:       "CreateServiceLinkedRoles",
			Effect:    policy.Allow,
			Action:    []string{"iam:CreateServiceLinkedRole"},
			Resource:  []string{s.account.GlobalARN("iam", "role/aws-service-role/*")},
			Condition: policy.Conditions{"StringEquals": {"iam:AWSServiceName": servicePrincipals(s, serviceLinkedRoleServices)}},
		}},
	)
}

// packPolicies splits statements into as few documents of at most limit characters as it can, in order.
func packPolicies(statements []policy.Statement, limit int) []policy.Document {
	var docs []policy.Document
	cur := policy.New()
	for _, st := range statements {
		next := policy.New(append(slices.Clone(cur.Statement), st)...)
		if js, _ := next.JSON(); len(js) > limit && len(cur.Statement) > 0 {
			docs = append(docs, cur)
			next = policy.New(st)
		}
		cur = next
	}
	if len(cur.Statement) > 0 {
		docs = append(docs, cur)
	}
	return docs
}
