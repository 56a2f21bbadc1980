package iam

import (
	"fmt"

	"github.com/8byte/infra/settings"
)

// scope is what every policy of the tier is scoped to: the stack's account, region and environment, the
// names the other tiers use, and the GitHub settings.
type scope struct {
	account settings.Account
	// anyRegion is account with a wildcard region, for the services whose resources this stack also
	// creates in the backup-replica region (RDS, KMS).
	anyRegion settings.Account
	prefix    string // "8byte-<env>": every auto-named resource of the stack starts with it
	// boundaryPattern matches the ARN of the permissions boundary, whose name is generated from its
	// logical name; the boundary cannot name its own ARN.
	boundaryPattern string
	// drillBoundaryPattern matches the ARN of the drill role's boundary (github.drill), "" without one:
	// no role under the stack's boundary may change it, and roles may carry it as well as the stack's.
	drillBoundaryPattern string
	repository           string // the ECR repository of the application image
	namespace            string // the CloudWatch namespace of the instances' metrics
	github               Config
	// environment is the value of the stack's Environment tag and its stack name (the state's key).
	environment string
	// accountSettings: the stack manages account-level settings (the account's S3 Block Public Access).
	accountSettings bool
}

// newScope returns the scope of the IAM component named name; boundaryName is the logical name of its
// permissions boundary.
func newScope(args *Args, boundaryName string) scope {
	drillBoundary := ""
	if args.Config.Drill.enabled() {
		drillBoundary = args.Account.GlobalARN("iam", "policy/"+drillBoundaryName(boundaryName)+"*")
	}
	anyRegion := args.Account
	anyRegion.Region = "*"
	github, _ := args.Config.normalized() // validated before
	return scope{
		account:              args.Account,
		anyRegion:            anyRegion,
		prefix:               settings.Prefix(args.Environment),
		boundaryPattern:      args.Account.GlobalARN("iam", "policy/"+boundaryName+"*"),
		drillBoundaryPattern: drillBoundary,
		repository:           args.AppRepositoryName,
		namespace:            args.MetricsNamespace,
		github:               github,
		environment:          args.Environment.Name,
		accountSettings:      args.ManagesAccountSettings,
	}
}

// named returns the ARN pattern of this stack's resources of service: resourceType followed by the
// stack's name prefix, e.g. named("sns", "") -> arn:aws:sns:us-east-1:123456789012:8byte-dev-*.
func (s scope) named(service, resourceType string) string {
	return s.account.ARN(service, resourceType+s.prefix+"-*")
}

// unowned returns the ARN of a regional resource that no account owns: public AMIs and snapshots, AWS's
// public SSM parameters.
func (s scope) unowned(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s::%s", s.account.Partition, service, s.account.Region, resource)
}

// iamNamed returns the ARN pattern of this stack's IAM entities of kind ("role", "policy", ...).
func (s scope) iamNamed(kind string) string {
	return s.account.GlobalARN("iam", kind+"/"+s.prefix+"-*")
}

// logGroups returns the ARN patterns of the stack's log groups and of their streams.
func (s scope) logGroups() []string {
	group := s.named("logs", "log-group:")
	return []string{group, group + ":log-stream:*"}
}

// repositoryARN is the ARN of the application image repository.
func (s scope) repositoryARN() string { return s.account.ARN("ecr", "repository/"+s.repository) }

// viaService is the kms:ViaService value of service in the account's region, e.g.
// "secretsmanager.us-east-1.amazonaws.com".
func viaService(account settings.Account, service string) string {
	return fmt.Sprintf("%s.%s.%s", service, account.Region, account.DNSSuffix)
}

// actions returns the actions of service named by names, e.g. actions("ec2", "Describe*").
func actions(service string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = service + ":" + n
	}
	return out
}
