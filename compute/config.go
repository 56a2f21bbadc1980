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
	// ImageTag is the tag of the app image in the stack's ECR repository that the instances run. ECR tags
	// are immutable here, so a tag names one build (CI uses the git SHA); "latest" is refused.
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
	// EcrUntaggedImageDays expires untagged images (superseded layers of failed pushes) after that many days.
	EcrUntaggedImageDays int `json:"ecrUntaggedImageDays"`
	// EcrKeepTaggedImages is how many tagged images the repository keeps; older ones expire. Keep it well
	// above the number of builds between deploys: an expired running tag cannot be pulled on scale-out.
	EcrKeepTaggedImages int `json:"ecrKeepTaggedImages"`
}

// BootstrapImageTag is dev's default image tag: a placeholder, so that a fresh dev stack deploys before CI
// has pushed any image. Instances keep retrying the pull until the tag exists; set the real tag (the
// deploy pipeline does) to run a build.
const BootstrapImageTag = "bootstrap"

// DefaultConfig returns the compute defaults of env. Dev is small (one instance, at most two); prod runs
// 2-6 instances (the design's source: 2/6/2) and has no default image tag: the stack must name the build.
func DefaultConfig(env settings.Environment) Config {
	c := Config{
		InstanceType:                        "t3.small",
		MinSize:                             1,
		MaxSize:                             2,
		DesiredCapacity:                     1,
		ImageTag:                            BootstrapImageTag,
		WafEnabled:                          true,
		WafRateLimit:                        2000,
		HealthCheckPath:                     "/health",
		DeregistrationDelaySeconds:          30,
		WarmupSeconds:                       300,
		InstanceRefreshMinHealthyPercentage: 100,
		CPUTargetPercent:                    60,
		RequestsPerTargetTarget:             1000,
		RootVolumeGiB:                       20,
		EcrUntaggedImageDays:                3,
		EcrKeepTaggedImages:                 10,
	}
	if env.IsProd() {
		c.InstanceType = "t3.medium"
		c.MinSize, c.MaxSize, c.DesiredCapacity = 2, 6, 2
		c.ImageTag = ""
		c.MaxInstanceLifetimeDays = 30
		c.RootVolumeGiB = 30
		c.EcrUntaggedImageDays = 7
		c.EcrKeepTaggedImages = 30
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
	maxAsgSize           = 100
	maxEcrImageCount     = 1000
	maxEcrUntaggedDays   = 365
	maxRequestsPerTarget = 100_000
)

var (
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
	if err := c.validateImageTag(env); err != nil {
		return err
	}
	if err := c.validateWeb(env); err != nil {
		return err
	}
	if err := c.validateScaling(); err != nil {
		return err
	}
	if err := settings.CheckRange("compute.ecrUntaggedImageDays", c.EcrUntaggedImageDays, 1, maxEcrUntaggedDays); err != nil {
		return err
	}
	return settings.CheckRange("compute.ecrKeepTaggedImages", c.EcrKeepTaggedImages, 1, maxEcrImageCount)
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

func (c Config) validateImageTag(env settings.Environment) error {
	switch {
	case c.ImageTag == "" && env.IsProd():
		return settings.Invalid("compute.imageTag", c.ImageTag, "prod has no default: name the image tag to run (CI pushes the git SHA)")
	case c.ImageTag == "":
		return settings.Invalid("compute.imageTag", c.ImageTag, "must name the image tag to run")
	case c.ImageTag == "latest":
		return settings.Invalid("compute.imageTag", c.ImageTag, "tags are immutable and name one build; use the build's tag (the git SHA), not latest")
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
