package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/report"
)

// progress writes a line to stderr per finished target and, on a
// terminal, a live counter below the last one, rewritten in place.
type progress struct {
	w     io.Writer
	live  bool
	total int
	start time.Time
	// mu guards finished and counting; done may be called from the
	// workers' goroutines.
	mu       sync.Mutex
	finished int
	// counting says the counter is on the last line, unended: whatever
	// comes next must clear it first.
	counting bool
}

// newProgress returns the progress of a run of total targets started at
// start; live is whether w is a terminal.
func newProgress(w io.Writer, live bool, total int, start time.Time) *progress {
	return &progress{w: w, live: live, total: total, start: start}
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\033[K"

// done writes the line of a finished target, and the counter when live and
// targets remain. Page-supplied text is made inert.
func (p *progress) done(t inspect.Target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	prefix := ""
	if p.counting {
		prefix = clearLine
	}
	fmt.Fprintf(p.w, "%s[%d/%d] %s: %s (%.2fs)\n", prefix, p.finished, p.total, report.Inert(t.URL), report.Inert(targetStatus(t)), float64(t.DurationMS)/1000)
	p.counting = false
	if p.live && p.finished < p.total {
		fmt.Fprintf(p.w, "%d of %d done, %s elapsed...", p.finished, p.total, time.Since(p.start).Round(time.Second))
		p.counting = true
	}
}

// crawled writes the line of a page a crawl finished, which counts the
// pages done, found and left, and the counter when live and pages remain.
// Page-supplied text is made inert.
func (p *progress) crawled(t inspect.Target, visited, found, left int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished = visited
	prefix := ""
	if p.counting {
		prefix = clearLine
	}
	fmt.Fprintf(p.w, "%s[%d done, %d left, %d found] %s: %s (%.2fs)\n", prefix, visited, left, found, report.Inert(t.URL), report.Inert(targetStatus(t)), float64(t.DurationMS)/1000)
	p.counting = false
	if p.live && left > 0 {
		fmt.Fprintf(p.w, "crawling: %d done, %d left, %s elapsed...", visited, left, time.Since(p.start).Round(time.Second))
		p.counting = true
	}
}

// finish erases the counter if it is on the line, so that an interrupted
// run's message and the report that follows start on a clean line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.counting {
		fmt.Fprint(p.w, clearLine)
		p.counting = false
	}
}

// targetStatus sums a finished target up in a few words.
func targetStatus(t inspect.Target) string {
	if t.Scenario != "" {
		failed := 0
		for _, e := range t.Expectations {
			if !e.Passed {
				failed++
			}
		}
		status := fmt.Sprintf("scenario %q (%s): %s, %d failed", t.Scenario, t.File, count(len(t.Expectations), "expectation", "expectations"), failed)
		if t.Error != "" {
			status += "; ERROR: " + t.Error
		}
		return status
	}
	if t.Error != "" {
		return "ERROR: " + t.Error
	}
	status := fmt.Sprintf("%s, %d blocked", count(len(t.Cookies), "cookie", "cookies"), len(t.Blocked))
	if t.Skipped != "" {
		status += "; skipped: " + t.Skipped
	}
	if len(t.Probes) > 0 {
		vulnerable := 0
		for _, p := range t.Probes {
			if p.Verdict == inspect.Vulnerable {
				vulnerable++
			}
		}
		status += fmt.Sprintf(", %s, %d vulnerable", count(len(t.Probes), "probe row", "probe rows"), vulnerable)
	}
	return status
}

// count writes n with the noun in the singular or the plural.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
