package attack

import "github.com/cookiescope/cookiescope/inspect"

// PlantEvidence says in one line what Chrome decided about a planted
// cookie: stored, or why it refused, as far as the name and the victim's
// jar (named: its cookies of that name after the plant) tell. parent is the
// Domain of a sibling plant, empty over http. It never shows a value.
func PlantEvidence(name, host, parent string, planted, upgraded bool, named []inspect.Cookie) string {
	switch {
	case upgraded:
		return "Chrome refused it: HSTS turned the http request into https before it left the browser, so the network attacker never answered it"
	case planted && parent != "":
		return "Chrome stored it for Domain=" + parent + ", so " + host + " receives it"
	case planted:
		return "Chrome stored it: the victim's jar holds the planted value for " + host
	case inspect.PrefixOf(name) != inspect.NoPrefix:
		p := inspect.PrefixOf(name)
		return "Chrome refused it: a " + string(p) + " name cannot be set over http (" + p.Rule() + ", and only https can set Secure cookies)"
	}
	for _, c := range named {
		if c.Secure {
			return "Chrome refused it: the jar holds a Secure cookie of that name, which plain http cannot overwrite (strict secure cookies)"
		}
	}
	return "Chrome did not store it: the victim's jar does not hold the planted value"
}
