package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// TrafficLine says where a cookie went during its target, in one line:
// "sent with 5 requests (2 cross-site); withheld from 3 (SameSiteStrict 3)",
// or "" when no request concerned it.
func TrafficLine(c inspect.Cookie) string {
	tr := c.Traffic
	if tr.Sent == 0 && tr.Withheld == 0 {
		return ""
	}
	line := "sent with " + plural(tr.Sent, "request")
	if tr.SentCrossSite > 0 {
		line += fmt.Sprintf(" (%d cross-site)", tr.SentCrossSite)
	}
	if tr.Withheld > 0 {
		var reasons []string
		for _, r := range tr.Reasons() {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, tr.WithheldBy[r]))
		}
		line += fmt.Sprintf("; withheld from %d (%s)", tr.Withheld, strings.Join(reasons, ", "))
	}
	return line
}

// crossSiteCell says what Chrome did with a cookie on one kind of
// cross-site request: "sent", "withheld: REASON, …", "—" when the request
// did not concern it, or "not measured" when there was no request.
func crossSiteCell(r inspect.CrossSiteRequest, name string) string {
	if r.Request == nil || !r.Request.CookiesReported {
		return "not measured"
	}
	for _, c := range r.Request.Sent {
		if c.Name == name {
			return "sent"
		}
	}
	for _, c := range r.Request.Withheld {
		if c.Name == name {
			return "withheld: " + strings.Join(c.Reasons, ", ")
		}
	}
	return "—"
}

// crossSiteCookies lists the cookie names any request of cs concerned, in
// order of first appearance.
func crossSiteCookies(cs inspect.CrossSite) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range cs.Requests {
		if r.Request == nil {
			continue
		}
		for _, list := range [][]inspect.RequestCookie{r.Request.Sent, r.Request.Withheld} {
			for _, c := range list {
				if !seen[c.Name] {
					seen[c.Name] = true
					names = append(names, c.Name)
				}
			}
		}
	}
	return names
}

// crossSiteTitle says what a cross-site probe was, in one line.
func crossSiteTitle(cs inspect.CrossSite) string {
	how := "answered by cookiescope's emulated network (the server never received them)"
	if cs.Live {
		how = "sent to the server (--live-requests)"
	}
	title := fmt.Sprintf("Cross-site requests from %s, %s", cs.Attacker, how)
	if cs.Step != "" {
		title += ", at " + cs.Step
	}
	return title
}

// where writes where the target's cookies went, wrapped to the width, and
// the cross-site probe's matrix.
func (tw terminal) where(t inspect.Target) {
	var lines []string
	for _, c := range t.Cookies {
		if line := TrafficLine(c); line != "" {
			lines = append(lines, c.Name+": "+line)
		}
	}
	if len(lines) > 0 {
		tw.para("  ", "    ", fmt.Sprintf("Where the cookies went (%s recorded):", plural(len(t.Requests), "request")))
		for _, l := range lines {
			tw.para("    ", "      ", l)
		}
	}
	if t.RequestsDropped > 0 {
		tw.para("  ", "    ", fmt.Sprintf("%d more requests were not recorded (the recorder keeps the first %d)", t.RequestsDropped, len(t.Requests)))
	}
	for _, cs := range t.CrossSite {
		tw.para("  ", "    ", crossSiteTitle(cs)+":")
		for _, name := range crossSiteCookies(cs) {
			tw.para("    ", "      ", name+": "+crossSiteSummary(cs, name))
		}
		for _, r := range cs.Requests {
			if r.Error != "" {
				tw.para("    ", "      ", r.Kind+": "+r.Error)
			}
		}
	}
}

// crossSiteSummary says in one line what Chrome did with a cookie on each
// kind of the probe's requests, kinds with the same outcome together:
// "sent with link, form-post; withheld from iframe, img (SameSiteLax)".
func crossSiteSummary(cs inspect.CrossSite, name string) string {
	var order []string
	kinds := map[string][]string{}
	for _, r := range cs.Requests {
		cell := crossSiteCell(r, name)
		if _, ok := kinds[cell]; !ok {
			order = append(order, cell)
		}
		kinds[cell] = append(kinds[cell], r.Kind)
	}
	var parts []string
	for _, cell := range order {
		list := strings.Join(kinds[cell], ", ")
		switch {
		case cell == "sent":
			parts = append(parts, "sent with "+list)
		case strings.HasPrefix(cell, "withheld: "):
			parts = append(parts, "withheld from "+list+" ("+strings.TrimPrefix(cell, "withheld: ")+")")
		case cell == "—":
			parts = append(parts, "not concerned by "+list)
		default:
			parts = append(parts, cell+": "+list)
		}
	}
	return strings.Join(parts, "; ")
}

// writeWhereMarkdown writes where each cookie went and the cross-site
// probe's matrix (cookie × request kind) in Markdown.
func writeWhereMarkdown(w io.Writer, t inspect.Target) {
	for _, c := range t.Cookies {
		if line := TrafficLine(c); line != "" {
			mdf(w, "- %s: %s\n", code(c.Name), line)
		}
	}
	for _, cs := range t.CrossSite {
		mdf(w, "\n%s:\n\n", crossSiteTitle(cs))
		header, rule := "| cookie |", "|---|"
		for _, r := range cs.Requests {
			header += " " + md(r.Kind) + " |"
			rule += "---|"
		}
		fmt.Fprintln(w, header+"\n"+rule)
		for _, name := range crossSiteCookies(cs) {
			row := "| " + md(name) + " |"
			for _, r := range cs.Requests {
				row += " " + md(crossSiteCell(r, name)) + " |"
			}
			fmt.Fprintln(w, row)
		}
		fmt.Fprintln(w)
	}
}
