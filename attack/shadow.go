package attack

import (
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// pathShadowName is the path-shadow probe's name in reports and on the
// command line.
const pathShadowName = "path-shadow"

// pathShadowKind is the path-shadow probe: set each cookie with a longer Path
// from http://HOST/, by header and by script.
var pathShadowKind = kind{name: pathShadowName, summary: "set each cookie with a longer Path from http://HOST/, by header and by script", rules: []string{"CS021"}, originBound: true, ownCookies: true, run: (*prober).pathShadow}

// shadowPath is a path longer than p, within it.
func shadowPath(p string) string {
	if strings.HasSuffix(p, "/") {
		return p + "account"
	}
	return p + "/account"
}

func (p *prober) pathShadow() []inspect.Probe {
	var rows []inspect.Probe
	for _, c := range p.ownCookies() {
		for _, ch := range channels {
			host := p.cookieHost(c)
			path := shadowPath(c.Path)
			f := forgery{probe: pathShadowName, cookie: c.Name, channel: ch, attack: "set it with Path=" + path + " from http://" + host + "/ by " + ch,
				attackURL: p.attackURL("http", host, "shadow"), line: c.Name + "=%s" + scopeAttributes(c, path)}
			r := p.attempt(f)
			verdict, why := judgeShadow(c, path, r.accepted)
			verdict, why = p.judgeByOrigin(f, &r, p.originURL(path), verdict, why)
			rows = append(rows, f.row(r, verdict, why))
		}
	}
	return rows
}

func judgeShadow(c inspect.Cookie, path string, accepted bool) (inspect.Verdict, string) {
	switch {
	case accepted:
		return inspect.Vulnerable, "requests to " + path + " now carry the attacker's value before the real one (longer paths are sent first)"
	case c.Secure:
		return inspect.Protected, "Secure: strict secure cookies also forbid http from shadowing a Secure name with a longer path"
	}
	return inspect.Protected, "Chrome refused the shadowing cookie"
}
