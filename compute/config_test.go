package compute

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/8byte/infra/settings"
)

// noImageTag is the refusal of an empty compute.imageTag.
const noImageTag = "must name the image to run: push the first image before the first deploy (README: the first image), then set its tag (CI sets the tree hash of app/)"

func TestDefaultConfigs(t *testing.T) {
	dev := DefaultConfig(settings.Dev)
	assert.Empty(t, dev.ImageTag, "no profile has a default image")
	assert.Empty(t, dev.RepositoryURL, "no profile has a default repository")
	assert.EqualError(t, dev.Validate(settings.Dev),
		`config 8byte:compute.repositoryUrl: invalid value "": must name the account's app image repository: the bootstrap project's output repositoryUrl (README: from zero)`)
	dev.RepositoryURL = testRepositoryURL
	assert.EqualError(t, dev.Validate(settings.Dev),
		`config 8byte:compute.imageTag: invalid value "": `+noImageTag)
	dev.ImageTag = "3f9c2ab"
	assert.NoError(t, dev.Validate(settings.Dev))
	assert.Equal(t, []int{1, 2, 1}, []int{dev.MinSize, dev.MaxSize, dev.DesiredCapacity})
	assert.True(t, dev.WafEnabled)
	assert.Empty(t, dev.CertificateArn)

	prod := DefaultConfig(settings.Prod)
	assert.Equal(t, []int{2, 6, 2}, []int{prod.MinSize, prod.MaxSize, prod.DesiredCapacity}, "the design's 2/6/2")
	assert.Equal(t, 100, prod.InstanceRefreshMinHealthyPercentage)
	assert.True(t, prod.WafEnabled)
	prod.RepositoryURL = testRepositoryURL
	prod.ImageTag = "3f9c2ab"
	prod.CertificateArn = testCertificate
	assert.NoError(t, prod.Validate(settings.Prod))
}

func TestArchitectureFollowsTheInstanceFamily(t *testing.T) {
	for instanceType, arch := range map[string]string{
		"t3.small": ArchX86, "t3a.medium": ArchX86, "m7i.large": ArchX86, "c6a.2xlarge": ArchX86,
		"t4g.small": ArchArm, "m7g.large": ArchArm, "c7g.xlarge": ArchArm, "r6g.large": ArchArm,
		"x1e.large": "",
	} {
		assert.Equal(t, arch, Config{InstanceType: instanceType}.Architecture(), instanceType)
	}
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name   string
		env    settings.Environment
		change func(*Config)
		want   string
	}{
		{"unknown instance family", settings.Dev, func(c *Config) { c.InstanceType = "x2iedn.large" },
			`config 8byte:compute.instanceType: invalid value "x2iedn.large": the family must be one of c5, c5a, c6a, c6g, c6i, c7a, c7g, c7i, m5, m5a, m6a, m6g, m6i, m7a, m7g, m7i, r5, r6a, r6g, r6i, r7a, r7g, r7i, t3, t3a, t4g`},
		{"no size", settings.Dev, func(c *Config) { c.InstanceType = "t4g" },
			`config 8byte:compute.instanceType: invalid value "t4g": must be <family>.<size> with a size of micro or larger, e.g. t4g.small`},
		{"nano", settings.Dev, func(c *Config) { c.InstanceType = "t3.nano" },
			`config 8byte:compute.instanceType: invalid value "t3.nano": must be <family>.<size> with a size of micro or larger, e.g. t3.small`},
		{"zero min", settings.Dev, func(c *Config) { c.MinSize = 0 },
			"config 8byte:compute.minSize: invalid value 0: must be between 1 and 100"},
		{"min above max", settings.Prod, func(c *Config) { c.MinSize, c.MaxSize = 4, 3 },
			"config 8byte:compute.minSize: invalid value 4: must not exceed compute.maxSize (3)"},
		{"desired below min", settings.Prod, func(c *Config) { c.DesiredCapacity = 1 },
			"config 8byte:compute.desiredCapacity: invalid value 1: must be between compute.minSize (2) and compute.maxSize (6)"},
		{"desired above max", settings.Dev, func(c *Config) { c.DesiredCapacity = 3 },
			"config 8byte:compute.desiredCapacity: invalid value 3: must be between compute.minSize (1) and compute.maxSize (2)"},
		{"tiny root volume", settings.Dev, func(c *Config) { c.RootVolumeGiB = 4 },
			"config 8byte:compute.rootVolumeGiB: invalid value 4: must be between 8 and 1024"},
		{"empty image tag in prod", settings.Prod, func(c *Config) { c.ImageTag = "" },
			`config 8byte:compute.imageTag: invalid value "": ` + noImageTag},
		{"repository URL without name", settings.Dev, func(c *Config) { c.RepositoryURL = "123456789012.dkr.ecr.us-east-1.amazonaws.com" },
			`config 8byte:compute.repositoryUrl: invalid value "123456789012.dkr.ecr.us-east-1.amazonaws.com": must be an ECR repository URL, <account>.dkr.ecr.<region>.amazonaws.com/<name> (the bootstrap project's output repositoryUrl)`},
		{"repository URL with a tag", settings.Dev, func(c *Config) { c.RepositoryURL = testRepositoryURL + ":v1" },
			`config 8byte:compute.repositoryUrl: invalid value "123456789012.dkr.ecr.us-east-1.amazonaws.com/8byte-app:v1": must be an ECR repository URL, <account>.dkr.ecr.<region>.amazonaws.com/<name> (the bootstrap project's output repositoryUrl)`},
		{"latest", settings.Dev, func(c *Config) { c.ImageTag = "latest" },
			`config 8byte:compute.imageTag: invalid value "latest": tags are immutable and name one build; use the build's tag (CI uses the tree hash of app/), not latest`},
		{"malformed tag", settings.Dev, func(c *Config) { c.ImageTag = "v1 $(reboot)" },
			`config 8byte:compute.imageTag: invalid value "v1 $(reboot)": must be a Docker tag: letters, digits, _ . - (not first), at most 128 characters`},
		{"tag starting with a dot", settings.Dev, func(c *Config) { c.ImageTag = ".hidden" },
			`config 8byte:compute.imageTag: invalid value ".hidden": must be a Docker tag: letters, digits, _ . - (not first), at most 128 characters`},
		{"malformed certificate", settings.Dev, func(c *Config) { c.CertificateArn = "arn:aws:acm:us-east-1:123456789012:cert/abc" },
			`config 8byte:compute.certificateArn: invalid value "arn:aws:acm:us-east-1:123456789012:cert/abc": must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)`},
		{"iam certificate", settings.Prod, func(c *Config) { c.CertificateArn = "arn:aws:iam::123456789012:server-certificate/site" },
			`config 8byte:compute.certificateArn: invalid value "arn:aws:iam::123456789012:server-certificate/site": must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)`},
		{"prod without certificate", settings.Prod, func(c *Config) { c.CertificateArn = "" },
			`config 8byte:compute.certificateArn: invalid value "": prod serves HTTPS: set an ACM certificate ARN, or set compute.allowHttpWithoutCertificate to true to serve plain HTTP knowingly`},
		{"prod without waf", settings.Prod, func(c *Config) { c.WafEnabled = false },
			"config 8byte:compute.wafEnabled: invalid value false: prod keeps the WAF web ACL in front of the load balancer"},
		{"rate limit too low", settings.Dev, func(c *Config) { c.WafRateLimit = 5 },
			"config 8byte:compute.wafRateLimit: invalid value 5: must be between 100 and 2000000000"},
		{"rate limit AWS accepts but the provider refuses", settings.Dev, func(c *Config) { c.WafRateLimit = 99 },
			"config 8byte:compute.wafRateLimit: invalid value 99: must be between 100 and 2000000000"},
		{"rate limit too high", settings.Prod, func(c *Config) { c.WafRateLimit = 2_000_000_001 },
			"config 8byte:compute.wafRateLimit: invalid value 2000000001: must be between 100 and 2000000000"},
		{"relative health path", settings.Dev, func(c *Config) { c.HealthCheckPath = "health" },
			`config 8byte:compute.healthCheckPath: invalid value "health": must be an absolute URL path such as /health, without spaces or a query, at most 1024 characters`},
		{"health path with query", settings.Dev, func(c *Config) { c.HealthCheckPath = "/health?deep=1" },
			`config 8byte:compute.healthCheckPath: invalid value "/health?deep=1": must be an absolute URL path such as /health, without spaces or a query, at most 1024 characters`},
		{"long deregistration", settings.Dev, func(c *Config) { c.DeregistrationDelaySeconds = 3601 },
			"config 8byte:compute.deregistrationDelaySeconds: invalid value 3601: must be between 0 and 3600"},
		{"short warmup", settings.Dev, func(c *Config) { c.WarmupSeconds = 10 },
			"config 8byte:compute.warmupSeconds: invalid value 10: must be between 60 and 3600"},
		{"healthy over 100", settings.Prod, func(c *Config) { c.InstanceRefreshMinHealthyPercentage = 110 },
			"config 8byte:compute.instanceRefreshMinHealthyPercentage: invalid value 110: must be between 0 and 100"},
		{"lifetime over a year", settings.Prod, func(c *Config) { c.MaxInstanceLifetimeDays = 400 },
			"config 8byte:compute.maxInstanceLifetimeDays: invalid value 400: must be between 0 and 365"},
		{"cpu target 95", settings.Dev, func(c *Config) { c.CPUTargetPercent = 95 },
			"config 8byte:compute.cpuTargetPercent: invalid value 95: must be between 10 and 90"},
		{"no request target", settings.Dev, func(c *Config) { c.RequestsPerTargetTarget = 0 },
			"config 8byte:compute.requestsPerTargetTarget: invalid value 0: must be between 1 and 100000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testArgs(tc.env).Config
			tc.change(&cfg)
			assert.EqualError(t, cfg.Validate(tc.env), tc.want)
		})
	}
}

func TestAcceptedVariants(t *testing.T) {
	cases := []struct {
		name   string
		env    settings.Environment
		change func(*Config)
	}{
		{"prod with the documented HTTP opt-out", settings.Prod, func(c *Config) { c.CertificateArn, c.AllowHTTPWithoutCertificate = "", true }},
		{"dev without waf, rate limit ignored", settings.Dev, func(c *Config) { c.WafEnabled, c.WafRateLimit = false, 0 }},
		{"lowest rate limit the provider accepts", settings.Prod, func(c *Config) { c.WafRateLimit = 100 }},
		{"highest rate limit the provider accepts", settings.Prod, func(c *Config) { c.WafRateLimit = 2_000_000_000 }},
		{"graviton", settings.Prod, func(c *Config) { c.InstanceType = "m7g.2xlarge" }},
		{"gov cloud certificate", settings.Prod, func(c *Config) {
			c.CertificateArn = "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/0b3f7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
		}},
		{"semver tag", settings.Prod, func(c *Config) { c.ImageTag = "v1.4.2-rc.1" }},
		{"no lifetime limit", settings.Prod, func(c *Config) { c.MaxInstanceLifetimeDays = 0 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testArgs(tc.env).Config
			tc.change(&cfg)
			assert.NoError(t, cfg.Validate(tc.env))
		})
	}
}
