package crawl

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		description string
		raw         string
		want        string
		ok          bool
	}{
		{"a fragment names a place in the same document: dropped", "https://app.test/site/a#top", "https://app.test/site/a", true},
		{"an empty fragment is dropped too", "https://app.test/site/a#", "https://app.test/site/a", true},
		{"the query may name another document: kept", "https://app.test/site/list?page=2#x", "https://app.test/site/list?page=2", true},
		{"scheme and host in lower case", "HTTPS://App.Test/Site/A", "https://app.test/Site/A", true},
		{"a default port is dropped", "https://app.test:443/a", "https://app.test/a", true},
		{"another port is kept", "https://app.test:8443/a", "https://app.test:8443/a", true},
		{"an empty path is /", "https://app.test", "https://app.test/", true},
		{"user info never reaches a crawl's key", "https://user:pw@app.test/a", "https://app.test/a", true},
		{"mailto is no page", "mailto:a@app.test", "", false},
		{"javascript is no page", "javascript:void(0)", "", false},
		{"a relative reference is not resolved here", "/site/a", "", false},
		{"an IPv6 literal keeps its brackets", "http://[::1]:8080/a#b", "http://[::1]:8080/a", true},
	}
	for _, tt := range tests {
		got, ok := Normalize(tt.raw)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: Normalize(%q) = %q, %v; want %q, %v", tt.description, tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSite(t *testing.T) {
	tests := []struct {
		description string
		a, b        string
		same        bool
	}{
		{"a subdomain is the same site", "https://app.test/", "https://sub.app.test:8443/x", true},
		{"the port is not part of the site", "https://app.test:1/", "https://app.test:2/", true},
		{"the scheme is: http is another site than https", "https://app.test/", "http://app.test/", false},
		{"another registrable domain is another site", "https://app.test/", "https://widget.test/", false},
		{"hosts under a public suffix are sites of their own", "https://a.github.io/", "https://b.github.io/", false},
		{"an IP address is its own site", "http://127.0.0.1:1/", "http://127.0.0.1:2/", true},
		{"two IP addresses are two sites", "http://127.0.0.1/", "http://127.0.0.2/", false},
	}
	for _, tt := range tests {
		a, _ := Site(tt.a)
		b, _ := Site(tt.b)
		if (a == b) != tt.same {
			t.Errorf("%s: Site(%q) = %q, Site(%q) = %q", tt.description, tt.a, a, tt.b, b)
		}
	}
}

// site is a deterministic site for the frontier: each page's links, in the
// order the page lists them.
var site = map[string][]string{
	"https://app.test/site/": {
		"https://app.test/site/b", "https://app.test/site/a#part", "https://app.test/site/a",
		"https://widget.test/", "https://app.test/site/report.pdf", "https://app.test/logout", "mailto:x@app.test",
	},
	"https://app.test/site/a":          {"https://app.test/site/", "https://app.test/site/c", "https://sub.app.test/x"},
	"https://app.test/site/b":          {"https://app.test/site/a", "http://app.test/site/insecure"},
	"https://app.test/site/c":          {"https://app.test/site/d"},
	"https://app.test/site/report.pdf": nil,
	"https://sub.app.test/x":           nil,
	"https://app.test/site/d":          nil,
}

// walk crawls site in batches of n, as workers would, and returns the
// pages visited, each as "URL <- From".
func walk(t *testing.T, f *Frontier, n int) []string {
	t.Helper()
	var visited []string
	for {
		batch := f.Next(n)
		if len(batch) == 0 {
			return visited
		}
		for _, l := range batch {
			visited = append(visited, l.URL+" <- "+l.From)
			f.Found(l, l.URL, site[l.URL])
		}
	}
}

func TestFrontier(t *testing.T) {
	logout := regexp.MustCompile(`logout`)
	tests := []struct {
		description string
		starts      []string
		max         int
		exclude     []*regexp.Regexp
		want        []string
		summary     Summary
	}{
		{
			description: "breadth first, each page's new links sorted: the loop back to the start once, the fragment duplicate once, nothing off the site",
			starts:      []string{"https://app.test/site/"}, max: 100, exclude: []*regexp.Regexp{logout},
			want: []string{
				"https://app.test/site/ <- ",
				"https://app.test/site/a <- https://app.test/site/",
				"https://app.test/site/b <- https://app.test/site/",
				"https://app.test/site/report.pdf <- https://app.test/site/",
				"https://app.test/site/c <- https://app.test/site/a",
				"https://sub.app.test/x <- https://app.test/site/a",
				"https://app.test/site/d <- https://app.test/site/c",
			},
			summary: Summary{Visited: 7, Found: 7, Excluded: 1, ExcludedExamples: []Excluded{{URL: "https://app.test/logout", Pattern: "logout", From: "https://app.test/site/"}}, OffSite: 2},
		},
		{
			description: "the limit counts the start URL and says what it left",
			starts:      []string{"https://app.test/site/"}, max: 3, exclude: []*regexp.Regexp{logout},
			want: []string{
				"https://app.test/site/ <- ",
				"https://app.test/site/a <- https://app.test/site/",
				"https://app.test/site/b <- https://app.test/site/",
			},
			summary: Summary{Visited: 3, Found: 6, Unvisited: 3, LimitReached: true, UnvisitedExamples: []string{"https://app.test/site/report.pdf", "https://app.test/site/c", "https://sub.app.test/x"},
				Excluded: 1, ExcludedExamples: []Excluded{{URL: "https://app.test/logout", Pattern: "logout", From: "https://app.test/site/"}}, OffSite: 2},
		},
		{
			description: "a start URL is visited even when a pattern matches it, and two spellings of it once",
			starts:      []string{"https://app.test/logout", "HTTPS://APP.TEST:443/logout#x"}, max: 5, exclude: []*regexp.Regexp{logout},
			want:    []string{"https://app.test/logout <- "},
			summary: Summary{Visited: 1, Found: 1},
		},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 2, 100} {
			f, err := NewFrontier(tt.starts, tt.max, tt.exclude)
			if err != nil {
				t.Fatalf("%s: %v", tt.description, err)
			}
			got := walk(t, f, n)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s (batches of %d):\n got %s\nwant %s", tt.description, n, strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
			s := f.Summary()
			if !summaryEqual(s, tt.summary) {
				t.Errorf("%s (batches of %d): summary %+v, want %+v", tt.description, n, s, tt.summary)
			}
		}
	}
}

func summaryEqual(a, b Summary) bool {
	return a.Visited == b.Visited && a.Found == b.Found && a.Unvisited == b.Unvisited && a.LimitReached == b.LimitReached &&
		slices.Equal(a.UnvisitedExamples, b.UnvisitedExamples) && a.Excluded == b.Excluded &&
		slices.Equal(a.ExcludedExamples, b.ExcludedExamples) && a.OffSite == b.OffSite
}

func TestAStartURLThatRedirectsToAnotherSiteCrawlsThatSite(t *testing.T) {
	f, err := NewFrontier([]string{"http://example.com/"}, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := f.Next(1)[0]
	if !start.OnSite("https://www.example.com/") {
		t.Error("the start URL may not redirect to https")
	}
	f.Found(start, "https://www.example.com/", []string{"https://www.example.com/", "https://example.com/about", "http://example.com/old"})
	next := f.Next(10)
	if len(next) != 1 || next[0].URL != "https://example.com/about" || next[0].From != "http://example.com/" {
		t.Fatalf("next %+v, want https://example.com/about found on the start URL", next)
	}
	if next[0].OnSite("http://example.com/x") || !next[0].OnSite("https://cdn.example.com/x") {
		t.Error("a page found on the start URL keeps to the site it ended on")
	}
	if s := f.Summary(); s.OffSite != 1 {
		t.Errorf("off site %d, want 1 (http://example.com/old)", s.OffSite)
	}
}

func TestFrontierRefuses(t *testing.T) {
	tests := []struct {
		description string
		starts      []string
		max         int
		mentions    string
	}{
		{"no pages at all", []string{"https://app.test/"}, 0, "want 1 or more"},
		{"more start URLs than pages", []string{"https://app.test/a", "https://app.test/b"}, 1, "crawl 2 pages at least"},
		{"a start URL that is no web page", []string{"ftp://app.test/"}, 3, "not an http or https URL"},
	}
	for _, tt := range tests {
		_, err := NewFrontier(tt.starts, tt.max, nil)
		if err == nil || !strings.Contains(err.Error(), tt.mentions) {
			t.Errorf("%s: error %v, want one that mentions %q", tt.description, err, tt.mentions)
		}
	}
}

func TestTheDefaultExcludesKeepALoggedInCrawlAwayFromLogoutAndDeletion(t *testing.T) {
	res, err := CompileExcludes(DefaultExcludes)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url      string
		excluded bool
	}{
		{"https://portal.test/logout", true},
		{"https://portal.test/Log-Out", true},
		{"https://portal.test/auth/sign_out?next=/", true},
		{"https://portal.test/signout", true},
		{"https://portal.test/logoff.php", true},
		{"https://portal.test/admin/users/7/delete", true},
		{"https://portal.test/cart?remove=3", true},
		{"https://portal.test/session/destroy", true},
		{"https://portal.test/admin/reports", false},
		{"https://portal.test/account", false},
		{"https://portal.test/login", false},
	}
	for _, tt := range tests {
		matched := false
		for _, re := range res {
			matched = matched || re.MatchString(tt.url)
		}
		if matched != tt.excluded {
			t.Errorf("%s: excluded %v, want %v", tt.url, matched, tt.excluded)
		}
	}
}

func TestCompileExcludesNamesThePattern(t *testing.T) {
	_, err := CompileExcludes([]string{"ok", "(unclosed"})
	if err == nil || !strings.Contains(err.Error(), `"(unclosed"`) || strings.Contains(err.Error(), "error parsing regexp") {
		t.Errorf("error %v, want one that names the pattern and says what is wrong", err)
	}
}
