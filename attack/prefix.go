package attack

import (
	"fmt"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// prefixName is the prefix probe's name in reports and on the command line.
const prefixName = "prefix"

// prefixKind is the prefix probe: 16 writes that each break a rule of the
// __Secure-, __Host-, __Http- and __Host-Http- prefixes, and two valid
// controls.
var prefixKind = kind{name: prefixName, summary: "16 writes that each break a rule of the __Secure-, __Host-, __Http- and __Host-Http- prefixes, and two valid controls", rules: []string{"CS025"}, notHTTPS: "the target is not https: cookies with a __Secure-, __Host-, __Http- or __Host-Http- name cannot exist there", run: (*prober).prefix}

// prefixAttempt is one attempt at a prefixed cookie: a cookie line with %s
// where the forged value goes, sent by header or by script from scheme.
// Which rule it breaks, or that it is a valid control, is inspect's
// CheckPrefix's to say.
type prefixAttempt struct {
	scheme, channel, line string
}

// prefix checks that Chrome enforces the rules of the four cookie name
// prefixes on the target's host: each attempt breaks one rule (or two,
// where the other cannot be kept: page script cannot set HttpOnly), and a
// valid __Host- and __Host-Http- cookie are controls. The attempts need no
// target page: each forges from a clean context, so a page that never goes
// quiet cannot spoil them.
func (p *prober) prefix() []inspect.Probe {
	attempts := []prefixAttempt{
		{"http", "header", "__Secure-cs_probe=%s; Secure; Path=/"},
		{"http", "header", "__Host-cs_probe=%s; Secure; Path=/"},
		{"http", "script", "__Host-cs_probe=%s; Secure; Path=/"},
		{"https", "header", "__Secure-cs_probe=%s; Path=/"},
		{"https", "header", "__Host-cs_probe=%s; Secure; Path=/; Domain=" + p.host},
		{"https", "header", "__Host-cs_probe=%s; Secure; Path=/account"},
		{"https", "script", "__Host-cs_probe=%s; Path=/"},
		{"https", "header", "__Host-cs_probe=%s; Secure; Path=/"},
		{"http", "header", "__Http-cs_probe=%s; Secure; HttpOnly; Path=/"},
		{"https", "header", "__Http-cs_probe=%s; Secure; Path=/"},
		{"https", "script", "__Http-cs_probe=%s; Secure; Path=/"},
		{"http", "header", "__Host-Http-cs_probe=%s; Secure; HttpOnly; Path=/"},
		{"https", "header", "__Host-Http-cs_probe=%s; Secure; Path=/"},
		{"https", "script", "__Host-Http-cs_probe=%s; Secure; Path=/"},
		{"https", "header", "__host-http-cs_probe=%s; Secure; Path=/"},
		{"https", "header", "__Host-Http-cs_probe=%s; Secure; HttpOnly; Path=/"},
	}
	var rows []inspect.Probe
	for _, a := range attempts {
		parsed, _ := inspect.ParseSetCookie(a.line)
		pc := parsed.CheckPrefix(a.scheme == "https", a.channel == "script")
		what := "breaks: " + strings.Join(pc.Broken, ", ")
		if !pc.Refused() {
			what = "a valid " + string(pc.Prefix) + " cookie"
		}
		f := forgery{probe: prefixName, cookie: parsed.Name, channel: a.channel, attack: fmt.Sprintf("%s from %s://%s/ (%s)", strings.ReplaceAll(a.line, "%s", "…"), a.scheme, p.host, what),
			attackURL: p.attackURL(a.scheme, p.host, "prefix"), line: a.line}
		p.attempts++
		r := attemptResult{forged: "cookiescope-forged-" + randomLabel()}
		if r.err = p.tab.Reset(); r.err == nil {
			r = p.forge(f, r)
		}
		verdict, why := judgePrefix(pc, r.accepted)
		rows = append(rows, f.row(r, verdict, why))
	}
	return rows
}

// judgePrefix judges Chrome's answer to an attempt against what the
// prefix's rules say of it.
func judgePrefix(pc inspect.PrefixCheck, accepted bool) (inspect.Verdict, string) {
	switch {
	case !pc.Refused() && accepted:
		return inspect.NotApplicable, "control: Chrome accepts a cookie that obeys the " + string(pc.Prefix) + " rules"
	case !pc.Refused():
		return inspect.NotApplicable, "control: Chrome refused even a valid " + string(pc.Prefix) + " cookie here"
	case accepted:
		return inspect.Vulnerable, "Chrome accepted a cookie that breaks the rule: " + pc.Reason()
	}
	return inspect.Protected, "Chrome refused it: " + pc.Reason()
}
