package report

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/cookiescope/cookiescope/inspect"
)

// WriteTable writes the report for people: per target, a table of the
// cookies in the jar with their story, then a table of the writes Chrome
// refused and why.
func WriteTable(w io.Writer, r inspect.Report) error {
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
	return nil
}

func writeTargetTable(w io.Writer, t inspect.Target) error {
	fmt.Fprintf(w, "%s\n", t.URL)
	if t.FinalURL != "" && t.FinalURL != t.URL {
		fmt.Fprintf(w, "  ended at %s\n", t.FinalURL)
	}
	if t.Error != "" {
		fmt.Fprintf(w, "  ERROR: %s\n", t.Error)
	}
	readable := 0
	for _, c := range t.Cookies {
		if c.ScriptReadable {
			readable++
		}
	}
	fmt.Fprintf(w, "  %d cookies (%d readable by page script), %d writes blocked\n", len(t.Cookies), readable, len(t.Blocked))
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
	if len(t.Blocked) > 0 {
		fmt.Fprintln(w, "  Blocked by Chrome:")
		table := newTable(w)
		table.Header("Name", "Via", "From", "Reasons", "Why")
		for _, b := range t.Blocked {
			if err := table.Append([]string{b.Name, string(b.Via), writeOrigin(t, b.Write), strings.Join(b.Reasons, ", "), b.Explanation}); err != nil {
				return err
			}
		}
		if err := table.Render(); err != nil {
			return err
		}
	}
	return nil
}

// newTable returns a table with headers written as given.
func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowMaxWidth(70))
}

func cookieRow(t inspect.Target, c inspect.Cookie) []string {
	domain := c.Domain
	if c.Partitioned {
		domain += " (partitioned: " + c.PartitionKey + ")"
	}
	return []string{
		c.Name, c.Value, domain, c.Path, setBy(t, c), yesNo(c.Secure), yesNo(c.HttpOnly),
		sameSite(c.SameSite), expires(c), readability(t, c),
	}
}

// setBy says which write produced the cookie, and from where.
func setBy(t inspect.Target, c inspect.Cookie) string {
	if len(c.SetBy) == 0 {
		return "(already in jar)"
	}
	last := c.SetBy[len(c.SetBy)-1]
	s := string(last.Via) + " " + writeOrigin(t, last)
	if n := len(c.SetBy); n > 1 {
		s += fmt.Sprintf(" (+%d earlier)", n-1)
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
		return fmt.Sprintf("inline in %s:%d", shortURL(t.URL, w.Script), w.Line)
	case w.Script != "":
		return fmt.Sprintf("by %s:%d", shortURL(t.URL, w.Script), w.Line)
	}
	return "in " + shortURL(t.URL, w.URL)
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
	if !c.ScriptReadable {
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
