package tests

import (
	"strings"
	"testing"

	"github.com/8byte/infra/settings"
)

// Account is the mock cloud's account as the program sees it after lookupAccount.
var Account = settings.Account{ID: AccountID, Partition: Partition, Region: Region, DNSSuffix: "amazonaws.com"}

// AssertAllDescendFrom checks the component convention on a run that built one component of type
// componentType: the component is a direct child of the stack, and every other resource descends from it
// (directly, or through nested components such as a secure.Bucket). It returns the component.
func AssertAllDescendFrom(t testing.TB, mocks *Mocks, componentType string) *Resource {
	t.Helper()
	components := mocks.OfType(componentType)
	if len(components) != 1 {
		t.Fatalf("want one %s component, got %d", componentType, len(components))
	}
	component := components[0]
	if !strings.Contains(component.Parent, "::pulumi:pulumi:Stack::") {
		t.Errorf("%s is not a direct child of the stack (parent %s)", component.Describe(), component.Parent)
	}
	for _, r := range mocks.All() {
		if r == component {
			continue
		}
		cur := r
		for cur != nil && cur.Parent != component.URN {
			cur = mocks.ByURN(cur.Parent)
		}
		if cur == nil {
			t.Errorf("%s does not descend from the %s component", r.Describe(), componentType)
		}
	}
	return component
}
