package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// crawlReport is inspect --crawl of two pages (a start URL, and a PDF
// found on it that was skipped) whose limit left pages unvisited, and a
// scenario whose crawl step loaded two pages in the victim's browser. A
// link found on the site carries an escape character: page text.
func crawlReport() inspect.Report {
	start := "https://app.test/site/"
	return inspect.Report{
		SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", Started: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Crawl: &inspect.Crawl{Start: []string{start}, Max: 2, Exclude: []string{"/logout"}, Visited: 2, Skipped: 1, Found: 5, Unvisited: 3, LimitReached: true,
			UnvisitedExamples: []string{"https://app.test/site/about", "https://app.test/site/x\x1b[31m"}, Excluded: 1,
			ExcludedExamples: []inspect.ExcludedLink{{URL: "https://app.test/site/logout", Pattern: "/logout", DiscoveredFrom: start}}, OffSite: 1},
		Targets: []inspect.Target{
			{URL: start, FinalURL: start, Status: 200},
			{URL: "https://app.test/site/report.pdf", FinalURL: "https://app.test/site/report.pdf", DiscoveredFrom: start, Status: 200, Skipped: "not HTML (application/pdf)"},
			{URL: "https://portal.test/", Scenario: "portal crawl", File: "crawl.yaml", Line: 1, Crawl: []inspect.Crawl{{
				Start: []string{"https://portal.test/admin/"}, Max: 10, Exclude: []string{"(?i)log-?out"}, Visited: 2, Found: 3, UnvisitedExamples: []string{}, Excluded: 1,
				ExcludedExamples: []inspect.ExcludedLink{{URL: "https://portal.test/logout", Pattern: "(?i)log-?out", DiscoveredFrom: "https://portal.test/admin/"}},
				Step:             "step 3 (crawl.yaml:6)", File: "crawl.yaml", Line: 6, Pages: []inspect.CrawlPage{
					{URL: "https://portal.test/admin/reports", FinalURL: "https://portal.test/admin/reports", DiscoveredFrom: "https://portal.test/admin/", Status: 200,
						Set: []inspect.CookieChange{{Name: "pf_seen", Domain: "portal.test", Path: "/admin"}}, Changed: []inspect.CookieChange{}, Deleted: []inspect.CookieChange{},
						Sent: []inspect.RequestCookie{{Name: "pf_k", Domain: "portal.test", Path: "/admin"}, {Name: "pf_u", Domain: "portal.test", Path: "/"}}, Withheld: []inspect.RequestCookie{}, DurationMS: 120},
					{URL: "https://portal.test/admin/settings", FinalURL: "https://portal.test/admin/settings", DiscoveredFrom: "https://portal.test/admin/", Status: 200,
						Set: []inspect.CookieChange{}, Changed: []inspect.CookieChange{{Name: "pf_seen", Domain: "portal.test", Path: "/admin", Changes: []string{"value"}}}, Deleted: []inspect.CookieChange{},
						Sent: []inspect.RequestCookie{{Name: "pf_k", Domain: "portal.test", Path: "/admin"}}, Withheld: []inspect.RequestCookie{{Name: "x", Domain: "portal.test", Path: "/", Reasons: []string{"NotOnPath"}}}, DurationMS: 90},
				}}}},
		},
	}
}

func TestEveryFormatSaysWhatACrawlDid(t *testing.T) {
	checkEveryFormat(t, crawlReport(), 1000, []formatWants{
		{FormatTable, []string{
			"Crawl: 2 pages loaded of at most 2, from https://app.test/site/ (1 skipped",
			"the limit left 3 pages unvisited: https://app.test/site/about",
			"1 link not followed, as an exclude pattern matched: https://app.test/site/logout",
			"Crawl: a start URL; status 200",
			"Crawl: found on https://app.test/site/; status 200",
			"Skipped: not HTML (application/pdf): not shown",
			"skipped: not HTML (application/pdf)",
			"Crawl at step 3 (crawl.yaml:6): 2 pages loaded of at most 10, from the victim's page https://portal.test/admin/",
			"/admin/reports", "pf_seen (path /admin): value", "pf_k, pf_u",
		}},
		{FormatMarkdown, []string{
			"Crawl: 2 pages loaded of at most 2",
			"**Crawl:** found on https://app.test/site/; status 200",
			"**Skipped:** not HTML (application/pdf)",
			"| page | status | found on | set | changed | deleted | sent |",
			"| /admin/settings | 200 | /admin/ |  | pf\\_seen (path /admin): value |  | pf\\_k |",
		}},
		{FormatHTML, []string{
			`<p class="meta">Crawl: 2 pages loaded of at most 2`,
			"Crawl: found on https://app.test/site/; status 200",
			"<h3>Crawled in the victim's browser</h3>",
			"<td>pf_seen (path /admin): value</td>",
			`<span class="kind">crawl</span>`,
		}},
		{FormatJUnit, []string{
			`<property name="crawl" value="2 pages loaded of at most 2, from https://app.test/site/`,
			`<property name="discoveredFrom" value="found on https://app.test/site/; status 200">`,
			`<property name="crawl at step 3 (crawl.yaml:6)" value="Crawl at step 3 (crawl.yaml:6): 2 pages loaded of at most 10`,
			`<property name="crawl at step 3 (crawl.yaml:6): page 2" value="/admin/settings (status 200, found on /admin/); set: none; changed: pf_seen (path /admin): value; deleted: none; sent: pf_k">`,
		}},
		{FormatSARIF, []string{
			`"crawl": "2 pages loaded of at most 2, from https://app.test/site/`,
			`"url https://app.test/site/report.pdf: discoveredFrom": "found on https://app.test/site/; status 200"`,
			`"scenario portal crawl: crawl at step 3 (crawl.yaml:6): page 1": "/admin/reports (status 200, found on /admin/); set: pf_seen (path /admin); changed: none; deleted: none; sent: pf_k, pf_u"`,
		}},
		{FormatJSON, []string{`"discoveredFrom": "https://app.test/site/"`, `"skipped": "not HTML (application/pdf)"`, `"limitReached": true`, `"pages": [`}},
	})
}

func TestACrawlFitsANarrowTerminal(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatTable, crawlReport(), Options{Width: 60}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if textWidth(line) > 60 {
			t.Errorf("line wider than 60: %q", line)
		}
	}
}
