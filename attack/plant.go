package attack

import (
	"fmt"
	"strings"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// fixationPlantName is the fixation-plant probe's name in reports and on the
// command line.
const fixationPlantName = "fixation-plant"

// fixationPlantKind is the fixation-plant probe: plant a server-issued
// session id over http in another browser: kept or replaced.
var fixationPlantKind = kind{name: fixationPlantName, summary: "plant a server-issued session id over http in another browser: kept or replaced", rules: []string{"CS023"}, originBound: true, run: (*prober).fixationPlant}

// PlantReceived judges by d (one load of the victim's https page in a copy
// of the victim's jar, see browser.Worker.Delivered; err its error) whether
// the page got a planted value under name: Chrome sent it with the page's
// request or page script could read it there. received is nil when that
// could not be measured, and why then says so; when the page did not get
// it, why says why, from Chrome's reasons (origin-bound cookies bind a
// value planted over http to http). It never shows a value.
func PlantReceived(d browser.Delivery, err error, name, value string) (received *bool, why string) {
	r := newReach(d, err)
	if r.err != nil {
		return nil, "what " + d.URL + " receives could not be measured: " + r.err.Error()
	}
	got := r.got(name, value)
	if got {
		return &got, "Chrome sends it to " + d.URL
	}
	return &got, notReceived(name, value, *r)
}

// PlantEvidence says in one line what Chrome decided about a planted
// cookie: stored, or why it refused, as far as the name and the victim's
// jar (named: its cookies of that name after the plant) tell, and for a
// stored one whether the victim's https page then got it (received and
// receivedWhy, from PlantReceived; nil: not measured). parent is the Domain
// of a sibling plant, empty over http. It never shows a value.
func PlantEvidence(name, host, parent string, planted, upgraded bool, named []inspect.Cookie, received *bool, receivedWhy string) string {
	stored := ""
	switch {
	case upgraded:
		return "Chrome refused it: HSTS turned the http request into https before it left the browser, so the network attacker never answered it"
	case planted && received != nil && !*received:
		return "Chrome stored it in the victim's jar, " + strings.TrimPrefix(receivedWhy, "stored, ")
	case planted && parent != "":
		stored = "Chrome stored it for Domain=" + parent + ", so " + host + " receives it"
	case planted:
		stored = "Chrome stored it: the victim's jar holds the planted value for " + host
	case inspect.PrefixOf(name) != inspect.NoPrefix:
		p := inspect.PrefixOf(name)
		return "Chrome refused it: a " + string(p) + " name cannot be set over http (" + p.Rule() + ", and only https can set Secure cookies)"
	}
	if stored != "" {
		if receivedWhy != "" {
			stored += " (" + receivedWhy + ")"
		}
		return stored
	}
	for _, c := range named {
		if c.Secure {
			return "Chrome refused it: the jar holds a Secure cookie of that name, which plain http cannot overwrite (strict secure cookies)"
		}
	}
	return "Chrome did not store it: the victim's jar does not hold the planted value"
}

// fixationPlant asks whether the server keeps a session id it issued when
// an attacker plants it in another browser: it takes a server-issued value
// in one clean context (the attacker's), plants it over http in a second
// (the victim's), loads the target there, and judges kept or replaced. A
// kept id is a precondition of session fixation, not a demonstration:
// showing the takeover needs the login, which only a scenario can drive
// (builtin:fixation).
func (p *prober) fixationPlant() []inspect.Probe {
	var names []string
	seen := map[string]bool{}
	for _, c := range p.ownCookies() {
		if p.session(c.Name) && !seen[c.Name] {
			names = append(names, c.Name)
			seen[c.Name] = true
		}
	}
	if len(names) == 0 {
		return []inspect.Probe{notApplicable(fixationPlantName, "no session cookie in the target's jar to plant (names are judged by the built-in patterns and the configuration's sessionCookies)")}
	}
	var rows []inspect.Probe
	for _, name := range names {
		rows = append(rows, p.plantIssued(name))
	}
	return rows
}

// plantIssued runs the fixation attempt for one session cookie.
func (p *prober) plantIssued(name string) inspect.Probe {
	// A prefixed name gets the attributes its prefix demands, so that only
	// the origin (plain http) breaks its rules.
	attrs := "; Path=/"
	switch pre := inspect.PrefixOf(name); {
	case pre.HTTPOnly():
		attrs = "; Secure; HttpOnly; Path=/"
	case pre != inspect.NoPrefix:
		attrs = "; Secure; Path=/"
	}
	f := forgery{probe: fixationPlantName, cookie: name, channel: "header",
		attack:    "take a server-issued " + name + " in one browser, plant it from http://" + p.host + "/ in another, load the target there",
		attackURL: p.attackURL("http", p.host, "plant"), line: name + "=%s" + attrs}
	p.attempts++
	r := attemptResult{}
	// The attacker's browser: a clean context that loads the target.
	if r.err = p.tab.Reset(); r.err == nil {
		issued := p.tab.Visit(p.ctx, p.target, p.opts.Load)
		if issued.Error != "" {
			r.err = fmt.Errorf("load the target as the attacker: %s", issued.Error)
		}
		for _, c := range issued.Cookies {
			if c.Name == name && inspect.DomainMatches(p.host, c) && r.forged == "" {
				r.forged = c.Value
			}
		}
		if r.err == nil && r.forged == "" {
			r.err = fmt.Errorf("the target issued no %s to a new visitor", name)
		}
	}
	// The victim's browser: clean, or the live session copied.
	if r.err == nil {
		if r.err = p.begin(); r.err == nil {
			r = p.forge(f, r)
		}
	}
	r.before = r.after
	row := func(verdict inspect.Verdict, why string) inspect.Probe {
		out := f.row(r, verdict, why)
		out.Forged = "" // a server-issued id is a secret like any other
		return out
	}
	if r.err != nil {
		return row(inspect.NotApplicable, "")
	}
	if !r.accepted {
		why := "Chrome refused to plant it over http (a Secure cookie of the name already in the jar)"
		if pre := inspect.PrefixOf(name); pre != inspect.NoPrefix {
			why = "Chrome refused to plant it over http: " + pre.Rule() + ", and only https can set Secure cookies"
		}
		return row(inspect.Protected, why)
	}
	t := p.tab.Visit(p.ctx, p.target, p.opts.Load)
	r.after = t.Cookies
	if t.Error != "" {
		r.err = fmt.Errorf("load the target with the planted id: %s", t.Error)
		return row(inspect.NotApplicable, "")
	}
	// The server can keep only an id it received: with origin-bound
	// cookies the planted one is stored, bound to http, and the https
	// request never carries it (the server then issues an id of its own,
	// which says nothing about fixation).
	r.received = p.lastReceived()
	if r.received.err == nil && !r.received.got(name, r.forged) {
		return row(inspect.Protected, notReceived(name, r.forged, *r.received))
	}
	verdict, why := judgePlanted(name, r.forged, t)
	if r.received.err != nil {
		why += " (what the server received could not be measured: " + r.received.err.Error() + ")"
	}
	return row(verdict, why)
}

// judgePlanted judges the victim's jar after loading the target with a
// planted server-issued id: kept, or replaced by the server.
func judgePlanted(name, planted string, t inspect.Target) (inspect.Verdict, string) {
	kept := false
	for _, c := range t.Cookies {
		kept = kept || (c.Name == name && c.Value == planted)
	}
	reissued := false
	for _, wr := range t.Writes {
		if wr.Via == inspect.ViaHeader && wr.Parsed.Name == name && wr.Parsed.Value != planted && len(wr.Blocked) == 0 {
			reissued = true
		}
	}
	if kept && !reissued {
		return inspect.Vulnerable, "the server kept a session id it had issued to another browser, planted over plain http: a precondition of session fixation (not a demonstration: showing the takeover needs the login, as `cookiescope run builtin:fixation` does)"
	}
	return inspect.Protected, "the server replaced the planted session id"
}
