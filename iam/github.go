package iam

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// GitHub Actions OIDC: the issuer's host (also the prefix of its claim condition keys) and the audience
// aws-actions/configure-aws-credentials requests.
const (
	githubOIDCHost = "token.actions.githubusercontent.com"
	githubAudience = "sts.amazonaws.com"
	// maxSessionSeconds caps every role session of the stack at one hour.
	maxSessionSeconds = 3600
	// readOnlyPolicy is the AWS managed policy behind the preview role's reads.
	readOnlyPolicy = "ReadOnlyAccess"
)

// PullRequestSubject is the token subject of a workflow run for a pull request of repository.
func PullRequestSubject(repository string) string { return "repo:" + repository + ":pull_request" }

// MainBranchSubject is the token subject of a workflow job that runs on the main branch of repository
// outside any GitHub environment: the scheduled (and manually dispatched) drift check. A dispatch on
// another branch carries that branch's subject, which no role trusts.
func MainBranchSubject(repository string) string {
	return "repo:" + repository + ":ref:refs/heads/main"
}

// EnvironmentSubject is the token subject of a workflow job that runs in the GitHub environment env of
// repository (one GitHub environment per stack, with its own protection rules).
func EnvironmentSubject(repository string, env settings.Environment) string {
	return "repo:" + repository + ":environment:" + env.Name
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

// stateStatements give the CI roles the Pulumi state backend and secrets provider, when configured.
// `pulumi preview` only reads the stack's checkpoint (it takes no lock on a self-managed backend); `pulumi
// up` also writes checkpoints, history, backups and lock files.
func stateStatements(s scope, write bool) []policy.Statement {
	var out []policy.Statement
	if bucket := s.github.StateBucket; bucket != "" {
		arns := s.bucket(bucket)
		objectActions := actions("s3", "GetObject")
		if write {
			objectActions = actions("s3", "DeleteObject", "GetObject", "PutObject")
		}
		out = append(out,
			policy.Statement{Sid: "ListState", Effect: policy.Allow, Action: actions("s3", "GetBucketLocation", "ListBucket"), Resource: arns[:1]},
			policy.Statement{Sid: "AccessState", Effect: policy.Allow, Action: objectActions, Resource: arns[1:]},
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
		out = append(out, policy.Statement{
			Sid:      "UseSecretsProvider",
			Effect:   policy.Allow,
			Action:   actions("kms", "Decrypt", "Encrypt", "GenerateDataKey"),
			Resource: []string{key},
		})
	}
	return out
}

// previewGuardStatements are the explicit denials that keep the preview role (AWS ReadOnlyAccess under
// the boundary) from reading data:
//   - secret values, whatever other policy allows them;
//   - any decryption an AWS service performs on the caller's behalf: Secrets Manager secrets, SSM
//     SecureString parameters, KMS-encrypted objects. Plain ssm:GetParameter stays allowed: String
//     parameters hold no secrets and the AMI lookup needs the public ones; SecureString values need this
//     decryption. When a state bucket is configured, decryption through S3 is left to it (its objects may
//     be SSE-KMS), and the only objects the boundary lets the role read are the state's. The Pulumi CLI's
//     own kms:Decrypt of the secrets provider key is a direct call (no kms:ViaService), allowed on that key
//     only;
//   - the objects of the stack's buckets (load balancer and access logs).
func previewGuardStatements(s scope) []policy.Statement {
	throughServices := policy.Conditions{"Null": {"kms:ViaService": {"false"}}}
	if s.github.StateBucket != "" {
		throughServices["StringNotLike"] = map[string][]string{"kms:ViaService": {"s3.*." + s.account.DNSSuffix}}
	}
	return []policy.Statement{
		{Sid: "DenySecretValues", Effect: policy.Deny, Action: actions("secretsmanager", "BatchGetSecretValue", "GetSecretValue"), Resource: []string{"*"}},
		{Sid: "DenyDecryptThroughServices", Effect: policy.Deny, Action: []string{"kms:Decrypt"}, Resource: []string{"*"}, Condition: throughServices},
		{Sid: "DenyStackObjects", Effect: policy.Deny, Action: actions("s3", "GetObject", "GetObjectVersion"), Resource: s.stackBuckets()[1:]},
	}
}

// github creates, when enabled, the preview and deploy roles, trusting the account's OIDC provider.
func (b *builder) github() error {
	cfg := b.args.Config
	if !cfg.Enabled {
		b.out.OidcProviderArn = pulumi.String("").ToStringOutput()
		b.out.PreviewRoleArn = pulumi.String("").ToStringOutput()
		b.out.DeployRoleArn = pulumi.String("").ToStringOutput()
		return nil
	}
	// The account's provider is the bootstrap project's (one per account, shared by every stack's roles).
	providerARN := pulumi.String(cfg.OidcProviderArn).ToStringOutput()
	trust := func(subjects ...string) pulumi.StringOutput {
		return policy.Render(pulumi.StringMap{"provider": providerARN}, func(v map[string]string) policy.Document {
			return githubTrust(v["provider"], subjects...)
		})
	}

	// Pull requests preview their change; drift.yml runs on main, in no environment (see docs/ci.md).
	preview, err := b.roleWithTrust("github-preview", "Previews "+b.name+" for pull requests and drift checks of "+cfg.Repository+" (read-only)",
		trust(PullRequestSubject(cfg.Repository), MainBranchSubject(cfg.Repository)))
	if err != nil {
		return err
	}
	if _, err := b.attach("github-preview-read", preview.Name, b.args.Account.ManagedPolicyARN(readOnlyPolicy)); err != nil {
		return err
	}
	guard := policy.New(append(previewGuardStatements(b.scope), stateStatements(b.scope, false)...)...)
	if _, err := b.rolePolicy("github-preview-guard", preview.Name, policy.Static(guard)); err != nil {
		return err
	}

	deploy, err := b.roleWithTrust("github-deploy", "Deploys "+b.name+" from the "+b.args.Environment.Name+" environment of "+cfg.Repository,
		trust(EnvironmentSubject(cfg.Repository, b.args.Environment)))
	if err != nil {
		return err
	}
	permissions := policy.Render(pulumi.StringMap{"boundary": b.boundary.Arn}, func(v map[string]string) policy.Document {
		return policy.New(deployStatements(b.scope, policy.Conditions{"StringEquals": {"iam:PermissionsBoundary": {v["boundary"]}}})...)
	})
	if _, err := b.rolePolicy("github-deploy-permissions", deploy.Name, permissions); err != nil {
		return err
	}

	b.out.OidcProviderArn = providerARN
	b.out.PreviewRoleArn = preview.Arn
	b.out.DeployRoleArn = deploy.Arn
	return nil
}
