package foundation

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/8byte/infra/settings"
)

// Config is the bootstrap stack's configuration (keys of the 8byte namespace, in the bootstrap project's
// stack file): which application stacks get a secrets-provider key, and how long the registry keeps images.
type Config struct {
	// Stacks are the application stacks of this account (8byte:stacks): each gets its own KMS key for
	// its awskms:// secrets provider, alias/8byte-pulumi-<stack>, so a stack's CI role can decrypt its
	// own secrets only.
	Stacks []string `json:"stacks"`
	// Registry is the app image repository's lifecycle (8byte:registry).
	Registry RegistryConfig `json:"registry"`
}

// RegistryConfig is the `8byte:registry` object of the bootstrap stack.
type RegistryConfig struct {
	// UntaggedImageDays expires untagged images (superseded layers of failed pushes) after that many days.
	UntaggedImageDays int `json:"untaggedImageDays"`
	// KeepTaggedImages is how many tagged images the repository keeps; older ones expire. Keep it well
	// above the number of builds between two prod deploys: an expired running tag cannot be pulled on
	// scale-out, and every stack of the account runs images from this one repository.
	KeepTaggedImages int `json:"keepTaggedImages"`
	// ReplicaRegions are the regions ECR replicates the repository's images to, within the account: a
	// recovery stack there (prod-dr, README: disaster recovery) pulls the same digest from its own region's
	// replica while the source region is down. Default: us-west-2, prod's database.replicaRegion.
	ReplicaRegions []string `json:"replicaRegions"`
}

// Config keys of the bootstrap project (namespace 8byte).
const (
	KeyStacks   = "stacks"
	KeyRegistry = "registry"
)

// DefaultConfig is the bootstrap default: the repository's two stacks, and prod's former image lifecycle.
func DefaultConfig() Config {
	return Config{
		Stacks:   []string{settings.Dev.Name, settings.Prod.Name},
		Registry: RegistryConfig{UntaggedImageDays: 7, KeepTaggedImages: 30, ReplicaRegions: []string{"us-west-2"}},
	}
}

// Limits ECR puts on lifecycle rules.
const (
	maxImageCount    = 1000
	maxUntaggedDays  = 365
	maxStacksPerBoot = 20
	// maxReplicaRegions is ECR's limit of destinations in one replication rule.
	maxReplicaRegions = 25
)

// Validate checks the config; every error names the key, the value and what is allowed.
func (c Config) Validate() error {
	if len(c.Stacks) == 0 || len(c.Stacks) > maxStacksPerBoot {
		return settings.Invalid(KeyStacks, c.Stacks, "must list the application stacks of this account (1 to %d names, e.g. [dev, prod])", maxStacksPerBoot)
	}
	for i, stack := range c.Stacks {
		if err := settings.CheckName(stack); err != nil {
			return settings.Invalid(KeyStacks, c.Stacks, "%v", err)
		}
		if slices.Contains(c.Stacks[:i], stack) {
			return settings.Invalid(KeyStacks, c.Stacks, "lists %q twice", stack)
		}
	}
	if err := settings.CheckRange(KeyRegistry+".untaggedImageDays", c.Registry.UntaggedImageDays, 1, maxUntaggedDays); err != nil {
		return err
	}
	if err := settings.CheckRange(KeyRegistry+".keepTaggedImages", c.Registry.KeepTaggedImages, 1, maxImageCount); err != nil {
		return err
	}
	if len(c.Registry.ReplicaRegions) > maxReplicaRegions {
		return settings.Invalid(KeyRegistry+".replicaRegions", c.Registry.ReplicaRegions, "at most %d regions (ECR's limit of destinations per rule)", maxReplicaRegions)
	}
	for i, region := range c.Registry.ReplicaRegions {
		if !regionPattern.MatchString(region) || slices.Contains(c.Registry.ReplicaRegions[:i], region) {
			return settings.Invalid(KeyRegistry+".replicaRegions", c.Registry.ReplicaRegions, "must be distinct AWS region names such as us-west-2")
		}
	}
	return nil
}

// CheckRegion rejects replication into the registry's own region; call it once the region is known.
func (c Config) CheckRegion(region string) error {
	if slices.Contains(c.Registry.ReplicaRegions, region) {
		return settings.Invalid(KeyRegistry+".replicaRegions", c.Registry.ReplicaRegions, "must not contain the registry's own region %s", region)
	}
	return nil
}

// regionPattern matches AWS region names: us-west-2, eu-central-1, us-gov-west-1, ...
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$`)

// SecretsAlias is the alias of stack's secrets-provider key.
func SecretsAlias(stack string) string {
	return fmt.Sprintf("alias/%s-pulumi-%s", settings.Namespace, stack)
}
