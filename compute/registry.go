package compute

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/settings"
)

// LifecyclePolicy is an ECR lifecycle policy document.
type LifecyclePolicy struct {
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule is one rule of a LifecyclePolicy; lower RulePriority values are applied first.
type LifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description"`
	Selection    LifecycleSelection `json:"selection"`
	Action       LifecycleAction    `json:"action"`
}

// LifecycleSelection chooses the images a rule expires. A "tagged" selection needs a tag pattern or prefix
// list; an "untagged" one must have neither. CountUnit goes with CountType "sinceImagePushed" only.
type LifecycleSelection struct {
	TagStatus      string   `json:"tagStatus"`
	TagPatternList []string `json:"tagPatternList,omitempty"`
	CountType      string   `json:"countType"`
	CountUnit      string   `json:"countUnit,omitempty"`
	CountNumber    int      `json:"countNumber"`
}

// LifecycleAction is what a rule does to the images it selects; ECR only knows "expire".
type LifecycleAction struct {
	Type string `json:"type"`
}

// AppImageLifecycle expires untagged images after untaggedDays and keeps the keepTagged newest tagged ones.
func AppImageLifecycle(untaggedDays, keepTagged int) LifecyclePolicy {
	expire := LifecycleAction{Type: "expire"}
	return LifecyclePolicy{Rules: []LifecycleRule{
		{
			RulePriority: 1,
			Description:  fmt.Sprintf("Expire untagged images %d days after push", untaggedDays),
			Selection:    LifecycleSelection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: untaggedDays},
			Action:       expire,
		},
		{
			RulePriority: 2,
			Description:  fmt.Sprintf("Keep the %d most recent tagged images", keepTagged),
			Selection:    LifecycleSelection{TagStatus: "tagged", TagPatternList: []string{"*"}, CountType: "imageCountMoreThan", CountNumber: keepTagged},
			Action:       expire,
		},
	}}
}

// registry creates the ECR repository of the app image: immutable tags, scan on push, KMS encryption with
// the AWS managed key, a lifecycle policy; only dev's may be deleted while it holds images.
func (b *builder) registry() error {
	var err error
	// Explicit name: CI pushes to the repository by name and the IAM tier scopes image pulls to it.
	b.repository, err = ecr.NewRepository(b.ctx, b.child("app-repository"), &ecr.RepositoryArgs{
		Name:                       pulumi.String(b.args.AppRepositoryName),
		ImageTagMutability:         pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS")},
		},
		ForceDelete: pulumi.Bool(!b.args.Environment.IsProd()),
		Tags:        settings.NameTag(b.args.AppRepositoryName),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("ecr repository: %w", err)
	}
	lifecycle, err := json.Marshal(AppImageLifecycle(b.args.Config.EcrUntaggedImageDays, b.args.Config.EcrKeepTaggedImages))
	if err != nil {
		return fmt.Errorf("ecr lifecycle policy: %w", err)
	}
	if _, err := ecr.NewLifecyclePolicy(b.ctx, b.child("app-repository"), &ecr.LifecyclePolicyArgs{
		Repository: b.repository.Name,
		Policy:     pulumi.String(string(lifecycle)),
	}, b.parent); err != nil {
		return fmt.Errorf("ecr lifecycle policy: %w", err)
	}
	return nil
}
