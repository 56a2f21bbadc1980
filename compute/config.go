package compute

import (
	"regexp"
	"slices"
	"strings"

	"github.com/8byte/infra/settings"
)

// Config is the `8byte:compute` stack-config object.
type Config struct {
	// InstanceType is the EC2 type of the application instances, from a family in InstanceFamilies; a
	// Graviton family (t4g, m7g, ...) runs the arm64 AMI and needs an arm64 (or multi-arch) app image.
	InstanceType string `json:"instanceType"`
	// MinSize, MaxSize and DesiredCapacity size the Auto Scaling group. DesiredCapacity is only the
	// starting point: later updates ignore it, so scaling decisions survive the next `pulumi up`.
	MinSize         int `json:"minSize"`
	MaxSize         int `json:"maxSize"`
	DesiredCapacity int `json:"desiredCapacity"`
	// RepositoryURL is the account's ECR repository of the app image, the bootstrap project's output
	// repositoryUrl (<account>.dkr.ecr.<region>.<dns suffix>/<name>): every stack of the account runs
	// images from it, so one build (one digest) is promoted from dev to prod.
	RepositoryURL string `json:"repositoryUrl"`
	// ImageTag is the tag of the app image in RepositoryURL that the instances run. ECR tags are
	// immutable there, so a tag names one build (CI uses the tree hash of app/); "latest" is refused.
	// There is no default: the image is pushed before the first deploy (README: the first image), so no
	// instance ever starts without an image to run.
	ImageTag string `json:"imageTag"`
	// CertificateArn is the ACM certificate (same account and region) of the HTTPS listener; empty means
	// no HTTPS, which prod refuses unless AllowHTTPWithoutCertificate is set.
	CertificateArn string `json:"certificateArn"`
	// AllowHTTPWithoutCertificate is the documented opt-out that lets a prod stack serve plain HTTP
	// (e.g. a first deploy before the domain's certificate is validated). Dev needs no opt-out.
	AllowHTTPWithoutCertificate bool `json:"allowHttpWithoutCertificate"`
	// WafEnabled puts a WAFv2 web ACL (managed rule groups, per-IP rate limit, logging) in front of the ALB.
	WafEnabled bool `json:"wafEnabled"`
	// WafRateLimit is the number of requests one client IP may make in any 5-minute window before WAF
	// blocks it: 100 to 2,000,000,000, the range the provider accepts.
	WafRateLimit int `json:"wafRateLimit"`
	// HealthCheckPath is the app's health endpoint, probed by the ALB.
	HealthCheckPath string `json:"healthCheckPath"`
	// DeregistrationDelaySeconds is how long the ALB lets in-flight requests of a leaving instance finish.
	DeregistrationDelaySeconds int `json:"deregistrationDelaySeconds"`
	// WarmupSeconds is how long a new instance needs to boot, pull the image and pass health checks: the
	// ASG's health-check grace period, its default instance warm-up and the instance refresh's warm-up.
	WarmupSeconds int `json:"warmupSeconds"`
	// InstanceRefreshMinHealthyPercentage is the share of the desired capacity that stays in service during
	// an instance refresh; new instances launch before old ones stop (up to min+100 %, at most 200 %).
	InstanceRefreshMinHealthyPercentage int `json:"instanceRefreshMinHealthyPercentage"`
	// MaxInstanceLifetimeDays replaces every instance after that many days (0: never), so instances pick
	// up the latest Amazon Linux AMI, which the launch template resolves at each launch.
	MaxInstanceLifetimeDays int `json:"maxInstanceLifetimeDays"`
	// CPUTargetPercent is the average CPU utilization the ASG's target-tracking policy holds.
	CPUTargetPercent int `json:"cpuTargetPercent"`
	// RequestsPerTargetTarget is the ALB request count per instance per minute the second policy holds.
	RequestsPerTargetTarget int `json:"requestsPerTargetTarget"`
	// RootVolumeGiB is the size of each instance's encrypted gp3 root volume.
	RootVolumeGiB int `json:"rootVolumeGiB"`
}

// StandInImageTag is the image tag of the committed stack files: no image has it. It lets the unit tests
// and the offline engine run the stacks as committed; a real deployment refuses it (see main's stand-in
// checks) and names the tag of the image pushed before the first deploy.
const StandInImageTag = "bootstrap"

// DefaultConfig returns the compute defaults of env. Dev is small (one instance, at most two); prod runs
// 2-6 instances (the design's source: 2/6/2). No profile has a default repository or image tag: the
// stack names the account's repository and the build it runs.
func DefaultConfig(env settings.Environment) Config {
	c := Config{
		InstanceType:                        "t3.small",
		MinSize:                             1,
		MaxSize:                             2,
		DesiredCapacity:                     1,
		WafEnabled:                          true,
		WafRateLimit:                        2000,
		HealthCheckPath:                     "/health",
		DeregistrationDelaySeconds:          30,
		WarmupSeconds:                       300,
		InstanceRefreshMinHealthyPercentage: 100,
		CPUTargetPercent:                    60,
		RequestsPerTargetTarget:             1000,
		RootVolumeGiB:                       20,
	}
	if env.IsProd() {
		c.InstanceType = "t3.medium"
		c.MinSize, c.MaxSize, c.DesiredCapacity = 2, 6, 2
		c.MaxInstanceLifetimeDays = 30
		c.RootVolumeGiB = 30
	}
	return c
}

// Architectures of the Amazon Linux 2023 AMIs, as the AMI's SSM parameter names them.
const (
	ArchX86 = "x86_64"
	ArchArm = "arm64"
)

// InstanceFamilies are the instance families this tier supports, with their CPU architecture: current
// general-purpose, compute- and memory-optimized Nitro families (Graviton ones are arm64).
var InstanceFamilies = map[string]string{
	"t3": ArchX86, "t3a": ArchX86, "t4g": ArchArm,
	"m5": ArchX86, "m5a": ArchX86, "m6i": ArchX86, "m6a": ArchX86, "m6g": ArchArm, "m7i": ArchX86, "m7a": ArchX86, "m7g": ArchArm,
	"c5": ArchX86, "c5a": ArchX86, "c6i": ArchX86, "c6a": ArchX86, "c6g": ArchArm, "c7i": ArchX86, "c7a": ArchX86, "c7g": ArchArm,
	"r5": ArchX86, "r6i": ArchX86, "r6a": ArchX86, "r6g": ArchArm, "r7i": ArchX86, "r7a": ArchX86, "r7g": ArchArm,
}

// instanceSize matches the size part of an instance type; nano is left out (512 MiB cannot hold Docker,
// the CloudWatch agent and the app).
var instanceSize = regexp.MustCompile(`^(micro|small|medium|large|[1-9][0-9]?xlarge)$`)

// Architecture returns the CPU architecture of the instance type's family ("" for an unknown family).
func (c Config) Architecture() string {
	family, _, _ := strings.Cut(c.InstanceType, ".")
	return InstanceFamilies[family]
}

// Limits AWS puts on the values of this config.
const (
	// The provider's range for a rate-based rule's limit: pulumi-aws v6 bridges the Terraform provider,
	// whose wafv2 schema validates IntBetween(100, 2000000000) (AWS itself now accepts 10).
	wafMinRateLimit      = 100
	wafMaxRateLimit      = 2_000_000_000
	maxDeregistration    = 3600
	minWarmupSeconds     = 60
	maxWarmupSeconds     = 3600
	maxInstanceLifetime  = 365 // days; AWS allows 1 to 365
	minRootVolumeGiB     = 8   // the AL2023 AMI's snapshot
	maxRootVolumeGiB     = 1024
	maxHealthCheckPath   = 1024
	maxRepositoryName    = 256
	maxAsgSize           = 100
	maxRequestsPerTarget = 100_000
)

var (
	// repositoryURL is an ECR private repository URL: account, region, DNS suffix, repository name.
	repositoryURL = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z]{2}(?:-gov)?-[a-z]+-[0-9])\.(amazonaws\.com(?:\.cn)?)/([a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)$`)
	// imageTag is Docker's tag grammar.
	imageTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	// certificateArn is an ACM certificate ARN in any partition.
	certificateArn = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:acm:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// healthCheckPath is an absolute URL path without spaces or a query.
	healthCheckPath = regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$`)
)

// Validate checks the compute config of env; every error names the key, the value and what is allowed.
func (c Config) Validate(env settings.Environment) error {
	if err := c.validateInstances(); err != nil {
		return err
	}
	if err := c.validateRepository(); err != nil {
		return err
	}
	if err := c.validateImageTag(); err != nil {
		return err
	}
	if err := c.validateWeb(env); err != nil {
		return err
	}
	return c.validateScaling()
}

func (c Config) validateInstances() error {
	family, size, _ := strings.Cut(c.InstanceType, ".")
	if _, known := InstanceFamilies[family]; !known {
		return settings.Invalid("compute.instanceType", c.InstanceType, "the family must be one of %s", strings.Join(sortedFamilies(), ", "))
	}
	if !instanceSize.MatchString(size) {
		return settings.Invalid("compute.instanceType", c.InstanceType, "must be <family>.<size> with a size of micro or larger, e.g. %s.small", family)
	}
	if err := settings.CheckRange("compute.minSize", c.MinSize, 1, maxAsgSize); err != nil {
		return err
	}
	if err := settings.CheckRange("compute.maxSize", c.MaxSize, 1, maxAsgSize); err != nil {
		return err
	}
	if c.MinSize > c.MaxSize {
		return settings.Invalid("compute.minSize", c.MinSize, "must not exceed compute.maxSize (%d)", c.MaxSize)
	}
	if c.DesiredCapacity < c.MinSize || c.DesiredCapacity > c.MaxSize {
		return settings.Invalid("compute.desiredCapacity", c.DesiredCapacity, "must be between compute.minSize (%d) and compute.maxSize (%d)", c.MinSize, c.MaxSize)
	}
	return settings.CheckRange("compute.rootVolumeGiB", c.RootVolumeGiB, minRootVolumeGiB, maxRootVolumeGiB)
}

func (c Config) validateRepository() error {
	if c.RepositoryURL == "" {
		return settings.Invalid("compute.repositoryUrl", c.RepositoryURL,
			"must name the account's app image repository: the bootstrap project's output repositoryUrl (README: from zero)")
	}
	_, _, _, err := c.Repository()
	return err
}

// Repository splits RepositoryURL into the account, the region and the repository name.
func (c Config) Repository() (accountID, region, name string, err error) {
	m := repositoryURL.FindStringSubmatch(c.RepositoryURL)
	if len(m) != 5 || len(m[4]) < 2 || len(m[4]) > maxRepositoryName {
		return "", "", "", settings.Invalid("compute.repositoryUrl", c.RepositoryURL,
			"must be an ECR repository URL, <account>.dkr.ecr.<region>.amazonaws.com/<name> (the bootstrap project's output repositoryUrl)")
	}
	return m[1], m[2], m[4], nil
}

// CheckAccount rejects values that belong to another account or region than account's: the load balancer
// only uses ACM certificates of its own account and region, and the instances pull from the account's
// registry in their region (the instance role may pull from nothing else).
func (c Config) CheckAccount(account settings.Account) error {
	if cert := c.CertificateArn; cert != "" {
		parts := strings.Split(cert, ":")
		if parts[1] != account.Partition || parts[3] != account.Region || parts[4] != account.ID {
			return settings.Invalid("compute.certificateArn", cert,
				"must be a certificate of account %s in region %s (%s): an ALB only uses ACM certificates of its own account and region; "+
					"request one for your host name (README: DNS and the certificate) and set its ARN",
				account.ID, account.Region, account.Partition)
		}
	}
	id, region, _, err := c.Repository()
	if err != nil {
		return err
	}
	host, _, _ := strings.Cut(c.RepositoryURL, "/")
	if id != account.ID || region != account.Region || !strings.HasSuffix(host, "."+account.DNSSuffix) {
		return settings.Invalid("compute.repositoryUrl", c.RepositoryURL,
			"must be the repository of account %s in region %s: set the output repositoryUrl of this account's bootstrap stack (README: from zero)",
			account.ID, account.Region)
	}
	return nil
}

func (c Config) validateImageTag() error {
	switch {
	case c.ImageTag == "":
		return settings.Invalid("compute.imageTag", c.ImageTag,
			"must name the image to run: push the first image before the first deploy (README: the first image), then set its tag (CI sets the tree hash of app/)")
	case c.ImageTag == "latest":
		return settings.Invalid("compute.imageTag", c.ImageTag, "tags are immutable and name one build; use the build's tag (CI uses the tree hash of app/), not latest")
	case !imageTag.MatchString(c.ImageTag):
		return settings.Invalid("compute.imageTag", c.ImageTag, "must be a Docker tag: letters, digits, _ . - (not first), at most 128 characters")
	}
	return nil
}

func (c Config) validateWeb(env settings.Environment) error {
	switch {
	case c.CertificateArn != "" && !certificateArn.MatchString(c.CertificateArn):
		return settings.Invalid("compute.certificateArn", c.CertificateArn, "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)")
	case c.CertificateArn == "" && env.IsProd() && !c.AllowHTTPWithoutCertificate:
		return settings.Invalid("compute.certificateArn", c.CertificateArn,
			"prod serves HTTPS: set an ACM certificate ARN, or set compute.allowHttpWithoutCertificate to true to serve plain HTTP knowingly")
	}
	if c.WafEnabled {
		if err := settings.CheckRange("compute.wafRateLimit", c.WafRateLimit, wafMinRateLimit, wafMaxRateLimit); err != nil {
			return err
		}
	} else if env.IsProd() {
		return settings.Invalid("compute.wafEnabled", c.WafEnabled, "prod keeps the WAF web ACL in front of the load balancer")
	}
	if len(c.HealthCheckPath) > maxHealthCheckPath || !healthCheckPath.MatchString(c.HealthCheckPath) {
		return settings.Invalid("compute.healthCheckPath", c.HealthCheckPath, "must be an absolute URL path such as /health, without spaces or a query, at most %d characters", maxHealthCheckPath)
	}
	return settings.CheckRange("compute.deregistrationDelaySeconds", c.DeregistrationDelaySeconds, 0, maxDeregistration)
}

func (c Config) validateScaling() error {
	checks := []struct {
		key       string
		v, lo, hi int
	}{
		{"compute.warmupSeconds", c.WarmupSeconds, minWarmupSeconds, maxWarmupSeconds},
		{"compute.instanceRefreshMinHealthyPercentage", c.InstanceRefreshMinHealthyPercentage, 0, 100},
		{"compute.maxInstanceLifetimeDays", c.MaxInstanceLifetimeDays, 0, maxInstanceLifetime},
		{"compute.cpuTargetPercent", c.CPUTargetPercent, 10, 90},
		{"compute.requestsPerTargetTarget", c.RequestsPerTargetTarget, 1, maxRequestsPerTarget},
	}
	for _, check := range checks {
		if err := settings.CheckRange(check.key, check.v, check.lo, check.hi); err != nil {
			return err
		}
	}
	return nil
}

func sortedFamilies() []string {
	families := make([]string, 0, len(InstanceFamilies))
	for f := range InstanceFamilies {
		families = append(families, f)
	}
	slices.Sort(families)
	return families
}
