package controls

import (
	"slices"

	"github.com/8byte/infra/foundation"
	"github.com/8byte/infra/settings"
)

// All returns every control, in the order of the matrix.
func All() []*Control {
	return slices.Concat(networkControls, computeControls, dataControls, auditControls, []*Control{wildcardResourceControl}, ciRoleControls, wiringControls, cisControls())
}

// Reasons shared by several exceptions.
const (
	devNoCertificate = "dev has no certificate by default: HTTP 80 forwards to the app. Prod cannot run without one (config validation) unless compute.allowHttpWithoutCertificate is set."
	devTrailInProd   = "a trail covers the whole account, so the account's multi-region trail and its CIS alarms belong to the prod stack (observability.cloudTrailEnabled is false in dev); dev activity is recorded by it."
)

// accessLogsBucket is why the bucket of every stack that receives the server access logs logs nowhere.
const accessLogsBucket = "the bucket that receives the other buckets' server access logs does not log into itself (that would loop); every other bucket logs to it."

// registryInBootstrap is why the application stacks have no ECR repository.
const registryInBootstrap = "the app image repository is the account's, created by the bootstrap project (bootstrap/, one repository for every stack); its controls are evaluated there."

// Exceptions are the declared departures from controls: accepted findings (every application stack, or
// the bootstrap project's when they name foundation.Environment) and the legitimate differences of dev. The matrix test asserts that the failing controls of each stack are
// exactly these, and that each of them is still needed, so nothing can fail silently.
var Exceptions = []Exception{
	// The account's registry is the bootstrap project's: its controls are evaluated over that inventory.
	{Control: "ECR.1", Reason: registryInBootstrap},
	{Control: "ECR.2", Reason: registryInBootstrap},
	{Control: "ECR.3", Reason: registryInBootstrap},
	{Control: "S3.13", Env: foundation.Environment, Resources: []string{"state"}, Reason: "the state bucket keeps its current objects (the stacks' state) forever; its lifecycle expires replaced versions after 30 days."},
	// Accepted findings.
	{Control: "EC2.10", Reason: "no VPC interface endpoints: the instances reach the EC2, ECR, Secrets Manager and CloudWatch APIs through the NAT gateway, always over TLS and with SigV4. Interface endpoints (one per service and zone) are a cost decision left for later, not a gap in the design."},
	{Control: "AutoScaling.6", Reason: "one instance type per environment: the instance family decides the AMI and image architecture (x86_64 or arm64); mixing types would also need a multi-architecture image."},
	{Control: "RDS.23", Reason: "the design fixes PostgreSQL on its default port 5432; only the app security group reaches it, so another port would add no protection."},
	{Control: "S3.9", Resources: []string{"access-logs"}, Reason: accessLogsBucket},
	{Control: "S3.9", Env: foundation.Environment, Resources: []string{"access-logs"}, Reason: accessLogsBucket},
	{Control: "SecretsManager.1", Resources: []string{"db-connection"}, Reason: "the connection secret holds no password (host, port, database, user and the ARN of the password secret). The password lives in the secret RDS creates and rotates itself (manageMasterUserPassword), which is not a resource of this stack."},
	{Control: "SecretsManager.4", Resources: []string{"db-connection"}, Reason: "as SecretsManager.1: nothing to rotate in the connection secret; RDS rotates the password secret every 7 days."},
	{Control: "IAM.21", Env: settings.Prod, Resources: []string{"boundary", "drill-boundary"}, Reason: "the permissions boundaries (the stack's, and the drill role's, github.drill) are ceilings, not grants: their service-wide actions are each limited to the stack's (or the recovery stack's) resources, and listing every action would exceed the 6,144-character limit of a managed policy. No policy that grants permissions uses a service wildcard."},
	{Control: "IAM.21", Resources: []string{"boundary"}, Reason: "the permissions boundary is a ceiling, not a grant: its service-wide actions are each limited to this stack's resources, and listing every action would exceed the 6,144-character limit of a managed policy. No policy that grants permissions uses a service wildcard."},

	// Differences of dev: cheaper, disposable, and the account-wide singletons left to prod.
	{Control: "ELB.1", Env: settings.Dev, Reason: devNoCertificate},
	{Control: "Design.Web.1", Env: settings.Dev, Reason: devNoCertificate},
	{Control: "ELB.6", Env: settings.Dev, Reason: "the dev load balancer is deleted with the stack (compute deletion protection is prod-only)."},
	{Control: "RDS.5", Env: settings.Dev, Reason: "the dev database is single-AZ (cost); prod runs Multi-AZ."},
	{Control: "RDS.8", Env: settings.Dev, Reason: "the dev database is deleted with the stack, without a final snapshot."},
	{Control: "Design.Data.2", Env: settings.Dev, Reason: "dev backups are not replicated to a second region (database.backupReplication is prod-only)."},
	{Control: "S3.1", Env: settings.Dev, Reason: "account-level S3 Block Public Access is an account-wide setting owned by one stack per account: prod (database.manageAccountPublicAccessBlock)."},
	{Control: "Design.Mon.2", Env: settings.Dev, Reason: "dev alarms have no e-mail recipients by default, and every preview and update of such a stack warns that its alarms notify nobody; set observability.alarmEmails when someone watches dev."},
	{Control: "CloudTrail.1", Env: settings.Dev, Reason: devTrailInProd},
	{Control: "CloudTrail.2", Env: settings.Dev, Reason: devTrailInProd},
	{Control: "CloudTrail.4", Env: settings.Dev, Reason: devTrailInProd},
	{Control: "CloudTrail.5", Env: settings.Dev, Reason: devTrailInProd},
}

func init() {
	// Every CIS CloudWatch control follows the trail.
	for _, p := range cisPatterns {
		Exceptions = append(Exceptions, Exception{Control: p.id, Env: settings.Dev, Reason: devTrailInProd})
	}
}
