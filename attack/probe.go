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

// CrossSiteName is the probe that makes a CSRF attacker's requests from
// another site and records which cookies Chrome sent with each.
const CrossSiteName = "cross-site"

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

// run makes the attempts of the named probe, or says in one row why it
// cannot.
func (p *prober) run(name string) []inspect.Probe {
	k := kindNamed(name)
	switch {
	case k == nil || k.run == nil:
		return []inspect.Probe{notApplicable(name, "unknown probe")}
	case p.baseline.Error != "":
		return []inspect.Probe{notApplicable(name, "the target did not load: "+p.baseline.Error)}
	case !p.https && k.notHTTPS != "":
		return []inspect.Probe{notApplicable(name, k.notHTTPS)}
	case !p.https:
		return []inspect.Probe{notApplicable(name, "the target is not https: every cookie it sets travels over plain http, so an attacker needs no trick")}
	case k.ownCookies && len(p.ownCookies()) == 0:
		return []inspect.Probe{notApplicable(name, "the target set no cookies on "+p.host)}
	}
	return k.run(p)
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

func randomLabel() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
