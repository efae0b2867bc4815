package attack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// Tab is what the probes need of a browser: one context of its own that
// they can clear, load pages in, answer as a network attacker, read and
// fill. browser.Worker implements it; tests use a fake.
type Tab interface {
	// Reset leaves the context as new: no cookie, no page but the tab.
	Reset() error
	// Visit loads rawURL and returns what happened, keeping the context's
	// state.
	Visit(ctx context.Context, rawURL string, opts browser.LoadOptions) inspect.Target
	// Forge loads attackURL answered by the emulated network attacker with
	// forged; upgraded says HSTS turned the http URL into https first.
	Forge(ctx context.Context, attackURL string, forged browser.ForgedResponse, opts browser.LoadOptions) (upgraded bool, err error)
	// Jar returns every cookie of the context now.
	Jar() ([]inspect.Cookie, error)
	// SetJar stores cookies of another context in this one.
	SetJar(ctx context.Context, cookies []inspect.Cookie) error
	// EvaluateInPage runs script in the page's main world.
	EvaluateInPage(ctx context.Context, script string) ([]byte, error)
	// Delivered loads rawURL, keeping the context's state, and returns what
	// its origin got: the Cookie header Chrome sent with the page's
	// request, the cookies it withheld and why, and document.cookie there.
	Delivered(ctx context.Context, rawURL string, opts browser.LoadOptions) (browser.Delivery, error)
	// LastDelivered is Delivered for the page the last Visit loaded (as
	// rawURL), without loading it again.
	LastDelivered(ctx context.Context, rawURL string) browser.Delivery
}

// Names lists the probes in the order they run.
var Names = []string{"http-overwrite", "path-shadow", "sibling-toss", "fixation-plant", "jar-overflow", "prefix", CrossSiteName}

// OriginBoundProbes are the probes whose verdicts origin-bound cookies can
// change: the attacks over plain http (or from an http sibling), whose
// writes Chrome then binds to http, and jar-overflow, since Chrome then
// evicts by the scheme that set a cookie rather than by its Secure
// attribute (measured with Chromium 156: page script on the https origin
// then evicts a Secure cookie). prefix and cross-site gave the same rows
// with and without them on the lab's login apps, and are not in the list.
var OriginBoundProbes = []string{"http-overwrite", "path-shadow", "sibling-toss", "fixation-plant", "jar-overflow"}

// CrossSiteName is the probe that makes a CSRF attacker's requests from
// another site and records which cookies Chrome sent with each.
const CrossSiteName = "cross-site"

// CheckNames rejects unknown probe names.
func CheckNames(names []string) error {
	for _, n := range names {
		known := false
		for _, k := range Names {
			known = known || n == k
		}
		if !known {
			return fmt.Errorf("--probe %q: want one of %s", n, strings.Join(Names, ", "))
		}
	}
	return nil
}

// Options say how to probe a target.
type Options struct {
	Load browser.LoadOptions
	// Config decides which cookies are sessions (Config.Classify).
	Config inspect.Config
	// Session is a live session's jar: every attempt starts from a copy of
	// it instead of a clean context, so that a probe after login attacks
	// the logged-in cookies. Nil probes the target as a new visitor.
	Session []inspect.Cookie
	// Measured is what a scenario's session step measured before the
	// probe, nil without one: its credentials are the sessions the probes
	// attack, whatever their names (see session).
	Measured *inspect.Session
	// Step labels every row with where in a scenario it ran.
	Step string
	// Emulate opens the emulated network the cross-site probe needs (see
	// BrowserEmulator); nil: the cross-site probe says it cannot run.
	Emulate Emulator
	// LiveRequests lets the cross-site probe's requests reach the target's
	// server instead of the emulated network.
	LiveRequests bool
}

// Probe runs the named probes (nil: all) against targetURL in tab. Each
// attempt starts from a clean context (or a copy of opts.Session) with the
// target loaded afresh, so attempts do not disturb one another. It returns
// the target as first loaded, with one Probe row per attempt; a probe that
// cannot run says why in its row. The context is clean again when it
// returns.
func Probe(ctx context.Context, tab Tab, targetURL string, names []string, opts Options) inspect.Target {
	if len(names) == 0 {
		names = Names
	}
	start := time.Now()
	p := &prober{tab: tab, ctx: ctx, target: targetURL, opts: opts}
	if u, err := url.Parse(targetURL); err == nil {
		p.host = u.Hostname()
		p.https = u.Scheme == "https"
	}
	baseline := inspect.Target{URL: targetURL}
	if err := p.begin(); err != nil {
		baseline.Error = err.Error()
	} else {
		baseline = tab.Visit(ctx, targetURL, opts.Load)
	}
	p.baseline = baseline
	// The cross-site probe starts from the jar as the target left it,
	// before the other probes reset the context.
	var victim []inspect.Cookie
	var jarErr error
	if slices.Contains(names, CrossSiteName) {
		victim, jarErr = tab.Jar()
	}
	for _, name := range names {
		if ctx.Err() != nil {
			break
		}
		if name == CrossSiteName {
			var cs inspect.CrossSite
			switch {
			case baseline.Error != "":
				cs = crossSiteNotRun(opts, "the target did not load: "+baseline.Error)
			case jarErr != nil:
				cs = crossSiteNotRun(opts, "read the jar: "+jarErr.Error())
			default:
				cs = crossSite(ctx, opts.Emulate, targetURL, victim, opts)
			}
			baseline.CrossSite = append(baseline.CrossSite, cs)
			continue
		}
		for _, row := range p.run(name) {
			row.Step = opts.Step
			baseline.Probes = append(baseline.Probes, row)
		}
	}
	if err := tab.Reset(); err != nil && baseline.Error == "" {
		baseline.Error = fmt.Sprintf("clear the browser context after the probes: %v", err)
	}
	baseline.DurationMS = time.Since(start).Milliseconds()
	return baseline
}

// ProbeURLs runs the named probes against each URL on up to workers
// workers of b; see browser.Each for order and interruption.
func ProbeURLs(ctx context.Context, b *browser.Browser, urls, names []string, workers int, opts Options, progress browser.Progress) (targets []inspect.Target, complete bool, err error) {
	if opts.Emulate == nil {
		opts.Emulate = BrowserEmulator(b)
	}
	return browser.Each(ctx, b, urls, workers, progress, func(w *browser.Worker, u string) inspect.Target { return Probe(ctx, w, u, names, opts) })
}

// prober runs the attempts of one target.
type prober struct {
	tab      Tab
	ctx      context.Context
	target   string
	host     string
	https    bool
	opts     Options
	baseline inspect.Target
	attempts int
}

// begin clears the context and, for a live session, copies its jar in.
func (p *prober) begin() error {
	if err := p.tab.Reset(); err != nil {
		return err
	}
	return p.tab.SetJar(p.ctx, p.opts.Session)
}

func (p *prober) run(name string) []inspect.Probe {
	if p.baseline.Error != "" {
		return []inspect.Probe{notApplicable(name, "the target did not load: "+p.baseline.Error)}
	}
	if !p.https {
		why := "the target is not https: every cookie it sets travels over plain http, so an attacker needs no trick"
		if name == "prefix" {
			why = "the target is not https: cookies with a __Secure-, __Host-, __Http- or __Host-Http- name cannot exist there"
		}
		return []inspect.Probe{notApplicable(name, why)}
	}
	switch name {
	case "http-overwrite", "path-shadow", "sibling-toss", "jar-overflow":
		if len(p.ownCookies()) == 0 {
			return []inspect.Probe{notApplicable(name, "the target set no cookies on "+p.host)}
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

// session reports whether name is a session: measured by the scenario's
// session step when it measured the name, else as the configuration and
// the built-in names guess (Config.Classify).
func (p *prober) session(name string) bool {
	if credential, measured := p.opts.Measured.Credential(name); measured {
		return credential
	}
	return p.opts.Config.Classify(name, "").Session()
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
	// received is what the target's https origin then got, for an attempt
	// the jar took; nil when not measured.
	received *reach
}

// attempt loads the target in a fresh context (or a fresh copy of the
// live session), then lets the emulated attacker answer the forgery, and
// reads the jar before and after.
func (p *prober) attempt(f forgery) attemptResult {
	p.attempts++
	r := attemptResult{forged: "cookiescope-forged-" + randomLabel()}
	if err := p.begin(); err != nil {
		r.err = err
		return r
	}
	t := p.tab.Visit(p.ctx, p.target, p.opts.Load)
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
	var resp browser.ForgedResponse
	if f.channel == "header" {
		resp.SetCookie = []string{line}
	} else {
		js, _ := json.Marshal(line)
		resp.Body = "<script>document.cookie = " + string(js) + ";</script>"
	}
	upgraded, err := p.tab.Forge(p.ctx, f.attackURL, resp, p.opts.Load)
	if err != nil {
		r.err = err
		return r
	}
	r.upgraded = upgraded
	r.after, r.err = p.tab.Jar()
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
	out := inspect.Probe{Name: f.probe, Cookie: f.cookie, Attack: f.attack, Channel: f.channel, Emulated: true, Accepted: r.accepted, Reasons: reasons,
		Before: inspect.ValueList(r.before, f.cookie), After: inspect.ValueList(r.after, f.cookie), Verdict: verdict, Explanation: why, Forged: r.forged}
	if r.received != nil && !r.upgraded {
		out.Received = r.received.receipt(f.cookie, r.forged)
	}
	return out
}

// judgeByOrigin judges an attempt the jar took by what the target's https
// origin then got, loading rawURL there (a page within the forged cookie's
// path): the jar's verdict stands only when the site got the attacker's
// value. Attempts the jar refused, or that HSTS upgraded, keep the jar's.
func (p *prober) judgeByOrigin(f forgery, r *attemptResult, rawURL string, verdict inspect.Verdict, why string) (inspect.Verdict, string) {
	if !r.accepted || r.err != nil || r.upgraded {
		return verdict, why
	}
	r.received = p.receive(rawURL)
	return judgeReceived(verdict, why, f.cookie, r.forged, *r.received)
}

// originURL is a page of the target's origin within a cookie's path: the
// target itself when its path is within it, else the path itself on the
// target's scheme, host and port.
func (p *prober) originURL(path string) string {
	u, err := url.Parse(p.target)
	if err != nil || pathMatches(u.Path, path) {
		return p.target
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = path, "", "", ""
	return u.String()
}

// pathMatches reports whether a request path is within a cookie's Path, as
// RFC 6265bis's path-match says.
func pathMatches(requestPath, cookiePath string) bool {
	if requestPath == "" {
		requestPath = "/"
	}
	switch {
	case requestPath == cookiePath:
		return true
	case !strings.HasPrefix(requestPath, cookiePath):
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || requestPath[len(cookiePath)] == '/'
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

func (p *prober) siblingToss() []inspect.Probe {
	parent, ok := ParentDomain(p.host)
	if !ok {
		return []inspect.Probe{notApplicable("sibling-toss", p.host+" has no parent domain a sibling could set cookies for (an IP address or a public suffix)")}
	}
	var rows []inspect.Probe
	for _, c := range p.ownCookies() {
		for _, ch := range channels {
			sibling := SiblingHost(parent)
			f := forgery{probe: "sibling-toss", cookie: c.Name, channel: ch, attack: "toss with Domain=" + parent + " from http://" + sibling + "/ by " + ch,
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
			f := forgery{probe: "sibling-toss", cookie: name, channel: "header", attack: "the same toss for a " + string(host) + " name, from http://" + sibling + "/",
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
		return []inspect.Probe{notApplicable("fixation-plant", "no session cookie in the target's jar to plant (names are judged by the built-in patterns and the configuration's sessionCookies)")}
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
	f := forgery{probe: "fixation-plant", cookie: name, channel: "header",
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
		f := forgery{probe: "prefix", cookie: parsed.Name, channel: a.channel, attack: fmt.Sprintf("%s from %s://%s/ (%s)", strings.ReplaceAll(a.line, "%s", "…"), a.scheme, p.host, what),
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

func randomLabel() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
