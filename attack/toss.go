package attack

import (
	"fmt"

	"github.com/cookiescope/cookiescope/inspect"
)

// siblingTossName is the sibling-toss probe's name in reports and on the
// command line.
const siblingTossName = "sibling-toss"

// siblingTossKind is the sibling-toss probe: set each cookie with
// Domain=PARENT from an http sibling subdomain, and the same for a __Host-
// name.
var siblingTossKind = kind{name: siblingTossName, summary: "set each cookie with Domain=PARENT from an http sibling subdomain, and the same for a __Host- name", rules: []string{"CS022"}, originBound: true, ownCookies: true, run: (*prober).siblingToss}

func (p *prober) siblingToss() []inspect.Probe {
	parent, ok := ParentDomain(p.host)
	if !ok {
		return []inspect.Probe{notApplicable(siblingTossName, p.host+" has no parent domain a sibling could set cookies for (an IP address or a public suffix)")}
	}
	var rows []inspect.Probe
	for _, c := range p.ownCookies() {
		for _, ch := range channels {
			sibling := SiblingHost(parent)
			f := forgery{probe: siblingTossName, cookie: c.Name, channel: ch, attack: "toss with Domain=" + parent + " from http://" + sibling + "/ by " + ch,
				attackURL: p.attackURL("http", sibling, "toss"), line: c.Name + "=%s; Domain=" + parent + "; Path=/"}
			r := p.attempt(f)
			var verdict inspect.Verdict
			var why string
			if r.accepted && r.err == nil {
				r.received = p.receive(p.target)
				verdict, why = judgeTossSent(c.Name, r.forged, *r.received)
			} else {
				verdict, why = judgeTossRefused(c)
			}
			rows = append(rows, f.row(r, verdict, why))
		}
		if pre := inspect.PrefixOf(c.Name); p.session(c.Name) && !pre.HostOnly() {
			// Show, rather than claim, that a host-bound name would have
			// stopped it: __Host-Http- for an __Http- name, else __Host-.
			host, attrs := inspect.PrefixHost, "; Secure"
			if pre.HTTPOnly() {
				host, attrs = inspect.PrefixHostHTTP, "; Secure; HttpOnly"
			}
			name := string(host) + pre.Trim(c.Name)
			sibling := SiblingHost(parent)
			f := forgery{probe: siblingTossName, cookie: name, channel: "header", attack: "the same toss for a " + string(host) + " name, from http://" + sibling + "/",
				attackURL: p.attackURL("http", sibling, "toss-host"), line: name + "=%s" + attrs + "; Domain=" + parent + "; Path=/"}
			r := p.attempt(f)
			verdict, why := inspect.Protected, "a "+string(host)+" name would have prevented the toss: Chrome refused it ("+host.Rule()+", and only https can set Secure cookies)"
			if r.accepted {
				verdict, why = inspect.Vulnerable, "Chrome accepted a tossed "+string(host)+" cookie"
			}
			rows = append(rows, f.row(r, verdict, why))
		}
	}
	return rows
}

func judgeTossRefused(c inspect.Cookie) (inspect.Verdict, string) {
	switch pre := inspect.PrefixOf(c.Name); {
	case pre.HostOnly():
		return inspect.Protected, string(pre) + ": a cookie of this name cannot carry Domain; Chrome refused the toss"
	case c.Secure:
		return inspect.Protected, "Secure: a sibling on plain http cannot set a cookie of a Secure cookie's name"
	}
	return inspect.Protected, "Chrome refused the tossed cookie"
}

// judgeTossSent judges a toss the jar took by what the target's origin
// got: the Cookie header Chrome sends to the target, and whose value comes
// first, or page script there reading the attacker's value. A toss the jar
// holds but the origin never got (bound to http) is protected.
func judgeTossSent(name, forged string, r reach) (inspect.Verdict, string) {
	if r.err != nil {
		return inspect.Vulnerable, "the jar took the tossed cookie (could not measure what the server receives: " + r.err.Error() + ")"
	}
	if !r.got(name, forged) {
		return inspect.Protected, notReceived(name, forged, r)
	}
	count, first := 0, ""
	for _, pair := range inspect.ParseDocumentCookie(r.d.Header) {
		if pair.Name == name {
			if count == 0 {
				first = pair.Value
			}
			count++
		}
	}
	switch {
	case first == forged && count == 1:
		return inspect.Vulnerable, "the tossed cookie replaced the original: the server now receives only the attacker's value"
	case first == forged:
		return inspect.Vulnerable, fmt.Sprintf("the server now receives %d values for %s, the attacker's first", count, name)
	case count > 1:
		return inspect.Vulnerable, fmt.Sprintf("the server now receives %d values for %s; the real one first, but which it uses depends on its parser", count, name)
	}
	return inspect.Vulnerable, "the server did not receive the tossed cookie with this request, but page script there reads the attacker's value"
}
