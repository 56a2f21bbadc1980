package main

// The mock cloud's own tests (package tests, the harness every other test runs on): its recording, its
// refusals, and the IAM account it assembles from an inventory. They live here, in the package that links
// the SDK anyway, rather than in a test binary of their own (README, "Tests").

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/tests"
)

func TestUnknownInvokesFail(t *testing.T) {
	_, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
		var out map[string]any
		return ctx.Invoke("aws:ec2/getVpc:getVpc", map[string]any{}, &out)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unexpected invoke aws:ec2/getVpc:getVpc")
}

type harnessComponent struct{ pulumi.ResourceState }

func TestRecordsParentsOptionsAndDependencies(t *testing.T) {
	mocks, err := tests.Run("dev", nil, func(ctx *pulumi.Context) error {
		c := &harnessComponent{}
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
	mocks := tests.NewMocks("dev").FailRegistration("aws:sns/topic:Topic", "b").FailInvoke("aws:index/getRegion:getRegion")
	err := mocks.Run(nil, func(ctx *pulumi.Context) error {
		var a, b pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:sns/topic:Topic", "a", pulumi.Map{}, &a); err != nil {
			return err
		}
		return ctx.RegisterResource("aws:sns/topic:Topic", "b", pulumi.Map{}, &b)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), tests.ErrRefused+": registration of aws:sns/topic:Topic b refused")
	assert.NotNil(t, mocks.Find("aws:sns/topic:Topic", "a"), "a resource of another name is registered")
	assert.Nil(t, mocks.Find("aws:sns/topic:Topic", "b"))

	err = mocks.Run(nil, func(ctx *pulumi.Context) error {
		var out map[string]any
		return ctx.Invoke("aws:index/getRegion:getRegion", map[string]any{}, &out)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), tests.ErrRefused+": invoke aws:index/getRegion:getRegion refused")

	anyName := tests.NewMocks("dev").FailRegistration("aws:sns/topic:Topic", "")
	require.ErrorContains(t, anyName.Run(nil, func(ctx *pulumi.Context) error {
		var a pulumi.CustomResourceState
		return ctx.RegisterResource("aws:sns/topic:Topic", "a", pulumi.Map{}, &a)
	}), tests.ErrRefused)
}

func TestNewIAMAccountAssemblesRoles(t *testing.T) {
	roleARN := "arn:aws:iam::" + tests.AccountID + ":role/app"
	boundaryARN := "arn:aws:iam::" + tests.AccountID + ":policy/boundary"
	keyARN := "arn:aws:kms:" + tests.Region + ":" + tests.AccountID + ":key/k1"
	inventory := []*tests.Resource{
		{Type: "aws:iam/role:Role", Name: "app", Custom: true,
			In:  map[string]any{"assumeRolePolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`, "permissionsBoundary": boundaryARN},
			Out: map[string]any{"name": "app", "arn": roleARN}},
		{Type: "aws:iam/policy:Policy", Name: "boundary", Custom: true,
			In:  map[string]any{"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","ssm:*","s3:GetObject"],"Resource":["*"]}]}`},
			Out: map[string]any{"arn": boundaryARN}},
		{Type: "aws:iam/rolePolicy:RolePolicy", Name: "app-inline", Custom: true,
			In: map[string]any{"role": "app", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","s3:PutObject"],"Resource":["*"]}]}`}},
		{Type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", Name: "app-ssm", Custom: true,
			In: map[string]any{"role": roleARN, "policyArn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}},
		{Type: "aws:kms/key:Key", Name: "key", Custom: true,
			In:  map[string]any{"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + tests.AccountID + `:role/other"]},"Action":["kms:*"],"Resource":["*"]}]}`},
			Out: map[string]any{"arn": keyARN}},
	}
	a, err := tests.NewIAMAccount(inventory)
	if err != nil {
		t.Fatal(err)
	}
	roles := a.RolesTrusting("app", "ec2.amazonaws.com")
	if len(roles) != 1 || len(roles[0].Principal.Identity) != 2 || roles[0].Principal.Boundary == nil {
		t.Fatalf("want the app role with an inline policy, the managed policy and its boundary, got %+v", roles)
	}
	app := roles[0]
	cases := []struct {
		action, resource string
		want             bool
	}{
		{"ssmmessages:OpenDataChannel", "*", false},                                          // the managed policy allows it, the boundary does not
		{"ssm:UpdateInstanceInformation", "*", true},                                         // managed policy, within the boundary
		{"s3:PutObject", "arn:aws:s3:::b/o", false},                                          // inline policy, outside the boundary
		{"kms:Decrypt", keyARN, false},                                                       // the key policy neither names the role nor the account
		{"kms:Decrypt", "arn:aws:kms:us-east-1:" + tests.AccountID + ":key/no-policy", true}, // no recorded key policy
	}
	for _, c := range cases {
		res, err := a.Can(app, tests.Request{Action: c.action, Resource: c.resource})
		if err != nil {
			t.Fatal(err)
		}
		if res.Allowed() != c.want {
			t.Errorf("%s on %s: got %v (%s), want allowed=%v", c.action, c.resource, res.Decision, res.Reason, c.want)
		}
	}
	if a.ResourcePolicy(roleARN) == nil || !a.ResourcePolicy(roleARN).Required {
		t.Error("the role's trust policy is the required resource policy of sts:AssumeRole on it")
	}
}

func TestNewIAMAccountRejectsWhatItCannotAssemble(t *testing.T) {
	cases := map[string][]*tests.Resource{
		"policy of an unknown role": {{Type: "aws:iam/rolePolicy:RolePolicy", Name: "p", In: map[string]any{"role": "ghost", "policy": `{"Version":"2012-10-17","Statement":[]}`}}},
	}
	for name, inv := range cases {
		if _, err := tests.NewIAMAccount(inv); err == nil {
			t.Errorf("%s: tests.NewIAMAccount accepted it", name)
		}
	}
}

func TestRoleWithAnUnvendoredManagedPolicyCannotBeEvaluated(t *testing.T) {
	a, err := tests.NewIAMAccount([]*tests.Resource{
		{Type: "aws:iam/role:Role", Name: "r", In: map[string]any{"assumeRolePolicy": `{"Version":"2012-10-17","Statement":[]}`}, Out: map[string]any{"name": "r", "arn": "arn:aws:iam::1:role/r"}},
		{Type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", Name: "a", In: map[string]any{"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Can(a.Roles[0], tests.Request{Action: "s3:GetObject", Resource: "*"}); err == nil {
		t.Error("a role missing an attached policy must not be evaluated")
	}
}
