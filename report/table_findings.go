package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// groupFix is the fix a group of findings shows once it holds f: the
// findings' own fix while they share one, else the rule's, which covers
// every cookie (CS014 names the prefix that fits each cookie).
func groupFix(fix string, f inspect.Finding) string {
	if f.Fix == fix {
		return fix
	}
	if r, ok := inspect.RuleByID(f.RuleID); ok {
		return r.Fix
	}
	return fix
}

// findingGroup is the findings of one rule: one title, one fix.
type findingGroup struct {
	rule     string
	worst    inspect.Severity
	mixed    bool
	title    string
	fix      string
	findings []inspect.Finding
}

// findings writes the target's findings grouped by rule, most severe
// first, each fix once; accepted findings last, with their reason. Without
// verbose, why a cookie counts as a session is said once per cookie, and
// an evidence takes evidenceLines at most.
func (tw terminal) findings(t inspect.Target) {
	if len(t.Findings) == 0 {
		return
	}
	var groups []*findingGroup
	var accepted []inspect.Finding
	withStep := false
	for _, f := range t.Findings {
		withStep = withStep || f.Step != ""
	}
	var sessions []string
	for _, f := range t.Findings {
		if f.Accepted {
			accepted = append(accepted, f)
			continue
		}
		if f.SessionLike != "" && f.Cookie != "" {
			if s := f.Cookie + " is judged a session credential: " + f.SessionLike; !slices.Contains(sessions, s) {
				sessions = append(sessions, s)
			}
		}
		i := slices.IndexFunc(groups, func(g *findingGroup) bool { return g.rule == f.RuleID })
		if i < 0 {
			groups = append(groups, &findingGroup{rule: f.RuleID, worst: f.Severity, title: f.Title, fix: f.Fix})
			i = len(groups) - 1
		}
		g := groups[i]
		g.fix = groupFix(g.fix, f)
		g.mixed = g.mixed || f.Severity != g.worst
		g.worst = max(g.worst, f.Severity)
		g.findings = append(g.findings, f)
	}
	slices.SortStableFunc(groups, func(a, b *findingGroup) int { return int(b.worst) - int(a.worst) })
	tw.para("  ", "    ", "Findings: "+strings.TrimPrefix(findingCounts(t.Findings), "findings: "))
	if !tw.verbose {
		for _, s := range sessions {
			tw.para("  (", "    ", s+")")
		}
	}
	rest := "  " + strings.Repeat(" ", markWidth)
	for _, g := range groups {
		subjects := make([]string, len(g.findings))
		for i, f := range g.findings {
			subjects[i] = terminalSubject(f, withStep)
			if g.mixed {
				subjects[i] += " [" + f.Severity.String() + "]"
			}
		}
		head := g.rule + " " + g.title
		if len(g.findings) > 1 {
			head += fmt.Sprintf(" (%d)", len(g.findings))
		}
		tw.marked("  ", strings.ToUpper(g.worst.String()), head)
		switch {
		case tw.verbose:
			for i, f := range g.findings {
				tw.para(rest+"- ", rest+"  ", subjects[i]+": "+findingEvidence(f))
			}
		case len(g.findings) <= findingEvidenceShown:
			for i, f := range g.findings {
				tw.clipped(rest+"- ", rest+"  ", subjects[i]+": "+f.Evidence, evidenceLines)
			}
		default:
			tw.para(rest, rest+"  ", strings.Join(subjects, ", ")+" (--verbose for the evidence of each)")
		}
		tw.para(rest+"Fix: ", rest+"  ", g.fix)
	}
	for _, f := range accepted {
		tw.para("  Accepted: ", "    ", fmt.Sprintf("%s %s, %s: %s", f.RuleID, f.Title, terminalSubject(f, withStep), f.Reason))
	}
}

// clipped is para limited to lines lines, the last ending in "…" when text
// was cut.
func (tw terminal) clipped(first, rest, text string, lines int) {
	avail := tw.width - max(textWidth(first), textWidth(rest))
	wrapped := wrap(inert(text), avail)
	if len(wrapped) > lines {
		wrapped = wrapped[:lines]
		last := wrapped[lines-1]
		for textWidth(last)+1 > avail {
			last, _ = cut(last, textWidth(last)-1)
		}
		wrapped[lines-1] = last + "…"
	}
	for i, line := range wrapped {
		prefix := rest
		if i == 0 {
			prefix = first
		}
		fmt.Fprintln(tw.w, prefix+line)
	}
}

// terminalSubject names what a finding is about: the cookie (with its
// partition, and where a scenario saw it), or the host.
func terminalSubject(f inspect.Finding, withStep bool) string {
	subject := findingSubject(f)
	if subject == "" {
		return "(host " + f.Domain + ")"
	}
	switch {
	case f.Step != "":
		subject += " (at " + f.Step + ")"
	case withStep:
		subject += " (final jar)"
	}
	return subject
}

// expectations writes a scenario's expectations with their outcome, each
// failure on a line under its expectation.
func (tw terminal) expectations(t inspect.Target) {
	if len(t.Expectations) == 0 {
		return
	}
	failed := 0
	for _, e := range t.Expectations {
		if !e.Passed {
			failed++
		}
	}
	tw.para("  ", "    ", fmt.Sprintf("Expectations: %d passed, %d failed", len(t.Expectations)-failed, failed))
	g := grid{indent: "  ", cols: []column{{header: "Result", marked: true}, {header: "Line"}, {header: "Expectation"}}}
	for _, e := range t.Expectations {
		result := "PASS"
		if !e.Passed {
			result = "FAIL"
		}
		g.add([]string{result, fmt.Sprint(e.Line), e.Expectation}, e.Failures...)
	}
	g.render(tw.w, tw.width, tw.st)
}

// findingEvidenceShown is how many findings of a rule show their evidence
// without --verbose; a rule with more lists its cookies. evidenceLines is
// how many lines each evidence gets then.
const (
	findingEvidenceShown = 1
	evidenceLines        = 2
)
