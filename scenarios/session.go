package scenarios

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
	"go.yaml.in/yaml/v3"
)

// measured is a flow's session step: what it measured, and the victim's jar
// then, whose values the logout check replays. The values are compared and
// replayed only, never shown.
type measured struct {
	session *inspect.Session
	jar     []inspect.Cookie
}

// measureSession runs a session step: it loads the check URL in the
// victim's browser, which must show the page element (else the step
// fails, saying what was seen), then measures the credentials with replays
// in a sibling context of the victim's (inspect.MeasureCredentials), each
// replay in that context cleared and proven clean first and seeded with
// copies of some of the victim's cookies. The victim's browser and jar are
// not touched by the measurement.
func (f *flow) measureSession(ctx context.Context, st Step, load browser.LoadOptions) error {
	start := time.Now()
	check, err := f.resolve(st.Session.Check)
	if err != nil {
		return fmt.Errorf("check %q: %w", st.Session.Check, err)
	}
	v := f.victim
	v.current = check
	if err := v.w.Goto(ctx, check, load); err != nil {
		return err
	}
	visible, pageURL, err := v.w.PageShows(ctx, st.Session.Page)
	switch {
	case err != nil:
		return fmt.Errorf("could not look for %s on %s: %w", st.Session.Page, pageURL, err)
	case !visible:
		return fmt.Errorf("the victim is not logged in: no visible element matches %s on %s (loaded %s)", st.Session.Page, pageURL, check)
	}
	snap := v.w.Snapshot(check)
	f.note(v, snap)
	jar := snap.Cookies
	refs := make([]inspect.CookieRef, len(jar))
	for i, c := range jar {
		refs[i] = inspect.RefOf(c)
	}
	rw, err := v.w.NewSibling(ctx)
	if err != nil {
		return fmt.Errorf("open a browser context for the replays: %w", err)
	}
	defer rw.Close()
	s := inspect.MeasureCredentials(refs, func(keep []int) (bool, error) {
		cookies := make([]inspect.Cookie, len(keep))
		for i, k := range keep {
			cookies[i] = jar[k]
		}
		shows, _, err := replay(ctx, rw, cookies, check, st.Session.Page, load)
		return shows, err
	})
	s.Check, s.Page, s.Step, s.File, s.Line = check, st.Session.Page, f.at, f.s.File, st.Line
	s.Seen = fmt.Sprintf("a visible element matches %s on %s", st.Session.Page, pageURL)
	s.Disturbed = f.disturbed(ctx, jar, check, st.Session.Page, load)
	s.DurationMS = time.Since(start).Milliseconds()
	f.measured = &measured{session: &s, jar: jar}
	return nil
}

// disturbed loads check once more in the victim's browser after the
// replays and says how the session changed on the server since the
// victim's jar was copied (before): the replays share the server's state of
// the session with the victim (a server that re-authenticates from a
// remember-me cookie, say, issues the victim new values). Empty when the
// victim's next load found the session as it was.
func (f *flow) disturbed(ctx context.Context, before []inspect.Cookie, check, page string, load browser.LoadOptions) string {
	v := f.victim
	if err := v.w.Goto(ctx, check, load); err != nil {
		return "the victim's browser could not load " + check + " again after the replays: " + err.Error()
	}
	var changes []string
	visible, pageURL, err := v.w.PageShows(ctx, page)
	switch {
	case err != nil:
		changes = append(changes, "the victim's browser could not look for "+page+" again: "+err.Error())
	case !visible:
		changes = append(changes, "the victim's browser no longer shows "+page+" on "+pageURL+": the replays ended the victim's session")
	}
	after, err := v.w.Jar()
	if err != nil {
		changes = append(changes, "the victim's jar could not be read again: "+err.Error())
	}
	changes = append(changes, jarChanges(before, after)...)
	if err == nil && len(changes) == 0 {
		return ""
	}
	return "after the replays, the victim's next load of " + check + " found the session changed on the server: " + strings.Join(changes, "; ") +
		"; expectations after this step (rotated, invalidated, cleared) see that change too"
}

// jarChanges says which cookies of before the jar after holds with another
// value, or no longer holds, and which it holds anew (inspect.JarChanges,
// other attributes left out); never a value.
func jarChanges(before, after []inspect.Cookie) []string {
	set, changed, deleted := inspect.JarChanges(before, after)
	var out []string
	name := func(c inspect.CookieChange) string {
		return inspect.CookieRef{Name: c.Name, Domain: strings.TrimPrefix(c.Domain, "."), Path: c.Path}.String()
	}
	for _, c := range changed {
		if slices.Contains(c.Changes, "value") {
			out = append(out, name(c)+" given a new value")
		}
	}
	for _, c := range deleted {
		out = append(out, name(c)+" deleted")
	}
	for _, c := range set {
		out = append(out, name(c)+" set anew")
	}
	return out
}

// replay loads check in the worker's context holding exactly cookies: the
// context is cleared and proven clean first (Worker.BeginFlow), then
// seeded. It reports whether a visible element matches page there, and the
// URL the page ended on; an error means the page could not be looked at.
func replay(ctx context.Context, w *browser.Worker, cookies []inspect.Cookie, check, page string, load browser.LoadOptions) (bool, string, error) {
	if err := w.BeginFlow(); err != nil {
		return false, "", fmt.Errorf("clear the replay's browser context: %w", err)
	}
	if err := w.SetJar(ctx, cookies); err != nil {
		return false, "", err
	}
	if err := w.Goto(ctx, check, load); err != nil {
		return false, "", err
	}
	visible, pageURL, err := w.PageShows(ctx, page)
	if err != nil {
		return false, pageURL, fmt.Errorf("look for %s on %s: %w", page, pageURL, err)
	}
	return visible, pageURL, nil
}

// sessionEnded checks `expect: {session: ended}`: the victim's browser
// loads the session's check URL again and must not show the page; and a
// fresh context holding only the measured credentials, with the values
// they had at the session step (the whole jar of then, when nothing was
// measured), must not show it either. The second failing is finding CS030.
func (f *flow) sessionEnded(ctx context.Context, st Step, load browser.LoadOptions) inspect.ExpectationResult {
	r := inspect.ExpectationResult{Expectation: st.Expect.Describe(), Failures: []string{}, Session: st.Expect.Session}
	m := f.measured
	s := m.session
	l := &inspect.Logout{Step: f.at, File: f.s.File, Line: st.Line, Replayed: []inspect.CookieRef{}}
	s.Logout = l
	v := f.victim
	v.current = s.Check
	victimErr := v.w.Goto(ctx, s.Check, load)
	if victimErr == nil {
		var pageURL string
		l.VictimShows, pageURL, victimErr = v.w.PageShows(ctx, s.Page)
		l.VictimSeen = seen(l.VictimShows, s.Page, pageURL)
	}
	replayed := m.jar
	if s.Error == "" {
		replayed = credentialsOf(m.jar, s)
	}
	for _, c := range replayed {
		l.Replayed = append(l.Replayed, inspect.RefOf(c))
	}
	rw, replayErr := v.w.NewSibling(ctx)
	if replayErr == nil {
		var pageURL string
		l.ReplayShows, pageURL, replayErr = replay(ctx, rw, replayed, s.Check, s.Page, load)
		rw.Close()
		l.ReplaySeen = seen(l.ReplayShows, s.Page, pageURL)
	}
	var errs []string
	if victimErr != nil {
		errs = append(errs, "the victim's browser: "+victimErr.Error())
	}
	if replayErr != nil {
		errs = append(errs, "the replay: "+replayErr.Error())
	}
	l.Error = strings.Join(errs, "; ")
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	switch {
	case victimErr != nil:
		fail("session: could not look at %s in the victim's browser: %v", s.Check, victimErr)
	case l.VictimShows:
		fail("session: the victim is still logged in: %s", l.VictimSeen)
	}
	what := "the credentials measured at " + s.Step
	if s.Error != "" {
		what = "every cookie of the jar at " + s.Step + " (nothing was measured there)"
	}
	names := make([]string, len(l.Replayed))
	for i, c := range l.Replayed {
		names[i] = c.Name
	}
	switch {
	case replayErr != nil:
		fail("session: could not replay %s: %v", what, replayErr)
	case l.ReplayShows:
		fail("session: a fresh browser holding only %s (%s), with their values from before logout, still sees it: %s; the server did not end the session", what, strings.Join(names, ", "), l.ReplaySeen)
	}
	r.Seen = "victim: " + l.VictimSeen + "; replay of " + strings.Join(names, ", ") + ": " + l.ReplaySeen
	r.PageURL = s.Check
	r.Passed = len(r.Failures) == 0
	return r
}

// seen says in words what a page check found.
func seen(visible bool, page, pageURL string) string {
	if visible {
		return fmt.Sprintf("a visible element matches %s on %s", page, pageURL)
	}
	return fmt.Sprintf("no visible element matches %s on %s", page, pageURL)
}

// credentialsOf picks from jar the cookies s measured as credentials.
func credentialsOf(jar []inspect.Cookie, s *inspect.Session) []inspect.Cookie {
	var out []inspect.Cookie
	for _, c := range jar {
		for _, ref := range s.Credentials {
			if inspect.RefOf(c) == ref {
				out = append(out, c)
			}
		}
	}
	return out
}

// SessionCheck is a session step: loading Check shows a visible element
// matching Page to a logged-in user, and to nobody else. The runner
// verifies it in the victim's browser, then measures which cookies the
// server needs for it (see inspect.MeasureCredentials).
type SessionCheck struct {
	// Check is a URL, absolute or relative to the scenario's url or lab;
	// another site than the current page's is allowed (single sign-on).
	Check string
	// Page is a CSS selector.
	Page string
}

// SessionEnded is the value of `expect: {session: ended}`.
const SessionEnded = "ended"

// session reads {check, page}.
func (p *parser) session(v *yaml.Node) (*SessionCheck, error) {
	sc := &SessionCheck{}
	err := p.pairs(v, "session", []string{"check", "page"}, func(key string, _, val *yaml.Node) error {
		var err error
		switch key {
		case "check":
			sc.Check, err = p.str(val, "session check")
		case "page":
			sc.Page, err = p.str(val, "session page")
		}
		return err
	})
	switch {
	case err != nil:
	case sc.Check == "":
		err = p.errorf(v, "session: want check: the URL a logged-in user loads (absolute, or relative to url or lab)")
	case sc.Page == "":
		err = p.errorf(v, "session: want page: a CSS selector that only a logged-in user sees at check")
	default:
		if u, perr := url.Parse(sc.Check); perr != nil {
			err = p.errorf(v, "session check: %q is not a URL: %v", sc.Check, perr)
		} else if u.IsAbs() {
			if cerr := inspect.CheckURL(sc.Check); cerr != nil {
				err = p.errorf(v, "session check: %v", cerr)
			}
		}
	}
	return sc, err
}

// StepSession measures the session: which cookies the server needs.
const StepSession StepKind = "session"

func init() {
	registerSteps(stepSpec{kind: StepSession,
		parse: func(p *parser, v *yaml.Node, st *Step) error {
			var err error
			st.Session, err = p.session(v)
			return err
		},
		describe: func(s Step) string { return fmt.Sprintf("session: %s shows %s", s.Session.Check, s.Session.Page) },
		run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
			return f.measureSession(ctx, st, env.load)
		}})
}
