package inspect

import (
	"slices"
	"strings"
)

// Crawl is what one crawl did: `inspect --crawl` (Report.Crawl, whose
// pages are the report's targets) or a scenario's crawl step (one of
// Target.Crawl, with its Pages). It holds no cookie value.
type Crawl struct {
	// Start lists the start URLs (inspect), or the one page a crawl step
	// started from: the victim's page when the step began.
	Start []string `json:"start"`
	// Max is the limit: at most this many pages loaded (inspect: the start
	// URLs among them; a crawl step: the pages it loaded, its start page
	// not among them, as it was already loaded).
	Max int `json:"max"`
	// Exclude lists the patterns no followed link matched, the default
	// ones of a crawl step included (see DefaultExcludes in package crawl).
	Exclude []string `json:"exclude"`
	// Visited counts the pages loaded, Skipped among them those that were
	// not HTML (see Target.Skipped).
	Visited int `json:"visited"`
	Skipped int `json:"skipped"`
	// Found counts the distinct pages of the site the crawl knew of (the
	// start URLs and every same-site link not excluded).
	Found int `json:"found"`
	// Unvisited counts the pages found and never loaded; LimitReached says
	// the limit left them (else the run was interrupted).
	// UnvisitedExamples names the first few, in crawl order. Pages never
	// loaded may link to more.
	Unvisited         int      `json:"unvisited"`
	LimitReached      bool     `json:"limitReached"`
	UnvisitedExamples []string `json:"unvisitedExamples"`
	// Excluded counts the distinct same-site links a pattern kept from
	// being followed; ExcludedExamples are the first few.
	Excluded         int            `json:"excluded"`
	ExcludedExamples []ExcludedLink `json:"excludedExamples"`
	// OffSite counts the distinct http(s) links to other sites, never
	// followed.
	OffSite int `json:"offSite"`
	// Step, File and Line locate a scenario's crawl step ("step 7
	// (login.yaml:12)"); Pages are the pages it loaded, in crawl order
	// (an empty list when it loaded none). All absent for inspect --crawl,
	// whose pages are the report's targets.
	Step  string      `json:"step,omitempty"`
	File  string      `json:"file,omitempty"`
	Line  int         `json:"line,omitempty"`
	Pages []CrawlPage `json:"pages,omitzero"`
	// Error says why a crawl step stopped before it was done; the pages
	// loaded until then are kept.
	Error string `json:"error,omitempty"`
}

// ExcludedLink is a same-site link a crawl did not follow.
type ExcludedLink struct {
	URL string `json:"url"`
	// Pattern is the first exclude pattern that matched it.
	Pattern string `json:"pattern"`
	// DiscoveredFrom is the page it was found on.
	DiscoveredFrom string `json:"discoveredFrom"`
}

// CrawlPage is one page a scenario's crawl step loaded in the victim's own
// browser, its jar kept: what the page did to that jar, and what the
// browser sent for it. It holds no cookie value.
type CrawlPage struct {
	URL string `json:"url"`
	// FinalURL is where the page ended up after redirects.
	FinalURL string `json:"finalURL"`
	// DiscoveredFrom is the page the link was found on (the step's start
	// page for the first ones).
	DiscoveredFrom string `json:"discoveredFrom"`
	// Status is the HTTP status of the page's document response, 0 when
	// none arrived.
	Status int `json:"status"`
	// Skipped says why the page was not shown, as for Target.Skipped: its
	// response's cookies still count, its links were not read.
	Skipped string `json:"skipped,omitempty"`
	// Error says why the page did not load completely.
	Error string `json:"error,omitempty"`
	// Set, Changed and Deleted compare the jar before the page with the
	// jar once it settled: cookies that appeared, that are there with
	// another value or attribute (Changes says which), and that are gone.
	Set     []CookieChange `json:"set"`
	Changed []CookieChange `json:"changed"`
	Deleted []CookieChange `json:"deleted"`
	// Sent lists the cookies Chrome attached to the page's document
	// request (each hop of its redirects), Withheld those it kept from it,
	// with Chrome's reasons.
	Sent     []RequestCookie `json:"sent"`
	Withheld []RequestCookie `json:"withheld"`
	// DurationMS is how long loading the page took, until it settled.
	DurationMS int64 `json:"durationMs"`
}

// CookieChange names a cookie of a jar comparison, never its value.
type CookieChange struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// Changes says, for a changed cookie, what differs: value, expires,
	// secure, httpOnly, sameSite (the domain, path and partition make it
	// another cookie).
	Changes []string `json:"changes,omitempty"`
}

// Label is the cookie as people read it: its name, and its domain and
// path when they are not the obvious ones (host, /).
func (c CookieChange) Label() string {
	s := c.Name
	if c.Path != "" && c.Path != "/" {
		s += " (path " + c.Path + ")"
	}
	if len(c.Changes) > 0 {
		s += ": " + strings.Join(c.Changes, ", ")
	}
	return s
}

// JarChanges compares two jars of one browser context: the cookies in
// after that before lacks (set), those in both that differ (changed: with
// what differs), and those in before that after lacks (deleted); each list
// in after's (deleted: before's) order. Cookies are matched by their key
// (name, domain, path, partition).
func JarChanges(before, after []Cookie) (set, changed, deleted []CookieChange) {
	set, changed, deleted = []CookieChange{}, []CookieChange{}, []CookieChange{}
	old := make(map[CookieKey]Cookie, len(before))
	for _, c := range before {
		old[c.Key()] = c
	}
	now := make(map[CookieKey]bool, len(after))
	for _, c := range after {
		now[c.Key()] = true
		prev, ok := old[c.Key()]
		if !ok {
			set = append(set, changeOf(c, nil))
			continue
		}
		if what := cookieDifferences(prev, c); len(what) > 0 {
			changed = append(changed, changeOf(c, what))
		}
	}
	for _, c := range before {
		if !now[c.Key()] {
			deleted = append(deleted, changeOf(c, nil))
		}
	}
	return set, changed, deleted
}

func changeOf(c Cookie, what []string) CookieChange {
	return CookieChange{Name: c.Name, Domain: c.Domain, Path: c.Path, Changes: what}
}

// cookieDifferences says what differs between two versions of one cookie.
// An expiry that moved by less than a second is the same (a jar read twice
// can round it differently).
func cookieDifferences(a, b Cookie) []string {
	var what []string
	if a.Value != b.Value {
		what = append(what, "value")
	}
	switch {
	case (a.Expires == nil) != (b.Expires == nil):
		what = append(what, "expires")
	case a.Expires != nil && absDuration(a.Expires.Sub(*b.Expires)) >= 1e9:
		what = append(what, "expires")
	}
	if a.Secure != b.Secure {
		what = append(what, "secure")
	}
	if a.HttpOnly != b.HttpOnly {
		what = append(what, "httpOnly")
	}
	if a.SameSite != b.SameSite {
		what = append(what, "sameSite")
	}
	return what
}

func absDuration[T ~int64](d T) T {
	if d < 0 {
		return -d
	}
	return d
}

// SentNames lists the names of cookies, each once, in order.
func SentNames(cs []RequestCookie) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}
