package report

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

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
