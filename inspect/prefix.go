package inspect

import (
	"net/url"
	"strings"
)

// Prefix is a cookie name prefix that makes the browser check a cookie's
// attributes, its origin and how it was written before storing it (RFC
// 6265bis section 4.1.3; __Http- and __Host-Http- are enforced by Chrome
// since version 140). A name that begins with a prefix in any case has it:
// Chromium 156 refuses __host-http-x=1; Secure; Path=/ (no HttpOnly) with
// InvalidPrefix, as it does __Host-Http-x.
type Prefix string

// The prefixes. A name that begins with __Host-Http- has PrefixHostHTTP,
// whose rules include those of PrefixHost and PrefixHTTP.
const (
	NoPrefix       Prefix = ""
	PrefixSecure   Prefix = "__Secure-"
	PrefixHost     Prefix = "__Host-"
	PrefixHTTP     Prefix = "__Http-"
	PrefixHostHTTP Prefix = "__Host-Http-"
)

// Prefixes lists the prefixes, the longer first where one begins with
// another, so that the first that matches a name is the name's prefix.
var Prefixes = []Prefix{PrefixHostHTTP, PrefixHost, PrefixHTTP, PrefixSecure}

// prefixRules says what each prefix demands besides Secure (which all
// demand, and which only an https origin, or one Chrome trusts as secure,
// can set), as measured in Chromium 156:
//   - httpOnly: the cookie must be HttpOnly, so page script (document.cookie,
//     cookieStore), which cannot set HttpOnly cookies, can never set it;
//   - host: Path=/ given as an attribute and no Domain attribute, so the
//     cookie belongs to the host that set it and to no other.
var prefixRules = map[Prefix]struct {
	httpOnly, host bool
	rule           string
}{
	PrefixSecure:   {false, false, "__Secure- cookies must be Secure"},
	PrefixHost:     {false, true, "__Host- cookies must be Secure, with Path=/ and no Domain"},
	PrefixHTTP:     {true, false, "__Http- cookies must be Secure and HttpOnly"},
	PrefixHostHTTP: {true, true, "__Host-Http- cookies must be Secure and HttpOnly, with Path=/ and no Domain"},
}

// PrefixOf returns the prefix name begins with, in any case, or NoPrefix.
func PrefixOf(name string) Prefix {
	for _, p := range Prefixes {
		if len(name) >= len(p) && strings.EqualFold(name[:len(p)], string(p)) {
			return p
		}
	}
	return NoPrefix
}

// Rule says in one sentence what the prefix demands ("__Http- cookies must
// be Secure and HttpOnly"); "" for NoPrefix.
func (p Prefix) Rule() string { return prefixRules[p].rule }

// HostOnly reports whether the prefix binds the cookie to the host that
// set it (__Host-, __Host-Http-): no Domain, Path=/.
func (p Prefix) HostOnly() bool { return prefixRules[p].host }

// HTTPOnly reports whether the prefix demands HttpOnly (__Http-,
// __Host-Http-), so that only a Set-Cookie header can set the cookie.
func (p Prefix) HTTPOnly() bool { return prefixRules[p].httpOnly }

// Trim returns name without its prefix p, matched in any case; name
// unchanged when it does not begin with p.
func (p Prefix) Trim(name string) string {
	if p != NoPrefix && PrefixOf(name) == p {
		return name[len(p):]
	}
	return name
}

// PrefixCheck is what a cookie write's prefix demands and which of it the
// write breaks. The browser refuses a write that breaks anything: a header
// line with the reason InvalidPrefix, a script write without a word.
type PrefixCheck struct {
	// Prefix is the name's prefix; for a cookie without a name, the
	// prefix its value begins with.
	Prefix Prefix
	// Written is the prefix as the cookie line spells it (__host-http-).
	Written string
	// Nameless is set for a cookie without a name whose value begins with
	// a prefix: the browser refuses it whatever its attributes (measured:
	// __Secure-x; Secure; Path=/ is refused with InvalidPrefix), since a
	// nameless cookie is sent as its bare value, which a server reads as a
	// prefixed cookie the prefix's rules never checked.
	Nameless bool
	// Script is set when page script wrote it, which cannot set the
	// HttpOnly cookies the __Http- prefixes demand.
	Script bool
	// Broken lists what the write breaks of the rule, a few words each
	// ("no HttpOnly attribute", "set from plain http"); empty when it obeys
	// the rule.
	Broken []string
}

// CheckPrefix judges c against the rules of its name's prefix, as written
// from an origin that is secure or not (https, or a host Chrome trusts as
// secure over http, such as localhost) by a Set-Cookie header or by page
// script (document.cookie, cookieStore). A cookie without a prefix breaks
// nothing.
func (c SetCookie) CheckPrefix(secureOrigin, script bool) PrefixCheck {
	if c.Name == "" {
		pc := PrefixCheck{Prefix: PrefixOf(c.Value), Script: script}
		if pc.Prefix != NoPrefix {
			pc.Written, pc.Nameless = c.Value[:len(pc.Prefix)], true
			pc.Broken = []string{"no name, and a value that begins with " + pc.Written}
		}
		return pc
	}
	pc := PrefixCheck{Prefix: PrefixOf(c.Name), Script: script}
	if pc.Prefix == NoPrefix {
		return pc
	}
	pc.Written = c.Name[:len(pc.Prefix)]
	r := prefixRules[pc.Prefix]
	if !c.Secure {
		pc.Broken = append(pc.Broken, "no Secure attribute")
	}
	if !secureOrigin {
		pc.Broken = append(pc.Broken, "set from plain http")
	}
	if r.httpOnly && script {
		pc.Broken = append(pc.Broken, "written by page script")
	} else if r.httpOnly && !c.HttpOnly {
		pc.Broken = append(pc.Broken, "no HttpOnly attribute")
	}
	if r.host && c.Domain != "" {
		pc.Broken = append(pc.Broken, "Domain="+c.Domain)
	}
	if r.host && c.Path != "/" {
		if c.Path == "" {
			pc.Broken = append(pc.Broken, "no Path=/ attribute")
		} else {
			pc.Broken = append(pc.Broken, "Path="+c.Path)
		}
	}
	return pc
}

// Refused reports whether the browser refuses the write for its prefix.
func (pc PrefixCheck) Refused() bool { return len(pc.Broken) > 0 }

// Reason says in plain words why the browser refuses the write for its
// prefix, naming the rule of the prefix it actually has; "" when it does
// not refuse it.
func (pc PrefixCheck) Reason() string {
	switch {
	case !pc.Refused():
		return ""
	case pc.Nameless:
		return "a cookie without a name may not have a value that begins with " + pc.Written + ": it is sent as its bare value, which a server would read as a " + string(pc.Prefix) + " cookie"
	}
	why := "the cookie breaks the rules of its " + string(pc.Prefix) + " name prefix: " + pc.Prefix.Rule() + " (this one: " + strings.Join(pc.Broken, ", ") + ")"
	if pc.Script && pc.Prefix.HTTPOnly() {
		why = "page script cannot set HttpOnly cookies, and a " + string(pc.Prefix) + " name requires HttpOnly"
	}
	if pc.Written != string(pc.Prefix) {
		why += "; Chrome matches prefixes in any case, so " + pc.Written + " is " + string(pc.Prefix)
	}
	return why
}

// invalidPrefixReason explains Chrome's InvalidPrefix for the write w: the
// rule of the prefix its line has and what the line breaks of it.
func invalidPrefixReason(w Write) string {
	p, err := ParseSetCookie(w.CookieLine)
	if err != nil {
		return reasonText["InvalidPrefix"]
	}
	pc := p.CheckPrefix(secureOrigin(w.URL), w.Via != ViaHeader)
	switch {
	case pc.Refused():
		return pc.Reason()
	case pc.Prefix != NoPrefix:
		// Chrome saw a rule broken that the line does not show (an origin
		// cookiescope judges otherwise): name the rule all the same.
		return "the cookie breaks the rules of its " + string(pc.Prefix) + " name prefix: " + pc.Prefix.Rule()
	}
	return reasonText["InvalidPrefix"]
}

// secureOrigin reports whether a document or response at rawURL may set
// Secure cookies: https, or http to a host Chrome trusts as secure.
func secureOrigin(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	return u.Scheme == "https" || trustworthyHost(strings.ToLower(u.Hostname()))
}
