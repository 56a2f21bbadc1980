package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// TestInstancesDoNotWaitForTheDatabase checks, in each real stack, that no input of the launch template or
// the Auto Scaling group depends on the database instance (a first deployment would otherwise wait the
// database's 10-20 minutes before any instance boots), while the launch template does get the connection
// secret (created up front by the data tier) and the group the target group: the positive controls, so the
// check sees real dependencies.
func TestInstancesDoNotWaitForTheDatabase(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks := wholeStack(t, env).mocks
			only := func(typ string) *tests.Resource {
				t.Helper()
				all := mocks.OfType(typ)
				require.Len(t, all, 1, typ)
				return all[0]
			}
			db := only("aws:rds/instance:Instance")
			lt, asg := only("aws:ec2/launchTemplate:LaunchTemplate"), only("aws:autoscaling/group:Group")
			for _, r := range []*tests.Resource{lt, asg} {
				assert.False(t, mocks.DependsOn(r, db), "%s depends on the database", r.Describe())
			}
			assert.True(t, mocks.DependsOn(lt, only("aws:secretsmanager/secret:Secret")), "the launch template must get the secret ARN")
			assert.True(t, mocks.DependsOn(asg, only("aws:lb/targetGroup:TargetGroup")), "positive control")
		})
	}
}
