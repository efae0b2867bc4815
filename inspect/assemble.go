package inspect

import (
	"net"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ReasonNotStored is our reason for a script write that Chrome ignored
// without saying why: no exception, no event, and the jar does not hold it.
const ReasonNotStored = "NotStored"

// Evidence is everything the browser recorded for one target, before it is
// joined into cookies with stories.
type Evidence struct {
	Jar    []Cookie
	Writes []Write
	Frames []Frame
	// Unmeasured lists the documents the browser could not read (see
	// Target.Unmeasured).
	Unmeasured []Unmeasured
	// Now is when the jar was read; it decides which writes were deletions.
	Now time.Time
	// TopLevel lists the URLs of the top-level documents (the page's and its
	// popups') the target showed: a script write from another site was made
	// in a third-party context. Empty: not known, not judged.
	TopLevel []string
	// Cleared lists when cookiescope itself emptied the jar during the
	// recording (a scenario's clear-cookies step).
	Cleared []time.Time
	// SiteDataCleared lists the responses that carried a Clear-Site-Data
	// header, whatever it asked for: the replay decides which cleared
	// cookies, and whose.
	SiteDataCleared []SiteDataClear
	// Requests are the requests the target made, with Chrome's cookie
	// decisions for each.
	Requests []Request
	// ThirdPartyCookies is the browser's third-party cookie setting: it
	// decides whether a script write in a third-party context can be
	// stored, and what Chrome's "UserPreferences" reason means.
	ThirdPartyCookies ThirdPartyCookies
}

// Assemble joins the evidence into t: every write gets its fate, each jar
// cookie gets the writes that produced it (or is marked Unrecorded when none
// did) and its readability (where script read it, or why that is unknown),
// and refused writes become t.Blocked. Writes must be in the order Chrome
// saw them.
func Assemble(t *Target, ev Evidence) {
	parseErrs := make([]error, len(ev.Writes))
	for i := range ev.Writes {
		p, err := ParseSetCookie(ev.Writes[i].CookieLine)
		ev.Writes[i].Parsed, parseErrs[i] = p, err
		ev.Writes[i].Fate, ev.Writes[i].FateReason, ev.Writes[i].ReplacedBy, ev.Writes[i].ClearedBy = "", "", 0, ""
	}
	assignFates(ev.Writes, parseErrs, ev)
	t.Writes = ev.Writes
	// Judging readability sets the frames' errors: on a copy.
	t.Frames = append([]Frame(nil), ev.Frames...)
	t.Blocked = blockedWrites(ev.Writes, ev.ThirdPartyCookies)
	t.Requests = ev.Requests
	ageSentCookies(t.Requests, ev.Writes)
	t.Cookies = nil
	for _, c := range ev.Jar {
		key := c.Key()
		c.SetBy = nil
		c.Unrecorded = true
		for i, w := range ev.Writes {
			if parseErrs[i] != nil || (w.Fate != FateStored && w.Fate != FateReplaced) || !writeMatches(w, key, c.Partitioned) {
				continue
			}
			c.SetBy = append(c.SetBy, w)
			if w.Fate == FateStored && w.Parsed.Value == c.Value {
				c.Unrecorded = false
			}
		}
		c.Traffic = TrafficOf(c, ev.Requests)
		t.Cookies = append(t.Cookies, c)
	}
	t.Unmeasured = append([]Unmeasured(nil), ev.Unmeasured...)
	judgeReadability(t.Cookies, t.Frames, t.Unmeasured)
	sort.SliceStable(t.Cookies, func(i, j int) bool {
		a, b := t.Cookies[i], t.Cookies[j]
		if a.Domain != b.Domain {
			return trimDot(a.Domain) < trimDot(b.Domain)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Path < b.Path
	})
}

func (w Write) atOr(now time.Time) time.Time {
	if w.At.IsZero() {
		return now
	}
	return w.At
}

// blockedWrites lists the writes that never reached the jar: those Chrome
// refused with its reasons, and those it ignored silently (ReasonNotStored,
// with the inferred reason as the explanation).
func blockedWrites(writes []Write, mode ThirdPartyCookies) []BlockedWrite {
	var out []BlockedWrite
	for _, w := range writes {
		switch w.Fate {
		case FateBlocked:
			out = append(out, BlockedWrite{Name: w.CookieName(), Write: w, Reasons: w.Blocked, Explanation: explainWrite(w, w.Blocked, mode)})
		case FateNotStored:
			out = append(out, BlockedWrite{Name: w.CookieName(), Write: w, Reasons: []string{ReasonNotStored}, Explanation: w.FateReason})
		}
	}
	return out
}

// CookieName is the name the write addresses: the parsed name, or, for a
// line the parser refused, the text before its first "=" (trimmed), so that
// a refused write is never credited to the nameless cookie.
func (w Write) CookieName() string {
	if w.Parsed.Name != "" || w.Parsed.Value != "" {
		return w.Parsed.Name
	}
	pair, _, _ := strings.Cut(w.CookieLine, ";")
	name, _, ok := strings.Cut(pair, "=")
	if !ok {
		return ""
	}
	return trimWSP(name)
}

// writeMatches reports whether w addressed the cookie with key.
func writeMatches(w Write, key CookieKey, partitioned bool) bool {
	k, ok := writeKey(w)
	return ok && w.Parsed.Partitioned == partitioned &&
		k.Name == key.Name && k.Domain == key.Domain && k.HostOnly == key.HostOnly && k.Path == key.Path
}

// writeKey is the jar identity (without partition) a write addresses.
func writeKey(w Write) (CookieKey, bool) {
	u, err := url.Parse(w.URL)
	if err != nil || u.Hostname() == "" {
		return CookieKey{}, false
	}
	k := CookieKey{Name: w.Parsed.Name, Domain: strings.ToLower(u.Hostname()), HostOnly: true, Path: w.Parsed.Path}
	// Chrome stores a Domain equal to an IP address host as host-only
	// (measured: Domain=127.0.0.1 from http://127.0.0.1 gives domain
	// "127.0.0.1", no dot), by header and by script alike.
	if w.Parsed.Domain != "" && (net.ParseIP(k.Domain) == nil || w.Parsed.Domain != k.Domain) {
		k.Domain, k.HostOnly = w.Parsed.Domain, false
	}
	if k.Path == "" {
		k.Path = DefaultPath(u.Path)
	}
	return k, true
}

// DefaultPath is the RFC 6265bis default-path of a request path: the
// directory part, or "/".
func DefaultPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "/"
	}
	i := strings.LastIndex(p, "/")
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// ParseDocumentCookie splits what document.cookie returned into pairs.
func ParseDocumentCookie(s string) []NameValue {
	var out []NameValue
	for _, part := range strings.Split(s, ";") {
		part = trimWSP(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			name, value = "", name
		}
		out = append(out, NameValue{Name: name, Value: value})
	}
	return out
}

// ageSentCookies sets, for each cookie a request carried, how long before
// the request the last recorded write that stored it was made.
func ageSentCookies(requests []Request, writes []Write) {
	for i := range requests {
		r := &requests[i]
		for j := range r.Sent {
			rc := &r.Sent[j]
			key := rc.Key()
			var last time.Time
			for _, w := range writes {
				if (w.Fate == FateStored || w.Fate == FateReplaced) && !w.At.IsZero() && !w.At.After(r.At) && writeMatches(w, key, rc.PartitionKey != "") {
					last = w.At
				}
			}
			if !last.IsZero() && !r.At.IsZero() {
				rc.AgeMS = max(r.At.Sub(last).Milliseconds(), 1)
			}
		}
	}
}
