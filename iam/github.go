package iam

import (
	"fmt"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/cloud"
	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// GitHub Actions OIDC: the issuer's host (also the prefix of its claim condition keys) and the audience
// aws-actions/configure-aws-credentials requests.
const (
	githubOIDCHost = "token.actions.githubusercontent.com"
	githubAudience = "sts.amazonaws.com"
	// pulumiProject is the Pulumi project name (Pulumi.yaml), the middle part of the state's keys.
	pulumiProject = "8byte"
)

// PullRequestSubject is the token subject of a workflow run for a pull request of repository (as
// Config.subjectRepository spells it).
func PullRequestSubject(repository string) string { return "repo:" + repository + ":pull_request" }

// MainBranchSubject is the token subject of a workflow job that runs on the main branch of repository
// outside any GitHub environment: the scheduled (and manually dispatched) drift check. A dispatch on
// another branch carries that branch's subject, which no role trusts.
func MainBranchSubject(repository string) string {
	return "repo:" + repository + ":ref:refs/heads/main"
}

// EnvironmentSubject is the token subject of a workflow job that runs in the GitHub environment
// environment of repository (one GitHub environment per stack, with its own protection rules).
func EnvironmentSubject(repository, environment string) string {
	return "repo:" + repository + ":environment:" + environment
}

// PreviewEnvironment is the GitHub environment in which pull requests preview env when its previews
// need a reviewer's approval (prod): its Pulumi secrets and state are readable only after approval.
func PreviewEnvironment(env settings.Environment) string { return env.Name + "-preview" }

// previewSubjects are the subjects the preview role of env trusts: the drift check on main, and pull
// requests, directly for dev, through the reviewed `<env>-preview` environment for prod: any
// same-repository pull request can run its own code with the preview role, which decrypts the stack's
// Pulumi secrets and reads its state.
func previewSubjects(cfg Config, env settings.Environment) []string {
	repo := cfg.subjectRepository()
	if env.IsProd() {
		return []string{EnvironmentSubject(repo, PreviewEnvironment(env)), MainBranchSubject(repo)}
	}
	return []string{PullRequestSubject(repo), MainBranchSubject(repo)}
}

// githubTrust lets GitHub Actions runs of the given subjects (exact values, never patterns) assume a
// role with their OIDC token.
func githubTrust(providerARN string, subjects ...string) policy.Document {
	return policy.New(policy.Statement{
		Effect:    policy.Allow,
		Principal: policy.Principal{"Federated": {providerARN}},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: policy.Conditions{"StringEquals": {
			githubOIDCHost + ":aud": {githubAudience},
			githubOIDCHost + ":sub": subjects,
		}},
	})
}

// StateKeys are the object keys of stack in a Pulumi DIY (S3) backend, as pkg/backend/diy of the
// Pulumi CLI (v3.276) lays them out for project-scoped stacks: the checkpoint and its backup
// (.pulumi/stacks/<project>/<stack>.json[.bak|.gz|.zst]), the update history, the checkpoint backups, and
// the lock files, which live under the stack's fully qualified name organization/<project>/<stack>
// (lock.go: stackLockDir(FullyQualifiedName)). The backend's own .pulumi/meta.yaml is read by every
// login. ListPrefixes are the prefixes the CLI lists: the checkpoint (stackPath, to pick the newest
// encoding), the locks (checkForLock) and the history.
type StateKeys struct {
	Checkpoint, History, Backups, Locks, Meta string
	// Updates matches the history, backups and locks of the stack together: .pulumi/*/<project>/<stack>/*.
	Updates      string
	ListPrefixes []string
}

// StateKeysOf returns the state keys of stack (object key patterns, * for any suffix).
func StateKeysOf(stack string) StateKeys {
	locks := ".pulumi/locks/organization/" + pulumiProject + "/" + stack + "/"
	history := ".pulumi/history/" + pulumiProject + "/" + stack + "/"
	checkpoint := ".pulumi/stacks/" + pulumiProject + "/" + stack + ".json"
	return StateKeys{
		Checkpoint: checkpoint + "*", History: history + "*", Backups: ".pulumi/backups/" + pulumiProject + "/" + stack + "/*",
		Locks: locks + "*", Meta: ".pulumi/meta.yaml", Updates: ".pulumi/*/" + pulumiProject + "/" + stack + "/*",
		ListPrefixes: []string{checkpoint, locks, history},
	}
}

// stateStatements give the CI roles their own stack's part of the Pulumi state backend and its secrets
// provider key, when configured: `pulumi preview` reads the checkpoint (it takes no lock on a DIY
// backend) and decrypts; `pulumi up` also writes checkpoints, history, backups and lock files, and
// encrypts. No role reaches another stack's keys of the bucket.
func stateStatements(s scope, write bool) []policy.Statement {
	var out []policy.Statement
	if bucket := s.github.StateBucket; bucket != "" {
		arn := "arn:" + s.account.Partition + ":s3:::" + bucket
		keys := StateKeysOf(s.environment)
		objects := []string{arn + "/" + keys.Checkpoint}
		objectActions := actions("s3", "GetObject")
		if write {
			objects = append(objects, arn+"/"+keys.Updates)
			objectActions = actions("s3", "DeleteObject", "GetObject", "PutObject")
		}
		out = append(out,
			policy.Statement{Sid: "ListOwnState", Effect: policy.Allow, Action: []string{"s3:ListBucket"}, Resource: []string{arn},
				Condition: policy.Conditions{"StringEquals": {"s3:prefix": keys.ListPrefixes}}},
			policy.Statement{Sid: "ReadBackendMeta", Effect: policy.Allow, Action: []string{"s3:GetObject"}, Resource: []string{arn + "/" + keys.Meta}},
			policy.Statement{Sid: "AccessOwnState", Effect: policy.Allow, Action: objectActions, Resource: objects},
		)
	}
	if key := s.github.StateKeyArn; key != "" {
		// The state objects are SSE-KMS with the bootstrap project's state key: S3 decrypts (and, on
		// write, generates data keys) for the role, only on S3's behalf.
		keyActions := actions("kms", "Decrypt")
		if write {
			keyActions = actions("kms", "Decrypt", "GenerateDataKey")
		}
		out = append(out, policy.Statement{
			Sid: "UseStateKeyThroughS3", Effect: policy.Allow, Action: keyActions, Resource: []string{key},
			Condition: policy.Conditions{"StringEquals": {"kms:ViaService": {viaService(s.account, "s3")}}},
		})
	}
	if key := s.github.SecretsProviderKeyArn; key != "" {
		keyActions := []string{"kms:Decrypt"}
		if write {
			keyActions = actions("kms", "Decrypt", "Encrypt", "GenerateDataKey")
		}
		out = append(out, policy.Statement{Sid: "UseSecretsProvider", Effect: policy.Allow, Action: keyActions, Resource: []string{key}})
	}
	return out
}

// github creates, when enabled, the OIDC provider (if this stack owns it) and the preview and deploy roles.
func (b *builder) github() error {
	cfg := b.scope.github
	if !cfg.Enabled {
		b.out.OidcProviderArn = pulumi.String("").ToStringOutput()
		b.out.PreviewRoleArn = pulumi.String("").ToStringOutput()
		b.out.DeployRoleArn = pulumi.String("").ToStringOutput()
		return nil
	}
	// The account's provider is the bootstrap project's (one per account, shared by every stack's roles).
	providerARN := pulumi.String(cfg.OidcProviderArn).ToStringOutput()
	trust := b.githubTrust

	// Pull requests preview their change; drift.yml runs on main, in no environment (see docs/ci.md).
	repo := cfg.subjectRepository()
	preview, err := b.roleWithTrust("github-preview", "Previews "+b.name+" for pull requests and drift checks of "+cfg.Repository+" (read-only)",
		trust(previewSubjects(b.scope.github, b.args.Environment)...), CISessionSeconds)
	if err != nil {
		return err
	}
	if err := b.managedPolicies("github-preview-read", preview.Name, PreviewStatements(b.scope)); err != nil {
		return err
	}
	deploy, err := b.roleWithTrust("github-deploy", "Deploys "+b.name+" from the "+b.args.Environment.Name+" environment of "+cfg.Repository,
		trust(EnvironmentSubject(repo, b.args.Environment.Name)), CISessionSeconds)
	if err != nil {
		return err
	}
	if err := b.managedPolicies("github-deploy-permissions", deploy.Name, DeployStatements(b.scope)); err != nil {
		return err
	}

	b.out.OidcProviderArn = providerARN
	b.out.PreviewRoleArn = preview.Arn
	b.out.DeployRoleArn = deploy.Arn
	return nil
}

// githubTrust renders the trust policy of a GitHub role for the given subjects, with the account's OIDC
// provider (the bootstrap project's, one per account, shared by every stack's roles).
func (b *builder) githubTrust(subjects ...string) pulumi.StringOutput {
	providerARN := pulumi.String(b.scope.github.OidcProviderArn).ToStringOutput()
	return cloud.PolicyJSON(pulumi.StringMap{"provider": providerARN}, func(v map[string]string) policy.Document {
		return githubTrust(v["provider"], subjects...)
	})
}

// managedPolicyLimit is the size limit of a customer managed policy (characters, without whitespace).
const managedPolicyLimit = 6144

// managedPolicies creates the statements as customer managed policies of at most managedPolicyLimit
// characters (named <key>-1, <key>-2, ...) and attaches them to the role. The table's grants do not fit
// the 10,240 characters of a role's inline policies.
func (b *builder) managedPolicies(key string, roleName pulumi.StringInput, statements []policy.Statement) error {
	for i, doc := range packPolicies(statements, managedPolicyLimit) {
		name := fmt.Sprintf("%s-%d", key, i+1)
		p, err := awsiam.NewPolicy(b.ctx, b.child(name), &awsiam.PolicyArgs{
			Description: pulumi.String(fmt.Sprintf("%s (part %d), rendered from the permission table", key, i+1)),
			Policy:      cloud.StaticPolicyJSON(doc),
			Tags:        cloud.NameTag(b.child(name)),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("policy %s: %w", name, err)
		}
		if _, err := awsiam.NewRolePolicyAttachment(b.ctx, b.child(name), &awsiam.RolePolicyAttachmentArgs{
			Role: roleName, PolicyArn: p.Arn,
		}, b.parent); err != nil {
			return fmt.Errorf("policy attachment %s: %w", name, err)
		}
	}
	return nil
}
