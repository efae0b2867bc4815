package inspect

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Fate is what became of one cookie write.
type Fate string

// The fates of a write. Every write in a Target has exactly one.
const (
	// FateStored: the jar holds the cookie with the value this write gave it.
	FateStored Fate = "stored"
	// FateReplaced: it was stored, and a later write to the same cookie
	// (named by Write.ReplacedBy) replaced or deleted it.
	FateReplaced Fate = "replaced"
	// FateDeleted: the write itself deletes the cookie (Max-Age<=0, an
	// Expires in the past, cookieStore.delete), or the cookie it stored
	// expired before the jar was read.
	FateDeleted Fate = "deleted"
	// FateEvicted: it was stored, then Chrome's limits on the number of
	// cookies pushed it out of the jar (inferred, see the limits below).
	FateEvicted Fate = "evicted"
	// FateBlocked: Chrome refused it and said why (header writes).
	FateBlocked Fate = "blocked"
	// FateNotStored: Chrome ignored it without saying why (script writes,
	// and forged responses, for which Chrome reports nothing); FateReason
	// says why where it can be inferred.
	FateNotStored Fate = "not-stored"
	// FateCleared: it was stored, and cookiescope itself emptied the jar
	// afterwards (a scenario's clear-cookies step).
	FateCleared Fate = "cleared"
	// FateClearedBySite: it was stored, and a later response's
	// Clear-Site-Data header ("cookies" or "*") made Chrome clear the
	// cookies of its site; Write.ClearedBy names that response.
	FateClearedBySite Fate = "cleared-by-site"
)

// SiteDataClear is a response that carried a Clear-Site-Data header.
type SiteDataClear struct {
	// URL is the response's URL.
	URL string
	// Header is the Clear-Site-Data header's value, as sent.
	Header string
	// At is when the response arrived.
	At time.Time
}

// ClearsCookies reports whether a Clear-Site-Data header value asks for
// cookies to be cleared: one of its comma-separated directives is the
// quoted string "cookies" or "*", exactly (a directive without its quotes,
// or in other letter case, is not one, and browsers ignore it).
func ClearsCookies(header string) bool {
	for _, d := range strings.Split(header, ",") {
		switch strings.TrimSpace(d) {
		case `"cookies"`, `"*"`:
			return true
		}
	}
	return false
}

// clearedSite returns the site whose cookies the Clear-Site-Data header of
// c clears: the registrable domain of the response's host (the host itself
// for an IP address or a name with no registrable domain), or "" when
// Chrome ignores the header: it asks for no cookies to be cleared, or the
// response is not from a secure context (https, or loopback over http).
func clearedSite(c SiteDataClear) string {
	if !ClearsCookies(c.Header) {
		return ""
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme != "https" && !(u.Scheme == "http" && trustworthyHost(host)) {
		return ""
	}
	return registrableDomain(host)
}

// registrableDomain is domain's registrable domain (eTLD+1), or domain
// itself for an IP address or a name without one.
func registrableDomain(domain string) string {
	domain = strings.TrimPrefix(strings.ToLower(domain), ".")
	if net.ParseIP(strings.Trim(domain, "[]")) != nil {
		return domain
	}
	if etld1, err := publicsuffix.EffectiveTLDPlusOne(domain); err == nil {
		return etld1
	}
	return domain
}

// Chrome's limits on the number of cookies, measured in Chromium 156 over
// CDP (Storage.setCookies into a fresh context, then Storage.getCookies):
//   - 180 cookies for app.test are all kept; the 181st makes Chrome purge
//     the site down to 150 (31 gone), and a 182nd leaves 151.
//   - The count is per site (registrable domain), not per host: 170
//     cookies for app.test and then 30 for sub.app.test left 139 + 30.
//     170 for cdn.test and 30 for widget.test (two sites) kept all 200.
//   - 170 cookies for each of 20 sites: all 3230 kept after 19 sites; the
//     20th brought the total past 3300 and left 3099 (purged to 3000, then
//     99 more).
//
// Which cookies go is Chrome's choice (by priority, non-Secure first, least
// recently used), so a write is called evicted only when the jar lost it
// while such a purge happened.
const (
	siteCookieLimit   = 180
	siteCookiePurgeTo = 150
	jarCookieLimit    = 3300
	jarCookiePurgeTo  = 3000
)

// liveCookie is a cookie the replay of the writes believes is in the jar.
type liveCookie struct {
	key    liveKey
	write  int // index of the write that stored it; -1 for a cookie found in the jar that no write addresses
	secure bool
	site   string
	seq    int // when it was last written, for least-recently-written eviction
	// purged is set when a purge of its site or of the whole jar happened
	// while it was in the replay's jar.
	purged bool
}

// liveKey is a cookie's identity in the replay: its jar key without the
// partition key (which writes do not know), and whether it is partitioned.
type liveKey struct {
	CookieKey
	partitioned bool
}

// replay is the state of assignFates as it walks the writes in order.
type replay struct {
	writes  []Write
	live    map[liveKey]*liveCookie
	evicted []*liveCookie // cookies the replay pushed out at a purge
	// siteCleared holds the cookies a Clear-Site-Data header removed from
	// the replay's jar; the jar read at the end has the last word.
	siteCleared []*liveCookie
	seq         int
	topSites    map[string]bool
	// thirdParty is the run's third-party cookie setting.
	thirdParty ThirdPartyCookies
}

// assignFates sets Fate, FateReason and ReplacedBy on every write, by
// replaying the writes in order (Chrome's own reasons first, then the rules
// Chrome applies silently to script writes, then its limits) and checking
// the outcome against the jar. Writes must be parsed already.
func assignFates(writes []Write, parseErrs []error, ev Evidence) {
	r := &replay{writes: writes, live: make(map[liveKey]*liveCookie), topSites: make(map[string]bool), thirdParty: ev.ThirdPartyCookies}
	for _, u := range ev.TopLevel {
		if s := site(u); s != "" {
			r.topSites[s] = true
		}
	}
	// Cookies in the jar that no write produced (none gave them their
	// value) were there before the recording or came from somewhere it does
	// not see; they still count towards the limits and still protect Secure
	// names.
	for _, c := range ev.Jar {
		addressed := false
		for i := range writes {
			if parseErrs[i] == nil && writes[i].Parsed.Value == c.Value && writeMatches(writes[i], c.Key(), c.Partitioned) {
				addressed = true
				break
			}
		}
		if !addressed {
			k := c.Key()
			k.PartitionKey, k.PartitionCrossSite = "", false
			r.store(&liveCookie{key: liveKey{k, c.Partitioned}, write: -1, secure: c.Secure, site: cookieSite(k.Domain, c.Partitioned)})
		}
	}
	clears := jarClears(ev)
	for i := range writes {
		w := &writes[i]
		for len(clears) > 0 && !w.At.IsZero() && clears[0].at.Before(w.At) {
			r.clearFor(clears[0])
			clears = clears[1:]
		}
		r.apply(i, parseErrs[i], ev.Now)
	}
	for _, c := range clears {
		r.clearFor(c)
	}
	r.settle(ev.Jar, ev.Now)
}

// jarClear is a moment cookies left the jar all at once: cookiescope
// emptied it (site ""), or a Clear-Site-Data header cleared a site's.
type jarClear struct {
	at   time.Time
	site string
	url  string // the response whose header cleared the site
}

// jarClears lists the evidence's clears in time order; Clear-Site-Data
// headers Chrome ignores are left out.
func jarClears(ev Evidence) []jarClear {
	var out []jarClear
	for _, at := range ev.Cleared {
		out = append(out, jarClear{at: at})
	}
	for _, c := range ev.SiteDataCleared {
		if site := clearedSite(c); site != "" {
			out = append(out, jarClear{at: c.At, site: site, url: c.URL})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// clearFor applies one clear to the replay's jar.
func (r *replay) clearFor(c jarClear) {
	if c.site == "" {
		r.clear()
		return
	}
	for k, l := range r.live {
		if registrableDomain(l.key.Domain) != c.site {
			continue
		}
		if l.write >= 0 {
			w := &r.writes[l.write]
			w.Fate, w.ClearedBy = FateClearedBySite, c.url
			w.FateReason = fmt.Sprintf(`the Clear-Site-Data header of the response from %s cleared the cookies of %s`, c.url, c.site)
		}
		delete(r.live, k)
		r.siteCleared = append(r.siteCleared, l)
	}
}

// apply decides what write i did to the replay's jar.
func (r *replay) apply(i int, parseErr error, now time.Time) {
	w := &r.writes[i]
	if len(w.Blocked) > 0 {
		w.Fate, w.FateReason = FateBlocked, explainWrite(*w, w.Blocked, r.thirdParty)
		return
	}
	if parseErr != nil {
		w.Fate, w.FateReason = FateNotStored, parseErrorReason(parseErr)
		return
	}
	k, ok := writeKey(*w)
	if !ok {
		w.Fate, w.FateReason = FateNotStored, fmt.Sprintf("the writing document (%s) has no host to store a cookie for", w.URL)
		return
	}
	key := liveKey{k, w.Parsed.Partitioned}
	// Chrome reports its reasons for header lines; script writes and forged
	// responses it refuses without a word, so the rules are applied here.
	if w.Via != ViaHeader || w.Emulated {
		if why := r.silentRefusal(*w, key); why != "" {
			w.Fate, w.FateReason = FateNotStored, why
			return
		}
	}
	old := r.live[key]
	if old != nil && old.write >= 0 {
		prev := &r.writes[old.write]
		prev.Fate, prev.ReplacedBy = FateReplaced, i
		prev.FateReason = fmt.Sprintf("replaced by write #%d", i)
	}
	if at := w.atOr(now); w.Parsed.Deletes(at) {
		delete(r.live, key)
		w.Fate, w.FateReason = FateDeleted, deletionReason(*w)
		if old != nil && old.write >= 0 {
			r.writes[old.write].FateReason = fmt.Sprintf("deleted by write #%d", i)
		}
		return
	}
	w.Fate = FateStored
	r.store(&liveCookie{key: key, write: i, secure: w.Parsed.Secure, site: cookieSite(k.Domain, w.Parsed.Partitioned)})
}

// store puts c in the replay's jar and applies Chrome's limits.
func (r *replay) store(c *liveCookie) {
	r.seq++
	c.seq = r.seq
	r.live[c.key] = c
	var sameSite []*liveCookie
	for _, l := range r.live {
		if l.site == c.site {
			sameSite = append(sameSite, l)
		}
	}
	if len(sameSite) > siteCookieLimit {
		r.purge(sameSite, siteCookiePurgeTo, fmt.Sprintf("Chrome keeps %d cookies per site: %s reached %d, and Chrome purged it down to %d", siteCookieLimit, c.site, len(sameSite), siteCookiePurgeTo))
	}
	if len(r.live) > jarCookieLimit {
		all := make([]*liveCookie, 0, len(r.live))
		for _, l := range r.live {
			all = append(all, l)
		}
		r.purge(all, jarCookiePurgeTo, fmt.Sprintf("Chrome keeps %d cookies in all: the jar reached %d, and Chrome purged it down to %d", jarCookieLimit, len(all), jarCookiePurgeTo))
	}
}

// purge marks every cookie of group as exposed to a purge and removes the
// least recently written down to keep, as Chrome does (it also weighs
// priority and Secure; the jar read at the end has the last word).
func (r *replay) purge(group []*liveCookie, keep int, why string) {
	sort.Slice(group, func(i, j int) bool { return group[i].seq < group[j].seq })
	for _, l := range group {
		l.purged = true
		if l.write >= 0 {
			r.writes[l.write].FateReason = why
		}
	}
	for _, l := range group[:len(group)-keep] {
		delete(r.live, l.key)
		r.evicted = append(r.evicted, l)
	}
}

// clear empties the replay's jar: cookiescope cleared the real one.
func (r *replay) clear() {
	for k, l := range r.live {
		if l.write >= 0 {
			r.writes[l.write].Fate, r.writes[l.write].FateReason = FateCleared, "cookiescope emptied the jar afterwards (a clear-cookies step)"
		}
		delete(r.live, k)
	}
}

// settle checks what the replay believes is stored against the jar: the
// jar has the last word on what survived.
func (r *replay) settle(jar []Cookie, now time.Time) {
	holds := func(w Write) (held, other bool) {
		for _, c := range jar {
			if writeMatches(w, c.Key(), c.Partitioned) {
				if c.Value == w.Parsed.Value {
					return true, false
				}
				other = true
			}
		}
		return false, other
	}
	for _, l := range r.siteCleared {
		if l.write < 0 {
			continue
		}
		w := &r.writes[l.write]
		// Chrome did not clear it after all (the jar holds it and nothing
		// later replaced it): it is judged with the live cookies below.
		if held, _ := holds(*w); w.Fate == FateClearedBySite && held && r.live[l.key] == nil {
			w.ClearedBy = ""
			r.live[l.key] = l
		}
	}
	for _, l := range r.evicted {
		if l.write < 0 {
			continue
		}
		w := &r.writes[l.write]
		if w.Fate != FateStored {
			continue
		}
		// The replay guessed Chrome's choice wrong when the jar still
		// holds the cookie and nothing later replaced it.
		if held, _ := holds(*w); held && r.live[l.key] == nil {
			r.live[l.key] = l
			continue
		}
		w.Fate = FateEvicted
	}
	for _, l := range r.live {
		if l.write < 0 {
			continue
		}
		w := &r.writes[l.write]
		held, other := holds(*w)
		switch {
		case held:
			w.Fate, w.FateReason = FateStored, ""
		case !w.Parsed.Expires.IsZero() && !w.Parsed.Expires.After(now) && w.Parsed.MaxAge == nil:
			w.Fate, w.FateReason = FateDeleted, fmt.Sprintf("it expired at %s, before the jar was read", w.Parsed.Expires.Format(time.RFC3339))
		case w.Parsed.MaxAge != nil && !w.atOr(now).Add(time.Duration(*w.Parsed.MaxAge)*time.Second).After(now):
			w.Fate, w.FateReason = FateDeleted, fmt.Sprintf("it expired (Max-Age=%d) before the jar was read", *w.Parsed.MaxAge)
		case l.purged:
			w.Fate = FateEvicted
		case other:
			w.Fate, w.FateReason = FateReplaced, "the jar holds another value: a write that was not recorded replaced it"
		case w.Via == ViaHeader && !w.Emulated:
			w.Fate, w.FateReason = FateNotStored, "Chrome reported no reason, yet the jar does not hold it (a write that was not recorded may have removed it)"
		default:
			w.Fate, w.FateReason = FateNotStored, "Chrome ignored it without saying why"
		}
	}
}

// silentRefusal returns why Chrome ignores a script write (or a forged
// response, for which it reports nothing) before storing it, or "".
func (r *replay) silentRefusal(w Write, key liveKey) string {
	u, err := url.Parse(w.URL)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	insecure := !secureOrigin(w.URL)
	p := w.Parsed
	// The prefix first: its rule says more than the Secure attribute from
	// http it may also break, and an __Http- name is refused to script
	// whatever the origin.
	if pc := p.CheckPrefix(!insecure, w.Via != ViaHeader); pc.Refused() {
		return pc.Reason()
	}
	switch {
	case p.Secure && insecure:
		return "the Secure attribute was set from an insecure origin (plain http), where Chrome ignores the write"
	case p.Domain != "" && !domainCovers(p.Domain, host):
		return fmt.Sprintf("its Domain=%s does not cover the host that wrote it (%s)", p.Domain, host)
	}
	if insecure && !p.Secure {
		for _, l := range r.live {
			if l.secure && l.key.Name == p.Name && !l.key.partitioned && domainsOverlap(l.key.Domain, key.Domain) && PathMatches(key.Path, l.key.Path) {
				by := "a cookie already in the jar"
				if l.write >= 0 {
					by = fmt.Sprintf("write #%d", l.write)
				}
				return fmt.Sprintf("a non-Secure write from plain http would overwrite or shadow the Secure cookie %s set by %s (strict secure cookies)", p.Name, by)
			}
		}
	}
	if len(r.topSites) > 0 && !p.Partitioned && !r.thirdParty.Allowed() && !r.topSites[site(w.URL)] {
		return fmt.Sprintf("it was written in a third-party context (%s is not the site of any page the target showed), where Chrome blocks cookies that are not Partitioned (third-party cookies are blocked in this run)", site(w.URL))
	}
	return ""
}

// parseErrorReason says why Chrome ignores a line ParseSetCookie refuses.
func parseErrorReason(err error) string {
	switch {
	case errors.Is(err, ErrCookieControl):
		return "it contains a control character, so Chrome ignores the whole write"
	case errors.Is(err, ErrCookieTooLarge):
		return "its name plus value exceed 4096 bytes, so Chrome ignores it"
	case errors.Is(err, ErrCookieNoName), errors.Is(err, ErrEmptyCookieLine):
		return "it has neither a name nor a value"
	}
	return err.Error()
}

// deletionReason says how a write deletes its cookie.
func deletionReason(w Write) string {
	switch {
	case w.Via == ViaCookieStore && w.Parsed.MaxAge != nil && *w.Parsed.MaxAge == 0 && w.Parsed.Value == "":
		return "cookieStore.delete"
	case w.Parsed.MaxAge != nil:
		return fmt.Sprintf("Max-Age=%d deletes the cookie", *w.Parsed.MaxAge)
	}
	return fmt.Sprintf("Expires=%s is in the past: the cookie is deleted", w.Parsed.Expires.Format(http.TimeFormat))
}

// trustworthyHost reports whether Chrome treats http to host as a secure
// context: loopback names and addresses.
func trustworthyHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// domainCovers reports whether a Domain attribute may be set by host.
func domainCovers(domain, host string) bool {
	return host == domain || (net.ParseIP(host) == nil && strings.HasSuffix(host, "."+domain))
}

// domainsOverlap reports whether either domain is within the other.
func domainsOverlap(a, b string) bool {
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// cookieSite is the registrable domain a cookie counts against in Chrome's
// per-site limit; partitioned cookies have limits of their own.
func cookieSite(domain string, partitioned bool) string {
	s := domain
	if net.ParseIP(domain) == nil {
		if etld1, err := publicsuffix.EffectiveTLDPlusOne(domain); err == nil {
			s = etld1
		}
	}
	if partitioned {
		s += " (partitioned)"
	}
	return s
}
