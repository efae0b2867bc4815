package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"go.yaml.in/yaml/v3"
)

// The steps that look: capture takes a checkpoint of the browser's jar,
// expect checks a cookie (or a page, or the session) against what the
// file expects.
const (
	StepCapture StepKind = "capture"
	StepExpect  StepKind = "expect"
)

// Expectation is a set of checks on one cookie at the step where it
// appears (the jar at that moment).
type Expectation struct {
	Cookie string
	// Page is a CSS selector instead of Cookie: the expectation is then on
	// the page (a visible element matches, or with Absent none does).
	Page string
	// Session is SessionEnded instead of Cookie and Page: the session the
	// scenario's session step measured has ended (logout).
	Session string
	Line    int
	// Present and Absent; Cleared means absent now but present at an earlier
	// checkpoint or step.
	Present, Absent, Cleared                   bool
	Secure, HttpOnly, HostOnly, ScriptReadable *bool
	SameSite                                   []string
	Path                                       *string
	MaxLifetime                                time.Duration
	SetBy                                      string // header or script
	// Rotated names an earlier checkpoint whose value must differ; a
	// cookie absent there and present now was issued since, which passes.
	Rotated string
	// Invalidated names an earlier checkpoint whose value must be gone from
	// the jar now (the cookie deleted, or replaced by a new value); the
	// cookie may be absent or present.
	Invalidated string
	// SentTo expects Chrome to have sent the cookie with at least one
	// matching request; WithheldFrom expects it withheld from every
	// matching request (and at least one to have been made). Both look at
	// every request recorded so far, the cross-site probe's included, and
	// ask nothing of the cookie's presence in the jar now.
	SentTo, WithheldFrom *RequestMatch
}

// RequestMatch picks recorded requests for sentTo and withheldFrom.
type RequestMatch struct {
	// URL is text the request's URL contains.
	URL string
	// CrossSite, when set, keeps the requests cross-site to their top-level
	// page (true) or not (false); Method, when set, those of the method.
	CrossSite *bool
	Method    string
	// Reason (withheldFrom only) is a reason Chrome must have given; the
	// Schemeful variant of a SameSite reason matches it too.
	Reason string
}

// describe says what the match picks, in words.
func (m *RequestMatch) describe() string {
	s := "requests to *" + m.URL + "*"
	if m.Method != "" {
		s = m.Method + " " + s
	}
	if m.CrossSite != nil {
		if *m.CrossSite {
			s += " (cross-site)"
		} else {
			s += " (same-site)"
		}
	}
	return s
}

// Describe says what the expectation checks, in one line.
func (e *Expectation) Describe() string {
	if e.Session != "" {
		return "session " + e.Session
	}
	if e.Page != "" {
		if e.Absent {
			return "page " + e.Page + ": absent"
		}
		return "page " + e.Page + ": visible"
	}
	var parts []string
	flag := func(name string, v *bool) {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s=%v", name, *v))
		}
	}
	if e.Absent {
		parts = append(parts, "absent")
	}
	if e.Cleared {
		parts = append(parts, "cleared")
	}
	flag("secure", e.Secure)
	flag("httpOnly", e.HttpOnly)
	flag("hostOnly", e.HostOnly)
	flag("scriptReadable", e.ScriptReadable)
	if len(e.SameSite) > 0 {
		parts = append(parts, "sameSite in "+strings.Join(e.SameSite, "|"))
	}
	if e.Path != nil {
		parts = append(parts, "path="+*e.Path)
	}
	if e.MaxLifetime > 0 {
		parts = append(parts, "lifetime<="+e.MaxLifetime.String())
	}
	if e.SetBy != "" {
		parts = append(parts, "setBy="+e.SetBy)
	}
	if e.Rotated != "" {
		parts = append(parts, "rotated since "+e.Rotated)
	}
	if e.Invalidated != "" {
		parts = append(parts, "invalidated since "+e.Invalidated)
	}
	if e.SentTo != nil {
		parts = append(parts, "sent with "+e.SentTo.describe())
	}
	if e.WithheldFrom != nil {
		w := "withheld from every one of " + e.WithheldFrom.describe()
		if e.WithheldFrom.Reason != "" {
			w += " for " + e.WithheldFrom.Reason
		}
		parts = append(parts, w)
	}
	if len(parts) == 0 {
		parts = append(parts, "present")
	}
	return e.Cookie + ": " + strings.Join(parts, ", ")
}

var expectKeys = []string{"cookie", "page", "session", "present", "absent", "cleared", "secure", "httpOnly", "hostOnly", "scriptReadable", "sameSite", "path", "maxLifetime", "setBy", "rotated", "invalidated", "sentTo", "withheldFrom"}

func (p *parser) expect(v *yaml.Node) (*Expectation, error) {
	e := &Expectation{Line: v.Line}
	var cookieOnly *yaml.Node // the first key that applies to cookies only
	var others *yaml.Node     // the first key but session
	err := p.pairs(v, "expect", expectKeys, func(key string, k, val *yaml.Node) error {
		if cookieOnly == nil && key != "page" && key != "present" && key != "absent" && key != "cookie" && key != "session" {
			cookieOnly = k
		}
		if key != "session" && others == nil {
			others = k
		}
		return p.expectKey(e, key, val)
	})
	if err != nil {
		return e, err
	}
	return e, p.expectShape(v, e, cookieOnly, others)
}

// expectKey reads one key of an expectation into e.
func (p *parser) expectKey(e *Expectation, key string, val *yaml.Node) error {
	var err error
	switch key {
	case "session":
		e.Session, err = p.str(val, "expect session")
		if err == nil && e.Session != SessionEnded {
			err = p.errorf(val, "expect session: %q (want ended: after the logout steps, the session measured by the session step has ended)", e.Session)
		}
	case "page":
		e.Page, err = p.str(val, "expect page")
		if err == nil && e.Page == "" {
			err = p.errorf(val, "expect page: want a CSS selector")
		}
	case "cookie":
		e.Cookie, err = p.str(val, "expect cookie")
	case "present", "absent", "cleared":
		var b *bool
		if b, err = p.boolean(val, "expect "+key); err == nil && *b {
			switch key {
			case "present":
				e.Present = true
			case "absent":
				e.Absent = true
			case "cleared":
				e.Cleared = true
			}
		}
	case "secure":
		e.Secure, err = p.boolean(val, "expect secure")
	case "httpOnly":
		e.HttpOnly, err = p.boolean(val, "expect httpOnly")
	case "hostOnly":
		e.HostOnly, err = p.boolean(val, "expect hostOnly")
	case "scriptReadable":
		e.ScriptReadable, err = p.boolean(val, "expect scriptReadable")
	case "sameSite":
		e.SameSite, err = p.sameSite(val)
	case "path":
		var s string
		s, err = p.str(val, "expect path")
		e.Path = &s
	case "maxLifetime":
		e.MaxLifetime, err = p.maxLifetime(val)
	case "setBy":
		e.SetBy, err = p.str(val, "expect setBy")
		if err == nil && e.SetBy != "header" && e.SetBy != "script" {
			err = p.errorf(val, "expect setBy: %q (want header or script)", e.SetBy)
		}
	case "sentTo":
		e.SentTo, err = p.requestMatch(val, "expect sentTo", false)
	case "withheldFrom":
		e.WithheldFrom, err = p.requestMatch(val, "expect withheldFrom", true)
	case "rotated":
		e.Rotated, err = p.str(val, "expect rotated")
	case "invalidated":
		e.Invalidated, err = p.str(val, "expect invalidated")
	}
	if err == nil && (key == "rotated" || key == "invalidated") && val.Value == "" {
		err = p.errorf(val, "expect %s: want the name of an earlier capture", key)
	}
	return err
}

// sameSite reads expect's sameSite: one value or a list of them.
func (p *parser) sameSite(val *yaml.Node) ([]string, error) {
	items := []*yaml.Node{val}
	if val.Kind == yaml.SequenceNode {
		items = val.Content
	}
	var values []string
	for _, item := range items {
		if item.Kind != yaml.ScalarNode {
			return nil, p.errorf(item, "expect sameSite: want Strict, Lax, None or unset, or a list of them")
		}
		values = append(values, item.Value)
	}
	if len(values) == 0 {
		return nil, p.errorf(val, "expect sameSite: want Strict, Lax, None or unset, or a list of them")
	}
	for _, s := range values {
		if !slices.Contains([]string{"Strict", "Lax", "None", "unset"}, s) {
			return nil, p.errorf(val, "expect sameSite: %q is not Strict, Lax, None or unset", s)
		}
	}
	return values, nil
}

// maxLifetime reads expect's maxLifetime: "<= 24h", "30d".
func (p *parser) maxLifetime(val *yaml.Node) (time.Duration, error) {
	s, err := p.str(val, "expect maxLifetime")
	if err != nil {
		return 0, err
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "<="))
	d, perr := inspect.ParseDuration(s)
	if perr != nil || d <= 0 {
		return d, p.errorf(val, "expect maxLifetime: %q is not a duration (want e.g. \"<= 24h\" or \"<= 30d\")", s)
	}
	return d, nil
}

// expectShape checks that an expectation's keys go together: session
// alone, a cookie or a page, no cookie's key on a page, not present and
// absent at once. cookieOnly is its first key that applies to cookies
// only, others its first key but session.
func (p *parser) expectShape(v *yaml.Node, e *Expectation, cookieOnly, others *yaml.Node) error {
	switch {
	case e.Session != "" && others != nil:
		return p.errorf(others, "expect session: ended goes alone, not with %s", others.Value)
	case e.Session != "":
		return nil
	case e.Page != "" && e.Cookie != "":
		return p.errorf(v, "expect: give cookie or page, not both")
	case e.Page != "" && cookieOnly != nil:
		return p.errorf(cookieOnly, "expect page: %s applies to cookies only (want present or absent)", cookieOnly.Value)
	case e.Page == "" && e.Cookie == "":
		return p.errorf(v, "expect: want a cookie name (cookie:), a CSS selector (page:) or session: ended")
	}
	name := e.Cookie
	if e.Page != "" {
		name = "page " + e.Page
	}
	if e.Absent && e.Present {
		return p.errorf(v, "expect %s: present and absent at once", name)
	}
	return nil
}

// requestMatch reads the mapping of sentTo (withReason false) or
// withheldFrom.
func (p *parser) requestMatch(v *yaml.Node, what string, withReason bool) (*RequestMatch, error) {
	keys := []string{"url", "crossSite", "method"}
	if withReason {
		keys = append(keys, "reason")
	}
	m := &RequestMatch{}
	err := p.pairs(v, what, keys, func(key string, k, val *yaml.Node) error {
		var err error
		switch key {
		case "url":
			m.URL, err = p.str(val, what+" url")
		case "crossSite":
			m.CrossSite, err = p.boolean(val, what+" crossSite")
		case "method":
			m.Method, err = p.str(val, what+" method")
			m.Method = strings.ToUpper(m.Method)
		case "reason":
			m.Reason, err = p.str(val, what+" reason")
		}
		return err
	})
	if err == nil && m.URL == "" {
		err = p.errorf(v, "%s: want url: text the request's URL contains", what)
	}
	return m, err
}

func init() {
	registerSteps(
		stepSpec{kind: StepCapture, parse: parseTarget, attacker: true, run: runCapture},
		stepSpec{kind: StepExpect, attacker: true,
			parse: func(p *parser, v *yaml.Node, st *Step) error {
				var err error
				st.Expect, err = p.expect(v)
				return err
			},
			describe: func(s Step) string { return "expect " + s.Expect.Describe() },
			run:      runExpect},
	)
}

// runCapture takes the checkpoint the step names of the browser's jar.
func runCapture(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
	snap := sd.w.Snapshot(sd.current)
	f.note(sd, snap)
	f.checkpoints[st.Target] = snap
	f.checkpointLines[st.Target] = st.Line
	return nil
}

// runExpect checks the step's expectation: the session's end, a page, or a
// cookie of the browser's jar; its result joins the flow's.
func runExpect(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
	var r inspect.ExpectationResult
	switch {
	case st.Expect.Session != "" && f.measured == nil:
		// The session step failed before it measured anything.
		r = inspect.ExpectationResult{Expectation: st.Expect.Describe(), Session: st.Expect.Session, Failures: []string{"session: not checked: no session was measured"}}
	case st.Expect.Session != "":
		r = f.sessionEnded(ctx, st, env.load)
	case st.Expect.Page != "":
		visible, pageURL, err := sd.w.PageShows(ctx, st.Expect.Page)
		r = CheckPage(st.Expect, visible, pageURL, err)
	default:
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
}
