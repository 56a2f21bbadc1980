package iam

// Services whose service-linked roles a `pulumi up` of this stack may have to create (the first Auto
// Scaling group, load balancer or database of an account).
var serviceLinkedRoleServices = []string{"autoscaling", "elasticloadbalancing", "rds"}

// Services the deploy role may pass the stack's roles to: instances, RDS enhanced monitoring, VPC flow
// logs and CloudTrail's delivery to CloudWatch Logs.
var passRoleServices = []string{"ec2", "monitoring.rds", "vpc-flow-logs", "cloudtrail"}

func servicePrincipals(s scope, services []string) []string {
	out := make([]string, len(services))
	for i, svc := range services {
		out[i] = s.account.Service(svc)
	}
	return out
}
