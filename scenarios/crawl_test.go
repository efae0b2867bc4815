package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/crawl"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

func TestACrawlStepsExcludesExtendTheDefaults(t *testing.T) {
	tests := []struct {
		description string
		step        string
		want        []string
	}{
		{"the defaults alone", "crawl: {max: 3}", crawl.DefaultExcludes},
		{"a pattern of the file's extends them", "crawl: {max: 3, exclude: [/admin/users]}", append(slices.Clone(crawl.DefaultExcludes), "/admin/users")},
		{"a single pattern needs no list", "crawl: {max: 3, exclude: \"\\\\?print=1\"}", append(slices.Clone(crawl.DefaultExcludes), `\?print=1`)},
		{"the file's patterns alone, when it says so", "crawl: {max: 3, exclude: [bye], excludeDefaults: false}", []string{"bye"}},
	}
	for _, tt := range tests {
		scs, err := Parse("c.yaml", []byte("name: c\nlab: portal\nsteps:\n  - "+tt.step+"\n"), lookupFrom(nil))
		if err != nil {
			t.Fatalf("%s: %v", tt.description, err)
		}
		c := scs[0].Steps[0].Crawl
		var got []string
		for _, re := range c.Patterns {
			got = append(got, re.String())
		}
		if c.Max != 3 || !slices.Equal(got, tt.want) {
			t.Errorf("%s: max %d, patterns %q; want 3, %q", tt.description, c.Max, got, tt.want)
		}
	}
}

// portalCrawl is a scenario that logs in to the portal, crawls from its
// admin page with the step given, and then looks at the admin page again.
func portalCrawl(t *testing.T, step string) Scenario {
	t.Helper()
	scs, err := Parse("crawl.yaml", []byte(`name: a logged-in crawl of the portal
lab: portal
steps:
  - goto: /login?auto=1
  - wait: {url: /admin/}
  - `+step+`
  - goto: /admin/
  - expect: {page: "#who"}
`), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	return scs[0]
}

func changeNames(cs []inspect.CookieChange) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Label())
	}
	return out
}

func TestALoggedInCrawlKeepsTheSessionAndNeverFollowsTheLogout(t *testing.T) {
	tg := runScenarios(t, []Scenario{portalCrawl(t, "crawl: {max: 10}")}, 1)[0]
	if tg.Error != "" || len(tg.Expectations) != 1 || !tg.Expectations[0].Passed {
		t.Fatalf("error %q, expectations %+v: the victim should still be logged in after the crawl", tg.Error, tg.Expectations)
	}
	if len(tg.Crawl) != 1 {
		t.Fatalf("%d crawls reported, want 1", len(tg.Crawl))
	}
	c := tg.Crawl[0]
	base := strings.TrimSuffix(labURL("portal"), "/")
	admin := base + "/admin/"
	// From /admin/, breadth first, each page's links sorted: the logout and
	// the user's delete link are never followed.
	// The PDF is not shown (the victim's tab stays on /admin/users), but its
	// cookie counts; the crawl goes on from there.
	want := []struct{ path, from, set, changed, skipped string }{
		{"/account", admin, "[]", "[]", ""},
		{"/admin/reports", admin, "[pf_seen (path /admin)]", "[]", ""},
		{"/admin/settings", admin, "[pf_tz (path /admin)]", "[pf_seen (path /admin): value]", ""},
		{"/admin/users", admin, "[]", "[pf_seen (path /admin): value]", ""},
		{lab.PortalAdminPDF, base + "/admin/reports", "[]", "[pf_seen (path /admin): value]", "not HTML (application/pdf)"},
		{"/admin/users/7", base + "/admin/users", "[]", "[pf_seen (path /admin): value]", ""},
	}
	if len(c.Pages) != len(want) {
		var got []string
		for _, p := range c.Pages {
			got = append(got, p.URL)
		}
		t.Fatalf("pages %v, want %d; crawl %+v", got, len(want), c)
	}
	for i, w := range want {
		p := c.Pages[i]
		if p.URL != base+w.path || p.DiscoveredFrom != w.from || p.Status != 200 || p.Error != "" || p.Skipped != w.skipped {
			t.Errorf("page %d: %s from %s, status %d, error %q, skipped %q; want %s from %s, 200, skipped %q", i+1, p.URL, p.DiscoveredFrom, p.Status, p.Error, p.Skipped, base+w.path, w.from, w.skipped)
		}
		if got := strings.Join(changeNames(p.Set), ","); "["+got+"]" != w.set {
			t.Errorf("%s: set [%s], want %s", w.path, got, w.set)
		}
		if got := strings.Join(changeNames(p.Changed), ","); "["+got+"]" != w.changed {
			t.Errorf("%s: changed [%s], want %s", w.path, got, w.changed)
		}
		if len(p.Deleted) != 0 {
			t.Errorf("%s deleted %v: the session was touched", w.path, changeNames(p.Deleted))
		}
		sent := inspect.SentNames(p.Sent)
		if !slices.Contains(sent, "pf_u") || strings.HasPrefix(w.path, "/admin/") != slices.Contains(sent, "pf_k") {
			t.Errorf("%s was sent %v: want pf_u, and pf_k (path /admin) on the admin pages only", w.path, sent)
		}
	}
	var excluded []string
	for _, e := range c.ExcludedExamples {
		excluded = append(excluded, strings.TrimPrefix(e.URL, base)+" ("+e.Pattern+")")
	}
	wantExcluded := []string{"/logout (" + crawl.DefaultExcludes[0] + ")", "/admin/users/7/delete (" + crawl.DefaultExcludes[0] + ")"}
	if !slices.Equal(excluded, wantExcluded) || c.Excluded != 2 {
		t.Errorf("excluded %d: %v, want %v", c.Excluded, excluded, wantExcluded)
	}
	if c.Start[0] != admin || c.Visited != 6 || c.Skipped != 1 || c.LimitReached || c.Unvisited != 0 || c.Step != "step 3 (crawl.yaml:6)" || c.Line != 6 {
		t.Errorf("crawl %+v", c)
	}
	for _, name := range lab.PortalCookies {
		if strings.HasPrefix(name.Name, "pf_") && !slices.ContainsFunc(tg.Cookies, func(c inspect.Cookie) bool { return c.Name == name.Name }) {
			t.Errorf("the jar lost %s after the crawl", name.Name)
		}
	}
}

func TestACrawlWithoutTheDefaultExcludesLogsTheVictimOut(t *testing.T) {
	// The same crawl, told to follow every link: the logout is followed,
	// and the admin page no longer shows the user. The default excludes
	// are what keeps the first test logged in.
	tg := runScenarios(t, []Scenario{portalCrawl(t, "crawl: {max: 10, excludeDefaults: false}")}, 1)[0]
	if tg.Error != "" || len(tg.Crawl) != 1 {
		t.Fatalf("error %q, %d crawls", tg.Error, len(tg.Crawl))
	}
	loggedOut := false
	for _, p := range tg.Crawl[0].Pages {
		if strings.HasSuffix(p.URL, "/logout") || strings.HasSuffix(p.URL, "/delete") {
			loggedOut = loggedOut || slices.Contains(changeNames(p.Deleted), "pf_u") || strings.HasSuffix(p.URL, "/delete")
		}
	}
	if !loggedOut || len(tg.Expectations) != 1 || tg.Expectations[0].Passed {
		t.Errorf("logged out %v, expectations %+v: following the logout should have ended the session", loggedOut, tg.Expectations)
	}
}

func TestACrawlBeforeAnyPageSaysToLoadOneFirst(t *testing.T) {
	scs, err := Parse("first.yaml", []byte("name: nothing to crawl from\nlab: portal\nsteps:\n  - crawl: {max: 3}\n"), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	tg := runScenarios(t, scs, 1)[0]
	if !strings.Contains(tg.Error, "first.yaml:4: step 1 (crawl: 3 pages at most): the victim's browser shows no web page to crawl from") || !strings.Contains(tg.Error, "goto") {
		t.Errorf("error %q", tg.Error)
	}
}
