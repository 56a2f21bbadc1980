package report

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/8byte/infra/controls/status"
)

// Markdown renders the report of one stack.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Plan report: stack `%s`\n\n", r.Stack)
	b.WriteString("What `pulumi up` would create, from the program run whole under the mock cloud of `tests/` with the\n")
	fmt.Fprintf(&b, "real stack file (`make report STACK=%s`; no credentials, no state). AWS validates nothing here.\n\n", r.Stack)
	r.summary(&b)
	b.WriteString("\n## Diagram\n\n```mermaid\n" + r.Diagram + "```\n")
	r.resources(&b)
	b.WriteString("\n## Controls\n\nAs in `docs/controls.md`, for this stack only.\n\n")
	b.WriteString(r.ControlMatrix)
	b.WriteString("\n## Monthly cost estimate\n\n")
	b.WriteString(CostMarkdown(r.Cost))
	return b.String()
}

func (r *Report) summary(b *strings.Builder) {
	custom, stateful, protected := 0, 0, 0
	for _, res := range r.Resources {
		if res.Custom {
			custom++
		}
		if res.Stateful != "" {
			stateful++
		}
		if len(res.Protected) > 0 {
			protected++
		}
	}
	count := map[status.Status]int{}
	for _, c := range r.Controls {
		count[c.Status]++
	}
	fmt.Fprintf(b, "- **%d resources** (and %d components) in %d tiers: %d stateful, %d protected\n",
		custom, len(r.Resources)-custom, len(r.Tiers()), stateful, protected)
	fmt.Fprintf(b, "- **controls**: %d pass, %d accepted, %d not applicable, %d FAIL\n",
		count[status.Pass], count[status.Accepted], count[status.NotApplicable], count[status.Fail])
	fmt.Fprintf(b, "- **estimated cost**: %s a month (%s list prices of %s, read %s)\n",
		money(r.Cost.Total, r.Cost.Currency), r.Cost.Region, r.Cost.Currency, r.Cost.Read)
}

func (r *Report) resources(b *strings.Builder) {
	b.WriteString("\n## Resources by tier\n\n")
	b.WriteString("💾 stateful: replacing or deleting it loses data. 🔒 protected: deletion is refused (option or flag).\n")
	for _, tier := range r.Tiers() {
		byType := map[string][]Resource{}
		n := 0
		for _, res := range r.Resources {
			if res.Tier == tier && res.Custom {
				byType[res.Type] = append(byType[res.Type], res)
				n++
			}
		}
		fmt.Fprintf(b, "\n### %s (%d)\n\n| type | count | resources |\n| --- | --- | --- |\n", tier, n)
		for _, typ := range slices.Sorted(maps.Keys(byType)) {
			rs := byType[typ]
			sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
			names := make([]string, len(rs))
			for i, res := range rs {
				names[i] = "`" + res.Name + "`" + marks(res)
			}
			fmt.Fprintf(b, "| %s | %d | %s |\n", shortType(typ), len(rs), strings.Join(names, ", "))
		}
	}
}

// marks renders the stateful and protected markers of a resource.
func marks(r Resource) string {
	var m string
	if r.Stateful != "" {
		m += " 💾"
	}
	if len(r.Protected) > 0 {
		m += " 🔒 " + strings.Join(r.Protected, ", ")
	}
	return m
}

// CostMarkdown renders an estimate: per line, per tier and in total, with the price table's provenance.
func CostMarkdown(e Estimate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "On-demand list prices of %s in %s, read %s, from `report/prices.yaml` (each\n", e.Region, e.Currency, e.Read)
	fmt.Fprintf(&b, "price names its AWS pricing page and where it was read). Usage assumptions: the `%s` profile of the same\n", e.Profile)
	b.WriteString("file, stated per line. No free tier, credits or taxes.\n\n")
	b.WriteString("| tier | line | quantity | unit price | assumption | per month |\n| --- | --- | --- | --- | --- | ---: |\n")
	for _, l := range e.Lines {
		price := fmt.Sprintf("%s / %s", unitPrice(l.Price, e.Currency), l.Unit)
		if l.Missing != "" {
			price = "**" + l.Missing + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", l.Tier, l.Item, trim(l.Quantity), price, l.Assumes, money(l.Monthly, e.Currency))
	}
	byTier := e.ByTier()
	for _, tier := range slices.Sorted(maps.Keys(byTier)) {
		fmt.Fprintf(&b, "| %s | **subtotal** | | | | **%s** |\n", tier, money(byTier[tier], e.Currency))
	}
	fmt.Fprintf(&b, "| | **total** | | | | **%s** |\n", money(e.Total, e.Currency))
	return b.String()
}

func money(v float64, currency string) string {
	if currency == "USD" {
		if v < 0 {
			return fmt.Sprintf("-$%.2f", -v)
		}
		return fmt.Sprintf("$%.2f", v)
	}
	return fmt.Sprintf("%.2f %s", v, currency)
}

// unitPrice formats a price with all its digits ($0.0225).
func unitPrice(v float64, currency string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if currency == "USD" {
		return "$" + s
	}
	return s + " " + currency
}

// trim formats a quantity without trailing zeros.
func trim(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// CostSummary renders the monthly estimate of several stacks side by side, per tier and in total (the
// README's table).
func CostSummary(estimates map[string]Estimate) string {
	stacks := slices.Sorted(maps.Keys(estimates))
	tiers := map[string]bool{}
	for _, e := range estimates {
		for tier := range e.ByTier() {
			tiers[tier] = true
		}
	}
	var b strings.Builder
	b.WriteString("| tier | " + strings.Join(stacks, " | ") + " |\n| --- |" + strings.Repeat(" ---: |", len(stacks)) + "\n")
	row := func(label string, value func(Estimate) float64) {
		cells := make([]string, len(stacks))
		for i, s := range stacks {
			cells[i] = money(value(estimates[s]), estimates[s].Currency)
		}
		fmt.Fprintf(&b, "| %s | %s |\n", label, strings.Join(cells, " | "))
	}
	for _, tier := range slices.Sorted(maps.Keys(tiers)) {
		row(tier, func(e Estimate) float64 { return roundCents(e.ByTier()[tier]) })
	}
	row("**total**", func(e Estimate) float64 { return e.Total })
	return b.String()
}
