package inspect

import (
	"fmt"
	"strings"
)

// FlowStateCookies recognises the cookies of a redirect login (OAuth or
// OpenID Connect state, nonce, PKCE verifier) by their life in the target,
// whatever their names: a cookie stored before a cross-site top-level
// navigation came back to its site (the identity provider's return, a
// redirect or a form_post), sent with that return, and deleted by a write
// at or after it. A session credential lives on after the return; a
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
