package iam

// Session limits of the stack's roles and of the CI jobs that use them: the one place these numbers live.
// Every job that changes a stack (`pulumi up` or destroy: deploy.yml's deploy jobs, dr-drill.yml) requests
// CISessionSeconds (the .github/actions/pulumi-stack default of session-seconds) and sets timeout-minutes
// to JobTimeoutMinutes, so that its credentials outlive the longest expected update and the job never
// outlives its credentials; a shorter job (preview, plan, drift, image push) ends before its session, and
// no job asks for more than CISessionSeconds. tools/workflowcheck parses these constants (it does not
// import this package) and fails when a workflow disagrees.
//
// The longest expected update is LongestUpdateMinutes: the database's custom timeouts are 90 minutes to
// create and 120 to update (a Multi-AZ conversion or a storage change of prod; data/database.go), the
// backup-replication start takes up to 75 minutes (the provider's default create timeout), and the
// instance refresh that follows an image change runs after the database; one update does not chain more
// than two of these on its critical path.
const (
	// LongestUpdateMinutes is the longest `pulumi up` the sessions are sized for.
	LongestUpdateMinutes = 150
	// JobTimeoutMinutes is the timeout-minutes of every job that changes a stack: the longest update
	// plus the job's setup (checkout, Go, Pulumi CLI), within the session.
	JobTimeoutMinutes = 170
	// CISessionSeconds is the CI roles' maxSessionDuration and the role-duration-seconds of the jobs that
	// change a stack (3 hours): longer than the job timeout, so credentials never expire inside a job.
	CISessionSeconds = 3 * 60 * 60
	// WorkloadSessionSeconds is the maxSessionDuration of the workload roles (instances, RDS
	// monitoring): their services refresh credentials long before an hour.
	WorkloadSessionSeconds = 60 * 60
)
