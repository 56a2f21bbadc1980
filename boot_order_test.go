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

// TestConsumersWaitForTheRolesPolicies checks, in each real stack, that whoever uses the instance profile
// (the launch template, hence the instances) or the RDS monitoring role (the database) waits for the
// policies of the role: an instance that boots before its role may read the secret fails its first start,
// and RDS refuses a monitoring role it cannot yet use.
func TestConsumersWaitForTheRolesPolicies(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			mocks := wholeStack(t, env).mocks
			prefix := settings.Prefix(env)
			named := func(name string, types ...string) *tests.Resource {
				t.Helper()
				for _, typ := range types {
					if r := mocks.Find(typ, name); r != nil {
						return r
					}
				}
				require.Failf(t, "missing", "no %v %s", types, name)
				return nil
			}
			const rolePolicy, attachment = "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
			lt := mocks.OfType("aws:ec2/launchTemplate:LaunchTemplate")
			db := mocks.OfType("aws:rds/instance:Instance")
			require.Len(t, lt, 1)
			require.Len(t, db, 1)
			for _, policy := range []string{prefix + "-app-runtime", prefix + "-app-session-manager"} {
				assert.True(t, mocks.DependsOn(lt[0], named(policy, rolePolicy, attachment)), "the instances do not wait for %s", policy)
			}
			assert.True(t, mocks.DependsOn(db[0], named(prefix+"-monitoring-policy", attachment)), "the database does not wait for its monitoring role's policy")
		})
	}
}
