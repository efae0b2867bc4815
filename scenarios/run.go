package scenarios

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/attack"
	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// RunOptions say how to run scenarios.
type RunOptions struct {
	// Parallel is how many scenarios run at once, each in its own browser
	// context (below 1: one per browser).
	Parallel int
	Load     browser.LoadOptions
	// LabURL returns the base URL of a lab variant ("secure", "flawed");
	// nil when no lab runs.
	LabURL   func(variant string) string
	Progress browser.Progress
	// Config decides which cookies the probes treat as sessions.
	Config inspect.Config
}

// Shard returns the scenarios of shard i of n (1-based): a stable subset,
// by position in the list Load returns, so that n CI jobs run each
// scenario exactly once.
func Shard(all []Scenario, i, n int) []Scenario {
	var out []Scenario
	for k, s := range all {
		if k%n == i-1 {
			out = append(out, s)
		}
	}
	return out
}

// Run runs the scenarios in b and returns one target per scenario, in
// order, with its expectations checked. A scenario whose step fails stops
// there, reports the step, and still reports what was captured; the other
// scenarios run on.
func Run(ctx context.Context, b *browser.Browser, scs []Scenario, opts RunOptions) ([]inspect.Target, bool, error) {
	return browser.Each(ctx, b, scs, opts.Parallel, opts.Progress, func(w *browser.Worker, s Scenario) inspect.Target {
		return runOne(ctx, b, w, s, opts)
	})
}

// flow is the state of one running scenario.
type flow struct {
	s    Scenario
	base string
	// checkpoints are the captures so far, of either browser, and
	// checkpointLines the lines of the steps that took them.
	checkpoints     map[string]inspect.Target
	checkpointLines map[string]int
	results         []inspect.ExpectationResult
	probes          []inspect.Probe
	// crossSite holds what the cross-site probe steps found.
	crossSite []inspect.CrossSite
	plants    []inspect.Plant
	victim    *side
	// at names the step running, as "step 9 (login.yaml:23)", for the
	// cookies its snapshot records and the probe rows it makes.
	at string
	// earlier holds the latest version of every cookie of the victim (by
	// name, domain and path) seen at a capture or expect snapshot, with
	// SeenAt set, in the order first seen; earlierIndex locates a key in it.
	earlier      []inspect.Cookie
	earlierIndex map[cookieKey]int
	// attacker is the attacker's browser, opened by the first attacker
	// block and closed when the scenario ends; nil until then.
	attacker *side
	// measured is what the session step measured; nil until it ran.
	measured *measured
	// steps is the record of every step run so far, in order.
	steps []inspect.FlowStep
	// crawls holds what the crawl steps did, in order.
	crawls []inspect.Crawl
}

// side is one browser of a scenario: the victim's (the scenario's worker)
// or the attacker's, with its own context, jar and recording.
type side struct {
	w *browser.Worker
	// name is "" for the victim, inspect.BrowserAttacker for the attacker.
	name    string
	current string // the URL this browser last went to
	// last holds, per cookie name, the value the cookie had at the last
	// capture or expect snapshot of this browser where it was present, for
	// `cleared`. The values are compared, never shown.
	last map[string]string
	// jar and requests are this browser's jar after its last step and how
	// many requests it had recorded then, for the flow's record of the next.
	jar      []inspect.Cookie
	requests int
}

// runStep is one step to run, attacker blocks' steps in line.
type runStep struct {
	Step
	attacker bool
	index    int // the 1-based position of the top-level step
}

func runOne(ctx context.Context, b *browser.Browser, w *browser.Worker, s Scenario, opts RunOptions) inspect.Target {
	start := time.Now()
	f := &flow{s: s, checkpoints: map[string]inspect.Target{}, checkpointLines: map[string]int{}, earlierIndex: map[cookieKey]int{}}
	f.base = s.URL
	if s.Lab != "" && opts.LabURL != nil {
		f.base = opts.LabURL(s.Lab)
	}
	f.victim = &side{w: w, current: f.base, last: map[string]string{}}
	defer func() {
		if f.attacker != nil {
			f.attacker.w.Close()
		}
	}()
	var stepErr error
	if err := w.BeginFlow(); err != nil {
		stepErr = fmt.Errorf("%s:%d: prepare the browser context: %w", s.File, s.Line, err)
	}
	if s.Viewport != nil && stepErr == nil {
		if err := w.SetViewport(ctx, s.Viewport); err != nil {
			stepErr = fmt.Errorf("%s:%d: viewport: %w", s.File, s.Line, err)
		}
		// The worker's next scenario gets the run's viewport again.
		defer func() { _ = w.SetViewport(context.Background(), nil) }()
	}
	var steps []runStep
	for i, st := range s.Steps {
		if st.Kind != "attacker" {
			steps = append(steps, runStep{st, false, i + 1})
			continue
		}
		for _, nested := range st.Steps {
			steps = append(steps, runStep{nested, true, i + 1})
		}
	}
	for _, st := range steps {
		browserName := ""
		if st.attacker {
			browserName = inspect.BrowserAttacker
		}
		if stepErr != nil {
			if st.Expect != nil {
				described := st.Expect.Describe()
				if st.attacker {
					described = browserName + ": " + described
				}
				f.results = append(f.results, inspect.ExpectationResult{Expectation: described, Cookie: st.Expect.Cookie, File: s.File, Line: st.Line,
					Failures: []string{"not checked: an earlier step failed"}, Browser: browserName, Page: st.Expect.Page, Absent: st.Expect.Absent, Rotated: st.Expect.Rotated})
			}
			continue
		}
		f.at = fmt.Sprintf("step %d (%s:%d)", st.index, s.File, st.Line)
		sd := f.victim
		what := st.Describe()
		if st.attacker {
			what = "attacker: " + what
			var err error
			if sd, err = f.attackerSide(ctx); err != nil {
				stepErr = fmt.Errorf("%s:%d: step %d (%s): open the attacker's browser: %w", s.File, st.Line, st.index, what, err)
				continue
			}
		}
		err := f.step(ctx, b, sd, st.Step, opts)
		if err != nil {
			stepErr = fmt.Errorf("%s:%d: step %d (%s): %w", s.File, st.Line, st.index, what, err)
		}
		f.record(st, sd, err)
	}
	t := w.Snapshot(f.base)
	t.Scenario, t.File, t.Line = s.Name, s.File, s.Line
	t.Viewport = s.Viewport
	t.Expectations = f.results
	t.EarlierCookies = earlierCookies(f.earlier, t.Cookies)
	t.Probes = f.probes
	t.CrossSite = f.crossSite
	t.Plants = f.plants
	t.Flow = f.steps
	t.Crawl = f.crawls
	if f.measured != nil {
		t.Session = f.measured.session
	}
	t.FlowState = inspect.FlowStateCookies(t)
	if stepErr != nil {
		t.Error = inspect.ScrubText(stepErr.Error(), s.Secrets)
	}
	t.DurationMS = time.Since(start).Milliseconds()
	_ = w.Reset()
	return t
}

// record adds a step to the flow's record: where its browser is now, and
// what the step did to the jar and which cookies its requests carried. A
// step's description and error hold no secret value (Describe never shows
// a value; the error is scrubbed).
func (f *flow) record(st runStep, sd *side, stepErr error) {
	pageURL, requests := sd.w.Where()
	fs := inspect.FlowStep{Index: st.index, Line: st.Line, Step: st.Describe(), Browser: sd.name, URL: pageURL, Host: inspect.HostOf(pageURL)}
	jar, err := sd.w.Jar()
	if err != nil {
		jar = sd.jar
	}
	fs.StepChanges(sd.jar, jar, requests[min(sd.requests, len(requests)):])
	sd.jar, sd.requests = jar, len(requests)
	if stepErr != nil {
		fs.Error = inspect.ScrubText(stepErr.Error(), f.s.Secrets)
	}
	f.steps = append(f.steps, fs)
}

// attackerSide returns the attacker's browser, opening it on first use: a
// browser context of its own, clean, with its own recording.
func (f *flow) attackerSide(ctx context.Context) (*side, error) {
	if f.attacker != nil {
		return f.attacker, nil
	}
	// On the victim's browser: the scenario is served by one browser, and
	// runs again elsewhere as a whole when that one is lost.
	aw, err := f.victim.w.NewSibling(ctx)
	if err != nil {
		return nil, err
	}
	if err := aw.BeginFlow(); err != nil {
		aw.Close()
		return nil, err
	}
	f.attacker = &side{w: aw, name: inspect.BrowserAttacker, current: f.base, last: map[string]string{}}
	return f.attacker, nil
}

// resolve turns a goto target into a URL against the scenario's base.
func (f *flow) resolve(target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	if u.IsAbs() {
		return target, nil
	}
	base, err := url.Parse(f.base)
	if err != nil {
		return "", err
	}
	return base.ResolveReference(u).String(), nil
}

// step runs one step in the browser sd.
func (f *flow) step(ctx context.Context, b *browser.Browser, sd *side, st Step, opts RunOptions) error {
	timeout := f.s.StepTimeout
	load := opts.Load
	// A step runs under the scenario's timeout:, and an error that it ran
	// out says so (probe steps load under --timeout, opts.Load).
	load.Timeout, load.TimeoutHint = timeout, f.s.TimeoutSource()
	switch st.Kind {
	case "goto":
		u, err := f.resolve(st.Target)
		if err != nil {
			return err
		}
		sd.current = u
		return sd.w.Goto(ctx, u, load)
	case "fill":
		return sd.w.Fill(ctx, st.Target, st.Value, timeout, load)
	case "click":
		return sd.w.Click(ctx, st.Target, timeout, load)
	case "press":
		return sd.w.Press(ctx, st.Target, st.Value, timeout, load)
	case "submit":
		return sd.w.Submit(ctx, st.Target, timeout, load)
	case "wait":
		switch {
		case st.WaitURL != "":
			return sd.w.WaitURL(ctx, st.WaitURL, timeout, load)
		case st.WaitCookie != "":
			return sd.w.WaitCookie(ctx, st.WaitCookie, timeout, load)
		case st.WaitFor > 0:
			return pause(ctx, st.WaitFor)
		}
		return sd.w.WaitSelector(ctx, st.Target, timeout, load)
	case "eval":
		return sd.w.Eval(ctx, st.Target, load)
	case "clear-cookies":
		return sd.w.ClearCookies()
	case "capture":
		snap := sd.w.Snapshot(sd.current)
		f.note(sd, snap)
		f.checkpoints[st.Target] = snap
		f.checkpointLines[st.Target] = st.Line
		return nil
	case "session":
		return f.measureSession(ctx, st, load)
	case "crawl":
		return f.crawl(ctx, st, load)
	case "expect":
		var r inspect.ExpectationResult
		if st.Expect.Session != "" && f.measured == nil {
			// The session step failed before it measured anything.
			r = inspect.ExpectationResult{Expectation: st.Expect.Describe(), Session: st.Expect.Session, Failures: []string{"session: not checked: no session was measured"}}
		} else if st.Expect.Session != "" {
			r = f.sessionEnded(ctx, st, load)
		} else if st.Expect.Page != "" {
			visible, pageURL, err := sd.w.PageShows(ctx, st.Expect.Page)
			r = CheckPage(st.Expect, visible, pageURL, err)
		} else {
			snap := sd.w.Snapshot(sd.current)
			// The cross-site probe's requests count among the requests
			// recorded so far.
			snap.CrossSite = append(snap.CrossSite, f.crossSite...)
			r = Check(st.Expect, snap, f.checkpoints, sd.last, time.Now())
			f.note(sd, snap)
		}
		r.File, r.Line, r.Browser = f.s.File, st.Line, sd.name
		if sd.name != "" {
			// Every format shows the expectation's line: it names the browser.
			r.Expectation = sd.name + ": " + r.Expectation
		}
		if r.Rotated != "" {
			r.RotatedLine = f.checkpointLines[r.Rotated]
		}
		f.results = append(f.results, r)
		return nil
	case "plant":
		return f.plant(ctx, st, load)
	case "probe":
		// The probe attacks a copy of the session as it stands (the jar
		// cloned into a second worker's context, afresh for every attempt),
		// so that a probe after login tests the logged-in cookies while the
		// flow's own state stays as it is.
		session, err := sd.w.Jar()
		if err != nil {
			return fmt.Errorf("read the session to probe: %w", err)
		}
		pw, err := sd.w.NewSibling(ctx)
		if err != nil {
			return err
		}
		defer pw.Close()
		var measured *inspect.Session
		if f.measured != nil {
			measured = f.measured.session
		}
		target := attack.Probe(ctx, pw, sd.current, []string{st.Target}, attack.Options{Load: opts.Load, Config: opts.Config, Session: session, Measured: measured, Step: f.at, Emulate: attack.BrowserEmulator(b)})
		f.probes = append(f.probes, target.Probes...)
		f.crossSite = append(f.crossSite, target.CrossSite...)
		return nil
	}
	return fmt.Errorf("unknown step %q", st.Kind)
}

// plant has the emulated network attacker write the cookie into the
// victim's jar (Worker.Forge), records what Chrome decided, and takes the
// checkpoint `planted` of the victim's jar. Chrome refusing the cookie is
// no error: it is the secure outcome. Errors never hold the value.
func (f *flow) plant(ctx context.Context, st Step, load browser.LoadOptions) error {
	pl := st.Plant
	value := pl.Value
	if pl.From != "" {
		c, ok := findCookie(f.checkpoints[pl.From], pl.Cookie)
		if !ok {
			return fmt.Errorf("the checkpoint %s holds no cookie %s to plant", pl.From, pl.Cookie)
		}
		value = c.Value
	}
	host := inspect.HostOf(f.victim.current)
	if host == "" {
		host = inspect.HostOf(f.base)
	}
	n := len(f.plants) + 1
	attackURL := fmt.Sprintf("http://%s/__cookiescope/plant-%d", host, n)
	line := pl.Cookie + "=" + value + "; Path=/"
	parent := ""
	if pl.Over == inspect.PlantOverSibling {
		var ok bool
		if parent, ok = attack.ParentDomain(host); !ok {
			return fmt.Errorf("%s has no parent domain a sibling subdomain could set a cookie for", host)
		}
		attackURL = fmt.Sprintf("http://%s/__cookiescope/plant-%d", attack.SiblingHost(parent), n)
		line = pl.Cookie + "=" + value + "; Domain=" + parent + "; Path=/"
	}
	upgraded, err := f.victim.w.Forge(ctx, attackURL, browser.ForgedResponse{SetCookie: []string{line}}, load)
	if err != nil {
		return err
	}
	jar, err := f.victim.w.Jar()
	if err != nil {
		return fmt.Errorf("read the victim's jar after the plant: %w", err)
	}
	planted := false
	var named []inspect.Cookie
	for _, c := range jar {
		if c.Name == pl.Cookie {
			named = append(named, c)
			planted = planted || c.Value == value
		}
	}
	var received *bool
	receivedWhy := ""
	if planted {
		received, receivedWhy = f.plantReceived(ctx, jar, pl.Cookie, value, host, load)
	}
	f.plants = append(f.plants, inspect.Plant{Cookie: pl.Cookie, Over: pl.Over, From: pl.From, URL: attackURL, Planted: planted, Received: received,
		Evidence: attack.PlantEvidence(pl.Cookie, host, parent, planted, upgraded, named, received, receivedWhy), Step: st.Describe(), File: f.s.File, Line: st.Line})
	snap := f.victim.w.Snapshot(f.victim.current)
	f.note(f.victim, snap)
	f.checkpoints[PlantedCheckpoint] = snap
	f.checkpointLines[PlantedCheckpoint] = st.Line
	return nil
}

// plantReceived measures whether the victim's https page gets a planted
// value: it loads the page (the victim's current one when it is https on
// host, else https://host/) in a worker of its own holding a copy of the
// victim's jar, so that neither the victim's page nor its jar changes, and
// judges what Chrome sent with it and what script read there
// (attack.PlantReceived). With origin-bound cookies a value planted over
// http is stored but bound to http, and the https page never gets it.
func (f *flow) plantReceived(ctx context.Context, jar []inspect.Cookie, name, value, host string, load browser.LoadOptions) (*bool, string) {
	page := f.victim.current
	if u, err := url.Parse(page); err != nil || u.Scheme != "https" || u.Hostname() != host {
		page = (&url.URL{Scheme: "https", Host: host, Path: "/"}).String()
		if u, err := url.Parse(f.base); err == nil && u.Scheme == "https" && u.Hostname() == host {
			page = (&url.URL{Scheme: "https", Host: u.Host, Path: "/"}).String()
		}
	}
	copyWorker, err := f.victim.w.NewSibling(ctx)
	if err != nil {
		return attack.PlantReceived(browser.Delivery{URL: page}, err, name, value)
	}
	defer copyWorker.Close()
	if err := copyWorker.SetJar(ctx, jar); err != nil {
		return attack.PlantReceived(browser.Delivery{URL: page}, err, name, value)
	}
	d, err := copyWorker.Delivered(ctx, page, load)
	return attack.PlantReceived(d, err, name, value)
}

// CheckPage evaluates an expectation on the page: visible is whether a
// visible element matched its selector on pageURL, err why that could not
// be looked at. The result says what was seen.
func CheckPage(e *Expectation, visible bool, pageURL string, err error) inspect.ExpectationResult {
	r := inspect.ExpectationResult{Expectation: e.Describe(), Failures: []string{}, Page: e.Page, Absent: e.Absent, PageURL: pageURL}
	switch {
	case err != nil:
		r.Seen = fmt.Sprintf("could not look for %s on %s", e.Page, pageURL)
		r.Failures = append(r.Failures, fmt.Sprintf("page: could not look for %s: %v", e.Page, err))
	case visible:
		r.PageVisible = &visible
		r.Seen = fmt.Sprintf("a visible element matches %s on %s", e.Page, pageURL)
		if e.Absent {
			r.Failures = append(r.Failures, fmt.Sprintf("page: expected no visible %s, found one on %s", e.Page, pageURL))
		}
	default:
		r.PageVisible = &visible
		r.Seen = fmt.Sprintf("no visible element matches %s on %s", e.Page, pageURL)
		if !e.Absent {
			r.Failures = append(r.Failures, fmt.Sprintf("page: expected a visible %s, found none on %s", e.Page, pageURL))
		}
	}
	r.Passed = len(r.Failures) == 0
	return r
}

// pause waits for d, or until ctx ends (an interrupt must not wait out a
// scenario's fixed waits), and then returns ctx's error.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// note remembers what a capture or expect snapshot of a browser saw: per
// cookie name the value Check would judge (the cookie the page's host
// receives), for `cleared`; and, for the victim, every cookie as seen at
// the current step, for the rules.
func (f *flow) note(sd *side, t inspect.Target) {
	for _, c := range t.Cookies {
		if cur, ok := findCookie(t, c.Name); ok {
			sd.last[c.Name] = cur.Value
		}
		if sd != f.victim {
			continue
		}
		c.SeenAt = f.at
		k := keyOf(c)
		if i, ok := f.earlierIndex[k]; ok {
			f.earlier[i] = c
			continue
		}
		f.earlierIndex[k] = len(f.earlier)
		f.earlier = append(f.earlier, c)
	}
}

// cookieKey identifies a cookie across a flow's snapshots.
type cookieKey struct{ name, domain, path string }

func keyOf(c inspect.Cookie) cookieKey { return cookieKey{c.Name, c.Domain, c.Path} }

// earlierCookies returns the cookies of seen that final lacks, or holds
// differently (see differs), in seen's order: the cookies the rules would
// miss if they judged the final jar alone.
func earlierCookies(seen, final []inspect.Cookie) []inspect.Cookie {
	byKey := map[cookieKey]inspect.Cookie{}
	for _, c := range final {
		byKey[keyOf(c)] = c
	}
	var out []inspect.Cookie
	for _, c := range seen {
		if now, ok := byKey[keyOf(c)]; !ok || differs(c, now) {
			out = append(out, c)
		}
	}
	return out
}

// differs reports whether two versions of one cookie differ in what the
// rules judge or the report shows: the value, an attribute, the readability
// verdict, or the write that set it.
func differs(a, b inspect.Cookie) bool {
	if a.Value != b.Value || a.HostOnly != b.HostOnly || a.Secure != b.Secure || a.HttpOnly != b.HttpOnly ||
		a.SameSite != b.SameSite || a.Session != b.Session || a.Partitioned != b.Partitioned || a.PartitionKey != b.PartitionKey ||
		a.Verdict() != b.Verdict() || a.Unrecorded != b.Unrecorded || (a.Expires == nil) != (b.Expires == nil) ||
		(a.Expires != nil && !a.Expires.Equal(*b.Expires)) {
		return true
	}
	return lastWrite(a) != lastWrite(b)
}

// lastWrite names the write that produced a cookie's value, without its
// cookie line (which holds the value).
func lastWrite(c inspect.Cookie) [4]string {
	if len(c.SetBy) == 0 {
		return [4]string{}
	}
	w := c.SetBy[len(c.SetBy)-1]
	return [4]string{string(w.Via), w.URL, w.Script, fmt.Sprint(w.Line)}
}

// Check evaluates one expectation against the jar of now. checkpoints are
// the captures so far (for rotated and invalidated); last holds, per cookie
// name, the value the cookie had at the last earlier snapshot where it was
// present (for cleared): a name in it was seen before. Values are compared
// only: they never appear in the result, which says "the same value" or "a
// new value" instead.
func Check(e *Expectation, now inspect.Target, checkpoints map[string]inspect.Target, last map[string]string, at time.Time) inspect.ExpectationResult {
	r := inspect.ExpectationResult{Expectation: e.Describe(), Cookie: e.Cookie, Failures: []string{}, Absent: e.Absent, Rotated: e.Rotated}
	if e.Rotated != "" {
		r.Rotation = inspect.RotationMissing // until the cookie is found
	}
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	var behaviour []string
	c, found := findCookie(now, e.Cookie)
	if e.Invalidated != "" {
		before, ok := findCookie(checkpoints[e.Invalidated], e.Cookie)
		switch {
		case !ok:
			fail("invalidated: %s was not in the jar at %s, so there is nothing to invalidate", e.Cookie, e.Invalidated)
		case holdsValue(now, e.Cookie, before.Value):
			fail("invalidated: expected the value %s had at %s gone, the jar still holds that value", e.Cookie, e.Invalidated)
		default:
			behaviour = append(behaviour, "invalidated since "+e.Invalidated)
		}
	}
	if e.SentTo != nil {
		checkSentTo(e.Cookie, e.SentTo, now, fail)
	}
	if e.WithheldFrom != nil {
		checkWithheldFrom(e.Cookie, e.WithheldFrom, now, fail)
	}
	switch {
	case e.Absent:
		if found {
			fail("absent: expected no cookie %s, got one (domain %s, path %s)", e.Cookie, c.Domain, c.Path)
		}
	case !found && (e.SentTo != nil || e.WithheldFrom != nil) && !e.checksCookie():
		// Where a cookie went asks nothing of the jar now.
	case e.Cleared:
		prev, seen := last[e.Cookie]
		switch {
		case !found && seen:
			behaviour = append(behaviour, "cleared")
		case !found:
			fail("cleared: %s was never in the jar before, so nothing was cleared", e.Cookie)
		case !seen:
			fail("cleared: expected %s gone; it is in the jar and no earlier step had it, so nothing was cleared", e.Cookie)
		case c.Value == prev:
			fail("cleared: expected %s gone; logout kept the same value", e.Cookie)
		default:
			fail("cleared: expected %s gone; logout replaced it with a new value (the old one is gone, but a cookie of the name is still set)", e.Cookie)
		}
	case !found && e.Invalidated != "" && !e.checksCookie():
		// Invalidation alone asks nothing of presence: a deleted cookie
		// invalidated its value.
	case !found:
		fail("present: expected a cookie %s, the jar has none", e.Cookie)
	default:
		checkBool := func(name string, want *bool, got bool) {
			if want != nil && *want != got {
				fail("%s: expected %v, got %v", name, *want, got)
			}
		}
		checkBool("secure", e.Secure, c.Secure)
		checkBool("httpOnly", e.HttpOnly, c.HttpOnly)
		checkBool("hostOnly", e.HostOnly, c.HostOnly)
		// An unknown readability (the page broke the measurement) passes
		// neither true nor false: it was not measured.
		if e.ScriptReadable != nil && c.Verdict() == inspect.ReadabilityUnknown {
			fail("scriptReadable (measured): expected %v, got unknown (%s)", *e.ScriptReadable, c.UnknownReason)
		} else {
			checkBool("scriptReadable (measured)", e.ScriptReadable, c.ScriptReadable)
		}
		if len(e.SameSite) > 0 {
			got := c.SameSite
			if got == "" {
				got = "unset"
			}
			ok := false
			for _, s := range e.SameSite {
				ok = ok || s == got
			}
			if !ok {
				fail("sameSite: expected one of %s, got %s", strings.Join(e.SameSite, ", "), got)
			}
		}
		if e.Path != nil && *e.Path != c.Path {
			fail("path: expected %s, got %s", *e.Path, c.Path)
		}
		if e.MaxLifetime > 0 && !c.Session && c.Expires != nil {
			if life := c.Expires.Sub(at); life > e.MaxLifetime {
				fail("maxLifetime: expected <= %s, got %s", e.MaxLifetime, life.Round(time.Minute))
			}
		}
		if e.SetBy != "" {
			got := "nothing recorded"
			if len(c.SetBy) > 0 {
				got = "script"
				if c.SetBy[len(c.SetBy)-1].Via == inspect.ViaHeader {
					got = "header"
				}
			}
			if got != e.SetBy {
				fail("setBy: expected %s, got %s", e.SetBy, got)
			}
		}
		if e.Rotated != "" {
			before, ok := findCookie(checkpoints[e.Rotated], e.Cookie)
			switch {
			case !ok:
				// Absent then and present now: the session was issued
				// since, which is as good as rotating an anonymous one.
				behaviour = append(behaviour, "issued since "+e.Rotated)
				r.Rotation = inspect.RotationIssued
			case before.Value == c.Value:
				r.Rotation = inspect.RotationUnchanged
				fail("rotated: expected a new value since %s, got the same value (session fixation risk)", e.Rotated)
			default:
				behaviour = append(behaviour, "rotated since "+e.Rotated)
				r.Rotation = inspect.RotationChanged
			}
		}
	}
	r.SessionBehaviour = strings.Join(behaviour, ", ")
	r.Passed = len(r.Failures) == 0
	return r
}

// matchingRequests returns the requests recorded so far in now (the
// cross-site probe's included) that m picks.
func matchingRequests(m *RequestMatch, now inspect.Target) []inspect.Request {
	all := append([]inspect.Request(nil), now.Requests...)
	for _, cs := range now.CrossSite {
		for _, k := range cs.Requests {
			if k.Request != nil {
				all = append(all, *k.Request)
			}
		}
	}
	var out []inspect.Request
	for _, r := range all {
		if !r.CookiesReported || !strings.Contains(r.URL, m.URL) || (m.Method != "" && r.Method != m.Method) {
			continue
		}
		if m.CrossSite != nil && *m.CrossSite != (r.Relation == inspect.RelationCrossSite) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// decisionFor returns whether request r carried the cookie name, and
// Chrome's reasons when it withheld it (nil when the request did not
// concern it at all).
func decisionFor(r inspect.Request, name string) (sent bool, reasons []string) {
	for _, c := range r.Sent {
		if c.Name == name {
			return true, nil
		}
	}
	for _, c := range r.Withheld {
		if c.Name == name {
			return false, c.Reasons
		}
	}
	return false, nil
}

// checkSentTo fails unless some matching request carried the cookie.
func checkSentTo(name string, m *RequestMatch, now inspect.Target, fail func(string, ...any)) {
	requests := matchingRequests(m, now)
	if len(requests) == 0 {
		fail("sentTo: expected %s sent with %s, but no such request was recorded", name, m.describe())
		return
	}
	var seen []string
	for _, r := range requests {
		sent, reasons := decisionFor(r, name)
		if sent {
			return
		}
		if len(reasons) > 0 {
			seen = append(seen, fmt.Sprintf("%s %s withheld it (%s)", r.Method, r.URL, strings.Join(reasons, ", ")))
		}
	}
	got := fmt.Sprintf("none of %d carried it", len(requests))
	if len(seen) > 0 {
		got += ": " + strings.Join(firstN(seen, 3), "; ")
	}
	fail("sentTo: expected %s sent with %s, got %s", name, m.describe(), got)
}

// checkWithheldFrom fails when a matching request carried the cookie, when
// none was made, or when Chrome's reasons lack the one expected.
func checkWithheldFrom(name string, m *RequestMatch, now inspect.Target, fail func(string, ...any)) {
	requests := matchingRequests(m, now)
	if len(requests) == 0 {
		fail("withheldFrom: expected %s withheld from %s, but no such request was recorded", name, m.describe())
		return
	}
	for _, r := range requests {
		sent, reasons := decisionFor(r, name)
		if sent {
			fail("withheldFrom: expected %s withheld from %s, got it sent with %s %s (%s)", name, m.describe(), r.Method, r.URL, r.Relation)
			return
		}
		if m.Reason != "" && !hasReason(reasons, m.Reason) {
			gave := "no reason: the cookie was not among those Chrome considered for it"
			if len(reasons) > 0 {
				gave = strings.Join(reasons, ", ")
			}
			fail("withheldFrom: expected %s withheld for %s from %s %s, Chrome gave %s", name, m.Reason, r.Method, r.URL, gave)
			return
		}
	}
}

// hasReason reports whether Chrome's reasons include want or its Schemeful
// variant (Chrome gives SchemefulSameSiteLax for any cross-site request).
func hasReason(reasons []string, want string) bool {
	for _, r := range reasons {
		if r == want || r == "Schemeful"+want {
			return true
		}
	}
	return false
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

// checksCookie reports whether the expectation asks anything of a present
// cookie: presence itself, an attribute, or rotation.
func (e *Expectation) checksCookie() bool {
	return e.Present || e.Secure != nil || e.HttpOnly != nil || e.HostOnly != nil || e.ScriptReadable != nil ||
		len(e.SameSite) > 0 || e.Path != nil || e.MaxLifetime > 0 || e.SetBy != "" || e.Rotated != ""
}

// holdsValue reports whether any cookie of the name in t has the value.
func holdsValue(t inspect.Target, name, value string) bool {
	for _, c := range t.Cookies {
		if c.Name == name && c.Value == value {
			return true
		}
	}
	return false
}

// findCookie returns the cookie of the name, preferring one that the
// target's own host receives.
func findCookie(t inspect.Target, name string) (inspect.Cookie, bool) {
	host := ""
	if u, err := url.Parse(t.FinalURL); err == nil {
		host = u.Hostname()
	}
	var fallback *inspect.Cookie
	for i, c := range t.Cookies {
		if c.Name != name {
			continue
		}
		if host == "" || inspect.DomainMatches(host, c) {
			return c, true
		}
		if fallback == nil {
			fallback = &t.Cookies[i]
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return inspect.Cookie{}, false
}
