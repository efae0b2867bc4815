package browser

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/crawl"
	"github.com/cookiescope/cookiescope/lab"
)

// benchCrawlExclude keeps both crawlers to the site's HTML pages: a bare
// chromedp loop has no answer to a PDF (Chrome's viewer) or a download
// (no load event), so the pages they skip are left out of the comparison.
var benchCrawlExclude = []*regexp.Regexp{regexp.MustCompile(`\.(pdf|csv)$`)}

// BenchmarkCrawl measures pages per second of inspect --crawl (one worker,
// the default) over the lab's small site, each iteration a whole crawl from
// its home, against a bare chromedp crawler of the same pages in the same
// order (the same crawl.Frontier) with the same isolation rule, a clean
// jar per page: in one warm tab of a browser context of its own, clear the
// cookies, navigate, read the links with a.href, read the cookies; no
// recorder, no settling, no readability, no proof of a clean context. Each
// crawl, ours and the bare one alike, starts from the running browser and
// opens its tab in a browser context of its own and closes it when done
// (opening costs either about 200 ms, in Chrome). Run it with -benchtime
// 10x (make bench); -benchtime 1x checks that it runs.
func BenchmarkCrawl(b *testing.B) {
	br := needBrowser(b)
	start := testLab.URL(true, lab.AppHost, lab.SitePath)
	var oursPerPage, barePerPage time.Duration
	b.Run("cookiescope", func(b *testing.B) {
		pages := 0
		b.ResetTimer()
		began := time.Now()
		for range b.N {
			targets, _, complete, err := br.CrawlURLs(context.Background(), []string{start}, 1, LoadOptions{}, CrawlOptions{Max: 100, Exclude: benchCrawlExclude}, nil)
			if err != nil || !complete {
				b.Fatalf("crawl: complete %v, %v", complete, err)
			}
			for _, t := range targets {
				if t.Error != "" {
					b.Fatalf("%s: %s", t.URL, t.Error)
				}
			}
			pages += len(targets)
		}
		elapsed := time.Since(began)
		b.StopTimer()
		oursPerPage = elapsed / time.Duration(pages)
		b.ReportMetric(float64(pages)/elapsed.Seconds(), "pages/s")
	})
	b.Run("bare", func(b *testing.B) {
		pages := 0
		b.ResetTimer()
		began := time.Now()
		for range b.N {
			tab := newFloorTab(b, br)
			pages += bareCrawl(b, tab, start)
			tab.close()
		}
		elapsed := time.Since(began)
		b.StopTimer()
		barePerPage = elapsed / time.Duration(pages)
		b.ReportMetric(float64(pages)/elapsed.Seconds(), "pages/s")
	})
	if oursPerPage > 0 && barePerPage > 0 {
		fmt.Printf("crawl: %v a page with cookiescope, %v with a bare chromedp crawler: ratio ours/bare %.2f\n", oursPerPage.Round(100*time.Microsecond), barePerPage.Round(100*time.Microsecond), float64(oursPerPage)/float64(barePerPage))
	}
}

// bareLinks reads a page's links as the bare crawler does: in the page's
// own world.
const bareLinks = `Array.from(document.querySelectorAll("a[href], area[href]"), (a) => a.href)`

// bareCrawl crawls the site from start in the bare tab and returns how
// many pages it loaded; each page must set a cookie (the logout page
// deletes one instead).
func bareCrawl(b *testing.B, tab *floorTab, start string) int {
	logout := testLab.URL(true, lab.AppHost, "/site/logout")
	f, err := crawl.NewFrontier([]string{start}, 100, benchCrawlExclude)
	if err != nil {
		b.Fatal(err)
	}
	pages := 0
	for {
		next := f.Next(1)
		if len(next) == 0 {
			return pages
		}
		link := next[0]
		if _, err := chromedp.CallBrowser(tab.ctx, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: tab.contextID}); err != nil {
			b.Fatal(err)
		}
		if err := chromedp.Do(tab.ctx, chromedp.Navigate(link.URL)); err != nil {
			b.Fatalf("%s: %v", link.URL, err)
		}
		links, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]string](bareLinks))
		if err != nil {
			b.Fatalf("%s: links: %v", link.URL, err)
		}
		res, err := chromedp.CallBrowser(tab.ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: tab.contextID})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Cookies) == 0 && link.URL != logout {
			b.Fatalf("%s: no cookies", link.URL)
		}
		f.Found(link, link.URL, links)
		pages++
	}
}
