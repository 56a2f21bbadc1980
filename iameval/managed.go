package iameval

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
)

// managedFS holds the AWS managed policies the stack attaches, vendored from the AWS Managed Policy
// Reference with the version and date of the default version they were copied from. A managed policy
// changes when AWS publishes a new default version: refresh the file (and its VersionId and CreateDate)
// from the reference page named in its Source.
//
//go:embed managed/*.json
var managedFS embed.FS

// ManagedPolicy is a vendored AWS managed policy.
type ManagedPolicy struct {
	Name       string `json:"PolicyName"`
	ARN        string `json:"Arn"`
	VersionID  string `json:"VersionId"`
	CreateDate string `json:"CreateDate"` // of that version
	Source     string `json:"Source"`
	Document   json.RawMessage
	// Policy is Document parsed, named by the policy's name.
	Policy Policy `json:"-"`
}

// ManagedPolicies returns every vendored AWS managed policy, by name. The files are embedded, so they are
// read and parsed once per process; the policies share their statements with every caller: read-only.
func ManagedPolicies() ([]ManagedPolicy, error) {
	all, err := managedPolicies()
	return slices.Clone(all), err
}

var managedPolicies = sync.OnceValues(readManagedPolicies)

// readManagedPolicies reads and parses the vendored policies.
func readManagedPolicies() ([]ManagedPolicy, error) {
	files, err := managedFS.ReadDir("managed")
	if err != nil {
		return nil, fmt.Errorf("vendored managed policies: %w", err)
	}
	out := make([]ManagedPolicy, 0, len(files))
	for _, f := range files {
		raw, err := managedFS.ReadFile(path.Join("managed", f.Name()))
		if err != nil {
			return nil, fmt.Errorf("vendored managed policy %s: %w", f.Name(), err)
		}
		var mp ManagedPolicy
		if err := json.Unmarshal(raw, &mp); err != nil {
			return nil, fmt.Errorf("vendored managed policy %s: %w", f.Name(), err)
		}
		if mp.Policy, err = Parse(mp.Name, mp.Document); err != nil {
			return nil, fmt.Errorf("vendored managed policy %s: %w", f.Name(), err)
		}
		out = append(out, mp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Managed returns the vendored AWS managed policy with arn, in any partition
// (arn:aws-cn:iam::aws:policy/X is arn:aws:iam::aws:policy/X). It fails for a policy that is not
// vendored, so attaching a new managed policy without vendoring it fails the tests that evaluate it.
func Managed(arn string) (ManagedPolicy, error) {
	all, err := ManagedPolicies()
	if err != nil {
		return ManagedPolicy{}, err
	}
	for _, mp := range all {
		if managedPath(mp.ARN) == managedPath(arn) && managedPath(arn) != "" {
			return mp, nil
		}
	}
	return ManagedPolicy{}, fmt.Errorf("AWS managed policy %s: %w", arn, ErrNotVendored)
}

// ErrNotVendored is the error of Managed for an AWS managed policy that is not vendored.
var ErrNotVendored = errors.New("not vendored under iameval/managed")

// managedPath returns the part of an AWS managed policy ARN after "iam::aws:policy/", or "".
func managedPath(arn string) string {
	_, rest, ok := strings.Cut(arn, ":iam::aws:policy/")
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	return rest
}
