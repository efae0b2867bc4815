package scenarios

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// Checking an expectation against what a browser shows now: a cookie of
// its jar (Check), where a cookie was sent or withheld, or a page
// (CheckPage).

// CheckPage evaluates an expectation on the page: visible is whether a
// visible element matched its selector on pageURL, err why that could not
// be looked at. The result says what was seen.
func CheckPage(e *Expectation, visible bool, pageURL string, err error) inspect.ExpectationResult {
	r := inspect.ExpectationResult{Expectation: e.Describe(), Failures: []string{}, Page: e.Page, Absent: e.Absent, PageURL: pageURL}
	switch {
	case err != nil:
		r.Seen = fmt.Sprintf("could not look for %s on %s", e.Page, pageURL)
		r.Failures = append(r.Failures, fmt.Sprintf("page: could not look for %s: %v", e.Page, err))
	case visible:
		r.PageVisible = &visible
		r.Seen = fmt.Sprintf("a visible element matches %s on %s", e.Page, pageURL)
		if e.Absent {
			r.Failures = append(r.Failures, fmt.Sprintf("page: expected no visible %s, found one on %s", e.Page, pageURL))
		}
	default:
		r.PageVisible = &visible
		r.Seen = fmt.Sprintf("no visible element matches %s on %s", e.Page, pageURL)
		if !e.Absent {
			r.Failures = append(r.Failures, fmt.Sprintf("page: expected a visible %s, found none on %s", e.Page, pageURL))
		}
	}
	r.Passed = len(r.Failures) == 0
	return r
}

// Check evaluates one expectation against the jar of now. checkpoints are
// the captures so far (for rotated and invalidated); last holds, per cookie
// name, the value the cookie had at the last earlier snapshot where it was
// present (for cleared): a name in it was seen before. Values are compared
// only: they never appear in the result, which says "the same value" or "a
// new value" instead.
func Check(e *Expectation, now inspect.Target, checkpoints map[string]inspect.Target, last map[string]string, at time.Time) inspect.ExpectationResult {
	r := inspect.ExpectationResult{Expectation: e.Describe(), Cookie: e.Cookie, Failures: []string{}, Absent: e.Absent, Rotated: e.Rotated}
	if e.Rotated != "" {
		r.Rotation = inspect.RotationMissing // until the cookie is found
	}
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	var behaviour []string
	c, found := findCookie(now, e.Cookie)
	if e.Invalidated != "" {
		before, ok := findCookie(checkpoints[e.Invalidated], e.Cookie)
		switch {
		case !ok:
			fail("invalidated: %s was not in the jar at %s, so there is nothing to invalidate", e.Cookie, e.Invalidated)
		case holdsValue(now, e.Cookie, before.Value):
			fail("invalidated: expected the value %s had at %s gone, the jar still holds that value", e.Cookie, e.Invalidated)
		default:
			behaviour = append(behaviour, "invalidated since "+e.Invalidated)
		}
	}
	if e.SentTo != nil {
		checkSentTo(e.Cookie, e.SentTo, now, fail)
	}
	if e.WithheldFrom != nil {
		checkWithheldFrom(e.Cookie, e.WithheldFrom, now, fail)
	}
	switch {
	case e.Absent:
		if found {
			fail("absent: expected no cookie %s, got one (domain %s, path %s)", e.Cookie, c.Domain, c.Path)
		}
	case !found && (e.SentTo != nil || e.WithheldFrom != nil) && !e.checksCookie():
		// Where a cookie went asks nothing of the jar now.
	case e.Cleared:
		prev, seen := last[e.Cookie]
		switch {
		case !found && seen:
			behaviour = append(behaviour, "cleared")
		case !found:
			fail("cleared: %s was never in the jar before, so nothing was cleared", e.Cookie)
		case !seen:
			fail("cleared: expected %s gone; it is in the jar and no earlier step had it, so nothing was cleared", e.Cookie)
		case c.Value == prev:
			fail("cleared: expected %s gone; logout kept the same value", e.Cookie)
		default:
			fail("cleared: expected %s gone; logout replaced it with a new value (the old one is gone, but a cookie of the name is still set)", e.Cookie)
		}
	case !found && e.Invalidated != "" && !e.checksCookie():
		// Invalidation alone asks nothing of presence: a deleted cookie
		// invalidated its value.
	case !found:
		fail("present: expected a cookie %s, the jar has none", e.Cookie)
	default:
		checkAttributes(e, c, at, fail)
		if e.Rotated != "" {
			before, ok := findCookie(checkpoints[e.Rotated], e.Cookie)
			switch {
			case !ok:
				// Absent then and present now: the session was issued
				// since, which is as good as rotating an anonymous one.
				behaviour = append(behaviour, "issued since "+e.Rotated)
				r.Rotation = inspect.RotationIssued
			case before.Value == c.Value:
				r.Rotation = inspect.RotationUnchanged
				fail("rotated: expected a new value since %s, got the same value (session fixation risk)", e.Rotated)
			default:
				behaviour = append(behaviour, "rotated since "+e.Rotated)
				r.Rotation = inspect.RotationChanged
			}
		}
	}
	r.SessionBehaviour = strings.Join(behaviour, ", ")
	r.Passed = len(r.Failures) == 0
	return r
}

// checkAttributes checks the attributes e expects of the cookie c it
// found, at the time at, and fails each that differs.
func checkAttributes(e *Expectation, c inspect.Cookie, at time.Time, fail func(string, ...any)) {
	checkBool := func(name string, want *bool, got bool) {
		if want != nil && *want != got {
			fail("%s: expected %v, got %v", name, *want, got)
		}
	}
	checkBool("secure", e.Secure, c.Secure)
	checkBool("httpOnly", e.HttpOnly, c.HttpOnly)
	checkBool("hostOnly", e.HostOnly, c.HostOnly)
	// An unknown readability (the page broke the measurement) passes
	// neither true nor false: it was not measured.
	if e.ScriptReadable != nil && c.Verdict() == inspect.ReadabilityUnknown {
		fail("scriptReadable (measured): expected %v, got unknown (%s)", *e.ScriptReadable, c.UnknownReason)
	} else {
		checkBool("scriptReadable (measured)", e.ScriptReadable, c.ScriptReadable)
	}
	if len(e.SameSite) > 0 {
		got := c.SameSite
		if got == "" {
			got = "unset"
		}
		ok := false
		for _, s := range e.SameSite {
			ok = ok || s == got
		}
		if !ok {
			fail("sameSite: expected one of %s, got %s", strings.Join(e.SameSite, ", "), got)
		}
	}
	if e.Path != nil && *e.Path != c.Path {
		fail("path: expected %s, got %s", *e.Path, c.Path)
	}
	if e.MaxLifetime > 0 && !c.Session && c.Expires != nil {
		if life := c.Expires.Sub(at); life > e.MaxLifetime {
			fail("maxLifetime: expected <= %s, got %s", e.MaxLifetime, life.Round(time.Minute))
		}
	}
	if e.SetBy != "" {
		got := "nothing recorded"
		if len(c.SetBy) > 0 {
			got = "script"
			if c.SetBy[len(c.SetBy)-1].Via == inspect.ViaHeader {
				got = "header"
			}
		}
		if got != e.SetBy {
			fail("setBy: expected %s, got %s", e.SetBy, got)
		}
	}
}

// matchingRequests returns the requests recorded so far in now (the
// cross-site probe's included) that m picks.
func matchingRequests(m *RequestMatch, now inspect.Target) []inspect.Request {
	all := append([]inspect.Request(nil), now.Requests...)
	for _, cs := range now.CrossSite {
		for _, k := range cs.Requests {
			if k.Request != nil {
				all = append(all, *k.Request)
			}
		}
	}
	var out []inspect.Request
	for _, r := range all {
		if !r.CookiesReported || !strings.Contains(r.URL, m.URL) || (m.Method != "" && r.Method != m.Method) {
			continue
		}
		if m.CrossSite != nil && *m.CrossSite != (r.Relation == inspect.RelationCrossSite) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// decisionFor returns whether request r carried the cookie name, and
// Chrome's reasons when it withheld it (nil when the request did not
// concern it at all).
func decisionFor(r inspect.Request, name string) (sent bool, reasons []string) {
	for _, c := range r.Sent {
		if c.Name == name {
			return true, nil
		}
	}
	for _, c := range r.Withheld {
		if c.Name == name {
			return false, c.Reasons
		}
	}
	return false, nil
}

// checkSentTo fails unless some matching request carried the cookie.
func checkSentTo(name string, m *RequestMatch, now inspect.Target, fail func(string, ...any)) {
	requests := matchingRequests(m, now)
	if len(requests) == 0 {
		fail("sentTo: expected %s sent with %s, but no such request was recorded", name, m.describe())
		return
	}
	var seen []string
	for _, r := range requests {
		sent, reasons := decisionFor(r, name)
		if sent {
			return
		}
		if len(reasons) > 0 {
			seen = append(seen, fmt.Sprintf("%s %s withheld it (%s)", r.Method, r.URL, strings.Join(reasons, ", ")))
		}
	}
	got := fmt.Sprintf("none of %d carried it", len(requests))
	if len(seen) > 0 {
		got += ": " + strings.Join(firstN(seen, 3), "; ")
	}
	fail("sentTo: expected %s sent with %s, got %s", name, m.describe(), got)
}

// checkWithheldFrom fails when a matching request carried the cookie, when
// none was made, or when Chrome's reasons lack the one expected.
func checkWithheldFrom(name string, m *RequestMatch, now inspect.Target, fail func(string, ...any)) {
	requests := matchingRequests(m, now)
	if len(requests) == 0 {
		fail("withheldFrom: expected %s withheld from %s, but no such request was recorded", name, m.describe())
		return
	}
	for _, r := range requests {
		sent, reasons := decisionFor(r, name)
		if sent {
			fail("withheldFrom: expected %s withheld from %s, got it sent with %s %s (%s)", name, m.describe(), r.Method, r.URL, r.Relation)
			return
		}
		if m.Reason != "" && !hasReason(reasons, m.Reason) {
			gave := "no reason: the cookie was not among those Chrome considered for it"
			if len(reasons) > 0 {
				gave = strings.Join(reasons, ", ")
			}
			fail("withheldFrom: expected %s withheld for %s from %s %s, Chrome gave %s", name, m.Reason, r.Method, r.URL, gave)
			return
		}
	}
}

// hasReason reports whether Chrome's reasons include want or its Schemeful
// variant (Chrome gives SchemefulSameSiteLax for any cross-site request).
func hasReason(reasons []string, want string) bool {
	for _, r := range reasons {
		if r == want || r == "Schemeful"+want {
			return true
		}
	}
	return false
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

// checksCookie reports whether the expectation asks anything of a present
// cookie: presence itself, an attribute, or rotation.
func (e *Expectation) checksCookie() bool {
	return e.Present || e.Secure != nil || e.HttpOnly != nil || e.HostOnly != nil || e.ScriptReadable != nil ||
		len(e.SameSite) > 0 || e.Path != nil || e.MaxLifetime > 0 || e.SetBy != "" || e.Rotated != ""
}

// holdsValue reports whether any cookie of the name in t has the value.
func holdsValue(t inspect.Target, name, value string) bool {
	for _, c := range t.Cookies {
		if c.Name == name && c.Value == value {
			return true
		}
	}
	return false
}

// findCookie returns the cookie of the name, preferring one that the
// target's own host receives.
func findCookie(t inspect.Target, name string) (inspect.Cookie, bool) {
	host := ""
	if u, err := url.Parse(t.FinalURL); err == nil {
		host = u.Hostname()
	}
	var fallback *inspect.Cookie
	for i, c := range t.Cookies {
		if c.Name != name {
			continue
		}
		if host == "" || inspect.DomainMatches(host, c) {
			return c, true
		}
		if fallback == nil {
			fallback = &t.Cookies[i]
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return inspect.Cookie{}, false
}
