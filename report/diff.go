package report

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/8byte/infra/controls/status"
)

// Change is a resource present in both reports whose inputs differ.
type Change struct {
	Resource Resource
	Inputs   []string // the inputs that differ (top level; one level deeper for objects)
	Replaces []string // those of Inputs that force a replacement (ReplaceOnChange)
	// Assessed is false when the type is not in ReplaceOnChange: whether it is replaced is not known.
	Assessed bool
}

// ControlChange is a control whose status differs between the reports.
type ControlChange struct {
	ID, Title  string
	Base, Head status.Status
	Reason     string // the head's reason (accepted, not applicable)
}

// CostChange is a cost line whose monthly amount differs.
type CostChange struct {
	Tier, Item string
	Base, Head float64
}

// Diff is what a change does to a stack: the report at the change's head against the report at its base.
type Diff struct {
	Stack            string
	Added, Removed   []Resource
	Changed          []Change
	Controls         []ControlChange
	Cost             []CostChange
	BaseTotal        float64
	HeadTotal        float64
	Currency         string
	BaseNote         string   // how the base report was made
	DataLoss         []string // the loud part: stateful resources replaced or deleted
	ProtectedRemoved []string
}

// Compare returns the diff from base to head.
func Compare(base, head *Report) *Diff {
	d := &Diff{Stack: head.Stack, BaseTotal: base.Cost.Total, HeadTotal: head.Cost.Total, Currency: head.Cost.Currency}
	old := map[string]Resource{}
	for _, r := range base.Resources {
		old[r.URN] = r
	}
	seen := map[string]bool{}
	for _, r := range head.Resources {
		seen[r.URN] = true
		prev, ok := old[r.URN]
		if !ok {
			d.Added = append(d.Added, r)
			continue
		}
		if inputs := changedInputs(prev.Inputs, r.Inputs); len(inputs) > 0 && r.Custom {
			c := Change{Resource: r, Inputs: inputs}
			forcing, assessed := ReplaceOnChange[r.Type]
			c.Assessed = assessed
			for _, in := range inputs {
				top, _, _ := strings.Cut(in, ".")
				if slices.Contains(forcing, top) && !slices.Contains(c.Replaces, top) {
					c.Replaces = append(c.Replaces, top)
				}
			}
			d.Changed = append(d.Changed, c)
			if len(c.Replaces) > 0 && r.Stateful != "" {
				d.DataLoss = append(d.DataLoss, fmt.Sprintf("**REPLACED** %s %#q (%s): %s changes", shortType(r.Type), r.Name, r.Stateful, strings.Join(c.Replaces, ", ")))
			}
		}
	}
	for _, r := range base.Resources {
		if seen[r.URN] {
			continue
		}
		d.Removed = append(d.Removed, r)
		if r.Stateful != "" && r.Custom {
			d.DataLoss = append(d.DataLoss, fmt.Sprintf("**DELETED** %s %#q (%s)", shortType(r.Type), r.Name, r.Stateful))
		}
		if len(r.Protected) > 0 && r.Custom {
			d.ProtectedRemoved = append(d.ProtectedRemoved, fmt.Sprintf("%s %#q (%s)", shortType(r.Type), r.Name, strings.Join(r.Protected, ", ")))
		}
	}

	baseControls := map[string]ControlStatus{}
	for _, c := range base.Controls {
		baseControls[c.ID] = c
	}
	for _, c := range head.Controls {
		prev, ok := baseControls[c.ID]
		prevStatus := status.Status("absent")
		if ok {
			prevStatus = prev.Status
		}
		if prevStatus != c.Status {
			d.Controls = append(d.Controls, ControlChange{ID: c.ID, Title: c.Title, Base: prevStatus, Head: c.Status, Reason: c.Reason})
		}
	}

	lines := map[string]*CostChange{}
	var keys []string
	for _, l := range base.Cost.Lines {
		lines[l.Key()] = &CostChange{Tier: l.Tier, Item: l.Item, Base: l.Monthly}
		keys = append(keys, l.Key())
	}
	for _, l := range head.Cost.Lines {
		if c, ok := lines[l.Key()]; ok {
			c.Head = l.Monthly
			continue
		}
		lines[l.Key()] = &CostChange{Tier: l.Tier, Item: l.Item, Head: l.Monthly}
		keys = append(keys, l.Key())
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c := lines[k]; roundCents(c.Head-c.Base) != 0 {
			d.Cost = append(d.Cost, *c)
		}
	}
	return d
}

// changedInputs returns the inputs that differ: top-level keys, or "key.sub" for objects.
func changedInputs(a, b map[string]any) []string {
	var out []string
	for _, k := range unionKeys(a, b) {
		if equal(a[k], b[k]) {
			continue
		}
		am, aok := a[k].(map[string]any)
		bm, bok := b[k].(map[string]any)
		if aok && bok {
			for _, sub := range unionKeys(am, bm) {
				if !equal(am[sub], bm[sub]) {
					out = append(out, k+"."+sub)
				}
			}
			continue
		}
		out = append(out, k)
	}
	return out
}

func unionKeys(a, b map[string]any) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// Replaced returns the changes that replace their resource.
func (d *Diff) Replaced() []Change {
	var out []Change
	for _, c := range d.Changed {
		if len(c.Replaces) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// Markdown renders the diff, the loud part first.
func (d *Diff) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Plan diff: stack `%s`\n\n", d.Stack)
	if d.BaseNote != "" {
		b.WriteString(d.BaseNote + "\n\n")
	}
	if len(d.DataLoss) > 0 {
		b.WriteString("> [!CAUTION]\n> 🚨 **THIS CHANGE REPLACES OR DELETES STATEFUL RESOURCES: THEIR DATA IS LOST.**\n>\n")
		for _, l := range d.DataLoss {
			b.WriteString("> - " + l + "\n")
		}
		b.WriteString("\n")
	}
	if len(d.ProtectedRemoved) > 0 {
		b.WriteString("> [!WARNING]\n> Protected resources removed from the program (the deployment fails until their protection is lifted):\n>\n")
		for _, l := range d.ProtectedRemoved {
			b.WriteString("> - " + l + "\n")
		}
		b.WriteString("\n")
	}
	custom := func(rs []Resource) []Resource {
		var out []Resource
		for _, r := range rs {
			if r.Custom {
				out = append(out, r)
			}
		}
		return out
	}
	added, removed := custom(d.Added), custom(d.Removed)
	fmt.Fprintf(&b, "**%d to add, %d to change (%d replaced), %d to delete**; monthly cost %s → %s (%s).\n\n",
		len(added), len(d.Changed), len(d.Replaced()), len(removed),
		money(d.BaseTotal, d.Currency), money(d.HeadTotal, d.Currency), signed(d.HeadTotal-d.BaseTotal, d.Currency))

	if len(d.Changed) > 0 {
		b.WriteString("## Changed\n\n| resource | inputs that change | effect |\n| --- | --- | --- |\n")
		for _, c := range d.Changed {
			effect := "update in place"
			switch {
			case len(c.Replaces) > 0:
				effect = "**replace** (" + strings.Join(c.Replaces, ", ") + ")"
			case !c.Assessed:
				effect = "update (replacement not assessed: type not in report.ReplaceOnChange)"
			}
			fmt.Fprintf(&b, "| %s `%s`%s | %s | %s |\n", shortType(c.Resource.Type), c.Resource.Name, marks(c.Resource), strings.Join(c.Inputs, ", "), effect)
		}
		b.WriteString("\n")
	}
	for _, section := range []struct {
		title string
		rs    []Resource
	}{{"Added", added}, {"Deleted", removed}} {
		if len(section.rs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n", section.title)
		for _, r := range section.rs {
			fmt.Fprintf(&b, "- %s `%s` (%s)%s\n", shortType(r.Type), r.Name, r.Tier, marks(r))
		}
		b.WriteString("\n")
	}
	if len(d.Controls) > 0 {
		b.WriteString("## Controls\n\n| control | title | base | head |\n| --- | --- | --- | --- |\n")
		for _, c := range d.Controls {
			head := string(c.Head)
			switch c.Head {
			case status.Fail:
				head = "**newly FAILING**"
			case status.Accepted:
				head = "**newly accepted**: " + c.Reason
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.ID, strings.ReplaceAll(c.Title, "|", "\\|"), c.Base, strings.ReplaceAll(head, "|", "\\|"))
		}
		b.WriteString("\n")
	}
	if len(d.Cost) > 0 {
		b.WriteString("## Cost per line\n\n| tier | line | base | head | delta |\n| --- | --- | ---: | ---: | ---: |\n")
		for _, c := range d.Cost {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Tier, c.Item, money(c.Base, d.Currency), money(c.Head, d.Currency), signed(c.Head-c.Base, d.Currency))
		}
		b.WriteString("\n")
	}
	if len(d.Changed)+len(added)+len(removed)+len(d.Controls)+len(d.Cost) == 0 {
		b.WriteString("No change to the resources, the controls or the cost.\n")
	}
	return b.String()
}

func signed(v float64, currency string) string {
	if v > 0 {
		return "+" + money(v, currency)
	}
	return money(roundCents(v), currency)
}
