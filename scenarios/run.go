package scenarios

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	// context of the one browser.
	Parallel int
	Load     browser.LoadOptions
	// LabURL returns the base URL of a lab variant ("secure", "flawed");
	// nil when no lab runs.
	LabURL   func(variant string) string
	Progress browser.Progress
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
	plants          []inspect.Plant
	victim          *side
	// attacker is the attacker's browser, opened by the first attacker
	// block and closed when the scenario ends; nil until then.
	attacker *side
}

// side is one browser of a scenario: the victim's (the scenario's worker)
// or the attacker's, with its own context, jar and recording.
type side struct {
	w *browser.Worker
	// name is "" for the victim, inspect.BrowserAttacker for the attacker.
	name    string
	current string // the URL this browser last went to
	// seen holds every cookie name present at any earlier snapshot of this
	// browser, for `cleared`.
	seen map[string]bool
}

// runStep is one step to run, attacker blocks' steps in line.
type runStep struct {
	Step
	attacker bool
	index    int // the 1-based position of the top-level step
}

func runOne(ctx context.Context, b *browser.Browser, w *browser.Worker, s Scenario, opts RunOptions) inspect.Target {
	start := time.Now()
	f := &flow{s: s, checkpoints: map[string]inspect.Target{}, checkpointLines: map[string]int{}}
	f.base = s.URL
	if s.Lab != "" && opts.LabURL != nil {
		f.base = opts.LabURL(s.Lab)
	}
	f.victim = &side{w: w, current: f.base, seen: map[string]bool{}}
	defer func() {
		if f.attacker != nil {
			f.attacker.w.Close()
		}
	}()
	var stepErr error
	if err := w.BeginFlow(); err != nil {
		stepErr = fmt.Errorf("%s:%d: prepare the browser context: %w", s.File, s.Line, err)
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
		sd := f.victim
		what := st.Describe()
		if st.attacker {
			what = "attacker: " + what
			var err error
			if sd, err = f.attackerSide(ctx, b); err != nil {
				stepErr = fmt.Errorf("%s:%d: step %d (%s): open the attacker's browser: %w", s.File, st.Line, st.index, what, err)
				continue
			}
		}
		if err := f.step(ctx, b, sd, st.Step, opts); err != nil {
			stepErr = fmt.Errorf("%s:%d: step %d (%s): %w", s.File, st.Line, st.index, what, err)
		}
	}
	t := w.Snapshot(f.base)
	t.Scenario, t.File, t.Line = s.Name, s.File, s.Line
	t.Expectations = f.results
	t.Probes = f.probes
	t.Plants = f.plants
	if stepErr != nil {
		t.Error = inspect.ScrubText(stepErr.Error(), s.Secrets)
	}
	t.DurationMS = time.Since(start).Milliseconds()
	_ = w.Reset()
	return t
}

// attackerSide returns the attacker's browser, opening it on first use: a
// browser context of its own, clean, with its own recording.
func (f *flow) attackerSide(ctx context.Context, b *browser.Browser) (*side, error) {
	if f.attacker != nil {
		return f.attacker, nil
	}
	aw, err := b.NewWorker(ctx)
	if err != nil {
		return nil, err
	}
	if err := aw.BeginFlow(); err != nil {
		aw.Close()
		return nil, err
	}
	f.attacker = &side{w: aw, name: inspect.BrowserAttacker, current: f.base, seen: map[string]bool{}}
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
	load.Timeout = timeout
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
			return sd.w.WaitURL(ctx, st.WaitURL, timeout)
		case st.WaitCookie != "":
			return sd.w.WaitCookie(ctx, st.WaitCookie, timeout)
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
		sd.note(snap)
		f.checkpoints[st.Target] = snap
		f.checkpointLines[st.Target] = st.Line
		return nil
	case "expect":
		var r inspect.ExpectationResult
		if st.Expect.Page != "" {
			visible, pageURL, err := sd.w.PageShows(ctx, st.Expect.Page)
			r = CheckPage(st.Expect, visible, pageURL, err)
		} else {
			snap := sd.w.Snapshot(sd.current)
			r = Check(st.Expect, snap, f.checkpoints, sd.seen, time.Now())
			sd.note(snap)
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
		// A probe needs clean contexts of its own; it runs in a second worker
		// so that the flow's state stays as it is.
		pw, err := b.NewWorker(ctx)
		if err != nil {
			return err
		}
		defer pw.Close()
		target := pw.Probe(ctx, sd.current, []string{st.Target}, opts.Load)
		f.probes = append(f.probes, target.Probes...)
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
	host := hostOf(f.victim.current)
	if host == "" {
		host = hostOf(f.base)
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
		attackURL = fmt.Sprintf("http://cs-%s.%s/__cookiescope/plant-%d", randomLabel(), parent, n)
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
	f.plants = append(f.plants, inspect.Plant{Cookie: pl.Cookie, Over: pl.Over, From: pl.From, URL: attackURL, Planted: planted,
		Evidence: PlantEvidence(pl.Cookie, host, parent, planted, upgraded, named), Step: st.Describe(), File: f.s.File, Line: st.Line})
	snap := f.victim.w.Snapshot(f.victim.current)
	f.victim.note(snap)
	f.checkpoints[PlantedCheckpoint] = snap
	f.checkpointLines[PlantedCheckpoint] = st.Line
	return nil
}

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

// hostOf is the host name of a URL, "" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// randomLabel is a fresh DNS label for a sibling subdomain.
func randomLabel() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
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
		r.Seen = fmt.Sprintf("a visible element matches %s on %s", e.Page, pageURL)
		if e.Absent {
			r.Failures = append(r.Failures, fmt.Sprintf("page: expected no visible %s, found one on %s", e.Page, pageURL))
		}
	default:
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

// note remembers the cookie names of a snapshot of this browser.
func (sd *side) note(t inspect.Target) {
	for _, c := range t.Cookies {
		sd.seen[c.Name] = true
	}
}

// Check evaluates one expectation against the jar of now. checkpoints are
// the captures so far (for rotated); seen holds the cookie names present at
// any earlier snapshot (for cleared). Values never appear in the result.
func Check(e *Expectation, now inspect.Target, checkpoints map[string]inspect.Target, seen map[string]bool, at time.Time) inspect.ExpectationResult {
	r := inspect.ExpectationResult{Expectation: e.Describe(), Cookie: e.Cookie, Failures: []string{}, Absent: e.Absent, Rotated: e.Rotated}
	if e.Rotated != "" {
		r.Rotation = inspect.RotationMissing // until the cookie is found
	}
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	c, found := findCookie(now, e.Cookie)
	switch {
	case e.Absent:
		if found {
			fail("absent: expected no cookie %s, got one (domain %s, path %s)", e.Cookie, c.Domain, c.Path)
		}
	case e.Cleared:
		if found {
			fail("cleared: expected %s gone, it is still in the jar", e.Cookie)
		} else if !seen[e.Cookie] {
			fail("cleared: %s was never in the jar before, so nothing was cleared", e.Cookie)
		} else {
			r.SessionBehaviour = "cleared"
		}
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
				// Absent then and present now: issued since, so it cannot
				// be the value from before.
				r.Rotation, r.SessionBehaviour = inspect.RotationIssued, "issued since "+e.Rotated
			case before.Value == c.Value:
				r.Rotation = inspect.RotationUnchanged
				fail("rotated: expected a new value since %s, got the same value (session fixation risk)", e.Rotated)
			default:
				r.Rotation, r.SessionBehaviour = inspect.RotationChanged, "rotated since "+e.Rotated
			}
		}
	}
	r.Passed = len(r.Failures) == 0
	return r
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
