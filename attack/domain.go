// Package attack is cookiescope's catalogue of cookie attacks: the probes
// an emulated network attacker runs against a target, the responses it
// forges, and the verdicts on what Chrome made of them. It drives the
// browser only through the small Tab interface, which browser.Worker
// implements, so every verdict can be tested without Chrome.
package attack

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// ParentDomain is the widest domain a sibling subdomain of host can set a
// cookie for: host without its first label, unless that is a public suffix
// (co.uk, github.io: Chrome refuses Domain=co.uk), in which case it is the
// registrable domain itself. ok is false when host is an IP address or
// itself a public suffix, where no sibling can set a Domain cookie at all.
func ParentDomain(host string) (parent string, ok bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || strings.Trim(host, "0123456789.") == "" || strings.Contains(host, ":") {
		return "", false
	}
	registrable, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return "", false
	}
	_, rest, found := strings.Cut(host, ".")
	if !found || len(rest) < len(registrable) {
		return registrable, true
	}
	return rest, true
}

// SiblingHost is a fresh, random sibling subdomain under parent
// (cs-1a2b3c4d.PARENT): the host the emulated attacker poses as to toss or
// plant a cookie with Domain=PARENT. Nothing needs to listen there.
func SiblingHost(parent string) string {
	return "cs-" + randomLabel() + "." + parent
}
