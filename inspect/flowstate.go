package inspect

import (
	"fmt"
	"strings"
	"time"
)

// FlowStateCookies recognises the cookies of a redirect login (OAuth or
// OpenID Connect state, nonce, PKCE verifier) by their life in the target,
// whatever their names: a cookie stored before the browser went to another
// site (the identity provider), sent with the cross-site top-level
// navigation that came back from that site (a redirect or a form_post),
// and deleted by a write at or after it. A session credential lives on after the return; a
// flow-state cookie ends there. Each is named once, with the evidence; a
// SameSite=None on it is explained: the cross-site return could not carry
// it otherwise.
func FlowStateCookies(t Target) []FlowStateCookie {
	var out []FlowStateCookie
	seen := map[CookieRef]bool{}
	for _, r := range t.Requests {
		if !r.Navigation || r.Relation != RelationCrossSite || !r.CookiesReported || r.At.IsZero() {
			continue
		}
		for _, c := range r.Sent {
			ref := CookieRef{Name: c.Name, Domain: trimDot(c.Domain), Path: c.Path}
			if seen[ref] {
				continue
			}
			set, ok := lastWriteOf(t.Writes, ref, func(w Write) bool {
				return w.Fate != FateDeleted && w.Fate != FateBlocked && w.Fate != FateNotStored && w.At.Before(r.At)
			})
			if !ok {
				continue
			}
			// The user went to the other site after the cookie was set: a
			// cookie the return itself set (the session it issues, sent on
			// the return's redirect) is no state of the hop.
			if !visitedBetween(t.Requests, site(r.TopLevel), set.At, r.At) {
				continue
			}
			deleted, ok := lastWriteOf(t.Writes, ref, func(w Write) bool { return w.Fate == FateDeleted && !w.At.Before(r.At) })
			if !ok {
				continue
			}
			seen[ref] = true
			why := fmt.Sprintf("a redirect login's state: set by %s before the hop to another site, sent back on the cross-site return %s %s from %s, deleted by %s",
				writer(set), r.Method, r.URL, r.TopLevel, writer(deleted))
			if strings.EqualFold(set.Parsed.SameSite, "None") {
				why += "; its SameSite=None is what lets that cross-site return carry it"
			}
			out = append(out, FlowStateCookie{CookieRef: ref, Why: why})
		}
	}
	return out
}

// visitedBetween reports whether a top-level navigation to a page of the
// site was made after from and before to.
func visitedBetween(requests []Request, target string, from, to time.Time) bool {
	for _, q := range requests {
		if q.Navigation && site(q.URL) == target && q.At.After(from) && q.At.Before(to) {
			return true
		}
	}
	return false
}

// lastWriteOf returns the last write to the cookie ref names that keep
// accepts.
func lastWriteOf(writes []Write, ref CookieRef, keep func(Write) bool) (Write, bool) {
	var found Write
	ok := false
	for _, w := range writes {
		k, known := writeKey(w)
		if known && ref.is(k.Name, k.Domain, k.Path) && keep(w) {
			found, ok = w, true
		}
	}
	return found, ok
}

// writer names a write's source in a few words: "the Set-Cookie header of
// URL" or "script on URL".
func writer(w Write) string {
	if w.Via == ViaHeader {
		return "the Set-Cookie header of " + w.URL
	}
	return "script on " + w.URL
}
