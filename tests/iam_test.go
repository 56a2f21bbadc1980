package tests

import (
	"testing"
)

func TestNewIAMAccountAssemblesRoles(t *testing.T) {
	roleARN := "arn:aws:iam::" + AccountID + ":role/app"
	boundaryARN := "arn:aws:iam::" + AccountID + ":policy/boundary"
	keyARN := "arn:aws:kms:" + Region + ":" + AccountID + ":key/k1"
	inventory := []*Resource{
		{Type: typeRole, Name: "app", Custom: true,
			In:  map[string]any{"assumeRolePolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`, "permissionsBoundary": boundaryARN},
			Out: map[string]any{"name": "app", "arn": roleARN}},
		{Type: typePolicy, Name: "boundary", Custom: true,
			In:  map[string]any{"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","ssm:*","s3:GetObject"],"Resource":["*"]}]}`},
			Out: map[string]any{"arn": boundaryARN}},
		{Type: typeRolePolicy, Name: "app-inline", Custom: true,
			In: map[string]any{"role": "app", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","s3:PutObject"],"Resource":["*"]}]}`}},
		{Type: typeAttachment, Name: "app-ssm", Custom: true,
			In: map[string]any{"role": roleARN, "policyArn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}},
		{Type: typeKey, Name: "key", Custom: true,
			In:  map[string]any{"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + AccountID + `:role/other"]},"Action":["kms:*"],"Resource":["*"]}]}`},
			Out: map[string]any{"arn": keyARN}},
	}
	a, err := NewIAMAccount(inventory)
	if err != nil {
		t.Fatal(err)
	}
	roles := a.RolesTrusting("app", "ec2.amazonaws.com")
	if len(roles) != 1 || len(roles[0].Principal.Identity) != 2 || roles[0].Principal.Boundary == nil {
		t.Fatalf("want the app role with an inline policy, the managed policy and its boundary, got %+v", roles)
	}
	app := roles[0]
	cases := []struct {
		action, resource string
		want             bool
	}{
		{"ssmmessages:OpenDataChannel", "*", false},                                    // the managed policy allows it, the boundary does not
		{"ssm:UpdateInstanceInformation", "*", true},                                   // managed policy, within the boundary
		{"s3:PutObject", "arn:aws:s3:::b/o", false},                                    // inline policy, outside the boundary
		{"kms:Decrypt", keyARN, false},                                                 // the key policy neither names the role nor the account
		{"kms:Decrypt", "arn:aws:kms:us-east-1:" + AccountID + ":key/no-policy", true}, // no recorded key policy
	}
	for _, c := range cases {
		res, err := a.Can(app, Request{Action: c.action, Resource: c.resource})
		if err != nil {
			t.Fatal(err)
		}
		if res.Allowed() != c.want {
			t.Errorf("%s on %s: got %v (%s), want allowed=%v", c.action, c.resource, res.Decision, res.Reason, c.want)
		}
	}
	if a.ResourcePolicy(roleARN) == nil || !a.ResourcePolicy(roleARN).Required {
		t.Error("the role's trust policy is the required resource policy of sts:AssumeRole on it")
	}
}

func TestNewIAMAccountRejectsWhatItCannotAssemble(t *testing.T) {
	cases := map[string][]*Resource{
		"policy of an unknown role": {{Type: typeRolePolicy, Name: "p", In: map[string]any{"role": "ghost", "policy": `{"Version":"2012-10-17","Statement":[]}`}}},
	}
	for name, inv := range cases {
		if _, err := NewIAMAccount(inv); err == nil {
			t.Errorf("%s: NewIAMAccount accepted it", name)
		}
	}
}

func TestRoleWithAnUnvendoredManagedPolicyCannotBeEvaluated(t *testing.T) {
	a, err := NewIAMAccount([]*Resource{
		{Type: typeRole, Name: "r", In: map[string]any{"assumeRolePolicy": `{"Version":"2012-10-17","Statement":[]}`}, Out: map[string]any{"name": "r", "arn": "arn:aws:iam::1:role/r"}},
		{Type: typeAttachment, Name: "a", In: map[string]any{"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Can(a.Roles[0], Request{Action: "s3:GetObject", Resource: "*"}); err == nil {
		t.Error("a role missing an attached policy must not be evaluated")
	}
}
