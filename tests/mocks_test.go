package tests

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnknownInvokesFail(t *testing.T) {
	_, err := Run("dev", nil, func(ctx *pulumi.Context) error {
		var out map[string]any
		return ctx.Invoke("aws:ec2/getVpc:getVpc", map[string]any{}, &out)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unexpected invoke aws:ec2/getVpc:getVpc")
}

type component struct{ pulumi.ResourceState }

func TestRecordsParentsOptionsAndDependencies(t *testing.T) {
	mocks, err := Run("dev", nil, func(ctx *pulumi.Context) error {
		c := &component{}
		if err := ctx.RegisterComponentResource("8byte:test:Thing", "thing", c); err != nil {
			return err
		}
		var a, b pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:s3/bucketV2:BucketV2", "a", pulumi.Map{}, &a, pulumi.Parent(c), pulumi.Protect(true)); err != nil {
			return err
		}
		return ctx.RegisterResource("aws:sns/topic:Topic", "b", pulumi.Map{"policy": a.ID()}, &b,
			pulumi.IgnoreChanges([]string{"policy"}), pulumi.RetainOnDelete(true))
	})
	require.NoError(t, err)
	a, b := mocks.Find("aws:s3/bucketV2:BucketV2", "a"), mocks.Find("aws:sns/topic:Topic", "b")
	require.NotNil(t, a)
	require.NotNil(t, b)
	assert.Equal(t, mocks.Find("8byte:test:Thing", "thing").URN, a.Parent)
	assert.True(t, a.Protect)
	assert.Equal(t, "arn:aws:s3:::a", a.Out["arn"])
	assert.Equal(t, "a", b.String("policy"))
	assert.Equal(t, []string{"policy"}, b.IgnoreChanges)
	assert.True(t, b.RetainOnDelete)
	assert.True(t, mocks.DependsOn(b, a))
	assert.False(t, mocks.DependsOn(a, b))
}

func TestPlantedFailuresRefuseOnlyTheirTarget(t *testing.T) {
	mocks := NewMocks("dev").FailRegistration("aws:sns/topic:Topic", "b").FailInvoke("aws:index/getRegion:getRegion")
	err := mocks.Run(nil, func(ctx *pulumi.Context) error {
		var a, b pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:sns/topic:Topic", "a", pulumi.Map{}, &a); err != nil {
			return err
		}
		return ctx.RegisterResource("aws:sns/topic:Topic", "b", pulumi.Map{}, &b)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), ErrRefused+": registration of aws:sns/topic:Topic b refused")
	assert.NotNil(t, mocks.Find("aws:sns/topic:Topic", "a"), "a resource of another name is registered")
	assert.Nil(t, mocks.Find("aws:sns/topic:Topic", "b"))

	err = mocks.Run(nil, func(ctx *pulumi.Context) error {
		var out map[string]any
		return ctx.Invoke("aws:index/getRegion:getRegion", map[string]any{}, &out)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), ErrRefused+": invoke aws:index/getRegion:getRegion refused")

	anyName := NewMocks("dev").FailRegistration("aws:sns/topic:Topic", "")
	require.ErrorContains(t, anyName.Run(nil, func(ctx *pulumi.Context) error {
		var a pulumi.CustomResourceState
		return ctx.RegisterResource("aws:sns/topic:Topic", "a", pulumi.Map{}, &a)
	}), ErrRefused)
}
