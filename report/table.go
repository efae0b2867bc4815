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

// WriteTable writes the report for people: per target, a table of the
// cookies in the jar with their story, then a table of the writes Chrome
// refused and why.
func WriteTable(w io.Writer, r inspect.Report) error {
	if r.ThirdPartyCookies != "" {
		printf(w, "Third-party cookies: %s\n\n", r.ThirdPartyCookies.Describe())
	}
	for i, t := range r.Targets {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := writeTargetTable(w, t); err != nil {
			return err
		}
	}
	if r.Interrupted {
		fmt.Fprintln(w, "\nInterrupted: targets not listed above were not inspected.")
	}
	if r.Baseline != "" {
		printf(w, "\nCompared with the baseline %s: %d regressions\n", r.Baseline, len(r.Regressions))
		for _, g := range r.Regressions {
			printf(w, "  REGRESSION %s: %s %s\n", g.Target, g.Cookie, g.What)
		}
	}
	return nil
}

func writeTargetTable(w io.Writer, t inspect.Target) error {
	if t.Scenario != "" {
		printf(w, "Scenario %q (%s:%d) on %s\n", t.Scenario, t.File, t.Line, t.URL)
	} else {
		printf(w, "%s\n", t.URL)
	}
	if t.FinalURL != "" && t.FinalURL != t.URL {
		printf(w, "  ended at %s\n", t.FinalURL)
	}
	if t.Error != "" {
		printf(w, "  ERROR: %s\n", t.Error)
	}
	for _, d := range t.Dialogs {
		if d.Kind == "more" {
			printf(w, "  Dialog: %s\n", d.Message)
			continue
		}
		printf(w, "  Dialog: %s \"%s\" from %s, %s\n", d.Kind, d.Message, d.URL, d.Answer)
	}
	for _, p := range t.Popups {
		printf(w, "  Popup: %s, opened by %s (closed when the target ended)\n", p.URL, p.OpenedBy)
	}
	if t.Isolation != "" {
		printf(w, "  Isolation: the browser context was replaced after this target: %s\n", t.Isolation)
	}
	readable, unknown := 0, 0
	for _, c := range t.Cookies {
		switch c.Verdict() {
		case inspect.Readable:
			readable++
		case inspect.ReadabilityUnknown:
			unknown++
		}
	}
	if unknown > 0 {
		fmt.Fprintf(w, "  %d cookies (%d readable by page script, %d unknown: the page broke the measurement), %d writes blocked\n", len(t.Cookies), readable, unknown, len(t.Blocked))
	} else {
		fmt.Fprintf(w, "  %d cookies (%d readable by page script), %d writes blocked\n", len(t.Cookies), readable, len(t.Blocked))
	}
	for _, f := range t.Frames {
		if f.Error != "" {
			fmt.Fprintf(w, "  Readability on %s: %s\n", inert(shortURL(t.FinalURL, f.URL)), inert(f.Error))
		}
	}
	if len(t.Cookies) > 0 {
		// Redacted values carry no information: the column appears only
		// when values are shown.
		showValues := false
		for _, c := range t.Cookies {
			showValues = showValues || (c.Value != "" && c.Value != inspect.Redacted)
		}
		table := newTable(w)
		header := []any{"Name", "Value", "Domain", "Path", "Set by", "Secure", "HttpOnly", "SameSite", "Expires", "Script-readable"}
		if !showValues {
			header = append(header[:1], header[2:]...)
		}
		table.Header(header...)
		for _, c := range t.Cookies {
			row := cookieRow(t, c)
			if !showValues {
				row = append(row[:1], row[2:]...)
			}
			if err := table.Append(row); err != nil {
				return err
			}
		}
		if err := table.Render(); err != nil {
			return err
		}
	}
	if err := writeEarlierCookiesTable(w, t); err != nil {
		return err
	}
	if err := writePlantsTable(w, t); err != nil {
		return err
	}
	if err := writeExpectationsTable(w, t); err != nil {
		return err
	}
	if err := writeWhereTables(w, t); err != nil {
		return err
	}
	if err := writeFindingsTable(w, t); err != nil {
		return err
	}
	if err := writeProbeTables(w, t); err != nil {
		return err
	}
	return writeUnstoredTable(w, t)
}

// writeEarlierCookiesTable lists a scenario's cookies seen at earlier steps
// that are gone or changed by the end, each with the step, as the rules
// judged them. Values show only when they are not redacted.
func writeEarlierCookiesTable(w io.Writer, t inspect.Target) error {
	if len(t.EarlierCookies) == 0 {
		return nil
	}
	showValues := false
	for _, c := range t.EarlierCookies {
		showValues = showValues || (c.Value != "" && c.Value != inspect.Redacted)
	}
	fmt.Fprintf(w, "  Seen at earlier steps, gone or changed by the end: %d cookies\n", len(t.EarlierCookies))
	table := newTable(w)
	header := []any{"Name", "Value", "Seen at", "Domain", "Path", "Set by", "Secure", "HttpOnly", "SameSite", "Expires", "Script-readable"}
	if !showValues {
		header = append(header[:1], header[2:]...)
	}
	table.Header(header...)
	for _, c := range t.EarlierCookies {
		row := slices.Insert(cookieRow(t, c), 2, c.SeenAt)
		if !showValues {
			row = append(row[:1], row[2:]...)
		}
		if err := table.Append(row); err != nil {
			return err
		}
	}
	return table.Render()
}

// writeUnstoredTable lists the writes that did not end up in the jar, with
// their fate and why: blocked with Chrome's reasons, ignored silently,
// replaced, deleted, evicted, cleared.
func writeUnstoredTable(w io.Writer, t inspect.Target) error {
	var rows [][]string
	for i, wr := range t.Writes {
		if wr.Fate == inspect.FateStored || wr.Fate == "" {
			continue
		}
		why := wr.FateReason
		switch {
		case wr.Fate == inspect.FateBlocked:
			why = strings.Join(wr.Blocked, ", ") + ": " + wr.FateReason
		case wr.Fate == inspect.FateReplaced && wr.ReplacedBy > 0 && wr.ReplacedBy < len(t.Writes):
			by := t.Writes[wr.ReplacedBy]
			verb := "replaced"
			if strings.HasPrefix(wr.FateReason, "deleted") {
				verb = "deleted"
			}
			why = fmt.Sprintf("%s by write #%d, %s %s", verb, wr.ReplacedBy, by.Via, writeOrigin(t, by))
		}
		rows = append(rows, []string{fmt.Sprintf("#%d", i), inert(wr.CookieName()), string(wr.Via), writeOrigin(t, wr), string(wr.Fate), inert(why)})
	}
	if len(rows) == 0 {
		return nil
	}
	fmt.Fprintln(w, "  Writes not stored (or no longer):")
	table := newTable(w)
	table.Header("Write", "Name", "Via", "From", "Fate", "Why")
	for _, row := range rows {
		if err := table.Append(row); err != nil {
			return err
		}
	}
	return table.Render()
}

func cookieRow(t inspect.Target, c inspect.Cookie) []string {
	domain := c.Domain
	if p := c.Partition(); p != "" {
		domain += " (" + p + ")"
	}
	return []string{
		c.Name, c.Value, domain, c.Path, setBy(t, c), yesNo(c.Secure), yesNo(c.HttpOnly),
		sameSite(c.SameSite), expires(c), readability(t, c),
	}
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

func readability(t inspect.Target, c inspect.Cookie) string {
	switch c.Verdict() {
	case inspect.ReadabilityUnknown:
		// Not "no": the page broke the measurement (the reason is
		// printed above the table, per frame).
		return "UNKNOWN"
	case inspect.NotReadable:
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

func expires(c inspect.Cookie) string {
	if c.Session || c.Expires == nil {
		return "session"
	}
	return c.Expires.UTC().Format(time.DateTime)
}

// writeProbeTables writes one table per probe that ran.
func writeProbeTables(w io.Writer, t inspect.Target) error {
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
	for _, name := range order {
		printf(w, "  Probe %s:\n", Inert(name))
		table := newTable(w)
		table.Header("Cookie", "Attack", "Channel", "Chrome", "Jar before → after", "Verdict", "Why")
		for _, p := range byName[name] {
			chrome := "blocked"
			switch {
			case p.Channel == "-":
				chrome = "-"
			case p.Accepted:
				chrome = "accepted"
			}
			if p.Emulated && p.Channel != "-" {
				chrome += " (emulated)"
			}
			if err := table.Append([]string{p.Cookie, p.Attack, p.Channel, chrome, p.Before + " → " + p.After, strings.ToUpper(string(p.Verdict)), p.Explanation}); err != nil {
				return err
			}
		}
		if err := table.Render(); err != nil {
			return err
		}
	}
	return nil
}

// WriteProbeSummary ends a run with one line per probed target and probe:
// how many attempts were protected, vulnerable, or not applicable.
func WriteProbeSummary(w io.Writer, r inspect.Report) error {
	type counts struct{ protected, vulnerable, na int }
	any := false
	for _, t := range r.Targets {
		any = any || len(t.Probes) > 0
	}
	if !any {
		return nil
	}
	fmt.Fprintln(w, "\nSummary: what an active network attacker could do")
	table := newTable(w)
	table.Header("Target", "Probe", "Protected", "Vulnerable", "Not applicable")
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
		for _, name := range order {
			c := byProbe[name]
			if err := table.Append([]string{t.URL, name, fmt.Sprint(c.protected), fmt.Sprint(c.vulnerable), fmt.Sprint(c.na)}); err != nil {
				return err
			}
		}
	}
	if err := table.Render(); err != nil {
		return err
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
			printf(w, "%s: every attack failed; its cookies are protected.\n", t.URL)
		} else {
			printf(w, "%s: attacks worked on %s.\n", t.URL, strings.Join(vulnerable, ", "))
		}
	}
	return nil
}

// writeFindingsTable lists the target's findings, accepted ones last with
// their reason.
func writeFindingsTable(w io.Writer, t inspect.Target) error {
	if len(t.Findings) == 0 {
		return nil
	}
	var open, accepted []inspect.Finding
	for _, f := range t.Findings {
		if f.Accepted {
			accepted = append(accepted, f)
		} else {
			open = append(open, f)
		}
	}
	fmt.Fprintf(w, "  Findings: %d (%d accepted by configuration)\n", len(t.Findings), len(accepted))
	// The Step column appears when a scenario's earlier cookie drew a
	// finding: it says where that cookie was seen.
	withStep := false
	for _, f := range t.Findings {
		withStep = withStep || f.Step != ""
	}
	table := newTable(w)
	if withStep {
		table.Header("Rule", "Severity", "Cookie", "Step", "Finding", "Evidence", "Fix")
	} else {
		table.Header("Rule", "Severity", "Cookie", "Finding", "Evidence", "Fix")
	}
	for _, f := range append(open, accepted...) {
		subject := findingSubject(f)
		if subject == "" {
			subject = "(" + f.Domain + ")"
		}
		title := f.Title
		if f.Accepted {
			title += " [accepted: " + f.Reason + "]"
		}
		row := []string{f.RuleID, f.Severity.String(), subject, title, findingEvidence(f), f.Fix}
		if withStep {
			step := f.Step
			if step == "" && f.Cookie != "" {
				step = "final jar"
			}
			row = slices.Insert(row, 3, step)
		}
		if err := table.Append(row); err != nil {
			return err
		}
	}
	return table.Render()
}

// writePlantsTable lists a scenario's plant steps: what the emulated
// network attacker wrote into the victim's jar, and what Chrome decided.
func writePlantsTable(w io.Writer, t inspect.Target) error {
	if len(t.Plants) == 0 {
		return nil
	}
	printf(w, "  Planted by the emulated network attacker:\n")
	table := newTable(w)
	table.Header("Line", "Cookie", "Over", "From", "Chrome", "Evidence")
	for _, p := range t.Plants {
		chrome := "refused"
		if p.Planted {
			chrome = "stored"
		}
		from := p.From
		if from == "" {
			from = "(a literal value)"
		}
		if err := table.Append([]string{fmt.Sprint(p.Line), p.Cookie, p.Over + " (" + p.URL + ")", from, chrome, p.Evidence}); err != nil {
			return err
		}
	}
	return table.Render()
}

// writeExpectationsTable lists a scenario's expectations with their outcome.
func writeExpectationsTable(w io.Writer, t inspect.Target) error {
	if len(t.Expectations) == 0 {
		return nil
	}
	failed := 0
	for _, e := range t.Expectations {
		if !e.Passed {
			failed++
		}
	}
	fmt.Fprintf(w, "  Expectations: %d passed, %d failed\n", len(t.Expectations)-failed, failed)
	table := newTable(w)
	table.Header("Line", "Expectation", "Result", "Expected vs actual")
	for _, e := range t.Expectations {
		result := "PASS"
		if !e.Passed {
			result = "FAIL"
		}
		if err := table.Append([]string{fmt.Sprint(e.Line), e.Expectation, result, strings.Join(e.Failures, "\n")}); err != nil {
			return err
		}
	}
	return table.Render()
}
