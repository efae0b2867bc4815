package browser

import (
	"context"
	"regexp"
	"sync"

	"github.com/cookiescope/cookiescope/crawl"
	"github.com/cookiescope/cookiescope/inspect"
)

// CrawlOptions say what a crawl follows.
type CrawlOptions struct {
	// Max is the most pages the crawl loads, the start URLs among them.
	Max int
	// Exclude are patterns of links not to follow (start URLs are loaded
	// all the same).
	Exclude []*regexp.Regexp
}

// CrawlProgress is told about each page crawled, from the goroutine of the
// worker that inspected it; calls are serialised. visited counts the pages
// done, found the pages of the site known so far, left those still to load
// within the limit.
type CrawlProgress func(t inspect.Target, visited, found, left int)

// CrawlURLs inspects the start URLs and the pages of their sites they link,
// breadth first, at most opts.Max pages in all, each as a target in a clean
// context exactly as InspectURLs does (see Worker.InspectCrawled for the
// pages that are not HTML), with up to workers workers. The targets come in
// crawl order, each with DiscoveredFrom; summary says what the crawl left.
//
// The order does not depend on the number of workers or on which page
// loads first: pages are handed out in the order of the queue, and the
// links of a page join the queue only once every page handed out before it
// has joined its own (see crawl.Frontier for the order). A worker that
// finds the queue empty while pages are still loading waits for them.
// When ctx ends, the pages being loaded finish with what they captured, no
// other starts, and complete is false. A browser that dies is handled as
// in Each.
func (b *Browser) CrawlURLs(ctx context.Context, starts []string, workers int, opts LoadOptions, c CrawlOptions, progress CrawlProgress) (targets []inspect.Target, summary inspect.Crawl, complete bool, err error) {
	f, err := crawl.NewFrontier(starts, c.Max, c.Exclude)
	if err != nil {
		return nil, summary, false, err
	}
	live := b.live()
	if workers < 1 {
		workers = max(len(live), DefaultWorkers)
	}
	run := &crawlRun{f: f}
	run.more = sync.NewCond(&run.mu)
	opened, err := b.openWorkers(ctx, live, min(workers, c.Max))
	if err != nil {
		if ctx.Err() != nil {
			err = nil // interrupted before any page
		}
		return nil, run.summary(starts, c), false, err
	}
	// A worker waiting for links must wake when the run is stopped.
	stop := context.AfterFunc(ctx, func() {
		run.mu.Lock()
		run.more.Broadcast()
		run.mu.Unlock()
	})
	defer stop()
	var progressMu sync.Mutex
	var wg sync.WaitGroup
	for _, w := range opened {
		wg.Go(func() {
			defer func() { w.Close() }()
			for {
				i, link, ok := run.take(ctx)
				if !ok {
					return
				}
				var t inspect.Target
				var links []string
				t, w = b.runItem(ctx, w, func(w *Worker) inspect.Target {
					t, found := w.InspectCrawled(ctx, link.URL, opts, link.OnSite)
					links = found
					return t
				})
				t.DiscoveredFrom = link.From
				visited, found, left := run.finish(i, t, links)
				if progress != nil {
					progressMu.Lock()
					progress(t, visited, found, left)
					progressMu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	complete = ctx.Err() == nil
	for _, p := range run.pages {
		if p.target == nil {
			complete = false
			continue
		}
		targets = append(targets, *p.target)
	}
	return targets, run.summary(starts, c), complete, nil
}

// crawlRun hands a crawl's pages out to its workers and takes their links
// back in crawl order.
type crawlRun struct {
	// mu guards the fields below; more is signalled, under it, when the
	// queue may have grown or the run has ended. No command is sent and no
	// callback called while it is held.
	mu   sync.Mutex
	more *sync.Cond
	f    *crawl.Frontier
	// pages are the pages handed out, in order; committed counts those
	// whose links the frontier has had, running those still loading.
	pages     []crawledPage
	committed int
	running   int
}

// crawledPage is a page handed out, and once done its target and links.
type crawledPage struct {
	link   crawl.Link
	target *inspect.Target
	links  []string
}

// take hands out the next page to load, waiting while the queue is empty
// and pages still loading may add to it; ok is false when the crawl is
// done or ctx has ended.
func (r *crawlRun) take(ctx context.Context) (i int, link crawl.Link, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if ctx.Err() != nil {
			return 0, crawl.Link{}, false
		}
		if next := r.f.Next(1); len(next) == 1 {
			r.pages = append(r.pages, crawledPage{link: next[0]})
			r.running++
			return len(r.pages) - 1, next[0], true
		}
		if r.running == 0 {
			return 0, crawl.Link{}, false
		}
		r.more.Wait()
	}
}

// finish keeps page i's target and links, gives the frontier the links of
// every page done in a row from the first not yet given, and returns the
// counts for progress.
func (r *crawlRun) finish(i int, t inspect.Target, links []string) (visited, found, left int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages[i].target, r.pages[i].links = &t, links
	r.running--
	for r.committed < len(r.pages) && r.pages[r.committed].target != nil {
		p := r.pages[r.committed]
		r.f.Found(p.link, p.target.FinalURL, p.links)
		r.pages[r.committed].links = nil
		r.committed++
	}
	r.more.Broadcast()
	done := 0
	for _, p := range r.pages {
		if p.target != nil {
			done++
		}
	}
	s := r.f.Summary()
	return done, s.Found, r.f.Left() + r.running
}

// summary is the crawl's report: what the frontier says, with the pages
// that were skipped counted and Visited the pages done.
func (r *crawlRun) summary(starts []string, c CrawlOptions) inspect.Crawl {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := crawl.Report(r.f.Summary(), starts, c.Max, c.Exclude)
	out.Visited = 0
	for _, p := range r.pages {
		if p.target == nil {
			continue
		}
		out.Visited++
		if p.target.Skipped != "" {
			out.Skipped++
		}
	}
	return out
}
