package attack

import (
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

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
	case strings.HasPrefix(name, "__Host-"):
		return "Chrome refused it: a __Host- name cannot be set over http (it must be Secure, set from https, without Domain)"
	case strings.HasPrefix(name, "__Secure-"):
		return "Chrome refused it: a __Secure- name cannot be set over http"
	}
	for _, c := range named {
		if c.Secure {
			return "Chrome refused it: the jar holds a Secure cookie of that name, which plain http cannot overwrite (strict secure cookies)"
		}
	}
	return "Chrome did not store it: the victim's jar does not hold the planted value"
}
