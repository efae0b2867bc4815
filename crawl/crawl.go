// Package crawl decides which links a crawl follows and in which order: a
// breadth-first walk over the links of one site, bounded by a number of
// pages, with patterns that keep links from being followed. It is pure Go
// and knows no browser: package browser loads the pages and reads their
// links, and the walk here is tested with plain values. It imports only
// inspect, for the report's account of a crawl.
package crawl

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/cookiescope/cookiescope/inspect"
)

// DefaultExcludes are the patterns a scenario's crawl step never follows a
// link that matches, unless told otherwise: links that look like they log
// the user out or delete something. A logged-in crawl that followed them
// would end the session it is there to look at, or destroy data.
//
// They are a guess from the URL's text, not a guarantee: a site whose
// logout is /bye, or whose GET links change state under other names, needs
// patterns of its own.
var DefaultExcludes = []string{`(?i)log-?out|sign-?out|log_out|sign_out|logoff|delete|remove|destroy`}

// CompileExcludes compiles exclude patterns (Go's regexp syntax, matched
// anywhere in the absolute URL). The error names the pattern that does not
// compile.
func CompileExcludes(patterns []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(patterns))
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("%q is not a regular expression: %v", p, unwrapSyntax(err))
		}
		out = append(out, re)
	}
	return out, nil
}

// unwrapSyntax drops the "error parsing regexp: " that regexp puts before
// what is wrong.
func unwrapSyntax(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// Normalize returns the URL a crawl keys a link by: an absolute http or
// https URL without its fragment (a fragment names a place in the same
// document), with its scheme and host in lower case, without a default
// port, and with "/" for an empty path; the query is kept, as it may name
// another document. ok is false for anything that is not an absolute http
// or https URL (mailto:, javascript:, data:, a relative reference).
func Normalize(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" {
		return "", false
	}
	u.Fragment, u.RawFragment = "", ""
	u.User = nil
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	if u.Path == "" && u.RawPath == "" && u.Opaque == "" {
		u.Path = "/"
	}
	return u.String(), true
}

// Site is the site of an absolute URL, as a crawl keeps to it: its scheme
// and its registrable domain (the public suffix plus one label, from the
// public suffix list), or its host when it has none (an IP address, a name
// such as localhost). The scheme is part of it, as in Chrome's schemeful
// same-site: a crawl of https://example.com does not follow a link to
// http://example.com. The port is not. ok is false when raw is not an
// absolute http or https URL.
func Site(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if net.ParseIP(host) == nil {
		if etld1, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
			host = etld1
		}
	}
	return strings.ToLower(u.Scheme) + "://" + host, true
}

// Link is a page a crawl visits.
type Link struct {
	// URL is the page's normalised URL (see Normalize).
	URL string
	// From is the URL of the page the link was found on; empty for a
	// start URL.
	From string
	// site is the site of the start URL the link descends from: the links
	// found on the page are followed only when they are on it.
	site string
}

// Excluded is a same-site link a crawl did not follow because a pattern
// matched it.
type Excluded struct {
	URL string
	// Pattern is the first pattern that matched.
	Pattern string
	// From is the page the link was found on.
	From string
}

// examples is how many unvisited and excluded links a Summary names.
const examples = 5

// Summary is what a crawl did, in counts, with a few examples.
type Summary struct {
	// Visited counts the links handed out by Next: the pages loaded.
	Visited int
	// Found counts the distinct pages of the site the crawl knew of: the
	// start URLs and every same-site link not excluded.
	Found int
	// Unvisited counts the pages found but never loaded (the limit was
	// reached, or the crawl was stopped); UnvisitedExamples names the first
	// few, in crawl order. Pages never loaded may link to more, which no
	// crawl saw. LimitReached says the limit left them.
	Unvisited         int
	LimitReached      bool
	UnvisitedExamples []string
	// Excluded counts the distinct same-site links a pattern kept from
	// being followed; ExcludedExamples are the first few.
	Excluded         int
	ExcludedExamples []Excluded
	// OffSite counts the distinct http(s) links to other sites, never
	// followed.
	OffSite int
}

// Frontier is a breadth-first crawl of at most Max pages: it hands out the
// start URLs first, then the links found on each page in the order the
// pages were handed out, each page's new links sorted by URL. Sorting makes
// two crawls of a site that does not change visit the same pages in the
// same order, also when the site lists its links in another order each
// time; the order of a page's links in its document decides nothing.
//
// A link is followed when it is an http(s) URL of the same site (see Site)
// as the start URL its page descends from, no pattern matches it, and it
// was not seen before. Start URLs are always visited (the user asked for
// them), patterns or not. A Frontier is not safe for concurrent use.
type Frontier struct {
	max     int
	exclude []*regexp.Regexp
	// seen holds every URL handed out or queued, and every URL whose fate
	// (excluded, off the site) is decided: each is counted once.
	seen     map[string]bool
	queue    []Link
	visited  int
	found    int
	excluded []Excluded
	offSite  int
}

// NewFrontier starts a crawl of at most max pages from the start URLs,
// which count among them. Start URLs that normalise to the same URL are
// visited once. It is an error when a start URL is not an absolute http(s)
// URL or when there are more start URLs than max.
func NewFrontier(starts []string, max int, exclude []*regexp.Regexp) (*Frontier, error) {
	if max < 1 {
		return nil, fmt.Errorf("a crawl of %d pages: want 1 or more", max)
	}
	f := &Frontier{max: max, exclude: exclude, seen: make(map[string]bool)}
	for _, raw := range starts {
		u, ok := Normalize(raw)
		if !ok {
			return nil, fmt.Errorf("%q is not an http or https URL", raw)
		}
		if f.seen[u] {
			continue
		}
		site, _ := Site(u)
		f.seen[u] = true
		f.found++
		f.queue = append(f.queue, Link{URL: u, site: site})
	}
	if len(f.queue) > max {
		return nil, fmt.Errorf("%d start URLs and a crawl of at most %d pages: the start URLs count among the pages; crawl %d pages at least", len(f.queue), max, len(f.queue))
	}
	return f, nil
}

// Next hands out up to n pages to visit now, in crawl order, within the
// limit; none when the queue is empty or the limit is reached.
func (f *Frontier) Next(n int) []Link {
	n = min(n, len(f.queue), f.max-f.visited)
	if n <= 0 {
		return nil
	}
	out := slices.Clone(f.queue[:n])
	f.queue = f.queue[n:]
	f.visited += n
	return out
}

// Left is how many pages the crawl will still hand out if no more links
// are found: those queued, within the limit.
func (f *Frontier) Left() int {
	return min(len(f.queue), f.max-f.visited)
}

// Found offers the links read on the page of page: absolute URLs, in any
// order, repeats and links to other sites included. finalURL is where the
// page ended up after redirects ("" when it did not load): it is marked
// seen, so that a link to it is not visited again. The links are
// followed as Frontier says. A start URL may have been redirected to
// another site (http to https, example.com to www.example.com): the site
// of the crawl from it is where it ended.
func (f *Frontier) Found(page Link, finalURL string, links []string) {
	if u, ok := Normalize(finalURL); ok {
		f.seen[u] = true
		if page.From == "" {
			page.site, _ = Site(u)
		}
	}
	var fresh []string
	for _, raw := range links {
		u, ok := Normalize(raw)
		if !ok || f.seen[u] || slices.Contains(fresh, u) {
			continue
		}
		fresh = append(fresh, u)
	}
	slices.Sort(fresh)
	for _, u := range fresh {
		f.seen[u] = true
		if site, _ := Site(u); site != page.site {
			f.offSite++
			continue
		}
		if re := f.matching(u); re != nil {
			f.excluded = append(f.excluded, Excluded{URL: u, Pattern: re.String(), From: page.URL})
			continue
		}
		f.found++
		f.queue = append(f.queue, Link{URL: u, From: page.URL, site: page.site})
	}
}

// matching returns the first exclude pattern that matches u, or nil.
func (f *Frontier) matching(u string) *regexp.Regexp {
	for _, re := range f.exclude {
		if re.MatchString(u) {
			return re
		}
	}
	return nil
}

// Summary says what the crawl did so far; once Next hands out nothing, it
// is the crawl's whole story.
func (f *Frontier) Summary() Summary {
	s := Summary{Visited: f.visited, Found: f.found, Unvisited: len(f.queue), Excluded: len(f.excluded), OffSite: f.offSite}
	s.LimitReached = f.visited >= f.max && len(f.queue) > 0
	for _, l := range f.queue[:min(len(f.queue), examples)] {
		s.UnvisitedExamples = append(s.UnvisitedExamples, l.URL)
	}
	s.ExcludedExamples = slices.Clone(f.excluded[:min(len(f.excluded), examples)])
	return s
}

// OnSite reports whether u is on the site of the start URL the link
// descends from: where the crawl may go from it (a redirect included). A
// start URL may go anywhere: the user asked for it, and where it ends
// decides the site (see Found).
func (l Link) OnSite(u string) bool {
	if l.From == "" {
		return true
	}
	site, ok := Site(u)
	return ok && site == l.site
}

// Report is the report's account of a crawl: s with the start URLs (or
// the page a crawl step began on), the limit and the patterns in force.
// Skipped is left for the caller, who saw the pages.
func Report(s Summary, start []string, max int, exclude []*regexp.Regexp) inspect.Crawl {
	out := inspect.Crawl{Start: slices.Clone(start), Max: max, Exclude: []string{}, Visited: s.Visited, Found: s.Found,
		Unvisited: s.Unvisited, LimitReached: s.LimitReached, UnvisitedExamples: []string{}, Excluded: s.Excluded,
		ExcludedExamples: []inspect.ExcludedLink{}, OffSite: s.OffSite}
	if out.Start == nil {
		out.Start = []string{}
	}
	for _, re := range exclude {
		out.Exclude = append(out.Exclude, re.String())
	}
	out.UnvisitedExamples = append(out.UnvisitedExamples, s.UnvisitedExamples...)
	for _, e := range s.ExcludedExamples {
		out.ExcludedExamples = append(out.ExcludedExamples, inspect.ExcludedLink{URL: e.URL, Pattern: e.Pattern, DiscoveredFrom: e.From})
	}
	return out
}
