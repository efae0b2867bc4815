package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// WriteTable writes the terminal report at DefaultWidth, without colour:
// Write with FormatTable and Options sets the width, colour and detail.
func WriteTable(w io.Writer, r inspect.Report) error {
	return writeTerminal(w, r, Options{})
}

// terminal is one rendering of the terminal report: where it goes, how wide
// it may be, how much it says.
type terminal struct {
	w       *errWriter
	width   int
	st      style
	verbose bool
	failOn  *inspect.Severity
	// browsers says each target names the browser that served it.
	browsers bool
	// originBound says the run had origin-bound cookies on: the cookie
	// tables then say where Chrome bound each cookie.
	originBound bool
	// crawled says the targets are the pages of inspect --crawl.
	crawled bool
}

// writeTerminal writes the report for people: first one verdict line per
// target, then each target's details; no line is wider than opts.Width.
// Without opts.Verbose, findings of a rule share one fix and list their
// evidence only when there are few, and probes are counted per probe (the
// findings say what worked); with it, everything is shown.
func writeTerminal(out io.Writer, r inspect.Report, opts Options) error {
	tw := terminal{w: &errWriter{w: out}, width: opts.width(), st: style{color: opts.Color}, verbose: opts.Verbose, failOn: opts.FailOn, browsers: namesBrowsers(r), originBound: r.OriginBoundCookies, crawled: r.Crawl != nil}
	w := tw.w
	if r.Interrupted {
		tw.para("", "  ", "Interrupted: what follows is what was captured; targets not listed were not inspected, and what a target did not reach says \"not measured\".")
		fmt.Fprintln(w)
	}
	if r.ThirdPartyCookies != "" {
		tw.para("", "  ", "Third-party cookies: "+r.ThirdPartyCookies.Describe())
	}
	if r.Viewport != nil {
		tw.para("", "  ", "Viewport: "+r.Viewport.Describe())
		fmt.Fprintln(w)
	}
	tw.para("", "  ", "Origin-bound cookies: "+inspect.DescribeOriginBound(r.OriginBoundCookies))
	fmt.Fprintln(w)
	for _, s := range reconnectionSentences(r) {
		tw.para("", "  ", "Browser: "+inert(s))
		fmt.Fprintln(w)
	}
	tw.crawlReport(r)
	if len(r.Targets) > 0 {
		tw.verdicts(r)
	}
	if r.Baseline != "" {
		// The count leads, so that no width splits it.
		tw.para("", "  ", fmt.Sprintf("%d regressions since the baseline %s", len(r.Regressions), r.Baseline))
		for _, g := range r.Regressions {
			tw.para("  REGRESSION ", "    ", g.Target+": "+g.Cookie+" "+g.What)
		}
	}
	for _, t := range r.Targets {
		fmt.Fprintln(w)
		tw.target(t)
	}
	if r.OriginBoundComparison != nil {
		fmt.Fprintln(w)
		tw.comparison(*r.OriginBoundComparison)
	}
	return w.err
}

// errWriter keeps the first error of its writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, nil
}

// para writes text wrapped to the width, made inert: it may hold page text.
func (tw terminal) para(first, rest, text string) {
	para(tw.w, tw.width, first, rest, inert(text))
}

// markWidth is the width of the verdict and severity marks' column.
const markWidth = 8

// marked writes text after a mark (a word of ours, coloured on a terminal)
// at indent, wrapped under the text's own start and made inert.
func (tw terminal) marked(indent, mark, text string) {
	first := indent + mark + strings.Repeat(" ", max(markWidth-textWidth(mark), 1))
	shown := indent + tw.st.mark(mark) + strings.Repeat(" ", max(markWidth-textWidth(mark), 1))
	paraShown(tw.w, tw.width, first, shown, strings.Repeat(" ", textWidth(first)), inert(text))
}

// verdicts writes one line per target: its mark (ERROR, FAIL, or the most
// severe unaccepted finding's severity, or OK) and what a reader needs
// first: cookies, blocked writes, expectations, findings by severity and
// the attacks that worked.
func (tw terminal) verdicts(r inspect.Report) {
	fmt.Fprintln(tw.w, tw.st.bold("Verdict: "+plural(len(r.Targets), "target")))
	for _, t := range r.Targets {
		tw.marked("  ", targetMark(t, tw.failOn), inert(targetName(t))+": "+strings.Join(targetFacts(t), "; "))
	}
}

// targetName names a target for people: its scenario, or its URL.
func targetName(t inspect.Target) string {
	if t.Scenario != "" {
		return fmt.Sprintf("scenario %q", t.Scenario)
	}
	return t.URL
}

// targetMark is the target's verdict in one word: ERROR when it did not
// complete, FAIL when an expectation failed or a finding reaches failOn,
// else the severity of its most severe unaccepted finding, or OK.
func targetMark(t inspect.Target, failOn *inspect.Severity) string {
	if t.Error != "" {
		return "ERROR"
	}
	for _, e := range t.Expectations {
		if !e.Passed {
			return "FAIL"
		}
	}
	worst, found := inspect.Info, false
	for _, f := range t.Findings {
		if inspect.Fails(f, failOn) {
			return "FAIL"
		}
		if !f.Accepted && (!found || f.Severity > worst) {
			worst, found = f.Severity, true
		}
	}
	if found {
		return strings.ToUpper(worst.String())
	}
	return "OK"
}

// targetFacts are the facts of a verdict line, in reading order.
func targetFacts(t inspect.Target) []string {
	cookies := plural(len(t.Cookies), "cookie")
	if len(t.Cookies) > 0 && !readabilityMeasured(t) {
		cookies += " (script readability not measured)"
	}
	facts := []string{cookies, plural(len(t.Blocked), "write") + " blocked"}
	if n := len(t.Expectations); n > 0 {
		failed := 0
		for _, e := range t.Expectations {
			if !e.Passed {
				failed++
			}
		}
		if failed > 0 {
			facts = append(facts, fmt.Sprintf("expectations: %d of %d failed", failed, n))
		} else {
			facts = append(facts, fmt.Sprintf("expectations: all %d passed", n))
		}
	}
	facts = append(facts, findingCounts(t.Findings))
	if attempts, worked, on := attackCounts(t.Probes); attempts > 0 {
		s := fmt.Sprintf("attacks: %d of %d worked", worked, attempts)
		if worked == 0 {
			s = fmt.Sprintf("attacks: none of %d worked", attempts)
		} else {
			s += " (on " + strings.Join(on, ", ") + ")"
		}
		facts = append(facts, s)
	}
	if n := len(t.Plants); n > 0 {
		stored := 0
		for _, p := range t.Plants {
			if p.Planted {
				stored++
			}
		}
		facts = append(facts, fmt.Sprintf("plants: %d of %d stored by Chrome", stored, n))
	}
	for _, f := range t.Findings {
		if f.RuleID == "CS026" {
			facts = append(facts, "session fixation demonstrated (CS026, "+f.Cookie+")")
		}
	}
	if t.Skipped != "" {
		facts = append(facts, "skipped: "+t.Skipped)
	}
	for _, c := range t.Crawl {
		facts = append(facts, fmt.Sprintf("crawl at line %d: %s", c.Line, plural(c.Visited, "page")))
	}
	if t.Error != "" {
		facts = append(facts, "did not complete (see below)")
	}
	return facts
}

// findingCounts counts unaccepted findings by severity, most severe first,
// and the accepted ones.
func findingCounts(findings []inspect.Finding) string {
	counts := map[inspect.Severity]int{}
	accepted := 0
	for _, f := range findings {
		if f.Accepted {
			accepted++
		} else {
			counts[f.Severity]++
		}
	}
	var parts []string
	for s := inspect.High; s >= inspect.Info; s-- {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	out := "no findings"
	if len(parts) > 0 {
		out = "findings: " + strings.Join(parts, ", ")
	}
	if accepted > 0 {
		out += fmt.Sprintf(" (and %d accepted)", accepted)
	}
	return out
}

// attackCounts counts the probe attempts that could run, those that
// worked, and the cookies they worked on.
func attackCounts(probes []inspect.Probe) (attempts, worked int, on []string) {
	for _, p := range probes {
		switch p.Verdict {
		case inspect.Vulnerable:
			worked++
			if !slices.Contains(on, p.Cookie) {
				on = append(on, p.Cookie)
			}
			attempts++
		case inspect.Protected:
			attempts++
		}
	}
	return attempts, worked, on
}

// target writes one target's details.
func (tw terminal) target(t inspect.Target) {
	w := tw.w
	heading := t.URL
	if t.Scenario != "" {
		heading = fmt.Sprintf("Scenario %q (%s:%d) on %s", t.Scenario, t.File, t.Line, t.URL)
	}
	for i, line := range wrap(inert(heading), tw.width) {
		if i > 0 {
			line = "  " + line
			if textWidth(line) > tw.width {
				line = line[2:]
			}
		}
		fmt.Fprintln(w, tw.st.bold(line))
	}
	if t.FinalURL != "" && t.FinalURL != t.URL {
		tw.para("  ended at ", "    ", inert(t.FinalURL))
	}
	if origin := crawlOrigin(t, tw.crawled); origin != "" {
		tw.para("  Crawl: ", "    ", inert(origin))
	}
	if note := skippedNote(t); note != "" {
		tw.para("  Skipped: ", "    ", inert(note))
	}
	if t.Error != "" {
		tw.marked("  ", "ERROR", inert(t.Error))
	}
	if t.Viewport != nil {
		tw.para("  Viewport: ", "    ", t.Viewport.Describe()+" (the scenario's own)")
	}
	if tw.browsers && t.Browser.Endpoint != "" {
		tw.para("  Browser: ", "    ", inert(browserNote(t.Browser)))
	}
	for _, d := range t.Dialogs {
		if d.Kind == "more" {
			tw.para("  Dialog: ", "    ", inert(d.Message))
			continue
		}
		tw.para("  Dialog: ", "    ", inert(fmt.Sprintf("%s \"%s\" from %s, %s", d.Kind, d.Message, d.URL, d.Answer)))
	}
	for _, p := range t.Popups {
		tw.para("  Popup: ", "    ", inert(fmt.Sprintf("%s, opened by %s (closed when the target ended)", p.URL, p.OpenedBy)))
	}
	if t.Isolation != "" {
		tw.para("  Isolation: ", "    ", "the browser context was replaced after this target: "+inert(t.Isolation))
	}
	for _, n := range t.Notes {
		tw.para("  Note: ", "    ", inert(n))
	}
	tw.para("  ", "    ", cookieCounts(t))
	for _, f := range t.Frames {
		if f.Error != "" {
			tw.para("  Readability on ", "    ", inert(shortURL(t.FinalURL, f.URL))+": "+inert(f.Error))
		}
	}
	for _, u := range t.Unmeasured {
		if u.URL == "" {
			tw.para("  Readability not measured: ", "    ", inert(u.Why))
			continue
		}
		tw.para("  Readability not measured on ", "    ", inert(shortURL(t.FinalURL, u.URL))+": "+inert(u.Why))
	}
	tw.cookies(t, t.Cookies, false)
	if len(t.EarlierCookies) > 0 {
		tw.para("  ", "    ", fmt.Sprintf("Seen at earlier steps, gone or changed by the end: %s", plural(len(t.EarlierCookies), "cookie")))
		tw.cookies(t, t.EarlierCookies, true)
	}
	for _, n := range sessionNotes(t) {
		tw.para("  "+n.Label+": ", "    ", n.Text)
	}
	tw.plants(t)
	tw.crawlSteps(t)
	tw.expectations(t)
	tw.where(t)
	tw.findings(t)
	tw.probes(t)
	tw.unstored(t)
}

// plural is "1 cookie" or "n cookies".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
