package iameval

import (
	"strings"
	"testing"
)

const (
	roleARN    = "arn:aws:iam::111122223333:role/app"
	sessionARN = "arn:aws:sts::111122223333:assumed-role/app/i-0abc"
	bucketARN  = "arn:aws:s3:::data-bucket"
	keyARN     = "arn:aws:kms:us-east-1:111122223333:key/1234abcd"
)

func policy(name, statements string) Policy {
	return MustParse(name, `{"Version":"2012-10-17","Statement":[`+statements+`]}`)
}

func role(boundary *Policy, identity ...Policy) Principal {
	return Principal{ARN: roleARN, SessionARN: sessionARN, Identity: identity, Boundary: boundary}
}

func ptr(p Policy) *Policy { return &p }

func TestEvaluateIdentityAndBoundary(t *testing.T) {
	readBucket := policy("read", `{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data-bucket","arn:aws:s3:::data-bucket/*"]}`)
	denyDelete := policy("deny", `{"Sid":"NoDelete","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}`)
	allowAll := policy("all", `{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}`)
	s3Only := policy("boundary", `{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}`)
	cases := []struct {
		name      string
		principal Principal
		action    string
		resource  string
		want      Decision
	}{
		{"identity allows", role(nil, readBucket), "s3:GetObject", bucketARN + "/a.txt", Allow},
		{"nothing allows", role(nil, readBucket), "s3:PutObject", bucketARN + "/a.txt", ImplicitDeny},
		{"no policies at all", role(nil), "s3:GetObject", bucketARN + "/a.txt", ImplicitDeny},
		{"explicit deny wins over allow", role(nil, allowAll, denyDelete), "s3:DeleteObject", bucketARN + "/a", ExplicitDeny},
		{"deny in the boundary wins", role(ptr(denyDelete), allowAll), "s3:DeleteBucket", bucketARN, ExplicitDeny},
		{"boundary allows what identity allows", role(ptr(s3Only), allowAll), "s3:GetObject", bucketARN + "/a", Allow},
		{"boundary limits identity", role(ptr(s3Only), allowAll), "kms:Decrypt", keyARN, ImplicitDeny},
		{"boundary alone grants nothing", role(ptr(allowAll)), "s3:GetObject", bucketARN + "/a", ImplicitDeny},
		{"action names are case-insensitive", role(nil, readBucket), "S3:getobject", bucketARN + "/a", Allow},
		{"ARNs are case-sensitive", role(nil, readBucket), "s3:GetObject", "arn:aws:s3:::Data-Bucket/a", ImplicitDeny},
		{"wildcard in action", role(nil, allowAll), "ec2:DescribeInstances", "*", Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := MustEvaluate(Request{Principal: tc.principal, Action: tc.action, Resource: tc.resource})
			if got.Decision != tc.want {
				t.Errorf("%s on %s: got %v (%s), want %v", tc.action, tc.resource, got.Decision, got.Reason, tc.want)
			}
		})
	}
}

func TestEvaluateNotActionAndNotResource(t *testing.T) {
	allButIAM := policy("p", `{"Effect":"Allow","NotAction":["iam:*","kms:Schedule*"],"Resource":"*"}`)
	allButProd := policy("p", `{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::prod-*","arn:aws:s3:::prod-*/*"]}`)
	denyOutside := policy("p", `{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::dev-*"},{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)
	cases := []struct {
		name     string
		pol      Policy
		action   string
		resource string
		want     Decision
	}{
		{"NotAction allows other actions", allButIAM, "s3:GetObject", bucketARN, Allow},
		{"NotAction excludes its actions", allButIAM, "iam:CreateRole", "arn:aws:iam::111122223333:role/x", ImplicitDeny},
		{"NotAction excludes case-insensitively", allButIAM, "KMS:ScheduleKeyDeletion", keyARN, ImplicitDeny},
		{"NotResource allows other resources", allButProd, "s3:GetObject", "arn:aws:s3:::dev-data/a", Allow},
		{"NotResource excludes its resources", allButProd, "s3:GetObject", "arn:aws:s3:::prod-data/a", ImplicitDeny},
		{"Deny with NotResource denies outside", denyOutside, "s3:GetObject", "arn:aws:s3:::prod-data", ExplicitDeny},
		{"Deny with NotResource spares inside", denyOutside, "s3:GetObject", "arn:aws:s3:::dev-data", Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := MustEvaluate(Request{Principal: role(nil, tc.pol), Action: tc.action, Resource: tc.resource})
			if got.Decision != tc.want {
				t.Errorf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
			}
		})
	}
}

func TestMatchARN(t *testing.T) {
	cases := []struct {
		pattern, arn string
		want         bool
	}{
		{"*", "arn:aws:s3:::b", true},
		{"arn:aws:logs:us-east-1:111122223333:log-group:/8byte/dev/*", "arn:aws:logs:us-east-1:111122223333:log-group:/8byte/dev/app:log-stream:i-1", true},
		{"arn:aws:logs:us-east-1:111122223333:log-group:/8byte/dev/*", "arn:aws:logs:us-east-1:111122223333:log-group:/8byte/prod/app", false},
		{"arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:eu-west-1:111122223333:key/k", true},
		// A wildcard does not span the colon into the next part.
		{"arn:aws:logs:us-east-1:*:log-group:x", "arn:aws:logs:us-east-1:111122223333:extra:log-group:x", false},
		{"arn:aws:logs:us-east-1:*:log-group:x", "arn:aws:logs:us-east-1:111122223333:log-group:x", true},
		{"arn:aws:iam::111122223333:role/8byte-dev-*", "arn:aws:iam::111122223333:role/8byte-dev-app-role-1a2b", true},
		{"arn:aws:iam::111122223333:role/8byte-dev-*", "arn:aws:iam::111122223333:role/8byte-DEV-app", false},
		{"arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!db-??????", "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!db-abcdef", true},
		{"arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!db-??????", "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!db-abcdefg", false},
	}
	for _, tc := range cases {
		if got := MatchARN(tc.pattern, tc.arn); got != tc.want {
			t.Errorf("MatchARN(%q, %q) = %v, want %v", tc.pattern, tc.arn, got, tc.want)
		}
	}
}

// TestConditions evaluates one Allow statement with one condition against request contexts; "absent"
// cases have no value for the key.
func TestConditions(t *testing.T) {
	cases := []struct {
		operator string
		values   string // JSON
		key      string
		context  []string // nil: the key is absent
		want     bool
	}{
		{"StringEquals", `"dev"`, "aws:ResourceTag/Environment", []string{"dev"}, true},
		{"StringEquals", `"dev"`, "aws:ResourceTag/Environment", []string{"Dev"}, false},
		{"StringEquals", `["dev","prod"]`, "aws:ResourceTag/Environment", []string{"prod"}, true},
		{"StringEquals", `"dev"`, "aws:ResourceTag/Environment", nil, false},
		{"StringNotEquals", `"prod"`, "aws:ResourceTag/Environment", []string{"dev"}, true},
		{"StringNotEquals", `["dev","prod"]`, "aws:ResourceTag/Environment", []string{"prod"}, false},
		{"StringNotEquals", `"prod"`, "aws:ResourceTag/Environment", nil, true},
		{"StringEqualsIgnoreCase", `"DEV"`, "aws:ResourceTag/Environment", []string{"dev"}, true},
		{"StringNotEqualsIgnoreCase", `"DEV"`, "aws:ResourceTag/Environment", []string{"dev"}, false},
		{"StringLike", `"secretsmanager.*.amazonaws.com"`, "kms:ViaService", []string{"secretsmanager.us-east-1.amazonaws.com"}, true},
		{"StringLike", `"s3.*.amazonaws.com"`, "kms:ViaService", []string{"secretsmanager.us-east-1.amazonaws.com"}, false},
		{"StringLike", `"s3.?s-east-1.amazonaws.com"`, "kms:ViaService", []string{"s3.us-east-1.amazonaws.com"}, true},
		{"StringLike", `"s3.*"`, "kms:ViaService", nil, false},
		{"StringNotLike", `"s3.*"`, "kms:ViaService", []string{"secretsmanager.us-east-1.amazonaws.com"}, true},
		{"StringNotLike", `"s3.*"`, "kms:ViaService", []string{"s3.us-east-1.amazonaws.com"}, false},
		{"StringNotLike", `"arn:aws:iam::111122223333:policy/8byte-dev-boundary*"`, "iam:PermissionsBoundary", nil, true},
		{"ArnLike", `"arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/*"`, "aws:SourceArn", []string{"arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/fl-1"}, true},
		{"ArnLike", `"arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/*"`, "aws:SourceArn", []string{"arn:aws:ec2:us-east-1:999988887777:vpc-flow-log/fl-1"}, false},
		{"ArnEquals", `"arn:aws:iam::111122223333:role/*"`, "aws:PrincipalArn", []string{roleARN}, true},
		{"ArnEquals", `"arn:aws:iam::111122223333:role/other"`, "aws:PrincipalArn", []string{roleARN}, false},
		{"ArnNotEquals", `"arn:aws:iam::111122223333:role/other"`, "aws:PrincipalArn", []string{roleARN}, true},
		{"ArnNotLike", `"arn:aws:iam::111122223333:role/*"`, "aws:PrincipalArn", []string{roleARN}, false},
		{"Bool", `"false"`, "aws:SecureTransport", []string{"false"}, true},
		{"Bool", `"false"`, "aws:SecureTransport", []string{"true"}, false},
		{"Bool", `true`, "aws:SecureTransport", []string{"TRUE"}, true},
		{"Bool", `"false"`, "aws:SecureTransport", nil, false},
		{"BoolIfExists", `"false"`, "aws:SecureTransport", nil, true},
		{"BoolIfExists", `"false"`, "aws:SecureTransport", []string{"true"}, false},
		{"StringEqualsIfExists", `"dev"`, "aws:ResourceTag/Environment", nil, true},
		{"StringEqualsIfExists", `"dev"`, "aws:ResourceTag/Environment", []string{"prod"}, false},
		{"Null", `"false"`, "kms:ViaService", []string{"rds.us-east-1.amazonaws.com"}, true},
		{"Null", `"false"`, "kms:ViaService", nil, false},
		{"Null", `"true"`, "kms:ViaService", nil, true},
		{"Null", `true`, "kms:ViaService", []string{"x"}, false},
		{"NumericLessThan", `"3600"`, "aws:MultiFactorAuthAge", []string{"60"}, true},
		{"NumericLessThan", `3600`, "aws:MultiFactorAuthAge", []string{"3600"}, false},
		{"NumericLessThanEquals", `"3600"`, "aws:MultiFactorAuthAge", []string{"3600"}, true},
		{"NumericGreaterThan", `"7"`, "kms:ScheduleKeyDeletionPendingWindowInDays", []string{"30"}, true},
		{"NumericGreaterThanEquals", `"7"`, "kms:ScheduleKeyDeletionPendingWindowInDays", []string{"6"}, false},
		{"NumericEquals", `"30"`, "kms:ScheduleKeyDeletionPendingWindowInDays", []string{"30.0"}, true},
		{"NumericNotEquals", `"30"`, "kms:ScheduleKeyDeletionPendingWindowInDays", []string{"30"}, false},
		{"NumericLessThan", `"10"`, "aws:MultiFactorAuthAge", []string{"not-a-number"}, false},
		{"NumericLessThan", `"10"`, "aws:MultiFactorAuthAge", nil, false},
		{"IpAddress", `"10.0.0.0/16"`, "aws:SourceIp", []string{"10.0.3.4"}, true},
		{"IpAddress", `"10.0.0.0/16"`, "aws:SourceIp", []string{"10.1.3.4"}, false},
		{"NotIpAddress", `["10.0.0.0/16","192.0.2.1"]`, "aws:SourceIp", []string{"192.0.2.1"}, false},
		{"ForAnyValue:StringEquals", `["Environment","Name"]`, "aws:TagKeys", []string{"Owner", "Name"}, true},
		{"ForAnyValue:StringEquals", `["Environment"]`, "aws:TagKeys", []string{"Owner", "Name"}, false},
		{"ForAnyValue:StringEquals", `["Environment"]`, "aws:TagKeys", nil, false},
		{"ForAnyValue:StringNotEquals", `["Environment"]`, "aws:TagKeys", []string{"Environment", "Name"}, true},
		{"ForAllValues:StringEquals", `["Environment","Name"]`, "aws:TagKeys", []string{"Name", "Environment"}, true},
		{"ForAllValues:StringEquals", `["Environment","Name"]`, "aws:TagKeys", []string{"Name", "Owner"}, false},
		{"ForAllValues:StringEquals", `["Environment"]`, "aws:TagKeys", nil, true},
		{"ForAllValues:StringNotLike", `["aws:*"]`, "aws:TagKeys", []string{"Name", "aws:cloudformation"}, false},
		{"ForAllValues:StringLikeIfExists", `["8byte-*"]`, "aws:TagKeys", []string{"8byte-a"}, true},
	}
	for _, tc := range cases {
		name := tc.operator + " " + tc.values + " " + strings.Join(tc.context, ",")
		if tc.context == nil {
			name = tc.operator + " " + tc.values + " absent"
		}
		t.Run(name, func(t *testing.T) {
			pol := policy("p", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"`+tc.operator+`":{"`+tc.key+`":`+tc.values+`}}}`)
			ctx := Context{}
			if tc.context != nil {
				// Condition key names are case-insensitive: the request spells the key in upper case.
				ctx[strings.ToUpper(tc.key)] = tc.context
			}
			got := MustEvaluate(Request{Principal: role(nil, pol), Action: "s3:GetObject", Resource: bucketARN + "/a", Context: ctx})
			if got.Allowed() != tc.want {
				t.Errorf("got %v (%s), want allowed=%v", got.Decision, got.Reason, tc.want)
			}
		})
	}
}

func TestConditionsAreANDedAcrossKeysAndOperators(t *testing.T) {
	pol := policy("p", `{"Effect":"Allow","Action":"sns:Publish","Resource":"*","Condition":{
		"StringEquals":{"aws:SourceAccount":"111122223333","aws:SourceRegion":"us-east-1"},
		"ArnLike":{"aws:SourceArn":"arn:aws:cloudwatch:us-east-1:111122223333:alarm:*"}}}`)
	full := Context{"aws:SourceAccount": {"111122223333"}, "aws:SourceRegion": {"us-east-1"}, "aws:SourceArn": {"arn:aws:cloudwatch:us-east-1:111122223333:alarm:high-cpu"}}
	if got := MustEvaluate(Request{Principal: role(nil, pol), Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:111122223333:t", Context: full}); !got.Allowed() {
		t.Errorf("all conditions hold, got %v (%s)", got.Decision, got.Reason)
	}
	for _, drop := range []string{"aws:SourceAccount", "aws:SourceRegion", "aws:SourceArn"} {
		ctx := Context{}
		for k, v := range full {
			if k != drop {
				ctx[k] = v
			}
		}
		if got := MustEvaluate(Request{Principal: role(nil, pol), Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:111122223333:t", Context: ctx}); got.Allowed() {
			t.Errorf("without %s the request must be denied, got %v", drop, got.Decision)
		}
	}
}

func TestPrincipalKeysComeFromThePrincipal(t *testing.T) {
	pol := policy("p", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"`+roleARN+`"},"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}`)
	if got := MustEvaluate(Request{Principal: role(nil, pol), Action: "s3:GetObject", Resource: bucketARN}); !got.Allowed() {
		t.Errorf("aws:PrincipalArn and aws:PrincipalAccount should be set from the principal: %s", got.Reason)
	}
}

func TestResourcePolicies(t *testing.T) {
	allowS3 := policy("identity", `{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}`)
	allowKMS := policy("identity", `{"Sid":"KMS","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}`)
	ec2Only := policy("boundary", `{"Sid":"EC2","Effect":"Allow","Action":"ec2:*","Resource":"*"}`)
	bucketTo := func(principal string) *ResourcePolicy {
		return &ResourcePolicy{Policy: policy("bucket", `{"Sid":"Grant","Effect":"Allow","Principal":{"AWS":"`+principal+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::data-bucket/*"}`)}
	}
	denyInsecure := &ResourcePolicy{Policy: policy("bucket", `{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)}
	keyTo := func(principal string) *ResourcePolicy {
		return &ResourcePolicy{Required: true, Policy: policy("key", `{"Sid":"Grant","Effect":"Allow","Principal":{"AWS":"`+principal+`"},"Action":"kms:*","Resource":"*"}`)}
	}
	cases := []struct {
		name      string
		principal Principal
		action    string
		resource  string
		rp        *ResourcePolicy
		ctx       Context
		want      Decision
	}{
		{"bucket policy grants the role without identity policy", role(nil), "s3:GetObject", bucketARN + "/a", bucketTo(roleARN), nil, Allow},
		{"bucket policy to the role ARN is limited by the boundary", role(ptr(ec2Only)), "s3:GetObject", bucketARN + "/a", bucketTo(roleARN), nil, ImplicitDeny},
		{"bucket policy to the session ARN is not limited by the boundary", role(ptr(ec2Only)), "s3:GetObject", bucketARN + "/a", bucketTo(sessionARN), nil, Allow},
		{"bucket policy to the account delegates to IAM", role(nil), "s3:GetObject", bucketARN + "/a", bucketTo("111122223333"), nil, ImplicitDeny},
		{"account delegation plus identity allows", role(nil, allowS3), "s3:GetObject", bucketARN + "/a", bucketTo("arn:aws:iam::111122223333:root"), nil, Allow},
		{"bucket policy naming another role grants nothing", role(nil), "s3:GetObject", bucketARN + "/a", bucketTo("arn:aws:iam::111122223333:role/other"), nil, ImplicitDeny},
		{"identity suffices beside an optional resource policy", role(nil, allowS3), "s3:PutObject", bucketARN + "/a", bucketTo(roleARN), nil, Allow},
		{"resource policy deny wins", role(nil, allowS3), "s3:GetObject", bucketARN + "/a", denyInsecure, Context{"aws:SecureTransport": {"false"}}, ExplicitDeny},
		{"resource policy deny needs its condition", role(nil, allowS3), "s3:GetObject", bucketARN + "/a", denyInsecure, Context{"aws:SecureTransport": {"true"}}, Allow},
		{"key policy must allow: identity alone is not enough", role(nil, allowKMS), "kms:Decrypt", keyARN, keyTo("arn:aws:iam::111122223333:role/other"), nil, ImplicitDeny},
		{"key policy delegating to the account plus identity allows", role(nil, allowKMS), "kms:Decrypt", keyARN, keyTo("arn:aws:iam::111122223333:root"), nil, Allow},
		{"key policy delegating to the account without identity denies", role(nil), "kms:Decrypt", keyARN, keyTo("111122223333"), nil, ImplicitDeny},
		{"key policy naming the role allows alone", role(nil), "kms:Decrypt", keyARN, keyTo(roleARN), nil, Allow},
		{"key policy naming the role is limited by the boundary", role(ptr(ec2Only)), "kms:Decrypt", keyARN, keyTo(roleARN), nil, ImplicitDeny},
		{"key policy delegation is limited by the boundary", role(ptr(ec2Only), allowKMS), "kms:Decrypt", keyARN, keyTo("111122223333"), nil, ImplicitDeny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := MustEvaluate(Request{Principal: tc.principal, Action: tc.action, Resource: tc.resource, ResourcePolicy: tc.rp, Context: tc.ctx})
			if got.Decision != tc.want {
				t.Errorf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
			}
		})
	}
}

func TestServicePrincipals(t *testing.T) {
	bucket := &ResourcePolicy{Policy: policy("bucket", `{"Sid":"Trail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::trail/AWSLogs/111122223333/*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}`)}
	trail := Principal{Service: "cloudtrail.amazonaws.com"}
	cases := []struct {
		name      string
		principal Principal
		resource  string
		ctx       Context
		want      Decision
	}{
		{"named service with its condition", trail, "arn:aws:s3:::trail/AWSLogs/111122223333/x", Context{"aws:SourceAccount": {"111122223333"}}, Allow},
		{"named service, other account", trail, "arn:aws:s3:::trail/AWSLogs/111122223333/x", Context{"aws:SourceAccount": {"999988887777"}}, ImplicitDeny},
		{"named service, outside the prefix", trail, "arn:aws:s3:::trail/other/x", Context{"aws:SourceAccount": {"111122223333"}}, ImplicitDeny},
		{"other service", Principal{Service: "logs.amazonaws.com"}, "arn:aws:s3:::trail/AWSLogs/111122223333/x", Context{"aws:SourceAccount": {"111122223333"}}, ImplicitDeny},
		{"a service without a resource policy", trail, "arn:aws:s3:::trail/AWSLogs/111122223333/x", nil, ImplicitDeny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rp := bucket
			if tc.ctx == nil {
				rp = nil
			}
			got := MustEvaluate(Request{Principal: tc.principal, Action: "s3:PutObject", Resource: tc.resource, Context: tc.ctx, ResourcePolicy: rp})
			if got.Decision != tc.want {
				t.Errorf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
			}
		})
	}
}

func TestNotPrincipal(t *testing.T) {
	rp := &ResourcePolicy{Policy: policy("bucket", `{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"s3:DeleteBucket","Resource":"*"}`)}
	allow := policy("identity", `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)
	if got := MustEvaluate(Request{Principal: role(nil, allow), Action: "s3:DeleteBucket", Resource: bucketARN, ResourcePolicy: rp}); got.Decision != ExplicitDeny {
		t.Errorf("a role not named by NotPrincipal is denied, got %v", got.Decision)
	}
	admin := Principal{ARN: "arn:aws:iam::111122223333:role/admin", Identity: []Policy{allow}}
	if got := MustEvaluate(Request{Principal: admin, Action: "s3:DeleteBucket", Resource: bucketARN, ResourcePolicy: rp}); !got.Allowed() {
		t.Errorf("the role named by NotPrincipal is spared, got %v (%s)", got.Decision, got.Reason)
	}
}

func TestParseRejectsWhatItCannotEvaluate(t *testing.T) {
	cases := map[string]string{
		"unknown element":       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Extra":1}]}`,
		"unknown operator":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}]}`,
		"policy variable":       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		"effect":                `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}`,
		"Action and NotAction":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}]}`,
		"no action":             `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`,
		"old version":           `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		"string principal":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"s3:*","Resource":"*"}]}`,
		"null with a qualifier": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:Null":{"aws:TagKeys":"true"}}}]}`,
	}
	for name, doc := range cases {
		if _, err := Parse(name, []byte(doc)); err == nil {
			t.Errorf("%s: Parse accepted %s", name, doc)
		}
	}
	// A single statement object and single strings are valid IAM.
	if _, err := Parse("single", []byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)); err != nil {
		t.Errorf("single statement: %v", err)
	}
}

func TestEvaluateRejectsMisplacedElements(t *testing.T) {
	withPrincipal := policy("identity", `{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`)
	if _, err := Evaluate(Request{Principal: role(nil, withPrincipal), Action: "s3:GetObject", Resource: bucketARN}); err == nil {
		t.Error("an identity policy with a Principal must be an error")
	}
	noResource := policy("identity", `{"Effect":"Allow","Action":"s3:*"}`)
	if _, err := Evaluate(Request{Principal: role(nil, noResource), Action: "s3:GetObject", Resource: bucketARN}); err == nil {
		t.Error("an identity policy without Resource must be an error")
	}
	noPrincipal := &ResourcePolicy{Policy: policy("bucket", `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)}
	if _, err := Evaluate(Request{Principal: role(nil), Action: "s3:GetObject", Resource: bucketARN, ResourcePolicy: noPrincipal}); err == nil {
		t.Error("a resource policy statement without Principal must be an error")
	}
	if _, err := Evaluate(Request{Principal: role(nil), Action: "GetObject", Resource: bucketARN}); err == nil {
		t.Error("an action without a service prefix must be an error")
	}
}

func TestManagedPolicies(t *testing.T) {
	core, err := Managed("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
	if err != nil {
		t.Fatal(err)
	}
	if core.VersionID != "v2" || core.CreateDate != "2019-05-23T16:54:21Z" {
		t.Errorf("AmazonSSMManagedInstanceCore: vendored %s of %s", core.VersionID, core.CreateDate)
	}
	got := MustEvaluate(Request{Principal: role(nil, core.Policy), Action: "ssmmessages:OpenDataChannel", Resource: "*"})
	if !got.Allowed() {
		t.Errorf("AmazonSSMManagedInstanceCore should allow ssmmessages:OpenDataChannel: %s", got.Reason)
	}
	// Any partition resolves to the vendored document.
	if _, err := Managed("arn:aws-us-gov:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"); err != nil {
		t.Error(err)
	}
	if _, err := Managed("arn:aws:iam::aws:policy/AdministratorAccess"); err == nil {
		t.Error("a policy that is not vendored must be an error")
	}
}

func TestTrustPolicies(t *testing.T) {
	trust := &ResourcePolicy{Required: true, Policy: policy("trust", `{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/*"}}}`)}
	flowLogs := Principal{Service: "vpc-flow-logs.amazonaws.com"}
	ok := Context{"aws:SourceAccount": {"111122223333"}, "aws:SourceArn": {"arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/fl-1"}}
	confused := Context{"aws:SourceAccount": {"999988887777"}, "aws:SourceArn": {"arn:aws:ec2:us-east-1:999988887777:vpc-flow-log/fl-1"}}
	if got := MustEvaluate(Request{Principal: flowLogs, Action: "sts:AssumeRole", Resource: roleARN, Context: ok, ResourcePolicy: trust}); !got.Allowed() {
		t.Errorf("the trusted service of this account assumes the role: %s", got.Reason)
	}
	if got := MustEvaluate(Request{Principal: flowLogs, Action: "sts:AssumeRole", Resource: roleARN, Context: confused, ResourcePolicy: trust}); got.Allowed() {
		t.Error("the confused deputy (another account's flow log) must not assume the role")
	}
	// A role of the account whose identity policy allows sts:AssumeRole is still refused: the trust
	// policy names neither it nor the account.
	assumer := role(nil, policy("p", `{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}`))
	if got := MustEvaluate(Request{Principal: assumer, Action: "sts:AssumeRole", Resource: roleARN, ResourcePolicy: trust}); got.Allowed() {
		t.Error("a trust policy that does not name the account must refuse its roles")
	}
}
