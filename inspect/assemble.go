package inspect

import (
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
	// Now is when the jar was read; it decides which writes were deletions.
	Now time.Time
}

// Assemble joins the evidence into t: each jar cookie gets the writes that
// produced it and its readability (where script read it, or why that is
// unknown), and refused writes become t.Blocked. Writes must be in the order
// Chrome saw them.
func Assemble(t *Target, ev Evidence) {
	for i := range ev.Writes {
		if p, err := ParseSetCookie(ev.Writes[i].CookieLine); err == nil {
			ev.Writes[i].Parsed = p
		}
	}
	t.Writes = ev.Writes
	// Judging readability sets the frames' errors: on a copy.
	t.Frames = append([]Frame(nil), ev.Frames...)
	var refused map[int]bool
	t.Blocked, refused = blockedWrites(ev)
	t.Cookies = nil
	for _, c := range ev.Jar {
		key := c.Key()
		c.SetBy = nil
		for i, w := range ev.Writes {
			if !refused[i] && !w.Parsed.Deletes(w.atOr(ev.Now)) && writeMatches(w, key, c.Partitioned) {
				c.SetBy = append(c.SetBy, w)
			}
		}
		t.Cookies = append(t.Cookies, c)
	}
	judgeReadability(t.Cookies, t.Frames)
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

// blockedWrites lists the writes Chrome refused: headers it reported with
// reasons, and script writes that left no trace in the jar. refused holds
// their indexes in ev.Writes.
func blockedWrites(ev Evidence) (out []BlockedWrite, refused map[int]bool) {
	refused = make(map[int]bool)
	for i, w := range ev.Writes {
		if len(w.Blocked) > 0 {
			out = append(out, BlockedWrite{Name: w.Parsed.Name, Write: w, Reasons: w.Blocked, Explanation: ExplainReasons(w.Blocked)})
			refused[i] = true
			continue
		}
		if w.Via == ViaHeader || w.Parsed.Deletes(w.atOr(ev.Now)) || w.Parsed.Name == "" && w.Parsed.Value == "" {
			continue
		}
		if laterWriteToSameCookie(ev.Writes[i+1:], w) {
			continue
		}
		if !jarHolds(ev.Jar, w) {
			out = append(out, BlockedWrite{Name: w.Parsed.Name, Write: w, Reasons: []string{ReasonNotStored}, Explanation: ExplainReasons([]string{ReasonNotStored})})
			refused[i] = true
		}
	}
	return out, refused
}

// laterWriteToSameCookie reports whether a later write addressed the same
// cookie, so that the jar no longer shows what w did.
func laterWriteToSameCookie(later []Write, w Write) bool {
	key, ok := writeKey(w)
	if !ok {
		return false
	}
	for _, l := range later {
		if k, ok := writeKey(l); ok && k == key && l.Parsed.Partitioned == w.Parsed.Partitioned {
			return true
		}
	}
	return false
}

// jarHolds reports whether the jar holds the cookie w wrote, with its value.
func jarHolds(jar []Cookie, w Write) bool {
	for _, c := range jar {
		if writeMatches(w, c.Key(), c.Partitioned) && c.Value == w.Parsed.Value {
			return true
		}
	}
	return false
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
	if w.Parsed.Domain != "" {
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

// DomainMatches reports whether a cookie is sent to host (RFC 6265bis 5.1.3).
func DomainMatches(host string, c Cookie) bool {
	host = strings.ToLower(host)
	d := trimDot(strings.ToLower(c.Domain))
	if c.HostOnly {
		return host == d
	}
	return host == d || strings.HasSuffix(host, "."+d)
}

// PathMatches reports whether a request path is within a cookie path
// (RFC 6265bis 5.1.4).
func PathMatches(requestPath, cookiePath string) bool {
	if requestPath == "" {
		requestPath = "/"
	}
	if requestPath == cookiePath {
		return true
	}
	if strings.HasPrefix(requestPath, cookiePath) {
		return strings.HasSuffix(cookiePath, "/") || requestPath[len(cookiePath)] == '/'
	}
	return false
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
