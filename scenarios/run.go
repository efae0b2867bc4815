package scenarios

import (
	"context"
	"fmt"
	"net/url"
	"time"

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
		if st.Kind != StepAttacker {
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
