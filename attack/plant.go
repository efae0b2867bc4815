package attack

import (
	"strings"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

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
