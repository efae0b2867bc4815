package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// ProbeNames lists the probes in the order they run.
var ProbeNames = []string{"http-overwrite", "path-shadow", "sibling-toss", "fixation-plant", "jar-overflow", "prefix"}

// overflowCount is how many cookies jar-overflow writes: more than Chrome's
// per-domain limit (180 at the time of writing).
const overflowCount = 300

// Probe loads targetURL and runs the named probes against it (nil: all).
// Each attempt starts from a clean context with the target loaded afresh,
// so attempts do not disturb one another. It returns the target as first
// loaded, with one Probe row per attempt; a probe that cannot run says why
// in its row. The context is clean again when it returns.
func (w *Worker) Probe(ctx context.Context, targetURL string, names []string, opts LoadOptions) inspect.Target {
	if len(names) == 0 {
		names = ProbeNames
	}
	start := time.Now()
	baseline := w.Inspect(ctx, targetURL, opts)
	p := &prober{w: w, ctx: ctx, target: targetURL, opts: opts, baseline: baseline}
	if u, err := url.Parse(targetURL); err == nil {
		p.host = u.Hostname()
		p.https = u.Scheme == "https"
	}
	for _, name := range names {
		if ctx.Err() != nil {
			break
		}
		rows := p.run(name)
		baseline.Probes = append(baseline.Probes, rows...)
	}
	if err := w.Reset(); err != nil && baseline.Error == "" {
		baseline.Error = fmt.Sprintf("clear the browser context after the probes: %v", err)
	}
	baseline.DurationMS = time.Since(start).Milliseconds()
	return baseline
}

// CheckProbeNames rejects unknown probe names.
func CheckProbeNames(names []string) error {
	for _, n := range names {
		known := false
		for _, k := range ProbeNames {
			known = known || n == k
		}
		if !known {
			return fmt.Errorf("--probe %q: want one of %s", n, strings.Join(ProbeNames, ", "))
		}
	}
	return nil
}

// prober runs the attempts of one target.
type prober struct {
	w        *Worker
	ctx      context.Context
	target   string
	host     string
	https    bool
	opts     LoadOptions
	baseline inspect.Target
	attempts int
}

func (p *prober) run(name string) []inspect.Probe {
	if p.baseline.Error != "" {
		return []inspect.Probe{notApplicable(name, "the target did not load: "+p.baseline.Error)}
	}
	switch name {
	case "http-overwrite", "path-shadow", "sibling-toss", "fixation-plant", "jar-overflow":
		if !p.https {
			return []inspect.Probe{notApplicable(name, "the target is not https: every cookie it sets travels over plain http, so an attacker needs no trick")}
		}
		if len(p.ownCookies()) == 0 && name != "fixation-plant" {
			return []inspect.Probe{notApplicable(name, "the target set no cookies on "+p.host)}
		}
	case "prefix":
		if !p.https {
			return []inspect.Probe{notApplicable(name, "the target is not https: __Secure- and __Host- cookies cannot exist there")}
		}
	}
	switch name {
	case "http-overwrite":
		return p.httpOverwrite()
	case "path-shadow":
		return p.pathShadow()
	case "sibling-toss":
		return p.siblingToss()
	case "fixation-plant":
		return p.fixationPlant()
	case "jar-overflow":
		return p.jarOverflow()
	case "prefix":
		return p.prefix()
	}
	return []inspect.Probe{notApplicable(name, "unknown probe")}
}

func notApplicable(name, why string) inspect.Probe {
	return inspect.Probe{Name: name, Attack: "-", Channel: "-", Reasons: []string{}, Before: inspect.Absent, After: inspect.Absent, Verdict: inspect.NotApplicable, Explanation: why}
}

// ownCookies are the target's cookies that its own host receives.
func (p *prober) ownCookies() []inspect.Cookie {
	var out []inspect.Cookie
	for _, c := range p.baseline.Cookies {
		if !c.Partitioned && inspect.DomainMatches(p.host, c) {
			out = append(out, c)
		}
	}
	return out
}

// forgery is one attempt: a cookie line with %s where the forged value goes,
// sent from attackURL by header or by script.
type forgery struct {
	probe, cookie, attack, channel string
	attackURL                      string
	line                           string
}

// attemptResult is what the jar said around one forgery.
type attemptResult struct {
	forged        string
	before, after []inspect.Cookie
	accepted      bool
	upgraded      bool // HSTS turned the http request into https
	err           error
}

// attempt loads the target in a clean context, then lets the emulated
// attacker answer the forgery, and reads the jar before and after.
func (p *prober) attempt(f forgery) attemptResult {
	p.attempts++
	r := attemptResult{forged: "cookiescope-forged-" + randomLabel()}
	if err := p.w.Reset(); err != nil {
		r.err = err
		return r
	}
	t := p.w.Visit(p.ctx, p.target, p.opts)
	if t.Error != "" {
		r.err = fmt.Errorf("reload the target: %s", t.Error)
		return r
	}
	r.before = t.Cookies
	return p.forge(f, r)
}

// forge sends the forgery in the current state and reads the jar after.
func (p *prober) forge(f forgery, r attemptResult) attemptResult {
	line := fmt.Sprintf(f.line, r.forged)
	var resp ForgedResponse
	if f.channel == "header" {
		resp.SetCookie = []string{line}
	} else {
		js, _ := json.Marshal(line)
		resp.Body = "<script>document.cookie = " + string(js) + ";</script>"
	}
	upgraded, err := p.w.Forge(p.ctx, f.attackURL, resp, p.opts)
	if err != nil {
		r.err = err
		return r
	}
	r.upgraded = upgraded
	r.after, r.err = p.w.Jar()
	for _, c := range r.after {
		if c.Name == f.cookie && c.Value == r.forged {
			r.accepted = true
		}
	}
	return r
}

// row turns a result into a Probe row with the given judgement.
func (f forgery) row(r attemptResult, verdict inspect.Verdict, why string) inspect.Probe {
	if r.err != nil {
		return inspect.Probe{Name: f.probe, Cookie: f.cookie, Attack: f.attack, Channel: f.channel, Emulated: true, Reasons: []string{},
			Before: inspect.Absent, After: inspect.Absent, Verdict: inspect.NotApplicable, Explanation: "could not run: " + r.err.Error()}
	}
	if r.upgraded {
		verdict, why = inspect.Protected, "HSTS: Chrome turned the http request into https before sending it, so a network attacker never sees plain http"
	}
	reasons := []string{}
	if !r.accepted {
		reasons = []string{inspect.ReasonNotStored}
	}
	return inspect.Probe{Name: f.probe, Cookie: f.cookie, Attack: f.attack, Channel: f.channel, Emulated: true, Accepted: r.accepted, Reasons: reasons,
		Before: inspect.ValueList(r.before, f.cookie), After: inspect.ValueList(r.after, f.cookie), Verdict: verdict, Explanation: why, Forged: r.forged}
}

// attackURL is a fresh URL on host for one attempt; nothing needs to listen
// there, the emulated attacker answers it.
func (p *prober) attackURL(scheme, host, probe string) string {
	return fmt.Sprintf("%s://%s/__cookiescope/%s-%d", scheme, host, probe, p.attempts+1)
}

// cookieHost is the host an attacker answers for to reach c.
func (p *prober) cookieHost(c inspect.Cookie) string {
	d := strings.TrimPrefix(c.Domain, ".")
	if !c.HostOnly && inspect.DomainMatches(p.host, c) {
		return p.host
	}
	return d
}

// scopeAttributes are the Domain and Path attributes that address c, with
// path in place of c's own.
func scopeAttributes(c inspect.Cookie, path string) string {
	s := "; Path=" + path
	if !c.HostOnly {
		s += "; Domain=" + strings.TrimPrefix(c.Domain, ".")
	}
	return s
}

var channels = []string{"header", "script"}

func (p *prober) httpOverwrite() []inspect.Probe {
	var rows []inspect.Probe
	for _, c := range p.ownCookies() {
		for _, ch := range channels {
			host := p.cookieHost(c)
			f := forgery{probe: "http-overwrite", cookie: c.Name, channel: ch, attack: "overwrite from http://" + host + "/ by " + ch,
				attackURL: p.attackURL("http", host, "overwrite"), line: c.Name + "=%s" + scopeAttributes(c, c.Path)}
			r := p.attempt(f)
			verdict, why := judgeOverwrite(c, ch, r.accepted)
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
			f := forgery{probe: "path-shadow", cookie: c.Name, channel: ch, attack: "set it with Path=" + path + " from http://" + host + "/ by " + ch,
				attackURL: p.attackURL("http", host, "shadow"), line: c.Name + "=%s" + scopeAttributes(c, path)}
			r := p.attempt(f)
			verdict, why := inspect.Protected, "Chrome refused the shadowing cookie"
			switch {
			case r.accepted:
				verdict, why = inspect.Vulnerable, "requests to "+path+" now carry the attacker's value before the real one (longer paths are sent first)"
			case c.Secure:
				why = "Secure: strict secure cookies also forbid http from shadowing a Secure name with a longer path"
			}
			rows = append(rows, f.row(r, verdict, why))
		}
	}
	return rows
}

// parentDomain is the domain a sibling subdomain can set cookies for: the
// host without its first label, or the host itself when it has two labels.
func parentDomain(host string) string {
	labels := strings.Split(host, ".")
	if len(labels) <= 2 {
		return host
	}
	return strings.Join(labels[1:], ".")
}

func (p *prober) siblingToss() []inspect.Probe {
	parent := parentDomain(p.host)
	var rows []inspect.Probe
	for _, c := range p.ownCookies() {
		for _, ch := range channels {
			sibling := "cs-" + randomLabel() + "." + parent
			f := forgery{probe: "sibling-toss", cookie: c.Name, channel: ch, attack: "toss with Domain=" + parent + " from http://" + sibling + "/ by " + ch,
				attackURL: p.attackURL("http", sibling, "toss"), line: c.Name + "=%s; Domain=" + parent + "; Path=/"}
			r := p.attempt(f)
			verdict, why := p.judgeToss(c, r)
			rows = append(rows, f.row(r, verdict, why))
		}
		if inspect.SessionLike(c.Name) && !strings.HasPrefix(c.Name, "__Host-") {
			// Show, rather than claim, that a __Host- name would have stopped it.
			name := "__Host-" + strings.TrimPrefix(c.Name, "__Secure-")
			sibling := "cs-" + randomLabel() + "." + parent
			f := forgery{probe: "sibling-toss", cookie: name, channel: "header", attack: "the same toss for a __Host- name, from http://" + sibling + "/",
				attackURL: p.attackURL("http", sibling, "toss-host"), line: name + "=%s; Secure; Domain=" + parent + "; Path=/"}
			r := p.attempt(f)
			verdict, why := inspect.Protected, "a __Host- name would have prevented the toss: Chrome refused it (no Domain, Secure only, from https only)"
			if r.accepted {
				verdict, why = inspect.Vulnerable, "Chrome accepted a tossed __Host- cookie"
			}
			rows = append(rows, f.row(r, verdict, why))
		}
	}
	return rows
}

// judgeToss measures what the server would receive after a toss: the Cookie
// header Chrome sends to the target, and whose value comes first.
func (p *prober) judgeToss(c inspect.Cookie, r attemptResult) (inspect.Verdict, string) {
	if r.err != nil {
		return inspect.NotApplicable, ""
	}
	if !r.accepted {
		switch {
		case strings.HasPrefix(c.Name, "__Host-"):
			return inspect.Protected, "__Host-: a cookie of this name cannot carry Domain; Chrome refused the toss"
		case c.Secure:
			return inspect.Protected, "Secure: a sibling on plain http cannot set a cookie of a Secure cookie's name"
		}
		return inspect.Protected, "Chrome refused the tossed cookie"
	}
	header, err := p.w.CookieHeaderSentTo(p.ctx, p.target, p.opts)
	if err != nil {
		return inspect.Vulnerable, "the jar took the tossed cookie (could not measure what the server receives: " + err.Error() + ")"
	}
	count, first := 0, ""
	for _, pair := range inspect.ParseDocumentCookie(header) {
		if pair.Name == c.Name {
			if count == 0 {
				first = pair.Value
			}
			count++
		}
	}
	switch {
	case first == r.forged && count == 1:
		return inspect.Vulnerable, "the tossed cookie replaced the original: the server now receives only the attacker's value"
	case first == r.forged:
		return inspect.Vulnerable, fmt.Sprintf("the server now receives %d values for %s, the attacker's first", count, c.Name)
	case count > 1:
		return inspect.Vulnerable, fmt.Sprintf("the server now receives %d values for %s; the real one first, but which it uses depends on its parser", count, c.Name)
	}
	return inspect.Vulnerable, "the jar took the tossed cookie, though this request did not carry it"
}

func (p *prober) fixationPlant() []inspect.Probe {
	var names []string
	seen := map[string]bool{}
	for _, c := range p.ownCookies() {
		if inspect.SessionLike(c.Name) && !seen[c.Name] {
			names = append(names, c.Name)
			seen[c.Name] = true
		}
	}
	if len(names) == 0 {
		return []inspect.Probe{notApplicable("fixation-plant", "no session-like cookie (by name) in the target's jar to plant")}
	}
	var rows []inspect.Probe
	for _, name := range names {
		attrs := "; Path=/"
		if strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-") {
			attrs = "; Secure; Path=/"
		}
		f := forgery{probe: "fixation-plant", cookie: name, channel: "header", attack: "plant it from http://" + p.host + "/ before the flow",
			attackURL: p.attackURL("http", p.host, "plant"), line: name + "=%s" + attrs}
		r := attemptResult{forged: "cookiescope-forged-" + randomLabel()}
		p.attempts++
		if r.err = p.w.Reset(); r.err == nil {
			r = p.forge(f, r)
		}
		planted := r.accepted
		r.before = r.after
		if r.err != nil || !planted {
			rows = append(rows, f.row(r, inspect.Protected, "Chrome refused to plant it over http (a __Host-/__Secure- name or strict secure cookies)"))
			continue
		}
		// The flow: load the target with the planted cookie in the jar.
		t := p.w.Visit(p.ctx, p.target, p.opts)
		r.after = t.Cookies
		if t.Error != "" {
			r.err = fmt.Errorf("the flow failed: %s", t.Error)
		}
		kept := false
		for _, c := range t.Cookies {
			kept = kept || (c.Name == name && c.Value == r.forged)
		}
		reissued := false
		for _, wr := range t.Writes {
			if wr.Via == inspect.ViaHeader && wr.Parsed.Name == name && wr.Parsed.Value != r.forged && len(wr.Blocked) == 0 {
				reissued = true
			}
		}
		r.accepted = true
		if kept && !reissued {
			rows = append(rows, f.row(r, inspect.Vulnerable, "session fixation: the application kept the planted value through the flow"))
		} else {
			rows = append(rows, f.row(r, inspect.Protected, "the application issued a new value during the flow"))
		}
	}
	return rows
}

func (p *prober) jarOverflow() []inspect.Probe {
	if err := p.w.Reset(); err != nil {
		return []inspect.Probe{notApplicable("jar-overflow", "could not run: "+err.Error())}
	}
	t := p.w.Visit(p.ctx, p.target, p.opts)
	if t.Error != "" {
		return []inspect.Probe{notApplicable("jar-overflow", "could not reload the target: "+t.Error)}
	}
	script := fmt.Sprintf(`(() => { for (let i = 0; i < %d; i++) document.cookie = "cs_overflow_" + i + "=1; Path=/"; return true; })()`, overflowCount)
	if _, err := p.w.EvaluateInPage(p.ctx, script); err != nil {
		return []inspect.Probe{notApplicable("jar-overflow", "could not run the filling script: "+err.Error())}
	}
	after, err := p.w.Jar()
	if err != nil {
		return []inspect.Probe{notApplicable("jar-overflow", "could not read the jar: "+err.Error())}
	}
	remaining := 0
	for _, c := range after {
		if inspect.DomainMatches(p.host, c) && !c.Partitioned {
			remaining++
		}
	}
	attack := fmt.Sprintf("page script on %s writes %d cookies", p.host, overflowCount)
	rows := []inspect.Probe{{Name: "jar-overflow", Cookie: "(jar)", Attack: attack, Channel: "script", Emulated: true, Reasons: []string{},
		Before: fmt.Sprintf("(%d cookies)", len(p.ownCookies())), After: fmt.Sprintf("(%d cookies)", remaining), Verdict: inspect.NotApplicable,
		Explanation: fmt.Sprintf("limit observed: %d cookies for %s after %d writes", remaining, p.host, overflowCount)}}
	afterKeys := map[inspect.CookieKey]string{}
	for _, c := range after {
		afterKeys[c.Key()] = c.Value
	}
	for _, c := range t.Cookies {
		if c.Partitioned || !inspect.DomainMatches(p.host, c) {
			continue
		}
		value, survived := afterKeys[c.Key()]
		row := inspect.Probe{Name: "jar-overflow", Cookie: c.Name, Attack: attack, Channel: "script", Emulated: true, Reasons: []string{},
			Before: c.Value, After: inspect.Absent}
		if survived {
			row.After = value
			row.Verdict, row.Explanation = inspect.Protected, "survived: Chrome evicted other cookies first"
			if c.Secure {
				row.Explanation = "survived: Chrome evicts non-Secure cookies before Secure ones"
			}
		} else {
			row.Verdict, row.Explanation = inspect.Vulnerable, "evicted: script can push it out of the jar and then set its own"
		}
		rows = append(rows, row)
	}
	return rows
}

// prefixAttempt is one attempt at a prefixed cookie and the rule it tests.
type prefixAttempt struct {
	scheme, channel, line, rule string
	valid                       bool // a control that obeys the rules
}

func (p *prober) prefix() []inspect.Probe {
	attempts := []prefixAttempt{
		{"http", "header", "__Secure-cs_probe=%s; Secure; Path=/", "__Secure- cookies come from https only", false},
		{"http", "header", "__Host-cs_probe=%s; Secure; Path=/", "__Host- cookies come from https only", false},
		{"http", "script", "__Host-cs_probe=%s; Secure; Path=/", "__Host- cookies come from https only", false},
		{"https", "header", "__Secure-cs_probe=%s; Path=/", "__Secure- cookies must be Secure", false},
		{"https", "header", "__Host-cs_probe=%s; Secure; Path=/; Domain=" + p.host, "__Host- cookies must not carry Domain", false},
		{"https", "header", "__Host-cs_probe=%s; Secure; Path=/account", "__Host- cookies must have Path=/", false},
		{"https", "script", "__Host-cs_probe=%s; Path=/", "__Host- cookies must be Secure", false},
		{"https", "header", "__Host-cs_probe=%s; Secure; Path=/", "a valid __Host- cookie", true},
	}
	var rows []inspect.Probe
	for _, a := range attempts {
		name, _, _ := strings.Cut(a.line, "=")
		f := forgery{probe: "prefix", cookie: name, channel: a.channel, attack: fmt.Sprintf("%s from %s://%s/ (%s)", strings.ReplaceAll(a.line, "%s", "…"), a.scheme, p.host, a.rule),
			attackURL: p.attackURL(a.scheme, p.host, "prefix"), line: a.line}
		r := p.attempt(f)
		verdict, why := inspect.Protected, "Chrome enforces the rule: "+a.rule
		switch {
		case a.valid && r.accepted:
			verdict, why = inspect.NotApplicable, "control: Chrome accepts a cookie that obeys the rules"
		case a.valid:
			verdict, why = inspect.NotApplicable, "control: Chrome refused even a valid __Host- cookie here"
		case r.accepted:
			verdict, why = inspect.Vulnerable, "Chrome accepted a cookie that breaks the rule: "+a.rule
		}
		rows = append(rows, f.row(r, verdict, why))
	}
	for _, c := range p.ownCookies() {
		if !inspect.SessionLike(c.Name) {
			continue
		}
		row := inspect.Probe{Name: "prefix", Cookie: c.Name, Attack: "check the session cookie's name", Channel: "-", Reasons: []string{}, Before: c.Value, After: c.Value}
		switch {
		case strings.HasPrefix(c.Name, "__Host-"):
			row.Verdict, row.Explanation = inspect.Protected, "__Host-: only this host, over https, with Path=/ can set a cookie of this name"
		case strings.HasPrefix(c.Name, "__Secure-"):
			row.Verdict, row.Explanation = inspect.Protected, "__Secure-: only https can set it, but a sibling subdomain still can (__Host- would stop that)"
		default:
			row.Verdict, row.Explanation = inspect.Vulnerable, "no prefix: http and sibling subdomains can set a cookie of this name; __Host- would prevent both"
		}
		rows = append(rows, row)
	}
	return rows
}

func randomLabel() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
