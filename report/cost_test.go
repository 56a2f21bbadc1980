package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

// table is a small price table with round numbers, so that the expected amounts can be worked out by hand.
var table = &PriceTable{
	Region: "us-east-1", Currency: "USD", Read: "2026-12-01", HoursPerMonth: 730,
	Prices: map[string]Price{
		"natGatewayHour": {USD: 0.045},
		"natGatewayGB":   {USD: 0.045},
		"rdsHour":        {ByType: map[string]float64{"db.m7g.large": 0.168}},
		"rdsGp3GBMonth":  {USD: 0.115},
		"secretMonth":    {USD: 0.40},
		"kmsKeyMonth":    {USD: 1},
	},
	Usage: map[string]Usage{"dev": {NatGB: 10}, "prod": {NatGB: 100}},
}

func TestCostArithmetic(t *testing.T) {
	resources := []Resource{
		{Type: "aws:ec2/natGateway:NatGateway", Tier: "network"},
		{Type: "aws:ec2/natGateway:NatGateway", Tier: "network"},
		{Type: "aws:ec2/natGateway:NatGateway", Tier: "network"},
		{Type: "aws:rds/instance:Instance", Tier: "data", Inputs: map[string]any{
			"instanceClass": "db.m7g.large", "multiAz": true, "allocatedStorage": 100, "manageMasterUserPassword": true,
		}},
		{Type: "aws:kms/key:Key", Tier: "data"},
		{Type: "aws:kms/key:Key", Tier: "observability"},
	}
	e := table.Estimate(settings.Prod, resources)
	monthly := map[string]float64{}
	for _, l := range e.Lines {
		assert.Empty(t, l.Missing, l.Item)
		monthly[l.Key()] = l.Monthly
	}
	assert.Equal(t, map[string]float64{
		"network/NAT gateways":                    98.55,  // 3 × 730 h × $0.045
		"network/NAT data processed":              4.50,   // 100 GB (prod usage) × $0.045
		"data/RDS PostgreSQL (db.m7g.large)":      245.28, // Multi-AZ: 2 × 730 h × $0.168
		"data/RDS gp3 storage":                    23.00,  // 2 × 100 GB × $0.115
		"data/RDS-managed master password secret": 0.40,
		"data/KMS keys":                           1,
		"observability/KMS keys":                  1,
	}, monthly)
	assert.InDelta(t, 373.73, e.Total, 0.001)
	assert.Equal(t, map[string]float64{"network": 103.05, "data": 269.68, "observability": 1}, roundAll(e.ByTier()))
	assert.Equal(t, "prod", e.Profile)
}

func roundAll(m map[string]float64) map[string]float64 {
	for k, v := range m {
		m[k] = roundCents(v)
	}
	return m
}

func TestCostOfAnUnknownInstanceClassIsFlagged(t *testing.T) {
	e := table.Estimate(settings.Dev, []Resource{{Type: "aws:rds/instance:Instance", Tier: "data", Inputs: map[string]any{"instanceClass": "db.x9.huge", "allocatedStorage": 20}}})
	require.NotEmpty(t, e.Lines)
	assert.Equal(t, "no price for db.x9.huge in report/prices.yaml (rdsHour.byType)", e.Lines[0].Missing)
	assert.Zero(t, e.Lines[0].Monthly)
	assert.Contains(t, CostMarkdown(e), "**no price for db.x9.huge in report/prices.yaml (rdsHour.byType)**")
}

func TestThePriceTableIsComplete(t *testing.T) {
	prices, err := Prices()
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", prices.Region)
	assert.Equal(t, "USD", prices.Currency)
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, prices.Read)
	assert.InDelta(t, 730, prices.HoursPerMonth, 0)
	for key, p := range prices.Prices {
		assert.NotEmpty(t, p.Unit, key)
		assert.Contains(t, p.Page, "https://aws.amazon.com/", "%s names its AWS pricing page", key)
		assert.NotEmpty(t, p.ReadFrom, "%s says where it was read", key)
		assert.True(t, p.USD > 0 || len(p.ByType) > 0, "%s has a price", key)
	}
	// Every type the stacks use by default has a price (compute.DefaultConfig, data.DefaultConfig).
	for key, typ := range map[string]string{"ec2Hour": "t3.small", "rdsHour": "db.t4g.micro"} {
		assert.Contains(t, prices.Prices[key].ByType, typ)
	}
	assert.Contains(t, prices.Prices["ec2Hour"].ByType, "t3.medium")
	assert.Contains(t, prices.Prices["rdsHour"].ByType, "db.m7g.large")
}
