package settings

import "fmt"

// Account is where the stack deploys: the AWS partition, region and account, looked up once at the top of
// the program (cloud.LookupAccount: plain invokes, so their values are known during preview) and passed to
// every tier. With them, ARNs in policies are plain strings and the PR preview shows whole policy documents.
type Account struct {
	ID        string // 12-digit account id
	Partition string // "aws", "aws-cn", "aws-us-gov"
	Region    string // e.g. "us-east-1"
	DNSSuffix string // "amazonaws.com" in the aws partition
}

// ARN returns the ARN of a regional resource of service in this account and region.
func (a Account) ARN(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, service, a.Region, a.ID, resource)
}

// GlobalARN returns the ARN of a global (region-less) resource of service in this account, e.g. IAM.
func (a Account) GlobalARN(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s::%s:%s", a.Partition, service, a.ID, resource)
}

// ManagedPolicyARN returns the ARN of the AWS managed IAM policy at path (e.g. "service-role/X").
func (a Account) ManagedPolicyARN(path string) string {
	return fmt.Sprintf("arn:%s:iam::aws:policy/%s", a.Partition, path)
}

// RootARN returns the ARN of the account root principal (the account as a whole, in policies).
func (a Account) RootARN() string { return a.GlobalARN("iam", "root") }

// Service returns the service principal of service, e.g. "ec2" -> "ec2.amazonaws.com".
func (a Account) Service(service string) string { return service + "." + a.DNSSuffix }
