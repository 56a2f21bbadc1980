// Command 8byte is the Pulumi program that deploys the 8byte web application's AWS stack, one stack per
// environment (dev, prod). It only wires the tiers together: each tier package owns its resources.
package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/network"
	"github.com/8byte/infra/settings"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		if err := rejectUnknownKeys(os.Getenv(pulumi.EnvConfig)); err != nil {
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
	})
}

// deploy reads the configuration, builds the tiers in order and returns the stack outputs.
func deploy(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg, err := readConfig(ctx)
	if err != nil {
		return nil, err
	}
	account, err := lookupAccount(ctx)
	if err != nil {
		return nil, err
	}
	zones, err := availabilityZones(ctx, account, cfg.Network)
	if err != nil {
		return nil, err
	}
	name := settings.Prefix(cfg.Environment)

	net, err := network.NewNetwork(ctx, name, &network.Args{
		Environment:       cfg.Environment,
		Account:           account,
		Config:            cfg.Network,
		AvailabilityZones: zones,
		AppPort:           cfg.AppPort,
		DatabasePort:      postgresPort,
	})
	if err != nil {
		return nil, err
	}

	return pulumi.Map{
		"environment":       pulumi.String(cfg.Environment),
		"region":            pulumi.String(account.Region),
		"vpcId":             net.VpcId,
		"vpcCidr":           net.VpcCidr,
		"publicSubnetIds":   net.PublicSubnetIds,
		"privateSubnetIds":  net.PrivateSubnetIds,
		"databaseSubnetIds": net.DatabaseSubnetIds,
		"natPublicIps":      net.NatPublicIps,
	}, nil
}

// lookupAccount asks AWS once, with plain invokes, which partition, region and account the stack deploys
// to, so that every tier builds ARNs from known values (and previews show whole policies).
func lookupAccount(ctx *pulumi.Context) (settings.Account, error) {
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

// availabilityZones returns the configured zones, checked against the region's, or the region's first
// AzCount zones that need no opt-in. Counts of subnets and NAT gateways follow from it, so it is a plain
// value, looked up once.
func availabilityZones(ctx *pulumi.Context, account settings.Account, cfg network.Config) ([]string, error) {
	available, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State:   pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	})
	if err != nil {
		return nil, fmt.Errorf("looking up the availability zones of %s: %w", account.Region, err)
	}
	if len(cfg.AvailabilityZones) > 0 {
		for _, zone := range cfg.AvailabilityZones {
			if !slices.Contains(available.Names, zone) {
				return nil, settings.Invalid("network.availabilityZones", cfg.AvailabilityZones,
					"zone %q is not an available zone of %s (%v)", zone, account.Region, available.Names)
			}
		}
		return cfg.AvailabilityZones, nil
	}
	if len(available.Names) < cfg.AzCount {
		return nil, settings.Invalid("network.azCount", cfg.AzCount, "region %s has only %d available zones", account.Region, len(available.Names))
	}
	return available.Names[:cfg.AzCount], nil
}
