package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"

	"github.com/8byte/infra/settings"
)

func TestRepository(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(string(env), func(t *testing.T) {
			mocks, _ := runCompute(t, env, nil)
			repo := only(t, mocks, typeRepository)
			assert.Equal(t, "8byte-"+env.String()+"-app", repo.String("name"))
			assert.Equal(t, "IMMUTABLE", repo.String("imageTagMutability"))
			assert.True(t, repo.Bool("imageScanningConfiguration.scanOnPush"))
			assert.Equal(t, []any{map[string]any{"encryptionType": "KMS"}}, repo.Get("encryptionConfigurations"))
			assert.Equal(t, !env.IsProd(), repo.Bool("forceDelete"), "only dev's repository is deleted with its images")
		})
	}
}

func TestRepositoryLifecycle(t *testing.T) {
	mocks, _ := runCompute(t, settings.Prod, func(_ *pulumi.Context, a *Args) error {
		a.Config.EcrUntaggedImageDays, a.Config.EcrKeepTaggedImages = 5, 40
		return nil
	})
	lifecycle := only(t, mocks, typeLifecycle)
	assert.Equal(t, only(t, mocks, typeRepository).Out["name"], lifecycle.String("repository"))

	// The raw JSON, as ECR reads it: "untagged" has no tag lists, "tagged" must have one, countUnit only
	// goes with sinceImagePushed, and the rules are ordered by priority.
	assert.JSONEq(t, `{"rules": [
		{"rulePriority": 1, "description": "Expire untagged images 5 days after push",
		 "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 5},
		 "action": {"type": "expire"}},
		{"rulePriority": 2, "description": "Keep the 40 most recent tagged images",
		 "selection": {"tagStatus": "tagged", "tagPatternList": ["*"], "countType": "imageCountMoreThan", "countNumber": 40},
		 "action": {"type": "expire"}}
	]}`, lifecycle.String("policy"))
}
