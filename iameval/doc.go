// Package iameval evaluates AWS IAM requests the way IAM does for principals and resources of one
// account, so that tests can prove what a stack's roles can and cannot do before anything is deployed.
//
// No maintained Go library evaluates IAM policies offline (the Go packages found only parse documents or
// call the IAM policy simulator API), so this package is kept small and tested on its own:
//
//   - Parse reads a policy document (identity policy, permissions boundary, resource policy) and rejects
//     what Evaluate would not evaluate faithfully (unknown elements or operators, policy variables);
//   - Evaluate decides one Request: a Principal (a role with its identity policies and boundary, or a
//     service), an action, a resource ARN, the request's condition keys (Context) and the resource's
//     policy, with IAM's rules: explicit deny wins; an allow is needed from an identity policy (or from the
//     resource policy where IAM lets it grant) and from the boundary; KMS key and role trust policies must
//     allow themselves or delegate to the account;
//   - matching follows IAM's case rules: actions case-insensitive, ARNs case-sensitive and part by part,
//     condition key names case-insensitive, values per operator;
//   - conditions: String*, Arn*, Bool, Null, Numeric*, IpAddress/NotIpAddress, with IfExists and
//     ForAnyValue:/ForAllValues:, and IAM's rules for keys absent from the request (see Condition);
//   - Managed returns the AWS managed policies the stack attaches, vendored in managed/ with their
//     version id and date.
//
// The package has no dependency on Pulumi: the tests/ package assembles principals from a recorded mock
// inventory.
package iameval
