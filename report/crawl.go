package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// Every format says the same things about a crawl, in the same words: what
// the crawl did (crawlSentence), where each page of inspect --crawl was
// found (crawlOrigin), and for a scenario's crawl step what each page did
// to the victim's jar (crawlPageCells).

// crawlSentence says what a crawl did in one sentence: the pages it
// loaded, the limit, what it found, what the limit left and which links it
// did not follow. Its URLs are page text: the caller makes it inert.
func crawlSentence(c inspect.Crawl) string {
	var b strings.Builder
	from := "from " + strings.Join(c.Start, ", ")
	if c.Step != "" {
		from = "from the victim's page " + strings.Join(c.Start, ", ")
	}
	fmt.Fprintf(&b, "%s loaded of at most %d, %s", plural(c.Visited, "page"), c.Max, from)
	if c.Skipped > 0 {
		fmt.Fprintf(&b, " (%d skipped: not HTML, or a download; their cookies are reported, their links not followed)", c.Skipped)
	}
	fmt.Fprintf(&b, "; %d found on the site", c.Found)
	switch {
	case c.LimitReached:
		fmt.Fprintf(&b, "; the limit left %s unvisited: %s", plural(c.Unvisited, "page"), examples(c.UnvisitedExamples, c.Unvisited))
	case c.Unvisited > 0:
		fmt.Fprintf(&b, "; %s not visited, the crawl stopped early: %s", plural(c.Unvisited, "page"), examples(c.UnvisitedExamples, c.Unvisited))
	}
	if c.Excluded > 0 {
		var ex []string
		for _, e := range c.ExcludedExamples {
			ex = append(ex, e.URL)
		}
		fmt.Fprintf(&b, "; %s not followed, as an exclude pattern matched: %s", plural(c.Excluded, "link"), examples(ex, c.Excluded))
	}
	if c.OffSite > 0 {
		fmt.Fprintf(&b, "; %s to other sites not followed", plural(c.OffSite, "link"))
	}
	return b.String()
}

// examples lists a few URLs of n, saying how many more there are.
func examples(urls []string, n int) string {
	s := strings.Join(urls, ", ")
	if more := n - len(urls); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// crawlExcludes names the patterns a crawl kept to, or "" for none.
func crawlExcludes(c inspect.Crawl) string {
	if len(c.Exclude) == 0 {
		return ""
	}
	return "links matching " + strings.Join(c.Exclude, " or ") + " are not followed"
}

// crawlOrigin says where a page of inspect --crawl comes from and what it
// was, or "" for a target outside a crawl.
func crawlOrigin(t inspect.Target, crawled bool) string {
	if !crawled || t.Scenario != "" {
		return ""
	}
	origin := "a start URL"
	if t.DiscoveredFrom != "" {
		origin = "found on " + t.DiscoveredFrom
	}
	if t.Status != 0 {
		origin += fmt.Sprintf("; status %d", t.Status)
	}
	return origin
}

// skippedNote says why a crawled page was not shown, or "".
func skippedNote(t inspect.Target) string {
	if t.Skipped == "" {
		return ""
	}
	return t.Skipped + ": not shown, and its links not followed; the cookies its response set are reported"
}

// crawlPageCells are a crawl step's page as the table, Markdown and HTML
// show it: the page, its status (or why it was skipped, or its error),
// where it was found, and the cookies it set, changed, deleted and had
// sent, by name.
// URLs on the origin of base are shortened to their path.
func crawlPageCells(base string, p inspect.CrawlPage) (page, status, from, set, changed, deleted, sent string) {
	page = shortURL(base, p.URL)
	if p.FinalURL != "" && p.FinalURL != p.URL {
		page += " → " + shortURL(base, p.FinalURL)
	}
	status = "-"
	if p.Status != 0 {
		status = fmt.Sprint(p.Status)
	}
	switch {
	case p.Error != "":
		status += " error: " + p.Error
	case p.Skipped != "":
		status += " skipped: " + p.Skipped
	}
	return page, status, shortURL(base, p.DiscoveredFrom), changeList(p.Set), changeList(p.Changed), changeList(p.Deleted), strings.Join(inspect.SentNames(p.Sent), ", ")
}

// changeList names cookies of a jar comparison, with what changed.
func changeList(cs []inspect.CookieChange) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Label())
	}
	return strings.Join(out, ", ")
}

// crawlBase is the URL a crawl's pages are shortened against: its first
// start.
func crawlBase(c inspect.Crawl) string {
	if len(c.Start) == 0 {
		return ""
	}
	return c.Start[0]
}

// crawlStepTitle heads a crawl step's pages: where it ran and what it did.
func crawlStepTitle(c inspect.Crawl) string {
	title := "Crawl at " + c.Step + ": " + crawlSentence(c)
	if c.Error != "" {
		title += "; it stopped: " + c.Error
	}
	return title
}

// crawlReport writes what inspect --crawl did, at the top of the terminal
// report.
func (tw terminal) crawlReport(r inspect.Report) {
	if r.Crawl == nil {
		return
	}
	tw.para("Crawl: ", "  ", crawlSentence(*r.Crawl))
	if ex := crawlExcludes(*r.Crawl); ex != "" {
		tw.para("  ", "    ", ex)
	}
	fmt.Fprintln(tw.w)
}

// crawlSteps writes what a scenario's crawl steps did: per step, a
// sentence and a table of its pages.
func (tw terminal) crawlSteps(t inspect.Target) {
	for _, c := range t.Crawl {
		tw.para("  ", "    ", crawlStepTitle(c))
		g := grid{indent: "  ", cols: []column{
			{header: "Page"},
			{header: "Status"},
			{header: "Found on", moves: 1, label: "found on"},
			{header: "Set", moves: 5},
			{header: "Changed", moves: 4},
			{header: "Deleted", moves: 3},
			{header: "Sent", moves: 2},
		}}
		for _, p := range c.Pages {
			page, status, from, set, changed, deleted, sent := crawlPageCells(crawlBase(c), p)
			g.add([]string{page, status, from, set, changed, deleted, sent})
		}
		g.render(tw.w, tw.width, tw.st)
	}
}

// writeCrawlMarkdown writes what a scenario's crawl steps did, as a
// sentence and a table per step.
func writeCrawlMarkdown(w io.Writer, t inspect.Target) {
	for _, c := range t.Crawl {
		mdf(w, "**%s**\n\n", crawlStepTitle(c))
		if len(c.Pages) == 0 {
			continue
		}
		fmt.Fprintln(w, "| page | status | found on | set | changed | deleted | sent |\n|---|---|---|---|---|---|---|")
		for _, p := range c.Pages {
			page, status, from, set, changed, deleted, sent := crawlPageCells(crawlBase(c), p)
			mdf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", page, status, from, set, changed, deleted, sent)
		}
		fmt.Fprintln(w)
	}
}

// crawlProperties say what a crawl did for one target, as the JUnit
// suite's and the SARIF run's properties: for a page of inspect --crawl,
// the crawl (crawl) and where the page was found (discoveredFrom); for a
// scenario, per crawl step (named by its step), what it did and, per page
// in order, its status and the cookies it set, changed, deleted and had
// sent. Page text is made inert by the writers.
func crawlProperties(r inspect.Report, t inspect.Target) []junitProperty {
	var out []junitProperty
	if origin := crawlOrigin(t, r.Crawl != nil); origin != "" {
		out = append(out, junitProperty{Name: "crawl", Value: crawlSentence(*r.Crawl)}, junitProperty{Name: "discoveredFrom", Value: origin})
	}
	for _, c := range t.Crawl {
		prefix := "crawl at " + c.Step
		out = append(out, junitProperty{Name: prefix, Value: crawlStepTitle(c)})
		for i, p := range c.Pages {
			page, status, from, set, changed, deleted, sent := crawlPageCells(crawlBase(c), p)
			value := fmt.Sprintf("%s (status %s, found on %s); set: %s; changed: %s; deleted: %s; sent: %s", page, status, from, orNone(set), orNone(changed), orNone(deleted), orNone(sent))
			out = append(out, junitProperty{Name: fmt.Sprintf("%s: page %d", prefix, i+1), Value: value})
		}
	}
	return out
}

// orNone is s, or "none" when s is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
