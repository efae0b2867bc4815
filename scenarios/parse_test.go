package scenarios

import (
	"strings"
	"testing"
	"time"
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
		{"a wait with two conditions", "name: a\nlab: secure\nsteps:\n  - wait: {url: /a, cookie: b}\n", "f.yaml:4: wait: want exactly one"},
		{"a bad duration", "name: a\nlab: secure\nsteps:\n  - wait: soon\n", `f.yaml:4: wait: "soon" is not a duration`},
		{"an unknown probe", "name: a\nlab: secure\nsteps:\n  - probe: teleport\n", `f.yaml:4: probe: "teleport"`},
		{"no target", "name: a\nsteps:\n  - goto: /\n", "f.yaml:1: scenario \"a\": want lab (secure or flawed) or url"},
		{"an unknown lab", "name: a\nlab: staging\nsteps:\n  - goto: /\n", `f.yaml:2: lab: "staging" is not a lab variant`},
		{"a malformed url", "name: a\nurl: ftp://x\nsteps:\n  - goto: /\n", "f.yaml:2: url: malformed URL"},
		{"invalid YAML", "name: a\nsteps: [\n", "f.yaml:"},
		{"no steps", "name: a\nlab: secure\n", "want a list of steps"},
		{"a wait longer than the default step timeout", "name: a\nlab: secure\nsteps:\n  - goto: /\n  - wait: 2562047h\n",
			"f.yaml:5: wait 2562047h is longer than the step timeout 15s; raise timeout: or shorten the wait"},
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
		kinds = append(kinds, st.Kind)
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

func TestAWaitAsLongAsTheStepTimeoutIsAccepted(t *testing.T) {
	scs, err := Parse("f.yaml", []byte("name: a\nlab: secure\ntimeout: 1h\nsteps:\n  - wait: 1h\n  - wait: {duration: 1h}\n"), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	if w := scs[0].Steps[1].WaitFor; w != time.Hour {
		t.Errorf("wait %s, want 1h", w)
	}
}
