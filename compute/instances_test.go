package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
)

func TestLaunchTemplate(t *testing.T) {
	cases := []struct {
		env          settings.Environment
		instanceType string
		ami          string
		rootGiB      int
	}{
		{settings.Dev, "t3.small", "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", 20},
		{settings.Prod, "t3.medium", "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", 30},
	}
	for _, tc := range cases {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, _ := runCompute(t, tc.env, nil)
			lt := only(t, mocks, typeLaunchTemplate)
			assert.Equal(t, tc.ami, lt.String("imageId"))
			assert.Equal(t, tc.instanceType, lt.String("instanceType"))
			assert.Equal(t, testProfile, lt.String("iamInstanceProfile.arn"))
			assert.Equal(t, []any{map[string]any{
				"deviceIndex": 0, "associatePublicIpAddress": "false", "deleteOnTermination": "true", "securityGroups": []any{"sg-app"},
			}}, lt.Get("networkInterfaces"), "private only, in the app security group")
			assert.Nil(t, lt.Get("vpcSecurityGroupIds"), "security groups belong on the network interface")
			assert.True(t, lt.Bool("monitoring.enabled"))
			assert.Equal(t, map[string]any{
				"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1,
				"httpProtocolIpv6": "disabled", "instanceMetadataTags": "disabled",
			}, lt.Get("metadataOptions"))
			assert.Equal(t, []any{map[string]any{
				"deviceName": "/dev/xvda",
				"ebs":        map[string]any{"volumeType": "gp3", "volumeSize": tc.rootGiB, "encrypted": "true", "deleteOnTermination": "true"},
			}}, lt.Get("blockDeviceMappings"))
			assert.True(t, lt.Bool("updateDefaultVersion"))
			assert.NotEmpty(t, renderedUserData(t, lt))

			wantTags := map[string]any{"Name": settings.Prefix(tc.env) + "-app", "Project": "8byte", "Environment": tc.env.String(), "ManagedBy": "pulumi"}
			specs, _ := lt.Get("tagSpecifications").([]any)
			require.Len(t, specs, 3)
			for i, resourceType := range []string{"instance", "volume", "network-interface"} {
				assert.Equal(t, map[string]any{"resourceType": resourceType, "tags": wantTags}, specs[i])
			}
		})
	}
}

func TestGravitonInstancesBootTheArmAMI(t *testing.T) {
	mocks, _ := runCompute(t, settings.Prod, func(_ *pulumi.Context, a *Args) error { a.Config.InstanceType = "m7g.large"; return nil })
	lt := only(t, mocks, typeLaunchTemplate)
	assert.Equal(t, "m7g.large", lt.String("instanceType"))
	assert.Equal(t, "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", lt.String("imageId"))
}

func TestAutoScalingGroup(t *testing.T) {
	cases := []struct {
		env                   settings.Environment
		minMaxDesired         []int
		lifetime              any
		minHealthy, maxHealth int
	}{
		{settings.Dev, []int{1, 2, 1}, nil, 100, 200},
		{settings.Prod, []int{2, 6, 2}, 30 * 24 * 3600, 100, 200},
	}
	for _, tc := range cases {
		t.Run(tc.env.Name, func(t *testing.T) {
			mocks, _ := runCompute(t, tc.env, nil)
			asg, lt, tg := only(t, mocks, typeASG), only(t, mocks, typeLaunchTemplate), only(t, mocks, typeTargetGroup)
			assert.Equal(t, []string{"subnet-priv-a", "subnet-priv-b"}, asg.Strings("vpcZoneIdentifiers"))
			assert.Equal(t, []string{tg.Out["arn"].(string)}, asg.Strings("targetGroupArns"))
			assert.Equal(t, []int{asg.Int("minSize"), asg.Int("maxSize"), asg.Int("desiredCapacity")}, tc.minMaxDesired)
			assert.Equal(t, []string{"desiredCapacity"}, asg.IgnoreChanges, "scaling decisions survive the next update")
			assert.Equal(t, map[string]any{"id": lt.Out["id"], "version": "1"}, asg.Get("launchTemplate"),
				"the template's latest version number, so a template change updates the group and starts a refresh")
			assert.Nil(t, asg.Get("launchConfiguration"))
			assert.Equal(t, "ELB", asg.String("healthCheckType"))
			assert.Equal(t, 300, asg.Int("healthCheckGracePeriod"))
			assert.Equal(t, 300, asg.Int("defaultInstanceWarmup"))
			assert.Equal(t, tc.lifetime, asg.Get("maxInstanceLifetime"))
			assert.Equal(t, map[string]any{"minHealthyPercentage": tc.minHealthy, "maxHealthyPercentage": tc.maxHealth}, asg.Get("instanceMaintenancePolicy"))
			assert.Equal(t, map[string]any{
				"strategy": "Rolling",
				"preferences": map[string]any{
					"minHealthyPercentage": tc.minHealthy, "maxHealthyPercentage": tc.maxHealth, "instanceWarmup": "300",
				},
			}, asg.Get("instanceRefresh"))
			assert.Equal(t, "1Minute", asg.String("metricsGranularity"))
			assert.ElementsMatch(t, GroupMetrics, asg.Strings("enabledMetrics"))
			assert.Len(t, GroupMetrics, 13)

			assert.Equal(t, []any{
				map[string]any{"key": "Environment", "value": tc.env.String(), "propagateAtLaunch": true},
				map[string]any{"key": "ManagedBy", "value": "pulumi", "propagateAtLaunch": true},
				map[string]any{"key": "Name", "value": settings.Prefix(tc.env) + "-app", "propagateAtLaunch": true},
				map[string]any{"key": "Project", "value": "8byte", "propagateAtLaunch": true},
			}, asg.Get("tags"))
		})
	}
}

func TestRefreshKeepsWithinAWSLimits(t *testing.T) {
	mocks, _ := runCompute(t, settings.Dev, func(_ *pulumi.Context, a *Args) error {
		a.Config.InstanceRefreshMinHealthyPercentage = 50
		a.Config.WarmupSeconds = 240
		return nil
	})
	asg := only(t, mocks, typeASG)
	assert.Equal(t, 50, asg.Int("instanceRefresh.preferences.minHealthyPercentage"))
	assert.Equal(t, 150, asg.Int("instanceRefresh.preferences.maxHealthyPercentage"), "max - min may not exceed 100")
	assert.Equal(t, "240", asg.String("instanceRefresh.preferences.instanceWarmup"))
	assert.Equal(t, 240, asg.Int("healthCheckGracePeriod"))
}

func TestTargetTrackingPolicies(t *testing.T) {
	mocks, _ := runCompute(t, settings.Prod, func(_ *pulumi.Context, a *Args) error {
		a.Config.CPUTargetPercent, a.Config.RequestsPerTargetTarget = 55, 800
		return nil
	})
	asg, alb, tg := only(t, mocks, typeASG), only(t, mocks, typeLB), only(t, mocks, typeTargetGroup)
	require.Len(t, mocks.OfType(typePolicy), 2)
	cpu := mocks.Find(typePolicy, "8byte-prod-scale-cpu")
	require.NotNil(t, cpu)
	assert.Equal(t, asg.Out["name"], cpu.String("autoscalingGroupName"))
	assert.Equal(t, "TargetTrackingScaling", cpu.String("policyType"))
	assert.Equal(t, map[string]any{
		"predefinedMetricSpecification": map[string]any{"predefinedMetricType": "ASGAverageCPUUtilization"},
		"targetValue":                   55,
	}, cpu.Get("targetTrackingConfiguration"))

	requests := mocks.Find(typePolicy, "8byte-prod-scale-requests")
	require.NotNil(t, requests)
	assert.Equal(t, asg.Out["name"], requests.String("autoscalingGroupName"))
	assert.Equal(t, "TargetTrackingScaling", requests.String("policyType"))
	assert.Equal(t, map[string]any{
		"predefinedMetricSpecification": map[string]any{
			"predefinedMetricType": "ALBRequestCountPerTarget",
			"resourceLabel":        alb.Out["arnSuffix"].(string) + "/" + tg.Out["arnSuffix"].(string),
		},
		"targetValue": 800,
	}, requests.Get("targetTrackingConfiguration"))
	assert.Regexp(t, `^app/8byte-prod-alb/[0-9a-f]+/targetgroup/8byte-prod-app/[0-9a-f]+$`, requests.String("targetTrackingConfiguration.predefinedMetricSpecification.resourceLabel"))
}
