package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/8byte/infra/controls"
	"github.com/8byte/infra/settings"
	"github.com/8byte/infra/tests"
)

// goldenDir holds the reviewed text of every security document of each stack: the key policies, the
// bucket and topic policies and the instance role's policies, as `pulumi up` would send them. The files
// are read as the design's literal statement of who may do what; they change only by review, with
// `go test . -run TestSecurityDocumentsAreTheReviewedGoldens -update` and a read of the diff.
const goldenDir = "testdata/policies"

// securityDocuments returns env's pinned documents: golden path (under goldenDir/<env>) -> JSON text.
func securityDocuments(t *testing.T, env settings.Environment) map[string]string {
	t.Helper()
	mocks := wholeStack(t, env).mocks
	prefix := settings.Prefix(env) + "-"
	docs := map[string]string{}
	add := func(kind string, r *tests.Resource, path string) {
		doc := r.String(path)
		require.NotEmpty(t, doc, "%s has no %s", r.Describe(), path)
		file := filepath.Join(kind, strings.TrimPrefix(r.Name, prefix)+".json")
		_, dup := docs[file]
		require.False(t, dup, "two documents would be %s", file)
		docs[file] = doc
	}
	for _, r := range mocks.OfType("aws:kms/key:Key") {
		add("kms-key", r, "policy")
	}
	for _, r := range mocks.OfType("aws:s3/bucketPolicy:BucketPolicy") {
		add("bucket-policy", r, "policy")
	}
	for _, r := range mocks.OfType("aws:sns/topicPolicy:TopicPolicy") {
		add("topic-policy", r, "policy")
	}
	for _, r := range mocks.OfType("aws:sns/topic:Topic") {
		if r.String("policy") != "" {
			add("topic-policy", r, "policy")
		}
	}
	role := launchTemplateRole(t, mocks)
	for _, p := range mocks.OfType("aws:iam/rolePolicy:RolePolicy") {
		if p.Get("role") == role.Out["name"] || p.Get("role") == role.Out["id"] {
			add("instance-role", p, "policy")
		}
	}
	var attached []string
	for _, a := range mocks.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if a.Get("role") == role.Out["name"] || a.Get("role") == role.Out["id"] {
			attached = append(attached, a.String("policyArn"))
		}
	}
	sort.Strings(attached)
	raw, err := json.Marshal(attached)
	require.NoError(t, err)
	docs[filepath.Join("instance-role", "managed-policies.json")] = string(raw)
	return docs
}

// launchTemplateRole returns the role of the launch template's instance profile.
func launchTemplateRole(t *testing.T, mocks *tests.Mocks) *tests.Resource {
	t.Helper()
	lts := mocks.OfType("aws:ec2/launchTemplate:LaunchTemplate")
	require.Len(t, lts, 1)
	for _, p := range mocks.OfType("aws:iam/instanceProfile:InstanceProfile") {
		if p.Out["arn"] == lts[0].String("iamInstanceProfile.arn") {
			for _, r := range mocks.OfType("aws:iam/role:Role") {
				if r.Out["name"] == p.String("role") {
					return r
				}
			}
		}
	}
	t.Fatal("the launch template's instance profile has no role of the stack")
	return nil
}

// indented is the golden form of a JSON document: two-space indented, keys in the program's order.
func indented(t *testing.T, doc string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Indent(&b, []byte(doc), "", "  "), "not JSON: %s", doc)
	return b.String() + "\n"
}

func TestSecurityDocumentsAreTheReviewedGoldens(t *testing.T) {
	for _, env := range settings.Environments {
		t.Run(env.Name, func(t *testing.T) {
			dir := filepath.Join(goldenDir, env.Name)
			docs := securityDocuments(t, env)
			if *update {
				require.NoError(t, os.RemoveAll(dir))
				for file, doc := range docs {
					path := filepath.Join(dir, file)
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))              //nolint:gosec // G301: tracked test data
					require.NoError(t, os.WriteFile(path, []byte(indented(t, doc)), 0o644)) //nolint:gosec // G306: tracked test data
				}
			}
			var onDisk []string
			require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(dir, path)
					onDisk = append(onDisk, rel)
				}
				return err
			}), "run: go test . -run TestSecurityDocumentsAreTheReviewedGoldens -update, then review the diff")
			for file, doc := range docs {
				golden, err := os.ReadFile(filepath.Join(dir, file)) //nolint:gosec // G304: paths under testdata
				if assert.NoError(t, err, "%s has no golden file", file) {
					assert.Equal(t, string(golden), indented(t, doc), "%s differs from its reviewed golden (%s)", file, dir)
				}
			}
			for _, file := range onDisk {
				_, ok := docs[file]
				assert.True(t, ok, "golden %s/%s names no document of the stack: remove it", dir, file)
			}
		})
	}
}

// statement is one policy statement, read loosely: IAM accepts a string where a list is expected.
type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	NotAction any
	Resource  any
	Condition map[string]map[string]any
}

func (s statement) actions() []string   { return controls.StringList(s.Action) }
func (s statement) resources() []string { return controls.StringList(s.Resource) }

// principals returns the statement's principals as "AWS:arn", "Service:name" or "*".
func (s statement) principals() []string {
	switch p := s.Principal.(type) {
	case string:
		return []string{p}
	case map[string]any:
		var out []string
		for kind, v := range p {
			for _, e := range controls.StringList(v) {
				out = append(out, kind+":"+e)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

func (s statement) conditionKeys() []string {
	var out []string
	for _, kv := range s.Condition {
		for k := range kv {
			out = append(out, k)
		}
	}
	return out
}

func parseDocument(t *testing.T, doc string) []statement {
	t.Helper()
	var d struct {
		Version   string
		Statement []statement
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &d), "policy document: %s", doc)
	require.Equal(t, "2012-10-17", d.Version)
	return d.Statement
}

// accountScoped are the condition keys that tie an anonymous ("*") principal to this account: its own
// principals (kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalArn) or its resources.
var accountScoped = []string{"aws:SourceAccount", "aws:SourceArn", "aws:PrincipalAccount", "aws:PrincipalArn", "kms:CallerAccount"}

// serviceScoped are the condition keys that tie a service principal to this account's resources
// (confused-deputy protection).
var serviceScoped = []string{"aws:SourceAccount", "aws:SourceArn"}

// publisherKeyUse is what a service that publishes to an encrypted topic needs of the topic's key; the
// key policy grants it to the publishing services without a source condition (which topic they publish
// to, and from which account, is the topic policy's decision, and that one is conditioned).
var publisherKeyUse = []string{"kms:Decrypt", "kms:GenerateDataKey*"}

// TestSecurityDocumentsHaveTheDesignShape checks, besides the literal goldens, the rules every document
// of the design follows: only the account root administers a key (kms:*); no statement allows anyone
// ("*") or a service without a condition tying it to this account; every bucket policy denies plain
// HTTP on the bucket and its objects; the instance role never grants a whole service or action.
func TestSecurityDocumentsHaveTheDesignShape(t *testing.T) {
	root := fmt.Sprintf("AWS:arn:aws:iam::%s:root", tests.AccountID)
	for _, env := range settings.Environments {
		for file, doc := range securityDocuments(t, env) {
			if strings.HasSuffix(file, "managed-policies.json") {
				continue
			}
			kind := filepath.Dir(file)
			tlsDeny := false
			for _, st := range parseDocument(t, doc) {
				where := fmt.Sprintf("%s %s statement %q", env, file, st.Sid)
				allow := st.Effect == "Allow"
				assert.True(t, allow || st.Effect == "Deny", "%s: effect %q", where, st.Effect)
				assert.Nil(t, st.NotAction, "%s: NotAction", where)
				for _, a := range st.actions() {
					_, name, _ := strings.Cut(a, ":")
					wide := a == "*" || name == "*"
					if allow && wide {
						assert.True(t, kind == "kms-key" && a == "kms:*", "%s: allows %s", where, a)
					}
					if allow && a == "kms:*" {
						assert.Equal(t, []string{root}, st.principals(), "%s: only the account root administers a key", where)
						assert.Empty(t, st.Condition, "%s: the administration statement is unconditional and for the root only", where)
					}
				}
				if allow && kind != "instance-role" {
					has := func(keys []string) bool {
						return slices.ContainsFunc(st.conditionKeys(), func(k string) bool { return slices.Contains(keys, k) })
					}
					for _, p := range st.principals() {
						switch {
						case p == "*" || p == "AWS:*":
							assert.True(t, has(accountScoped), "%s: allows %s without a condition tying it to this account (%v)", where, p, st.conditionKeys())
						case strings.HasPrefix(p, "Service:"):
							publisher := kind == "kms-key" && !slices.ContainsFunc(st.actions(), func(a string) bool { return !slices.Contains(publisherKeyUse, a) })
							assert.True(t, publisher || has(serviceScoped), "%s: allows %s without aws:SourceAccount or aws:SourceArn (%v)", where, p, st.conditionKeys())
						default:
							assert.True(t, strings.HasPrefix(p, "AWS:arn:aws:iam::"+tests.AccountID+":") || p == "AWS:"+tests.ELBAccountARN,
								"%s: allows %s, a principal of another account", where, p)
						}
					}
				}
				if kind == "instance-role" {
					assert.Nil(t, st.Principal, "%s: an identity policy has no principal", where)
					for _, res := range st.resources() {
						if res == "*" {
							assert.True(t, allow && len(st.actions()) > 0, "%s", where)
						}
					}
				}
				everyone := slices.Equal(st.principals(), []string{"*"}) || slices.Equal(st.principals(), []string{"AWS:*"})
				plain := slices.Equal(controls.StringList(st.Condition["Bool"]["aws:SecureTransport"]), []string{"false"}) && len(st.Condition) == 1
				if st.Effect == "Deny" && everyone && plain {
					res := st.resources()
					switch kind {
					case "bucket-policy":
						tlsDeny = tlsDeny || (slices.Equal(st.actions(), []string{"s3:*"}) && len(res) == 2 && strings.HasPrefix(res[0], "arn:aws:s3:::") && res[1] == res[0]+"/*")
					case "topic-policy":
						tlsDeny = tlsDeny || (slices.Equal(st.actions(), []string{"sns:Publish"}) && len(res) == 1)
					}
				}
			}
			if kind == "bucket-policy" || kind == "topic-policy" {
				assert.True(t, tlsDeny, "%s %s: no statement denies every principal the bucket (and its objects) or topic without TLS", env, file)
			}
		}
	}
}
