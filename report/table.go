package report

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

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

// comparison ends the report with what origin-bound cookies would change,
// attack by attack, per target: each attack's verdict today (the run's own)
// and with them on (the second browser's), and why the latter.
func (tw terminal) comparison(c inspect.OriginBoundComparison) {
	took := fmt.Sprintf("%.1f s", float64(c.DurationMS)/1000)
	browserName := c.Browser
	if browserName == "" {
		browserName = "no browser"
	}
	tw.para("", "  ", fmt.Sprintf("What origin-bound cookies would change: %s run again in a second browser launched with them on (%s, %s)", strings.Join(c.Probes, ", "), browserName, took))
	if c.Error != "" {
		tw.marked("  ", "ERROR", inert(c.Error))
	}
	fixed, still := 0, 0
	for _, a := range c.Attacks {
		switch a.Change {
		case inspect.ChangeFixed:
			fixed++
		case inspect.ChangeStillVulnerable, inspect.ChangeNewlyVulnerable:
			still++
		}
	}
	tw.para("  ", "    ", fmt.Sprintf("%d of %d attacks that work today would fail with origin-bound cookies; %d would still work", fixed, fixed+still, still))
	var order []string
	byTarget := map[string][]inspect.AttackChange{}
	for _, a := range c.Attacks {
		if _, ok := byTarget[a.Target]; !ok {
			order = append(order, a.Target)
		}
		byTarget[a.Target] = append(byTarget[a.Target], a)
	}
	for _, target := range order {
		tw.para("  ", "    ", inert(target)+":")
		g := grid{indent: "  ", cols: []column{{header: "Attack"}, {header: "Today", marked: true}, {header: "Origin-bound", marked: true}, {header: "Change"}}}
		for _, a := range byTarget[target] {
			var details []string
			if tw.verbose || a.Change != inspect.ChangeProtectedAnyway {
				details = append(details, "with origin-bound cookies: "+a.Why)
			}
			g.add([]string{a.Probe + " of " + a.Cookie, verdictMark(a.Today), verdictMark(a.OriginBound), changeWords(a.Change)}, details...)
		}
		g.render(tw.w, tw.width, tw.st)
	}
}

// verdictMark is a verdict as a mark, "NOT RUN" when there is none.
func verdictMark(v inspect.Verdict) string {
	if v == "" {
		return "NOT RUN"
	}
	return strings.ToUpper(string(v))
}

// changeWords says an AttackChange.Change for people.
func changeWords(change string) string {
	switch change {
	case inspect.ChangeFixed:
		return "fixed by origin-bound cookies"
	case inspect.ChangeStillVulnerable:
		return "still works"
	case inspect.ChangeProtectedAnyway:
		return "protected either way"
	case inspect.ChangeNewlyVulnerable:
		return "works only with origin-bound cookies"
	}
	return "not judged in one of the modes"
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

// cookieCounts is the line above the cookies: how many, how many script
// can read (or that it was not measured), how many writes were blocked.
func cookieCounts(t inspect.Target) string {
	readable, broken, unmeasured := 0, 0, 0
	for _, c := range t.Cookies {
		switch {
		case c.Verdict() == inspect.Readable:
			readable++
		case c.NotMeasured:
			unmeasured++
		case c.Verdict() == inspect.ReadabilityUnknown:
			broken++
		}
	}
	blocked := plural(len(t.Blocked), "write") + " blocked"
	switch {
	case len(t.Cookies) == 0:
		return "no cookies, " + blocked
	case !readabilityMeasured(t):
		return fmt.Sprintf("%s (script readability not measured), %s", plural(len(t.Cookies), "cookie"), blocked)
	}
	counts := fmt.Sprintf("%d readable by page script", readable)
	if broken > 0 {
		counts += fmt.Sprintf(", %d unknown: the page broke the measurement", broken)
	}
	if unmeasured > 0 {
		counts += fmt.Sprintf(", %d unknown: not measured", unmeasured)
	}
	return fmt.Sprintf("%s (%s), %s", plural(len(t.Cookies), "cookie"), counts, blocked)
}

// cookies writes a table of cookies. Columns that do not fit the width
// leave it, in this order, for the line under each cookie: Set by, Expires,
// Path, Value, Domain.
func (tw terminal) cookies(t inspect.Target, cookies []inspect.Cookie, earlier bool) {
	if len(cookies) == 0 {
		return
	}
	// Redacted values carry no information: the column appears only
	// when values are shown.
	showValues := false
	for _, c := range cookies {
		showValues = showValues || (c.Value != "" && c.Value != inspect.Redacted)
	}
	g := grid{indent: "  ", cols: []column{
		{header: "Name"},
		{header: "Value", moves: 4},
		{header: "Seen at", label: "seen at"},
		{header: "Domain", moves: 5},
		{header: "Path", moves: 3},
		{header: "Secure"},
		{header: "HttpOnly"},
		{header: "SameSite"},
		{header: "Expires", moves: 2},
		{header: "Script-readable"},
		{header: "Set by", moves: 1},
	}}
	if tw.originBound {
		// Two cookies of one name, domain and path, one per scheme or port,
		// are told apart by where Chrome bound them.
		g.cols = slices.Insert(g.cols, 6, column{header: "Bound to", moves: 6, label: "bound to"})
	}
	for _, c := range cookies {
		value := ""
		if showValues {
			value = c.Value
		}
		seenAt := ""
		if earlier {
			seenAt = c.SeenAt
		}
		domain := c.Domain
		if p := c.Partition(); p != "" {
			domain += " (" + p + ")"
		}
		read := readability(t, c)
		if earlier {
			read = earlierReadability(t, c)
		}
		cells := []string{c.Name, value, seenAt, domain, c.Path, yesNo(c.Secure), yesNo(c.HttpOnly), sameSite(c.SameSite), expires(c, tw.verbose), read, setBy(t, c)}
		if tw.originBound {
			cells = slices.Insert(cells, 6, boundTo(c))
		}
		g.add(cells, cookieDetails(t, c, tw.verbose)...)
	}
	g.render(tw.w, tw.width, tw.st)
}

// boundTo is a cookie's Bound to cell: where origin-bound cookies let it
// go, from the scheme and port Chrome recorded.
func boundTo(c inspect.Cookie) string {
	if b := c.BoundTo(); b != "" {
		return b
	}
	return "(not recorded)"
}

// cookieDetails are the lines under a cookie's row after the moved columns,
// one fact each: a new fact about a cookie (such as the requests it was
// sent with) is one more line here.
func cookieDetails(t inspect.Target, c inspect.Cookie, verbose bool) []string {
	var out []string
	if !verbose {
		return out
	}
	// The frames' lines above the table say why readability is unknown.
	if c.Verdict() == inspect.ReadabilityUnknown && c.UnknownReason != "" {
		out = append(out, "readability unknown: "+c.UnknownReason)
	}
	{
		for i, wr := range c.SetBy {
			if i == len(c.SetBy)-1 {
				break
			}
			out = append(out, fmt.Sprintf("earlier write: %s %s: %s", wr.Via, writeOrigin(t, wr), wr.CookieLine))
		}
	}
	return out
}

// unstored writes the writes that did not end up in the jar, with their
// fate and why: blocked with Chrome's reasons, ignored silently, replaced,
// deleted, evicted, cleared.
func (tw terminal) unstored(t inspect.Target) {
	g := grid{indent: "  ", cols: []column{
		{header: "Write", moves: 2},
		{header: "Name"},
		{header: "Via", moves: 3},
		{header: "From", moves: 1, label: "-"},
		{header: "Fate"},
		{header: "Why"},
	}}
	for i, wr := range t.Writes {
		if wr.Fate == inspect.FateStored || wr.Fate == "" {
			continue
		}
		why := wr.FateReason
		switch {
		case wr.Fate == inspect.FateBlocked && len(wr.Blocked) > 0:
			why = strings.Join(wr.Blocked, ", ") + ": " + wr.FateReason
		case wr.Fate == inspect.FateReplaced && wr.ReplacedBy > 0 && wr.ReplacedBy < len(t.Writes):
			by := t.Writes[wr.ReplacedBy]
			verb := "replaced"
			if strings.HasPrefix(wr.FateReason, "deleted") {
				verb = "deleted"
			}
			why = fmt.Sprintf("%s by write #%d, %s %s", verb, wr.ReplacedBy, by.Via, writeOrigin(t, by))
		}
		g.add([]string{fmt.Sprintf("#%d", i), wr.CookieName(), string(wr.Via), writeOrigin(t, wr), string(wr.Fate), why})
	}
	if len(g.rows) == 0 {
		return
	}
	tw.para("  ", "    ", "Writes not stored (or no longer):")
	g.render(tw.w, tw.width, tw.st)
}

// setBy says which write produced the cookie, and from where.
func setBy(t inspect.Target, c inspect.Cookie) string {
	if len(c.SetBy) == 0 {
		return "(no recorded write)"
	}
	last := c.SetBy[len(c.SetBy)-1]
	s := string(last.Via) + " " + writeOrigin(t, last)
	if last.Emulated {
		s = "cookiescope's emulated attacker, " + writeOrigin(t, last)
	}
	switch n := len(c.SetBy) - 1; {
	case n == 1:
		s += " (replaced 1 earlier write)"
	case n > 1:
		s += fmt.Sprintf(" (replaced %d earlier writes)", n)
	}
	if c.Unrecorded {
		s += " (value from no recorded write)"
	}
	return s
}

// writeOrigin names where a write came from, briefly: the response path for a
// header, the script (or "inline in" the page) for a script write.
func writeOrigin(t inspect.Target, w inspect.Write) string {
	switch {
	case w.Via == inspect.ViaHeader:
		return "from " + shortURL(t.URL, w.URL)
	case w.Inline:
		return fmt.Sprintf("inline in %s:%d", shortURL(t.URL, w.Script), w.Line) + calledFrom(t, w)
	case w.Script != "":
		return fmt.Sprintf("by %s:%d", shortURL(t.URL, w.Script), w.Line) + calledFrom(t, w)
	}
	return "in " + shortURL(t.URL, w.URL) + calledFrom(t, w)
}

// calledFrom names where a library's write was called from, when the stack
// leaves the writing script.
func calledFrom(t inspect.Target, w inspect.Write) string {
	f, ok := w.Caller()
	if !ok {
		return ""
	}
	return fmt.Sprintf(", called from %s:%d", shortURL(t.URL, f.URL), f.Line)
}

// shortURL drops scheme, host and port when u is on the target's own origin.
func shortURL(base, u string) string {
	b, err1 := url.Parse(base)
	p, err2 := url.Parse(u)
	if err1 != nil || err2 != nil {
		return u
	}
	if b.Scheme == p.Scheme && b.Host == p.Host {
		return p.RequestURI()
	}
	return u
}

// readability is a jar cookie's Script-readable cell.
func readability(t inspect.Target, c inspect.Cookie) string {
	return readabilityCell(t, c, readabilityMeasured(t))
}

// earlierReadability is the cell of a cookie seen at an earlier step: its
// verdict was reached with that step's documents, so the final ones do not
// decide whether it was measured.
func earlierReadability(t inspect.Target, c inspect.Cookie) string {
	return readabilityCell(t, c, true)
}

// readabilityCell says whether page script can read c: "no" only when it
// was measured.
func readabilityCell(t inspect.Target, c inspect.Cookie, measured bool) string {
	switch c.Verdict() {
	case inspect.ReadabilityUnknown:
		if c.NotMeasured || !measured {
			// A document that could show it was not read (why is
			// printed above the table).
			return NotMeasured
		}
		// Not "no": the page broke the measurement (the reason is
		// printed above the table, per frame).
		return "UNKNOWN"
	case inspect.NotReadable:
		if !measured {
			return NotMeasured
		}
		return "no"
	}
	if len(c.ReadableOn) == 1 && c.ReadableOn[0] == t.FinalURL {
		return "yes"
	}
	parts := make([]string, len(c.ReadableOn))
	for i, u := range c.ReadableOn {
		parts[i] = shortURL(t.FinalURL, u)
	}
	return "yes: " + strings.Join(parts, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func sameSite(s string) string {
	if s == "" {
		return "(unset: Lax)"
	}
	return s
}

// expires is the expiry in UTC, to the minute unless verbose.
func expires(c inspect.Cookie, verbose bool) string {
	if c.Session || c.Expires == nil {
		return "session"
	}
	if verbose {
		return c.Expires.UTC().Format(time.DateTime)
	}
	return c.Expires.UTC().Format("2006-01-02 15:04")
}

// plural is "1 cookie" or "n cookies".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// probes writes the attacks: without verbose, one row per probe with its
// counts and the cookies it worked on (the findings hold the evidence);
// verbose, every attempt.
func (tw terminal) probes(t inspect.Target) {
	if len(t.Probes) == 0 {
		return
	}
	var order []string
	byName := map[string][]inspect.Probe{}
	for _, p := range t.Probes {
		title := p.Name
		if p.Step != "" {
			title += " at " + p.Step
		}
		if _, ok := byName[title]; !ok {
			order = append(order, title)
		}
		byName[title] = append(byName[title], p)
	}
	attempts, worked, _ := attackCounts(t.Probes)
	tw.para("  ", "    ", fmt.Sprintf("Attacks by cookiescope's emulated network attacker: %d of %d worked", worked, attempts))
	if !tw.verbose {
		g := grid{indent: "  ", cols: []column{{header: "Probe"}, {header: "Protected"}, {header: "Vulnerable"}, {header: "N/A"}, {header: "Worked on"}}}
		for _, name := range order {
			var protected, vulnerable, na int
			var on []string
			for _, p := range byName[name] {
				switch p.Verdict {
				case inspect.Protected:
					protected++
				case inspect.Vulnerable:
					vulnerable++
					if !slices.Contains(on, p.Cookie) {
						on = append(on, p.Cookie)
					}
				default:
					na++
				}
			}
			g.add([]string{name, fmt.Sprint(protected), fmt.Sprint(vulnerable), fmt.Sprint(na), strings.Join(on, ", ")})
		}
		g.render(tw.w, tw.width, tw.st)
		return
	}
	for _, name := range order {
		tw.para("  Probe ", "    ", inert(name)+":")
		g := grid{indent: "  ", cols: []column{
			{header: "Cookie"},
			{header: "Attack", moves: 2},
			{header: "Channel"},
			{header: "Chrome", moves: 3},
			{header: "Jar before → after", moves: 1, label: "jar"},
			{header: "Verdict", marked: true},
		}}
		for _, p := range byName[name] {
			details := []string{"why: " + p.Explanation}
			if r := receivedNote(p); r != "" {
				details = append(details, r)
			}
			g.add([]string{p.Cookie, p.Attack, p.Channel, probeChrome(p), p.Before + " → " + p.After, strings.ToUpper(string(p.Verdict))}, details...)
		}
		g.render(tw.w, tw.width, tw.st)
	}
}

// receivedNote says what the target's https origin got after an attempt
// the jar took, the evidence of its verdict; empty when not measured.
func receivedNote(p inspect.Probe) string {
	r := p.Received
	if r == nil {
		return ""
	}
	if r.Error != "" {
		return "the https site: " + r.URL + " could not be read: " + r.Error
	}
	s := fmt.Sprintf("the https site: %s was sent %s, its script reads %s", r.URL, r.Sent, r.Readable)
	if len(r.Withheld) > 0 {
		s += "; Chrome withheld the attacker's value: " + strings.Join(r.Withheld, ", ")
	}
	return s
}

// WriteProbeSummary ends a run with a sentence per probed target: the
// attacks that worked, or that every attack failed; with opts.Verbose, first
// a table of how many attempts per target and probe were protected,
// vulnerable, or not applicable; then, after an origin-bound comparison,
// a sentence per attack that it would fix or that would still work. Lines
// fit opts.Width.
func WriteProbeSummary(out io.Writer, r inspect.Report, opts Options) error {
	type counts struct{ protected, vulnerable, na int }
	any := false
	for _, t := range r.Targets {
		any = any || len(t.Probes) > 0
	}
	if !any {
		return nil
	}
	tw := terminal{w: &errWriter{w: out}, width: opts.width(), st: style{color: opts.Color}}
	fmt.Fprintln(tw.w)
	for _, line := range wrap("Summary: what an active network attacker could do", tw.width) {
		fmt.Fprintln(tw.w, tw.st.bold(line))
	}
	g := grid{indent: "  ", cols: []column{{header: "Target"}, {header: "Probe"}, {header: "Protected"}, {header: "Vulnerable"}, {header: "Not applicable"}}}
	for _, t := range r.Targets {
		var order []string
		byProbe := map[string]*counts{}
		for _, p := range t.Probes {
			c := byProbe[p.Name]
			if c == nil {
				c = &counts{}
				byProbe[p.Name] = c
				order = append(order, p.Name)
			}
			switch p.Verdict {
			case inspect.Protected:
				c.protected++
			case inspect.Vulnerable:
				c.vulnerable++
			default:
				c.na++
			}
		}
		for i, name := range order {
			c := byProbe[name]
			target := ""
			if i == 0 {
				target = targetName(t)
			}
			g.add([]string{target, name, fmt.Sprint(c.protected), fmt.Sprint(c.vulnerable), fmt.Sprint(c.na)})
		}
	}
	// Each probed target's details count its attempts per probe already:
	// the table is repeated only when everything is asked for.
	if opts.Verbose {
		g.render(tw.w, tw.width, tw.st)
	}
	for _, t := range r.Targets {
		if len(t.Probes) == 0 {
			continue
		}
		var vulnerable []string
		seen := map[string]bool{}
		for _, p := range t.Probes {
			key := p.Name + " " + p.Cookie
			if p.Verdict == inspect.Vulnerable && !seen[key] {
				seen[key] = true
				vulnerable = append(vulnerable, fmt.Sprintf("%s (%s)", p.Cookie, p.Name))
			}
		}
		if len(vulnerable) == 0 {
			tw.marked("", "OK", inert(targetName(t))+": every attack failed; its cookies are protected.")
		} else {
			tw.marked("", "VULNERABLE", inert(targetName(t))+": attacks worked on "+inert(strings.Join(vulnerable, ", "))+".")
		}
	}
	if c := r.OriginBoundComparison; c != nil {
		fmt.Fprintln(tw.w)
		for _, line := range wrap("With origin-bound cookies (Chrome's coming defence, measured in a second browser)", tw.width) {
			fmt.Fprintln(tw.w, tw.st.bold(line))
		}
		if c.Error != "" {
			tw.marked("", "ERROR", inert(c.Error))
		}
		for _, a := range c.Attacks {
			switch a.Change {
			case inspect.ChangeFixed:
				tw.marked("", "FIXED", inert(a.Target+": "+a.Sentence()))
			case inspect.ChangeStillVulnerable, inspect.ChangeNewlyVulnerable:
				tw.marked("", "VULNERABLE", inert(a.Target+": "+a.Sentence()))
			}
		}
	}
	return tw.w.err
}

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

// findingEvidenceShown is how many findings of a rule show their evidence
// without --verbose; a rule with more lists its cookies. evidenceLines is
// how many lines each evidence gets then.
const (
	findingEvidenceShown = 1
	evidenceLines        = 2
)

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

// plants writes a scenario's plant steps: what the emulated network
// attacker wrote into the victim's jar, and what Chrome decided.
func (tw terminal) plants(t inspect.Target) {
	if len(t.Plants) == 0 {
		return
	}
	tw.para("  ", "    ", "Planted by the emulated network attacker:")
	g := grid{indent: "  ", cols: []column{{header: "Line"}, {header: "Cookie"}, {header: "Over"}, {header: "From", moves: 2}, {header: "URL", moves: 1, label: "at"}, {header: "Chrome"}}}
	for _, p := range t.Plants {
		chrome := "refused"
		if p.Planted {
			chrome = "stored"
		}
		from := p.From
		if from == "" {
			from = "(a literal value)"
		}
		g.add([]string{fmt.Sprint(p.Line), p.Cookie, p.Over, from, p.URL, chrome}, p.Evidence)
	}
	g.render(tw.w, tw.width, tw.st)
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

// probeChrome says what Chrome did with a probe's attempt: accepted or
// blocked, "(emulated)" when cookiescope played the attacker, "-" for a
// row that made no attempt.
func probeChrome(p inspect.Probe) string {
	if p.Channel == "-" {
		return "-"
	}
	chrome := "blocked"
	if p.Accepted {
		chrome = "accepted"
	}
	if p.Emulated {
		chrome += " (emulated)"
	}
	return chrome
}
