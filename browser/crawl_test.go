package browser

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// crawlSite crawls the lab's small site from its home with workers.
func crawlSite(t *testing.T, max, workers int, exclude ...string) ([]inspect.Target, inspect.Crawl) {
	t.Helper()
	b := needBrowser(t)
	var res []*regexp.Regexp
	for _, e := range exclude {
		res = append(res, regexp.MustCompile(e))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	targets, summary, complete, err := b.CrawlURLs(ctx, []string{siteURL(lab.SitePath)}, workers, LoadOptions{Timeout: 20 * time.Second}, CrawlOptions{Max: max, Exclude: res}, nil)
	if err != nil || !complete {
		t.Fatalf("crawl: complete %v, error %v", complete, err)
	}
	return targets, summary
}

func siteURL(path string) string {
	if path == "" {
		return ""
	}
	return testLab.URL(true, lab.AppHost, path)
}

func TestACrawlVisitsEveryPageOfTheSiteOnceAndSaysWhatItSkipped(t *testing.T) {
	targets, summary := crawlSite(t, 100, 1)
	var got, want []string
	for _, tg := range targets {
		got = append(got, tg.URL+" <- "+tg.DiscoveredFrom)
	}
	for _, p := range lab.SitePages {
		want = append(want, siteURL(p.Path)+" <- "+siteURL(p.From))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the crawl visited, in order:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for i, p := range lab.SitePages {
		tg := targets[i]
		if tg.Error != "" {
			t.Errorf("%s: error %s", p.Path, tg.Error)
		}
		wantStatus := 200
		if p.Not == lab.SiteRedirect {
			wantStatus = 302
		}
		if tg.Status != wantStatus {
			t.Errorf("%s: status %d, want %d", p.Path, tg.Status, wantStatus)
		}
		var names []string
		for _, c := range tg.Cookies {
			names = append(names, c.Name)
		}
		if p.Cookie != "" && !slices.Contains(names, p.Cookie) {
			t.Errorf("%s: jar %v lacks %s: each page is inspected as a target of its own", p.Path, names, p.Cookie)
		}
		if len(names) > 2 {
			t.Errorf("%s: jar %v: the context was not clean", p.Path, names)
		}
		wantSkipped := map[string]string{
			lab.SitePDF:      "not HTML (application/pdf)",
			lab.SiteDownload: "a download (Content-Disposition: attachment)",
			lab.SiteRedirect: "redirects off the site, to https://" + lab.WidgetHost + ":",
		}[p.Not]
		if !strings.HasPrefix(tg.Skipped, wantSkipped) || (wantSkipped == "") != (tg.Skipped == "") {
			t.Errorf("%s: skipped %q, want %q", p.Path, tg.Skipped, wantSkipped)
		}
		if p.Not != "" && (len(tg.Frames) > 0 || tg.FinalURL != siteURL(p.Path)) {
			t.Errorf("%s: a skipped page was read as a document: frames %v, final URL %s", p.Path, tg.Frames, tg.FinalURL)
		}
		for _, r := range tg.Requests {
			if strings.Contains(r.URL, lab.WidgetHost) {
				t.Errorf("%s: the crawl left the site: it requested %s", p.Path, r.URL)
			}
		}
	}
	if summary.Visited != len(lab.SitePages) || summary.Skipped != 3 || summary.Unvisited != 0 || summary.LimitReached || summary.OffSite != 1 || summary.Excluded != 0 {
		t.Errorf("summary %+v", summary)
	}
}

func TestACrawlKeepsItsLimitAndSaysWhatItLeft(t *testing.T) {
	targets, summary := crawlSite(t, 9, 1, `/logout`)
	var got []string
	for _, tg := range targets {
		got = append(got, strings.TrimPrefix(tg.URL, siteURL("")))
	}
	var want []string
	for _, p := range lab.SitePages {
		if p.Path != "/site/logout" {
			want = append(want, siteURL(p.Path))
		}
	}
	if len(targets) != 9 {
		t.Fatalf("%d pages visited, want 9: %v", len(targets), got)
	}
	for i, tg := range targets {
		if tg.URL != want[i] {
			t.Errorf("page %d is %s, want %s", i+1, tg.URL, want[i])
		}
	}
	wantLeft := []string{siteURL("/site/products?page=3")}
	if !summary.LimitReached || summary.Unvisited != 1 || !slices.Equal(summary.UnvisitedExamples, wantLeft) || summary.Max != 9 {
		t.Errorf("summary %+v, want the limit reached with 1 page left (%v)", summary, wantLeft)
	}
	if summary.Excluded != 1 || summary.ExcludedExamples[0].URL != siteURL("/site/logout") || summary.ExcludedExamples[0].Pattern != "/logout" || summary.ExcludedExamples[0].DiscoveredFrom != siteURL(lab.SitePath) {
		t.Errorf("excluded %d: %+v", summary.Excluded, summary.ExcludedExamples)
	}
}

func TestACrawlGoesInTheSameOrderWithTwoWorkers(t *testing.T) {
	one, _ := crawlSite(t, 100, 1)
	two, _ := crawlSite(t, 100, 2)
	urls := func(ts []inspect.Target) []string {
		var out []string
		for _, tg := range ts {
			out = append(out, tg.URL+" <- "+tg.DiscoveredFrom)
		}
		return out
	}
	if !slices.Equal(urls(one), urls(two)) {
		t.Errorf("one worker:\n  %s\ntwo workers:\n  %s", strings.Join(urls(one), "\n  "), strings.Join(urls(two), "\n  "))
	}
}

func TestACrawlStoppedMidwayEndsEveryWorkerAndKeepsThePagesDone(t *testing.T) {
	b := needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Stopped once the start page is done: a second worker is then waiting
	// for its links, and must wake and end (the test would hang if not).
	stopAfterFirst := func(inspect.Target, int, int, int) { cancel() }
	done := make(chan struct{})
	var targets []inspect.Target
	var complete bool
	go func() {
		defer close(done)
		targets, _, complete, _ = b.CrawlURLs(ctx, []string{siteURL(lab.SitePath)}, 2, LoadOptions{Timeout: 20 * time.Second}, CrawlOptions{Max: 100}, stopAfterFirst)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("CrawlURLs did not return after its context ended")
	}
	if complete || len(targets) == 0 || len(targets) >= len(lab.SitePages) || targets[0].URL != siteURL(lab.SitePath) {
		t.Errorf("complete %v with %d targets: want the pages done before the stop, and no more", complete, len(targets))
	}
}
