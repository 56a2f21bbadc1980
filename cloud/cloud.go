// Package cloud holds the Pulumi-side pieces every program and tier of this repository shares, outside any
// one tier: the shape of a program (Program), which partition, region and account the stack deploys to
// (LookupAccount, once at the top of a program), the Name tag every resource carries, and policy documents
// as outputs (PolicyJSON). Packages settings and policy, which describe the account and the documents, stay
// free of the Pulumi SDK.
package cloud

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/policy"
	"github.com/8byte/infra/settings"
)

// Program is a whole Pulumi program of this repository (the stacks' and the bootstrap project's): it
// refuses unknown config keys first (reject gets pulumi.EnvConfig, where the engine passes all of them),
// then deploys and exports every output deploy returns. An error of either fails the run.
func Program(reject func(envConfig string) error, deploy func(*pulumi.Context) (pulumi.Map, error)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		if err := reject(os.Getenv(pulumi.EnvConfig)); err != nil {
			return err
		}
		outputs, err := deploy(ctx)
		if err != nil {
			return err
		}
		for name, value := range outputs {
			ctx.Export(name, value)
		}
		return nil
	}
}

// PolicyJSON returns the JSON of the document that build makes once every value of inputs is known; build
// receives the resolved values under the same keys. Use it when a policy names resources of this stack.
func PolicyJSON(inputs pulumi.StringMap, build func(values map[string]string) policy.Document) pulumi.StringOutput {
	if inputs == nil {
		inputs = pulumi.StringMap{}
	}
	return inputs.ToStringMapOutput().ApplyT(func(values map[string]string) (string, error) {
		return build(values).JSON()
	}).(pulumi.StringOutput)
}

// StaticPolicyJSON returns the JSON of a document that names no output values, as a pulumi.StringOutput.
func StaticPolicyJSON(doc policy.Document) pulumi.StringOutput {
	return PolicyJSON(nil, func(map[string]string) policy.Document { return doc })
}

// NameTag returns the Name tag of a resource; the stack-wide tags (Project, Environment, ManagedBy) come
// from the provider's aws:defaultTags.
func NameTag(name string) pulumi.StringMap { return pulumi.StringMap{"Name": pulumi.String(name)} }

// LookupAccount asks AWS once, with plain invokes, which partition, region and account the stack deploys
// to, so that every tier builds ARNs from known values (and previews show whole policies).
func LookupAccount(ctx *pulumi.Context) (settings.Account, error) {
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return settings.Account{}, fmt.Errorf("looking up the AWS account: %w", err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return settings.Account{}, fmt.Errorf("looking up the AWS partition: %w", err)
	}
	region, err := aws.GetRegion(ctx, nil)
	if err != nil {
		return settings.Account{}, fmt.Errorf("looking up the AWS region (set aws:region): %w", err)
	}
	return settings.Account{ID: identity.AccountId, Partition: partition.Partition, Region: region.Name, DNSSuffix: partition.DnsSuffix}, nil
}
