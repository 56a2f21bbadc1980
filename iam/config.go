package iam

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/8byte/infra/settings"
)

// ConfigKey is the stack-config key of the IAM tier's settings: the GitHub Actions roles.
const ConfigKey = "github"

// Config is the `8byte:github` stack-config object: whether GitHub Actions may preview and deploy this
// stack through OIDC roles, and what those roles need to reach.
type Config struct {
	// Enabled creates the preview and deploy roles. Off by default, so that a fresh checkout deploys
	// without a GitHub repository.
	Enabled bool `json:"enabled"`
	// Repository is the GitHub repository, "owner/repo", exactly as GitHub spells it (the token's sub
	// claim is compared case-sensitively). The immutable form GitHub sends in subjects,
	// "owner@<owner id>/repo@<repository id>", is accepted too and sets OwnerID and RepositoryID.
	Repository string `json:"repository,omitempty"`
	// OwnerID and RepositoryID are the numeric ids of the repository's owner and of the repository
	// (docs/ci.md: how to find them). When set, the roles trust the immutable subjects GitHub sends for
	// repositories created, renamed or transferred since 2026-07-15 (repo:owner@id/repo@id:...);
	// without them, the name-only subjects (repo:owner/repo:...). Set both or neither.
	OwnerID      NumericID `json:"ownerId,omitempty"`
	RepositoryID NumericID `json:"repositoryId,omitempty"`
	// OidcProviderArn names the account's GitHub OIDC provider, the bootstrap project's output
	// oidcProviderArn: an account holds the provider once, so no application stack creates it.
	OidcProviderArn string `json:"oidcProviderArn,omitempty"`
	// StateBucket is the S3 bucket of the Pulumi state backend the workflows log in to; empty when the
	// state lives elsewhere.
	StateBucket string `json:"stateBucket,omitempty"`
	// StateKeyArn is the KMS key that encrypts the state bucket's objects (the bootstrap output
	// stateKeyArn); empty when the state lives elsewhere.
	StateKeyArn string `json:"stateKeyArn,omitempty"`
	// SecretsProviderKeyArn is the KMS key of the stack's Pulumi secrets provider (awskms://); empty when
	// the stack uses another secrets provider.
	SecretsProviderKeyArn string `json:"secretsProviderKeyArn,omitempty"`
	// Drill, when its stack is set, creates the drill role: the GitHub environment dr-drill may create
	// and destroy that recovery stack, in its region, and touch nothing of this stack (docs/ci.md).
	Drill DrillConfig `json:"drill,omitempty"`
}

// DrillConfig names the disaster-recovery stack whose drills this stack's drill role runs.
type DrillConfig struct {
	// Stack is the recovery stack's name (e.g. prod-dr): the role reaches its names 8byte-<stack>-*, its
	// Environment=<stack> tags and its state only.
	Stack string `json:"stack,omitempty"`
	// Region is the recovery stack's region, the one this stack replicates its backups to; it must
	// differ from this stack's region.
	Region string `json:"region,omitempty"`
	// SecretsProviderKeyArn is the KMS key of the recovery stack's Pulumi secrets provider (awskms://);
	// empty when it uses another secrets provider.
	SecretsProviderKeyArn string `json:"secretsProviderKeyArn,omitempty"`
}

// enabled reports whether the drill role is configured.
func (d DrillConfig) enabled() bool { return d.Stack != "" || d.Region != "" }

// DefaultConfig returns the GitHub defaults of env: in both environments the roles are off until a
// repository is configured.
func DefaultConfig(settings.Environment) Config { return Config{} }

var (
	// GitHub owner (user or organization) names: letters, digits and single inner hyphens, at most 39.
	githubOwner = regexp.MustCompile(`^[A-Za-z0-9](?:-?[A-Za-z0-9])*$`)
	// GitHub repository names: letters, digits, '.', '_' and '-', at most 100.
	githubRepo = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	// The account's GitHub OIDC provider: its ARN always ends in the issuer's host name.
	oidcProviderPattern = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:oidc-provider/` + regexp.QuoteMeta(githubOIDCHost) + `$`)
	// A KMS key ARN (not an alias: IAM authorizes kms:Decrypt on the key), single- or multi-region key.
	kmsKeyPattern = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:kms:[a-z]{2}(?:-[a-z]+)+-[0-9]:[0-9]{12}:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	// S3 general-purpose bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and
	// ending with a letter or digit.
	bucketNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

const (
	maxOwnerLength = 39
	maxRepoLength  = 100
)

// Validate checks the GitHub config of env; every error names the key, the value and what is allowed.
// Values are checked whenever they are set; the repository and the provider choice are required only
// when the roles are enabled.
func (c Config) Validate(env settings.Environment) error {
	c, err := c.normalized()
	if err != nil {
		return err
	}
	if c.Repository != "" || c.Enabled {
		if err := checkRepository(c.Repository); err != nil {
			return err
		}
	}
	if c.OidcProviderArn != "" && !oidcProviderPattern.MatchString(c.OidcProviderArn) {
		return settings.Invalid(ConfigKey+".oidcProviderArn", c.OidcProviderArn,
			"must be the ARN of the account's GitHub OIDC provider, arn:<partition>:iam::<account>:oidc-provider/%s", githubOIDCHost)
	}
	if c.Enabled && c.OidcProviderArn == "" {
		return settings.Invalid(ConfigKey+".oidcProviderArn", c.OidcProviderArn,
			"the GitHub roles need the account's OIDC provider: set the bootstrap project's output oidcProviderArn")
	}
	if c.StateBucket != "" {
		if !bucketNamePattern.MatchString(c.StateBucket) || strings.Contains(c.StateBucket, "..") {
			return settings.Invalid(ConfigKey+".stateBucket", c.StateBucket, "must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens")
		}
		if strings.HasPrefix(c.StateBucket, settings.Prefix(env)+"-") {
			return settings.Invalid(ConfigKey+".stateBucket", c.StateBucket,
				"must not be named like this stack's own buckets (%s-*): a stack cannot hold its own state, and the preview role may not read their objects",
				settings.Prefix(env))
		}
	}
	if c.StateKeyArn != "" && !kmsKeyPattern.MatchString(c.StateKeyArn) {
		return settings.Invalid(ConfigKey+".stateKeyArn", c.StateKeyArn,
			"must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (the bootstrap output stateKeyArn)")
	}
	if c.SecretsProviderKeyArn != "" && !kmsKeyPattern.MatchString(c.SecretsProviderKeyArn) {
		return settings.Invalid(ConfigKey+".secretsProviderKeyArn", c.SecretsProviderKeyArn,
			"must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (IAM authorizes the key, not an alias)")
	}
	return c.Drill.validate(c, env)
}

// validate checks the drill config of a stack env whose GitHub config is c.
func (d DrillConfig) validate(c Config, env settings.Environment) error {
	if !d.enabled() {
		if d.SecretsProviderKeyArn != "" {
			return settings.Invalid(ConfigKey+".drill.stack", d.Stack, "set the recovery stack whose secrets-provider key drill.secretsProviderKeyArn is")
		}
		return nil
	}
	if err := settings.CheckName(d.Stack); err != nil {
		return settings.Invalid(ConfigKey+".drill.stack", d.Stack, "must be the recovery stack's name: %v", err)
	}
	if d.Stack == env.Name {
		return settings.Invalid(ConfigKey+".drill.stack", d.Stack, "must be another stack than this one (%s): the drill role creates and destroys it", env.Name)
	}
	if !settings.RegionPattern.MatchString(d.Region) {
		return settings.Invalid(ConfigKey+".drill.region", d.Region, "must be the recovery stack's AWS region, such as us-west-2")
	}
	if !c.Enabled {
		return settings.Invalid(ConfigKey+".drill.stack", d.Stack, "the drill role is a GitHub role: set github.enabled (with repository and oidcProviderArn)")
	}
	if d.SecretsProviderKeyArn != "" && !kmsKeyPattern.MatchString(d.SecretsProviderKeyArn) {
		return settings.Invalid(ConfigKey+".drill.secretsProviderKeyArn", d.SecretsProviderKeyArn,
			"must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (IAM authorizes the key, not an alias)")
	}
	return nil
}

// NumericID is a GitHub numeric id; config may give it as a JSON number or a string of digits.
type NumericID string

// UnmarshalJSON accepts 123 and "123".
func (n *NumericID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var num json.Number
		if err := json.Unmarshal(b, &num); err != nil {
			return fmt.Errorf("a GitHub id is a number: %w", err)
		}
		s = num.String()
	}
	*n = NumericID(s)
	return nil
}

var numericID = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)

// normalized returns the config with an immutable-form repository split into its name and ids.
func (c Config) normalized() (Config, error) {
	owner, repo, _ := strings.Cut(c.Repository, "/")
	ownerName, ownerID, hasOwnerID := strings.Cut(owner, "@")
	repoName, repoID, hasRepoID := strings.Cut(repo, "@")
	if hasOwnerID != hasRepoID {
		return c, settings.Invalid(ConfigKey+".repository", c.Repository, `give both ids ("owner@<owner id>/repo@<repository id>") or none ("owner/repo")`)
	}
	if hasOwnerID {
		for _, pair := range []struct {
			key        string
			given, got NumericID
		}{{"ownerId", c.OwnerID, NumericID(ownerID)}, {"repositoryId", c.RepositoryID, NumericID(repoID)}} {
			if pair.given != "" && pair.given != pair.got {
				return c, settings.Invalid(ConfigKey+"."+pair.key, string(pair.given), "differs from the id %s in repository %q", pair.got, c.Repository)
			}
		}
		c.Repository, c.OwnerID, c.RepositoryID = ownerName+"/"+repoName, NumericID(ownerID), NumericID(repoID)
	}
	if (c.OwnerID == "") != (c.RepositoryID == "") {
		return c, settings.Invalid(ConfigKey+".ownerId", string(c.OwnerID), "set ownerId and repositoryId together (both numeric ids, see docs/ci.md), or neither")
	}
	for _, f := range []struct {
		key string
		id  NumericID
	}{{"ownerId", c.OwnerID}, {"repositoryId", c.RepositoryID}} {
		if key, id := f.key, f.id; id != "" && !numericID.MatchString(string(id)) {
			return c, settings.Invalid(ConfigKey+"."+key, string(id), "must be GitHub's numeric id (digits, no leading zero; see docs/ci.md)")
		}
	}
	return c, nil
}

// subjectRepository is the repository as GitHub's token subjects spell it: owner/repo, or
// owner@<owner id>/repo@<repository id> when the ids are configured.
func (c Config) subjectRepository() string {
	if c.OwnerID == "" {
		return c.Repository
	}
	owner, repo, _ := strings.Cut(c.Repository, "/")
	return owner + "@" + string(c.OwnerID) + "/" + repo + "@" + string(c.RepositoryID)
}

func checkRepository(repository string) error {
	owner, repo, ok := strings.Cut(repository, "/")
	if !ok || len(owner) > maxOwnerLength || !githubOwner.MatchString(owner) ||
		len(repo) > maxRepoLength || !githubRepo.MatchString(repo) || repo == "." || repo == ".." {
		return settings.Invalid(ConfigKey+".repository", repository,
			`must be "owner/repo": an owner of letters, digits and single hyphens (at most %d), a repository of letters, digits, '.', '_' and '-' (at most %d)`,
			maxOwnerLength, maxRepoLength)
	}
	return nil
}
