package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// WriteMarkdown writes the report for a pull-request comment: per target,
// its expectations, findings at low or above, and probe verdicts. Every
// line is written by mdf, so page text can neither break a table nor add
// Markdown or HTML of its own.
func WriteMarkdown(w io.Writer, r inspect.Report) error {
	writeMarkdownHeader(w, r)
	browsers := namesBrowsers(r)
	for _, t := range r.Targets {
		writeMarkdownTarget(w, t, r.Crawl != nil, browsers)
	}
	if c := r.OriginBoundComparison; c != nil {
		writeComparisonMarkdown(w, *c)
	}
	return nil
}

// writeMarkdownHeader writes the run's facts: third-party cookies, the
// viewport, origin binding, the crawl, and the baseline's regressions.
func writeMarkdownHeader(w io.Writer, r inspect.Report) {
	fmt.Fprintln(w, "## cookiescope report")
	fmt.Fprintln(w)
	if r.ThirdPartyCookies != "" {
		mdf(w, "Third-party cookies: %s\n\n", r.ThirdPartyCookies.Describe())
	}
	if r.Viewport != nil {
		mdf(w, "Viewport: %s\n\n", r.Viewport.Describe())
	}
	mdf(w, "Origin-bound cookies: %s\n\n", inspect.DescribeOriginBound(r.OriginBoundCookies))
	for _, s := range reconnectionSentences(r) {
		mdf(w, "Browser: %s\n\n", s)
	}
	if r.Crawl != nil {
		mdf(w, "Crawl: %s\n\n", crawlSentence(*r.Crawl))
		if ex := crawlExcludes(*r.Crawl); ex != "" {
			mdf(w, "Crawl: %s\n\n", ex)
		}
	}
	if r.Baseline != "" {
		mdf(w, "Compared with the baseline %s: **%d regressions**\n\n", code(r.Baseline), len(r.Regressions))
		for _, g := range r.Regressions {
			mdf(w, "- ❌ %s: %s %s\n", g.Target, code(g.Cookie), g.What)
		}
		fmt.Fprintln(w)
	}
}

// writeMarkdownTarget writes one target's section: its heading and notes,
// then its expectations, crawl, requests, findings and probes.
func writeMarkdownTarget(w io.Writer, t inspect.Target, crawled, browsers bool) {
	status := "✅"
	if !targetPassed(t) {
		status = "❌"
	}
	if t.Scenario != "" {
		mdf(w, "### %s %s (%s)\n\n", status, t.Scenario, code(t.File))
	} else {
		mdf(w, "### %s %s\n\n", status, t.URL)
	}
	writeMarkdownNotes(w, t, crawled, browsers)
	if len(t.Expectations) > 0 {
		fmt.Fprintln(w, "| | expectation | line | failures |\n|---|---|---|---|")
		for _, e := range t.Expectations {
			mark := "✅"
			if !e.Passed {
				mark = "❌"
			}
			mdf(w, "| %s | %s | %d | %s |\n", mark, e.Expectation, e.Line, strings.Join(e.Failures, "; "))
		}
		fmt.Fprintln(w)
	}
	writeCrawlMarkdown(w, t)
	writeWhereMarkdown(w, t)
	writeFindingsMarkdown(w, t)
	vulnerable := 0
	for _, p := range t.Probes {
		if p.Verdict == inspect.Vulnerable {
			vulnerable++
			mdf(w, "- ⚠️ probe %s on %s (%s): %s\n", p.Name, code(p.Cookie), p.Channel, p.Explanation)
		}
	}
	if len(t.Probes) > 0 && vulnerable == 0 {
		fmt.Fprintf(w, "- every probe attempt (%d) failed: protected\n", len(t.Probes))
	}
	fmt.Fprintln(w)
}

// writeMarkdownNotes writes a target's bold-labelled notes: where the
// crawl found it, why it was skipped, its error, viewport, browser, what
// was not measured, and its session.
func writeMarkdownNotes(w io.Writer, t inspect.Target, crawled, browsers bool) {
	if origin := crawlOrigin(t, crawled); origin != "" {
		mdf(w, "**Crawl:** %s\n\n", origin)
	}
	if note := skippedNote(t); note != "" {
		mdf(w, "**Skipped:** %s\n\n", note)
	}
	if t.Error != "" {
		mdf(w, "**Error:** %s\n\n", t.Error)
	}
	if t.Viewport != nil {
		mdf(w, "**Viewport:** %s (the scenario's own)\n\n", t.Viewport.Describe())
	}
	if browsers && t.Browser.Endpoint != "" {
		mdf(w, "**Browser:** %s\n\n", browserNote(t.Browser))
	}
	if note := notMeasuredNote(t); note != "" {
		mdf(w, "**Not measured:** %s\n\n", note)
	}
	for _, n := range sessionNotes(t) {
		mark := ""
		if n.Bad {
			mark = "❌ "
		}
		mdf(w, "%s**%s:** %s\n\n", mark, n.Label, n.Text)
	}
}

// writeFindingsMarkdown writes the table of a target's findings of low
// severity or more that are not accepted.
func writeFindingsMarkdown(w io.Writer, t inspect.Target) {
	var shown []inspect.Finding
	for _, f := range t.Findings {
		if f.Severity >= inspect.Low && !f.Accepted {
			shown = append(shown, f)
		}
	}
	if len(shown) == 0 {
		return
	}
	fmt.Fprintln(w, "| rule | severity | cookie | finding |\n|---|---|---|---|")
	for _, f := range shown {
		if f.Step != "" {
			mdf(w, "| %s | %s | %s (at %s) | %s: %s |\n", f.RuleID, f.Severity, findingSubject(f), f.Step, f.Title, findingEvidence(f))
			continue
		}
		mdf(w, "| %s | %s | %s | %s: %s |\n", f.RuleID, f.Severity, findingSubject(f), f.Title, findingEvidence(f))
	}
	fmt.Fprintln(w)
}

// writeComparisonMarkdown writes what origin-bound cookies would change.
func writeComparisonMarkdown(w io.Writer, c inspect.OriginBoundComparison) {
	mdf(w, "### What origin-bound cookies would change\n\n")
	mdf(w, "%s run again in a second browser launched with origin-bound cookies on (%s, %.1f s).\n\n", strings.Join(c.Probes, ", "), c.Browser, float64(c.DurationMS)/1000)
	if c.Error != "" {
		mdf(w, "**Error:** %s\n\n", c.Error)
	}
	if len(c.Attacks) > 0 {
		fmt.Fprintln(w, "| target | attack | today | with origin-bound cookies | why |\n|---|---|---|---|---|")
		for _, a := range c.Attacks {
			mdf(w, "| %s | %s of %s | %s | %s | %s |\n", a.Target, a.Probe, code(a.Cookie), verdictMark(a.Today), verdictMark(a.OriginBound), a.Why)
		}
		fmt.Fprintln(w)
	}
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

// code marks an argument of mdf to be shown as inline code.
type code string

// mdf writes a line of Markdown: format is ours, and each text argument is
// page text, written as md (plain text) or, when it is a code, as mdCode.
func mdf(w io.Writer, format string, args ...any) {
	out := textArgs(args, md)
	for i, a := range args {
		if c, ok := a.(code); ok {
			out[i] = mdCode(string(c))
		}
	}
	fmt.Fprintf(w, format, out...)
}

// mdSpecial holds the ASCII punctuation that can start or end Markdown or
// HTML inline (emphasis, code, links and images, autolinks and tags,
// entities, strikethrough, math, table cells) or that escapes it.
const mdSpecial = "\\`*_[]<>&|~$!#"

// md makes text inert (newlines included, so it stays on its line and in
// its table cell) and backslash-escapes mdSpecial, so it shows as the text
// it is.
func md(s string) string {
	s = inert(s)
	if !strings.ContainsAny(s, mdSpecial) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(mdSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode makes text inert and writes it as a code span, fenced with more
// backticks than it holds in a row, so nothing in it is Markdown. Code spans
// are for text outside table cells: inside one, a "|" would end the cell.
func mdCode(s string) string {
	s = inert(s)
	if s == "" {
		// "``" is no code span; "` `" shows an empty one.
		return "` `"
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	// A space on each side is stripped from the content: it lets the text
	// start or end with a backtick, and keeps a text that does start and
	// end with a space as it is.
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}
