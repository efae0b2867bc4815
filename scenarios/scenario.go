// Package scenarios reads scripted flows (YAML scenario files), runs them in
// Chrome through package browser, and checks their cookie expectations.
// Every error in a file names file:line and what was expected there.
package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cookiescope/cookiescope/attack"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/yamlerr"
	"github.com/cookiescope/cookiescope/lab"
)

// Scenario is one scripted flow.
type Scenario struct {
	Name string
	// File and Line locate the scenario for error messages and reports.
	File string
	Line int
	// Lab names an embedded lab target (lab.Targets: "secure", "portal", ...) the
	// runner starts and targets; URL is a base URL otherwise. Relative goto
	// paths resolve against the one given.
	Lab string
	URL string
	// StepTimeout bounds each step (default DefaultStepTimeout);
	// TimeoutLine is the line of the scenario's timeout: key, 0 when the
	// default applies, for errors that say what decided a timeout.
	StepTimeout time.Duration
	TimeoutLine int
	// Viewport is the scenario's own viewport (its viewport: or device:
	// key), nil for the run's.
	Viewport *inspect.Viewport
	Steps    []Step
	// Secrets are the values substituted from the environment; they never
	// appear in any output.
	Secrets []string
}

// Step is one line of a flow. Kind says which fields matter.
type Step struct {
	Kind string // goto, fill, click, press, submit, wait, eval, capture, expect, probe, clear-cookies, attacker, plant, session, crawl
	Line int
	// Target is the URL or path (goto), the CSS selector (fill, click,
	// press, submit, wait for a selector), the checkpoint name (capture),
	// the script (eval), or the probe name (probe).
	Target string
	// Value is what fill types, or the key press sends.
	Value string
	// Wait kinds: exactly one of these for a wait step. Parse refuses a
	// WaitFor longer than the scenario's StepTimeout, which bounds every
	// step; the wait also ends when the run's context does.
	WaitURL, WaitCookie string
	WaitFor             time.Duration
	Expect              *Expectation
	// Steps are an attacker block's steps, run in the attacker's browser.
	Steps []Step
	// Plant is what a plant step writes into the victim's jar.
	Plant *Plant
	// Session is what a session step loads and looks for.
	Session *SessionCheck
	// Crawl is what a crawl step walks.
	Crawl *CrawlStep
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

// Plant is a plant step: the emulated network attacker writes Cookie into
// the victim's jar, with the value it had at the checkpoint From, or Value.
type Plant struct {
	Cookie string
	// From is a checkpoint (a capture in either browser); Value a literal.
	// Exactly one is set. Value is a cookie value: never show it.
	From, Value string
	// Over is the channel: "http" (the victim's host over plain http) or
	// "sibling" (a sibling subdomain over http, Domain=the parent domain).
	Over string
}

// PlantedCheckpoint is the checkpoint every plant step takes of the
// victim's jar right after the plant, for `rotated: planted`.
const PlantedCheckpoint = "planted"

// Describe names the step for progress and errors, without secret values.
func (s Step) Describe() string {
	switch s.Kind {
	case "fill":
		return fmt.Sprintf("fill %q", s.Target)
	case "press":
		return fmt.Sprintf("press %s in %q", s.Value, s.Target)
	case "wait":
		switch {
		case s.WaitURL != "":
			return fmt.Sprintf("wait for url %q", s.WaitURL)
		case s.WaitCookie != "":
			return "wait for cookie " + s.WaitCookie
		case s.WaitFor > 0:
			return "wait " + s.WaitFor.String()
		}
		return fmt.Sprintf("wait for %q", s.Target)
	case "expect":
		return "expect " + s.Expect.Describe()
	case "clear-cookies":
		return "clear-cookies"
	case "eval":
		return "eval"
	case "attacker":
		return fmt.Sprintf("attacker block of %d steps", len(s.Steps))
	case "session":
		return fmt.Sprintf("session: %s shows %s", s.Session.Check, s.Session.Page)
	case "crawl":
		return fmt.Sprintf("crawl: %d pages at most", s.Crawl.Max)
	case "plant":
		if s.Plant.From != "" {
			return fmt.Sprintf("plant %s over %s from %s", s.Plant.Cookie, s.Plant.Over, s.Plant.From)
		}
		return fmt.Sprintf("plant %s over %s (a literal value)", s.Plant.Cookie, s.Plant.Over)
	}
	return s.Kind + " " + s.Target
}

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

// builtinSourceDir is the folder of the built-in scenarios in cookiescope's
// repository, which the binary embeds.
const builtinSourceDir = "scenarios/builtin"

// SourcePath returns the path in cookiescope's repository of a built-in
// scenario file as Parse names it (builtin:fixation.yaml gives
// scenarios/builtin/fixation.yaml), for reports that locate results in
// files; ok is false for every other file.
func SourcePath(file string) (path string, ok bool) {
	name, ok := strings.CutPrefix(file, BuiltinPrefix)
	if !ok || name == "" || strings.ContainsAny(name, "/\\") {
		return "", false
	}
	return builtinSourceDir + "/" + name, true
}

// DefaultStepTimeout bounds each step of a scenario without timeout:.
const DefaultStepTimeout = 15 * time.Second

// TimeoutSource says what set the scenario's step timeout and where to
// raise it, for the error of a step that ran out of time.
func (s Scenario) TimeoutSource() string {
	if s.TimeoutLine > 0 {
		return fmt.Sprintf("the scenario's timeout: at %s:%d; raise it there", s.File, s.TimeoutLine)
	}
	return fmt.Sprintf("the default step timeout; set timeout: in %s to raise it", s.File)
}

// Error is a problem in a scenario file, at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// varRef matches ${NAME} references to the environment.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse reads one scenario file. lookup resolves ${VAR} references (use
// os.LookupEnv); a missing variable is an error at its line.
func Parse(file string, data []byte, lookup func(string) (string, bool)) ([]Scenario, error) {
	var docs []Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := yamlerr.Syntax(data, err)
			return nil, &Error{file, line, "not valid YAML: " + msg}
		}
		if len(root.Content) == 0 {
			continue
		}
		p := &parser{file: file, lookup: lookup}
		s, err := p.scenario(root.Content[0])
		if err != nil {
			return nil, err
		}
		docs = append(docs, s)
	}
	if len(docs) == 0 {
		return nil, &Error{file, 1, "no scenario in the file (want a mapping with name and steps)"}
	}
	return docs, nil
}

type parser struct {
	file    string
	lookup  func(string) (string, bool)
	secrets []string
	// stepTimeout is the scenario's timeout, read before its steps.
	stepTimeout time.Duration
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{p.file, n.Line, fmt.Sprintf(format, args...)}
}

// str reads a scalar, substituting ${VAR} from the environment.
func (p *parser) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.errorf(n, "%s: want a single value", what)
	}
	var missing []string
	out := varRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		name := varRef.FindStringSubmatch(ref)[1]
		v, ok := p.lookup(name)
		if !ok {
			missing = append(missing, name)
			return ref
		}
		if v != "" {
			p.secrets = append(p.secrets, v)
		}
		return v
	})
	if len(missing) > 0 {
		return "", p.errorf(n, "%s: environment variable %s is not set", what, strings.Join(missing, ", "))
	}
	return out, nil
}

func (p *parser) boolean(n *yaml.Node, what string) (*bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return nil, p.errorf(n, "%s: want true or false", what)
	}
	return &b, nil
}

func (p *parser) duration(n *yaml.Node, what string) (time.Duration, error) {
	s, err := p.str(n, what)
	if err != nil {
		return 0, err
	}
	d, err := inspect.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, p.errorf(n, "%s: %q is not a duration (want e.g. 500ms, 10s, 24h, 7d)", what, s)
	}
	return d, nil
}

// pairs walks a mapping node, calling fn for each key and value; unknown
// keys are reported with the allowed ones.
func (p *parser) pairs(n *yaml.Node, what string, allowed []string, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, "%s: want a mapping with %s", what, strings.Join(allowed, ", "))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			return p.errorf(k, "%s: unknown key %q (want one of %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if line, dup := seen[k.Value]; dup {
			return p.errorf(k, "%s: %s given twice (first at line %d)", what, k.Value, line)
		}
		seen[k.Value] = k.Line
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) scenario(n *yaml.Node) (Scenario, error) {
	s := Scenario{File: p.file, Line: n.Line, StepTimeout: DefaultStepTimeout}
	var stepsNode *yaml.Node
	var device *inspect.Viewport
	var size *yaml.Node
	err := p.pairs(n, "scenario", []string{"name", "lab", "url", "timeout", "viewport", "device", "steps"}, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "viewport":
			size = v
		case "device":
			var name string
			if name, err = p.str(v, "device"); err == nil {
				d, derr := inspect.ParseDevice(name)
				if derr != nil {
					return p.errorf(v, "device: %v", derr)
				}
				device = &d
			}
		case "name":
			s.Name, err = p.str(v, "name")
		case "lab":
			s.Lab, err = p.str(v, "lab")
			if err == nil && !slices.ContainsFunc(lab.Targets, func(t lab.Target) bool { return t.Name == s.Lab }) {
				err = p.errorf(v, "lab: %q is not a lab target (want %s)", s.Lab, labNames())
			}
		case "url":
			s.URL, err = p.str(v, "url")
			if err == nil {
				if cerr := inspect.CheckURL(s.URL); cerr != nil {
					err = p.errorf(v, "url: %v", cerr)
				}
			}
		case "timeout":
			s.StepTimeout, err = p.duration(v, "timeout")
			s.TimeoutLine = k.Line
		case "steps":
			stepsNode = v
		}
		return err
	})
	if err != nil {
		return s, err
	}
	if err := p.viewport(&s, device, size); err != nil {
		return s, err
	}
	switch {
	case s.Name == "":
		return s, p.errorf(n, "scenario: want a name")
	case s.Lab == "" && s.URL == "":
		return s, p.errorf(n, "scenario %q: want lab (%s) or url", s.Name, labNames())
	case s.Lab != "" && s.URL != "":
		return s, p.errorf(n, "scenario %q: give lab or url, not both", s.Name)
	case stepsNode == nil || stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0:
		return s, p.errorf(n, "scenario %q: want a list of steps", s.Name)
	}
	p.stepTimeout = s.StepTimeout
	checkpoints := map[string]int{}
	sessionLine := 0
	for _, sn := range stepsNode.Content {
		step, err := p.step(sn, false)
		if err != nil {
			return s, err
		}
		if err := p.checkpoints(step, checkpoints); err != nil {
			return s, err
		}
		if err := p.sessions(step, &sessionLine); err != nil {
			return s, err
		}
		s.Steps = append(s.Steps, step)
	}
	s.Secrets = p.secrets
	return s, nil
}

// checkpoints checks the checkpoint names a step (and an attacker block's
// steps) takes and uses against those taken before it, by line: a capture
// name is taken once, and rotated and plant's from name an earlier one.
func (p *parser) checkpoints(st Step, taken map[string]int) error {
	switch st.Kind {
	case "attacker":
		for _, nested := range st.Steps {
			if err := p.checkpoints(nested, taken); err != nil {
				return err
			}
		}
	case "capture":
		if st.Target == PlantedCheckpoint {
			return &Error{p.file, st.Line, fmt.Sprintf("capture: %q is the checkpoint plant steps take; choose another name", st.Target)}
		}
		if line, dup := taken[st.Target]; dup {
			return &Error{p.file, st.Line, fmt.Sprintf("capture: a checkpoint named %q was taken at line %d already", st.Target, line)}
		}
		taken[st.Target] = st.Line
	case "plant":
		if from := st.Plant.From; from != "" {
			if _, ok := taken[from]; !ok {
				return &Error{p.file, st.Line, fmt.Sprintf("plant: from: no earlier capture named %q", from)}
			}
		}
		taken[PlantedCheckpoint] = st.Line
	case "expect":
		for _, ref := range []struct{ key, checkpoint string }{{"rotated", st.Expect.Rotated}, {"invalidated", st.Expect.Invalidated}} {
			if _, ok := taken[ref.checkpoint]; ref.checkpoint != "" && !ok {
				return &Error{p.file, st.Expect.Line, fmt.Sprintf("expect: %s: no earlier capture named %q", ref.key, ref.checkpoint)}
			}
		}
	}
	return nil
}

// viewport sets the scenario's viewport from its device: and viewport:
// keys: the device's, its size replaced by viewport: WxH when both are
// given.
func (p *parser) viewport(s *Scenario, device *inspect.Viewport, size *yaml.Node) error {
	if device == nil && size == nil {
		return nil
	}
	v := inspect.DefaultViewport
	if device != nil {
		v = *device
	}
	if size != nil {
		text, err := p.str(size, "viewport")
		if err != nil {
			return err
		}
		wh, err := inspect.ParseViewport(text)
		if err != nil {
			return p.errorf(size, "viewport: %v", err)
		}
		v.Width, v.Height = wh.Width, wh.Height
	}
	s.Viewport = &v
	return nil
}

// labNames lists the lab targets a scenario's lab: may name.
func labNames() string {
	names := make([]string, len(lab.Targets))
	for i, t := range lab.Targets {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// sessions checks a step against the scenario's session step: a scenario
// measures one session (its line in *measured), and `expect: {session:
// ended}` needs it before, in the victim's browser.
func (p *parser) sessions(st Step, measured *int) error {
	switch {
	case st.Kind == "session" && *measured != 0:
		return &Error{p.file, st.Line, fmt.Sprintf("session: a scenario measures one session, and line %d measures it already (split the flow into two scenarios to measure two)", *measured)}
	case st.Kind == "session":
		*measured = st.Line
	case st.Kind == "expect" && st.Expect.Session != "" && *measured == 0:
		return &Error{p.file, st.Expect.Line, "expect session: ended: no earlier session step measured a session (add `- session: {check: URL, page: SELECTOR}` after the login)"}
	case st.Kind == "attacker":
		for _, nested := range st.Steps {
			if nested.Kind == "expect" && nested.Expect.Session != "" {
				return &Error{p.file, nested.Expect.Line, "attacker: expect session: ended checks the victim's session; put it outside the attacker block"}
			}
		}
	}
	return nil
}

var stepKinds = []string{"goto", "fill", "click", "press", "submit", "wait", "eval", "capture", "expect", "probe", "clear-cookies", "attacker", "plant", "session", "crawl"}

// attackerKinds are the steps an attacker block may hold: the attacker
// browses on its own; probes and plants act on the victim.
var attackerKinds = []string{"goto", "fill", "click", "press", "submit", "wait", "eval", "capture", "expect"}

// step reads one step; nested is true inside an attacker block.
func (p *parser) step(n *yaml.Node, nested bool) (Step, error) {
	kinds := stepKinds
	if nested {
		kinds = attackerKinds
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return Step{}, p.errorf(n, "step: want one of %s, as `- kind: ...`", strings.Join(kinds, ", "))
	}
	k, v := n.Content[0], n.Content[1]
	st := Step{Kind: k.Value, Line: k.Line}
	if nested && !slices.Contains(attackerKinds, st.Kind) {
		if slices.Contains(stepKinds, st.Kind) {
			return st, p.errorf(k, "attacker: a %s step cannot run in the attacker's browser (want one of %s)", st.Kind, strings.Join(attackerKinds, ", "))
		}
		return st, p.errorf(k, "unknown step %q in an attacker block (want one of %s)", st.Kind, strings.Join(attackerKinds, ", "))
	}
	var err error
	switch st.Kind {
	case "attacker":
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			return st, p.errorf(v, "attacker: want a list of steps, run in the attacker's browser")
		}
		for _, sn := range v.Content {
			nestedStep, err := p.step(sn, true)
			if err != nil {
				return st, err
			}
			st.Steps = append(st.Steps, nestedStep)
		}
	case "plant":
		st.Plant, err = p.plant(v)
	case "session":
		st.Session, err = p.session(v)
	case "crawl":
		st.Crawl, err = p.crawl(v)
	case "goto", "click", "submit", "capture", "eval":
		st.Target, err = p.str(v, st.Kind)
		if err == nil && st.Target == "" {
			err = p.errorf(v, "%s: want a value", st.Kind)
		}
	case "probe":
		st.Target, err = p.str(v, "probe")
		if err == nil {
			if perr := attack.CheckNames([]string{st.Target}); perr != nil {
				err = p.errorf(v, "probe: %v", strings.TrimPrefix(perr.Error(), "--probe "))
			}
		}
	case "clear-cookies":
		// Any value: `- clear-cookies: true`.
	case "fill":
		err = p.selectorAnd(v, &st, "value")
		if err == nil && st.Target == "" {
			err = p.errorf(v, "fill: want a selector")
		}
	case "press":
		err = p.selectorAnd(v, &st, "key")
		if err == nil && (st.Target == "" || st.Value == "") {
			err = p.errorf(v, "press: want selector and key")
		}
	case "wait":
		err = p.wait(v, &st)
	case "expect":
		st.Expect, err = p.expect(v)
	default:
		err = p.errorf(k, "unknown step %q (want one of %s)", st.Kind, strings.Join(stepKinds, ", "))
	}
	return st, err
}

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

// plant reads {cookie, from | value, over}.
func (p *parser) plant(v *yaml.Node) (*Plant, error) {
	pl := &Plant{}
	hasValue := false
	err := p.pairs(v, "plant", []string{"cookie", "from", "value", "over"}, func(key string, _, val *yaml.Node) error {
		var err error
		switch key {
		case "cookie":
			pl.Cookie, err = p.str(val, "plant cookie")
			if err == nil && (pl.Cookie == "" || strings.ContainsAny(pl.Cookie, "=; \t\r\n,")) {
				err = p.errorf(val, "plant cookie: %q is not a cookie name", pl.Cookie)
			}
		case "from":
			pl.From, err = p.str(val, "plant from")
		case "value":
			hasValue = true
			pl.Value, err = p.str(val, "plant value")
			if err == nil && strings.ContainsAny(pl.Value, ";\r\n") {
				// It goes into a Set-Cookie line: no attribute may ride along.
				err = p.errorf(val, "plant value: a cookie value cannot hold ; or a line break")
			}
		case "over":
			pl.Over, err = p.str(val, "plant over")
			if err == nil && pl.Over != "http" && pl.Over != "sibling" {
				err = p.errorf(val, "plant over: %q (want http or sibling)", pl.Over)
			}
		}
		return err
	})
	switch {
	case err != nil:
		return pl, err
	case pl.Cookie == "":
		return pl, p.errorf(v, "plant: want a cookie name (cookie:)")
	case (pl.From != "") == hasValue:
		return pl, p.errorf(v, "plant %s: want exactly one of from (a checkpoint) and value", pl.Cookie)
	case pl.Over == "":
		return pl, p.errorf(v, "plant %s: want over: http or over: sibling", pl.Cookie)
	}
	return pl, nil
}

// selectorAnd reads a {selector, KEY} mapping (fill's value, press's key)
// into st.Target and st.Value.
func (p *parser) selectorAnd(v *yaml.Node, st *Step, key string) error {
	return p.pairs(v, st.Kind, []string{"selector", key}, func(k string, _, val *yaml.Node) error {
		var err error
		if k == "selector" {
			st.Target, err = p.str(val, st.Kind+" selector")
		} else {
			st.Value, err = p.str(val, st.Kind+" "+key)
		}
		return err
	})
}

func (p *parser) wait(v *yaml.Node, st *Step) error {
	if v.Kind == yaml.ScalarNode {
		d, err := p.waitDuration(v, "wait")
		st.WaitFor = d
		return err
	}
	n := 0
	err := p.pairs(v, "wait", []string{"selector", "url", "cookie", "duration"}, func(key string, _, val *yaml.Node) error {
		n++
		var e error
		switch key {
		case "selector":
			st.Target, e = p.str(val, "wait selector")
		case "url":
			st.WaitURL, e = p.str(val, "wait url")
		case "cookie":
			st.WaitCookie, e = p.str(val, "wait cookie")
		case "duration":
			st.WaitFor, e = p.waitDuration(val, "wait duration")
		}
		return e
	})
	if err == nil && n != 1 {
		return p.errorf(v, "wait: want exactly one of selector, url, cookie, duration")
	}
	return err
}

// waitDuration reads a fixed wait, which the step timeout bounds like
// every step: `wait: 2562047h` would otherwise block for centuries.
func (p *parser) waitDuration(n *yaml.Node, what string) (time.Duration, error) {
	d, err := p.duration(n, what)
	if err == nil && d > p.stepTimeout {
		err = p.errorf(n, "wait %s is longer than the step timeout %s; raise timeout: or shorten the wait", inspect.FormatDuration(d), inspect.FormatDuration(p.stepTimeout))
	}
	return d, err
}

var expectKeys = []string{"cookie", "page", "session", "present", "absent", "cleared", "secure", "httpOnly", "hostOnly", "scriptReadable", "sameSite", "path", "maxLifetime", "setBy", "rotated", "invalidated", "sentTo", "withheldFrom"}

func (p *parser) expect(v *yaml.Node) (*Expectation, error) {
	e := &Expectation{Line: v.Line}
	var cookieOnly *yaml.Node // the first key that applies to cookies only
	var others *yaml.Node     // the first key but session
	err := p.pairs(v, "expect", expectKeys, func(key string, k, val *yaml.Node) error {
		var err error
		var b *bool
		if cookieOnly == nil && key != "page" && key != "present" && key != "absent" && key != "cookie" && key != "session" {
			cookieOnly = k
		}
		if key != "session" && others == nil {
			others = k
		}
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
			items := []*yaml.Node{val}
			if val.Kind == yaml.SequenceNode {
				items = val.Content
			}
			var values []string
			for _, item := range items {
				if item.Kind != yaml.ScalarNode {
					return p.errorf(item, "expect sameSite: want Strict, Lax, None or unset, or a list of them")
				}
				values = append(values, item.Value)
			}
			if len(values) == 0 {
				return p.errorf(val, "expect sameSite: want Strict, Lax, None or unset, or a list of them")
			}
			for _, s := range values {
				if !slices.Contains([]string{"Strict", "Lax", "None", "unset"}, s) {
					return p.errorf(val, "expect sameSite: %q is not Strict, Lax, None or unset", s)
				}
			}
			e.SameSite = values
		case "path":
			var s string
			s, err = p.str(val, "expect path")
			e.Path = &s
		case "maxLifetime":
			var s string
			if s, err = p.str(val, "expect maxLifetime"); err == nil {
				s = strings.TrimSpace(strings.TrimPrefix(s, "<="))
				d, perr := inspect.ParseDuration(s)
				if perr != nil || d <= 0 {
					err = p.errorf(val, "expect maxLifetime: %q is not a duration (want e.g. \"<= 24h\" or \"<= 30d\")", s)
				}
				e.MaxLifetime = d
			}
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
	})
	switch {
	case err != nil:
	case e.Session != "" && others != nil:
		err = p.errorf(others, "expect session: ended goes alone, not with %s", others.Value)
	case e.Session != "":
		return e, nil
	case e.Page != "" && e.Cookie != "":
		err = p.errorf(v, "expect: give cookie or page, not both")
	case e.Page != "" && cookieOnly != nil:
		err = p.errorf(cookieOnly, "expect page: %s applies to cookies only (want present or absent)", cookieOnly.Value)
	case e.Page == "" && e.Cookie == "":
		err = p.errorf(v, "expect: want a cookie name (cookie:), a CSS selector (page:) or session: ended")
	}
	name := e.Cookie
	if e.Page != "" {
		name = "page " + e.Page
	}
	if err == nil && e.Absent && e.Present {
		err = p.errorf(v, "expect %s: present and absent at once", name)
	}
	return e, err
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

// Load reads scenario files and folders (every *.yaml and *.yml below a
// folder), sorted by file name, all before any browser starts.
func Load(paths []string, lookup func(string) (string, bool)) ([]Scenario, error) {
	var files []string
	var out []Scenario
	for _, path := range paths {
		if name, ok := strings.CutPrefix(path, BuiltinPrefix); ok {
			b, err := Builtin(name)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
			continue
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, path)
			continue
		}
		found, err := yamlFiles(path)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .yaml or .yml scenario files", path)
		}
		files = append(files, found...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s, err := Parse(f, data, lookup)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// Expectations is a convenience for tests and reports: every expectation
// of the scenario, attacker blocks' included, in order.
func (s Scenario) Expectations() []*Expectation {
	var out []*Expectation
	for _, st := range s.Steps {
		if st.Expect != nil {
			out = append(out, st.Expect)
		}
		for _, nested := range st.Steps {
			if nested.Expect != nil {
				out = append(out, nested.Expect)
			}
		}
	}
	return out
}

// yamlFiles lists the scenario files below dir, sorted.
func yamlFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, path)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
