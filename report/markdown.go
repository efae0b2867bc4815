package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// WriteMarkdown writes the report for a pull-request comment: per target,
// its expectations, findings at low or above, and probe verdicts.
func WriteMarkdown(w io.Writer, r inspect.Report) error {
	fmt.Fprintln(w, "## cookiescope report")
	fmt.Fprintln(w)
	if r.Baseline != "" {
		fmt.Fprintf(w, "Compared with the baseline `%s`: **%d regressions**\n\n", md(r.Baseline), len(r.Regressions))
		for _, g := range r.Regressions {
			fmt.Fprintf(w, "- ❌ %s: `%s` %s\n", md(g.Target), md(g.Cookie), md(g.What))
		}
		fmt.Fprintln(w)
	}
	for _, t := range r.Targets {
		title := t.URL
		if t.Scenario != "" {
			title = t.Scenario + " (`" + t.File + "`)"
		}
		status := "✅"
		if !targetPassed(t) {
			status = "❌"
		}
		fmt.Fprintf(w, "### %s %s\n\n", status, md(title))
		if t.Error != "" {
			fmt.Fprintf(w, "**Error:** %s\n\n", md(t.Error))
		}
		if len(t.Expectations) > 0 {
			fmt.Fprintln(w, "| | expectation | line | failures |\n|---|---|---|---|")
			for _, e := range t.Expectations {
				mark := "✅"
				if !e.Passed {
					mark = "❌"
				}
				fmt.Fprintf(w, "| %s | %s | %d | %s |\n", mark, md(e.Expectation), e.Line, md(strings.Join(e.Failures, "; ")))
			}
			fmt.Fprintln(w)
		}
		var shown []inspect.Finding
		for _, f := range t.Findings {
			if f.Severity >= inspect.Low && !f.Accepted {
				shown = append(shown, f)
			}
		}
		if len(shown) > 0 {
			fmt.Fprintln(w, "| rule | severity | cookie | finding |\n|---|---|---|---|")
			for _, f := range shown {
				fmt.Fprintf(w, "| %s | %s | %s | %s: %s |\n", f.RuleID, f.Severity, md(f.Cookie), md(f.Title), md(f.Evidence))
			}
			fmt.Fprintln(w)
		}
		vulnerable := 0
		for _, p := range t.Probes {
			if p.Verdict == inspect.Vulnerable {
				vulnerable++
				fmt.Fprintf(w, "- ⚠️ probe %s on `%s` (%s): %s\n", p.Name, md(p.Cookie), p.Channel, md(p.Explanation))
			}
		}
		if len(t.Probes) > 0 && vulnerable == 0 {
			fmt.Fprintf(w, "- every probe attempt (%d) failed: protected\n", len(t.Probes))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// targetPassed reports whether a target loaded and met its expectations.
func targetPassed(t inspect.Target) bool {
	if t.Error != "" {
		return false
	}
	for _, e := range t.Expectations {
		if !e.Passed {
			return false
		}
	}
	return true
}

// md escapes text for a Markdown table cell.
func md(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "<", "&lt;").Replace(s)
}
