package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/browser"
)

func lookupFrom(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParseErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		description, yaml, want string
	}{
		{"a step of an unknown kind", "name: a\nlab: secure\nsteps:\n  - goto: /\n  - clik: x\n", `f.yaml:5: unknown step "clik"`},
		{"a missing environment variable", "name: a\nlab: secure\nsteps:\n  - fill: {selector: p, value: \"${NOPE}\"}\n", "f.yaml:4: fill value: environment variable NOPE is not set"},
		{"an unknown expectation key", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, secur: true}\n", `f.yaml:4: expect: unknown key "secur"`},
		{"a flag that is not a boolean", "name: a\nlab: secure\nsteps:\n  - expect:\n      cookie: sid\n      secure: yes please\n", "f.yaml:6: expect secure: want true or false"},
		{"a bad SameSite value", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, sameSite: [Lax, Loose]}\n", `f.yaml:4: expect sameSite: "Loose"`},
		{"rotated against a checkpoint that does not exist", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, rotated: login}\n", `f.yaml:4: expect: rotated: no earlier capture named "login"`},
		{"invalidated against a checkpoint that does not exist", "name: a\nlab: secure\nsteps:\n  - goto: /\n  - expect:\n      cookie: sid\n      invalidated: login\n", `f.yaml:6: expect: invalidated: no earlier capture named "login"`},
		{"invalidated against a checkpoint captured only later", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, invalidated: later}\n  - capture: later\n", `f.yaml:4: expect: invalidated: no earlier capture named "later"`},
		{"invalidated without a checkpoint name", "name: a\nlab: secure\nsteps:\n  - capture: x\n  - expect: {cookie: sid, invalidated: \"\"}\n", "f.yaml:5: expect invalidated: want the name of an earlier capture"},
		{"sentTo without a url", "name: a\nlab: secure\nsteps:\n  - expect:\n      cookie: sid\n      sentTo: {crossSite: true}\n", "f.yaml:6: expect sentTo: want url"},
		{"a reason in sentTo", "name: a\nlab: secure\nsteps:\n  - expect:\n      cookie: sid\n      sentTo: {url: /, reason: SameSiteLax}\n", `f.yaml:6: expect sentTo: unknown key "reason"`},
		{"withheldFrom crossSite that is not a boolean", "name: a\nlab: secure\nsteps:\n  - expect:\n      cookie: sid\n      withheldFrom: {url: /, crossSite: maybe}\n", "f.yaml:6: expect withheldFrom crossSite: want true or false"},
		{"a wait with two conditions", "name: a\nlab: secure\nsteps:\n  - wait: {url: /a, cookie: b}\n", "f.yaml:4: wait: want exactly one"},
		{"a bad duration", "name: a\nlab: secure\nsteps:\n  - wait: soon\n", `f.yaml:4: wait: "soon" is not a duration`},
		{"an unknown probe", "name: a\nlab: secure\nsteps:\n  - probe: teleport\n", `f.yaml:4: probe: "teleport"`},
		{"no target", "name: a\nsteps:\n  - goto: /\n", "f.yaml:1: scenario \"a\": want lab (secure, flawed, portal, stateless, sso) or url"},
		{"an unknown lab", "name: a\nlab: staging\nsteps:\n  - goto: /\n", `f.yaml:2: lab: "staging" is not a lab target (want secure, flawed, portal, stateless, sso)`},
		{"a malformed url", "name: a\nurl: ftp://x\nsteps:\n  - goto: /\n", "f.yaml:2: url: malformed URL"},
		{"invalid YAML", "name: a\nsteps: [\n", "f.yaml:"},
		{"no steps", "name: a\nlab: secure\n", "want a list of steps"},
		{"a wait longer than the default step timeout", "name: a\nlab: secure\nsteps:\n  - goto: /\n  - wait: 2562047h\n",
			"f.yaml:5: wait 2562047h is longer than the step timeout 15s; raise timeout: or shorten the wait"},
		{"an unknown step in an attacker block", "name: a\nlab: secure\nsteps:\n  - attacker:\n      - goto: /\n      - clik: x\n", `f.yaml:6: unknown step "clik" in an attacker block`},
		{"an attacker block within an attacker block", "name: a\nlab: secure\nsteps:\n  - attacker:\n      - attacker:\n          - goto: /\n", "f.yaml:5: attacker: a attacker step cannot run in the attacker's browser"},
		{"a probe in an attacker block", "name: a\nlab: secure\nsteps:\n  - attacker:\n      - probe: prefix\n", "f.yaml:5: attacker: a probe step cannot run in the attacker's browser"},
		{"a plant in an attacker block", "name: a\nlab: secure\nsteps:\n  - attacker:\n      - plant: {cookie: sid, value: x, over: http}\n", "f.yaml:5: attacker: a plant step cannot run"},
		{"an empty attacker block", "name: a\nlab: secure\nsteps:\n  - attacker: []\n", "f.yaml:4: attacker: want a list of steps"},
		{"a plant with no channel", "name: a\nlab: secure\nsteps:\n  - plant: {cookie: sid, value: x}\n", "f.yaml:4: plant sid: want over: http or over: sibling"},
		{"a plant over an unknown channel", "name: a\nlab: secure\nsteps:\n  - plant: {cookie: sid, value: x, over: dns}\n", `f.yaml:4: plant over: "dns" (want http or sibling)`},
		{"a plant with both from and value", "name: a\nlab: secure\nsteps:\n  - capture: c\n  - plant: {cookie: sid, from: c, value: x, over: http}\n", "f.yaml:5: plant sid: want exactly one of from (a checkpoint) and value"},
		{"a plant with neither from nor value", "name: a\nlab: secure\nsteps:\n  - plant: {cookie: sid, over: http}\n", "f.yaml:4: plant sid: want exactly one of from"},
		{"a plant from a checkpoint not yet taken", "name: a\nlab: secure\nsteps:\n  - plant: {cookie: sid, from: later, over: http}\n  - capture: later\n", `f.yaml:4: plant: from: no earlier capture named "later"`},
		{"a planted value that would add attributes", "name: a\nlab: secure\nsteps:\n  - plant: {cookie: sid, value: \"x; Domain=test\", over: http}\n", "f.yaml:4: plant value: a cookie value cannot hold ;"},
		{"a plant without a cookie", "name: a\nlab: secure\nsteps:\n  - plant: {value: x, over: http}\n", "f.yaml:4: plant: want a cookie name"},
		{"rotated: planted with no plant before it", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, rotated: planted}\n", `f.yaml:4: expect: rotated: no earlier capture named "planted"`},
		{"a checkpoint name taken twice, once by the attacker", "name: a\nlab: secure\nsteps:\n  - capture: c\n  - attacker:\n      - capture: c\n", `f.yaml:6: capture: a checkpoint named "c" was taken at line 4 already`},
		{"a capture named like the plant's checkpoint", "name: a\nlab: secure\nsteps:\n  - capture: planted\n", `f.yaml:4: capture: "planted" is the checkpoint plant steps take`},
		{"a page expectation with a cookie check", "name: a\nlab: secure\nsteps:\n  - expect:\n      page: \"#account\"\n      secure: true\n", "f.yaml:6: expect page: secure applies to cookies only"},
		{"an expectation on a cookie and a page at once", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, page: \"#account\"}\n", "f.yaml:4: expect: give cookie or page, not both"},
		{"a session step without check", "name: a\nlab: secure\nsteps:\n  - session: {page: \"#who\"}\n", "f.yaml:4: session: want check"},
		{"a session step without page", "name: a\nlab: secure\nsteps:\n  - session: {check: /account}\n", "f.yaml:4: session: want page"},
		{"a session step with an unknown key", "name: a\nlab: secure\nsteps:\n  - session: {check: /account, page: \"#who\", wait: 2s}\n", `f.yaml:4: session: unknown key "wait"`},
		{"a session step given a string", "name: a\nlab: secure\nsteps:\n  - session: /account\n", "f.yaml:4: session:"},
		{"a second session step", "name: a\nlab: secure\nsteps:\n  - session: {check: /account, page: \"#who\"}\n  - expect: {session: ended}\n  - session: {check: /account, page: \"#who\"}\n",
			"f.yaml:6: session: a scenario measures one session, and line 4 measures it already"},
		{"a session step in the attacker's browser", "name: a\nlab: secure\nsteps:\n  - attacker:\n      - session: {check: /account, page: \"#who\"}\n", "f.yaml:5: attacker: a session step cannot run in the attacker's browser"},
		{"session ended with no session step before it", "name: a\nlab: secure\nsteps:\n  - goto: /logout\n  - expect: {session: ended}\n  - session: {check: /account, page: \"#who\"}\n",
			"f.yaml:5: expect session: ended: no earlier session step measured a session"},
		{"session ended in the attacker's browser", "name: a\nlab: secure\nsteps:\n  - session: {check: /account, page: \"#who\"}\n  - attacker:\n      - expect: {session: ended}\n",
			"f.yaml:6: attacker: expect session: ended checks the victim's session"},
		{"session with another value than ended", "name: a\nlab: secure\nsteps:\n  - session: {check: /account, page: \"#who\"}\n  - expect: {session: over}\n", `f.yaml:5: expect session: "over" (want ended`},
		{"session ended with a cookie", "name: a\nlab: secure\nsteps:\n  - session: {check: /account, page: \"#who\"}\n  - expect: {session: ended, cookie: sid}\n", "f.yaml:5: expect session: ended goes alone, not with cookie"},
		{"a session check that is not a URL a browser loads", "name: a\nlab: secure\nsteps:\n  - session: {check: \"ftp://x.test/\", page: \"#who\"}\n", "f.yaml:4: session check:"},
		{"a crawl without max", "name: a\nlab: portal\nsteps:\n  - goto: /\n  - crawl: {exclude: [x]}\n", "f.yaml:5: crawl: want max: the most pages to load"},
		{"a crawl of no pages", "name: a\nlab: portal\nsteps:\n  - crawl: {max: 0}\n", `f.yaml:4: crawl max: "0": want the most pages to load, a whole number 1 or more`},
		{"a crawl of a negative number of pages", "name: a\nlab: portal\nsteps:\n  - crawl:\n      max: -3\n", `f.yaml:5: crawl max: "-3"`},
		{"a crawl of some pages", "name: a\nlab: portal\nsteps:\n  - crawl: {max: a few}\n", `f.yaml:4: crawl max: "a few"`},
		{"a crawl exclude that is no regular expression", "name: a\nlab: portal\nsteps:\n  - crawl:\n      max: 5\n      exclude:\n        - /admin\n        - \"(unclosed\"\n", `f.yaml:8: crawl exclude: "(unclosed" is not a regular expression: missing closing )`},
		{"a crawl with an unknown key", "name: a\nlab: portal\nsteps:\n  - crawl: {max: 5, depth: 2}\n", `f.yaml:4: crawl: unknown key "depth" (want one of max, exclude, excludeDefaults)`},
		{"a crawl whose excludeDefaults is no boolean", "name: a\nlab: portal\nsteps:\n  - crawl: {max: 5, excludeDefaults: sometimes}\n", "f.yaml:4: crawl excludeDefaults: want true or false"},
		{"a crawl given a number", "name: a\nlab: portal\nsteps:\n  - crawl: 5\n", "f.yaml:4: crawl: want a mapping with max, exclude, excludeDefaults"},
		{"a crawl in the attacker's browser", "name: a\nlab: portal\nsteps:\n  - attacker:\n      - crawl: {max: 5}\n", "f.yaml:5: attacker: a crawl step cannot run in the attacker's browser"},
		{"an expectation on nothing", "name: a\nlab: secure\nsteps:\n  - expect: {absent: true}\n", "f.yaml:4: expect: want a cookie name (cookie:), a CSS selector (page:) or session: ended"},
		{"a list item indented one space too far (the library names the list's first line)", "name: a\nlab: secure\nsteps:\n  - goto: /login\n   - click: \"#go\"\n",
			"f.yaml:5: not valid YAML: did not find expected '-' indicator"},
		{"a key indented too far under an expectation", "name: a\nlab: secure\nsteps:\n  - expect:\n      cookie: sid\n       secure: true\n",
			"f.yaml:6: not valid YAML: mapping values are not allowed in this context"},
		{"a SameSite given as a mapping", "name: a\nlab: secure\nsteps:\n  - goto: /\n  - expect:\n      cookie: sid\n      sameSite: {Strict: yes}\n",
			"f.yaml:7: expect sameSite: want Strict, Lax, None or unset, or a list of them"},
		{"a SameSite list holding a mapping", "name: a\nlab: secure\nsteps:\n  - expect:\n      cookie: sid\n      sameSite:\n        - Lax\n        - {Strict: yes}\n",
			"f.yaml:8: expect sameSite: want Strict, Lax, None or unset"},
		{"an empty SameSite list", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, sameSite: []}\n", "f.yaml:4: expect sameSite: want Strict"},
		{"a key given twice", "name: a\nlab: secure\nsteps:\n  - expect:\n      cookie: sid\n      secure: true\n      secure: false\n",
			"f.yaml:7: expect: secure given twice (first at line 6)"},
		{"a lifetime that is not a duration", "name: a\nlab: secure\nsteps:\n  - expect: {cookie: sid, maxLifetime: \"<= a month\"}\n", `f.yaml:4: expect maxLifetime: "a month" is not a duration`},
		{"a wait duration longer than a timeout given after the steps", "name: a\nlab: secure\nsteps:\n  - wait:\n      duration: 90s\ntimeout: 1m\n",
			"f.yaml:5: wait 1m30s is longer than the step timeout 1m; raise timeout: or shorten the wait"},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.yaml), lookupFrom(nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.description, err, tt.want)
		}
	}
}

func TestParseReadsEveryStep(t *testing.T) {
	scs, err := Parse("f.yaml", []byte(`name: all steps
url: https://app.test/
timeout: 5s
steps:
  - goto: /login
  - fill: {selector: "#user", value: "${USER_NAME}"}
  - press: {selector: "#user", key: Enter}
  - click: "#go"
  - submit: form
  - wait: {selector: "#status"}
  - wait: {url: /account}
  - wait: {cookie: sid}
  - wait: 200ms
  - eval: "1 + 1"
  - capture: before
  - expect: {cookie: sid, secure: true, sameSite: Lax, maxLifetime: "<= 24h", setBy: header, rotated: before, path: /}
  - probe: http-overwrite
  - clear-cookies: true
  - expect: {cookie: sid, absent: true, invalidated: before}
`), lookupFrom(map[string]string{"USER_NAME": "alice"}))
	if err != nil {
		t.Fatal(err)
	}
	s := scs[0]
	var kinds []string
	for _, st := range s.Steps {
		kinds = append(kinds, string(st.Kind))
	}
	want := "goto fill press click submit wait wait wait wait eval capture expect probe clear-cookies expect"
	if strings.Join(kinds, " ") != want || s.Steps[1].Value != "alice" || s.StepTimeout.String() != "5s" || s.Steps[11].Line != 16 {
		t.Errorf("parsed %v (fill value %q, timeout %s, expect line %d)", kinds, s.Steps[1].Value, s.StepTimeout, s.Steps[11].Line)
	}
	if e := s.Steps[14].Expect; e == nil || e.Invalidated != "before" || !e.Absent {
		t.Errorf("the last expectation read as %+v, want absent and invalidated since before", e)
	}
	if len(s.Secrets) != 1 || s.Secrets[0] != "alice" {
		t.Errorf("secrets %v, want the substituted value", s.Secrets)
	}
	if d := s.Steps[1].Describe(); strings.Contains(d, "alice") {
		t.Errorf("a step description shows the value: %s", d)
	}
}

// Days are accepted wherever a duration is, as in the configuration file.
func TestDurationsAcceptDays(t *testing.T) {
	scs, err := Parse("f.yaml", []byte("name: a\nlab: secure\ntimeout: 1d\nsteps:\n  - wait: 1d\n  - expect: {cookie: sid, maxLifetime: \"<= 30d\"}\n  - expect: {cookie: sid, maxLifetime: \"<= 1d12h\"}\n"), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := scs[0]
	if s.StepTimeout != 24*time.Hour || s.TimeoutLine != 3 || s.Steps[0].WaitFor != 24*time.Hour {
		t.Errorf("timeout %s at line %d, wait %s; want 24h at line 3 and 24h", s.StepTimeout, s.TimeoutLine, s.Steps[0].WaitFor)
	}
	if got := s.Steps[1].Expect.MaxLifetime; got != 30*24*time.Hour {
		t.Errorf("maxLifetime <= 30d read as %s", got)
	}
	if got := s.Steps[2].Expect.MaxLifetime; got != 36*time.Hour {
		t.Errorf("maxLifetime <= 1d12h read as %s", got)
	}
	if scs, err := Parse("f.yaml", []byte("name: a\nlab: secure\nsteps:\n  - goto: /\n"), lookupFrom(nil)); err != nil || scs[0].TimeoutLine != 0 || scs[0].StepTimeout != DefaultStepTimeout {
		t.Errorf("without timeout: the default (%v, line %d, %v)", err, scs[0].TimeoutLine, scs[0].StepTimeout)
	}
}

func TestAWaitAsLongAsTheStepTimeoutIsAccepted(t *testing.T) {
	scs, err := Parse("f.yaml", []byte("name: a\nlab: secure\ntimeout: 1h\nsteps:\n  - wait: 1h\n  - wait: {duration: 1h}\n"), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	if w := scs[0].Steps[1].WaitFor; w != time.Hour {
		t.Errorf("wait %s, want 1h", w)
	}
}

func TestParseReadsAttackerBlocksPlantsAndPageExpectations(t *testing.T) {
	scs, err := Parse("f.yaml", []byte(`name: fixation
lab: flawed
steps:
  - attacker:
      - goto: /login
      - capture: attacker-session
      - expect: {page: "#status"}
  - plant: {cookie: sid, from: attacker-session, over: http}
  - plant: {cookie: sid, value: "${PLANTED}", over: sibling}
  - expect: {cookie: sid, rotated: planted}
  - attacker:
      - goto: /account
      - expect: {page: "#account", absent: true}
`), lookupFrom(map[string]string{"PLANTED": "fixed-id"}))
	if err != nil {
		t.Fatal(err)
	}
	steps := scs[0].Steps
	if len(steps) != 5 || steps[0].Kind != "attacker" || len(steps[0].Steps) != 3 || steps[0].Steps[1].Line != 6 {
		t.Fatalf("steps %+v", steps)
	}
	first, second := steps[1].Plant, steps[2].Plant
	if *first != (Plant{Cookie: "sid", From: "attacker-session", Over: "http"}) || *second != (Plant{Cookie: "sid", Value: "fixed-id", Over: "sibling"}) {
		t.Errorf("plants %+v %+v", first, second)
	}
	if d := steps[2].Describe(); strings.Contains(d, "fixed-id") || d != "plant sid over sibling (a literal value)" {
		t.Errorf("the plant's description %q", d)
	}
	if e := steps[4].Steps[1].Expect; e.Page != "#account" || !e.Absent || e.Cookie != "" || e.Describe() != "page #account: absent" {
		t.Errorf("the page expectation %+v (%s)", e, e.Describe())
	}
	if got := len(scs[0].Expectations()); got != 3 {
		t.Errorf("%d expectations, want the attacker blocks' too (3)", got)
	}
}

// A step that ran out of time names what set its time: the scenario's
// timeout: (with its line) or the default, never --timeout, which bounds only
// the loads of probe steps.
func TestTimeoutErrorsNameWhatSetTheTime(t *testing.T) {
	given, err := Parse("f.yaml", []byte("name: a\nlab: secure\ntimeout: 2s\nsteps:\n  - click: \"#never\"\n  - probe: prefix\n"), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	defaulted, err := Parse("g.yaml", []byte("name: b\nlab: secure\nsteps:\n  - click: \"#never\"\n"), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	// The hint every step's browser.TimeoutError carries.
	for _, tt := range []struct {
		description string
		s           Scenario
		want        string
	}{
		{"a scenario with a timeout: key", given[0], "timed out after 2s (the scenario's timeout: at f.yaml:3; raise it there)"},
		{"a scenario under the default", defaulted[0], "timed out after 15s (the default step timeout; set timeout: in g.yaml to raise it)"},
	} {
		err := fmt.Errorf("click: %w", &browser.TimeoutError{After: tt.s.StepTimeout, Hint: tt.s.TimeoutSource()})
		var timeout *browser.TimeoutError
		if got := err.Error(); got != "click: "+tt.want || !errors.As(err, &timeout) {
			t.Errorf("%s: %q", tt.description, got)
		}
	}
}

// Every built-in scenario is located at its file in this repository.
func TestBuiltinScenariosHaveTheirSourcePath(t *testing.T) {
	all, err := Builtin("")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		p, ok := SourcePath(s.File)
		if !ok {
			t.Errorf("%s: no source path", s.File)
			continue
		}
		// The test runs in scenarios/; paths are from the repository's top.
		if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(p))); err != nil {
			t.Errorf("%s located at %s, which is no file: %v", s.File, p, err)
		}
	}
	for _, file := range []string{"login.yaml", "builtin:", "builtin:../x.yaml"} {
		if p, ok := SourcePath(file); ok {
			t.Errorf("%s located at %s, want no source path", file, p)
		}
	}
}
