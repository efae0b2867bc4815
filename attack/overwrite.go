package attack

import "github.com/cookiescope/cookiescope/inspect"

// httpOverwriteName is the http-overwrite probe's name in reports and on the
// command line.
const httpOverwriteName = "http-overwrite"

// httpOverwriteKind is the http-overwrite probe: overwrite every cookie of
// the target from http://HOST/, by header and by script.
var httpOverwriteKind = kind{name: httpOverwriteName, summary: "overwrite every cookie of the target from http://HOST/, by header and by script", rules: []string{"CS020"}, originBound: true, ownCookies: true, run: (*prober).httpOverwrite}

var channels = []string{"header", "script"}

func (p *prober) httpOverwrite() []inspect.Probe {
	var rows []inspect.Probe
	for _, c := range p.ownCookies() {
		for _, ch := range channels {
			host := p.cookieHost(c)
			f := forgery{probe: httpOverwriteName, cookie: c.Name, channel: ch, attack: "overwrite from http://" + host + "/ by " + ch,
				attackURL: p.attackURL("http", host, "overwrite"), line: c.Name + "=%s" + scopeAttributes(c, c.Path)}
			r := p.attempt(f)
			verdict, why := judgeOverwrite(c, ch, r.accepted)
			verdict, why = p.judgeByOrigin(f, &r, p.originURL(c.Path), verdict, why)
			rows = append(rows, f.row(r, verdict, why))
		}
	}
	return rows
}

func judgeOverwrite(c inspect.Cookie, channel string, accepted bool) (inspect.Verdict, string) {
	switch {
	case accepted && c.Secure:
		return inspect.Vulnerable, "Chrome let plain http overwrite a Secure cookie"
	case accepted:
		return inspect.Vulnerable, "not Secure: an active network attacker on plain http replaced its value"
	case c.Secure:
		return inspect.Protected, "Secure: Chrome refuses writes from http to the name of a Secure cookie (strict secure cookies)"
	case channel == "script" && c.HttpOnly:
		return inspect.Protected, "HttpOnly: script cannot overwrite it (see the header row for http)"
	}
	return inspect.Protected, "Chrome did not store the forged value"
}
