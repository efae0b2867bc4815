package scenarios

import (
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

// A probe step after login attacks a copy of the logged-in session: its
// rows start from the session cookie the login left in the victim's jar,
// say at which step they ran, and leave the victim's jar as it was.
func TestAProbeAfterLoginAttacksTheLoggedInSession(t *testing.T) {
	scs, err := Parse("probe.yaml", []byte(`name: probe after login
lab: flawed
steps:
  - goto: /login
  - fill: {selector: "input[name=user]", value: demo}
  - fill: {selector: "input[name=password]", value: demo}
  - click: "button[type=submit]"
  - wait: {url: /account}
  - capture: logged-in
  - probe: http-overwrite
  - expect: {cookie: sid, present: true}
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	target := runScenarios(t, scs, 1)[0]
	if target.Error != "" {
		t.Fatal(target.Error)
	}
	var session string
	for _, c := range target.Cookies {
		if c.Name == "sid" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no sid after login")
	}
	rows := 0
	for _, p := range target.Probes {
		if p.Cookie != "sid" {
			continue
		}
		rows++
		if !strings.Contains(p.Before, session) {
			t.Errorf("the %s row started from %q, not the logged-in session", p.Channel, p.Before)
		}
		if p.Step != "step 7 (probe.yaml:10)" {
			t.Errorf("the row says it ran at %q", p.Step)
		}
		if p.Verdict != inspect.Vulnerable {
			t.Errorf("the flawed sid by %s: %s %s", p.Channel, p.Verdict, p.Explanation)
		}
	}
	if rows != 2 {
		t.Errorf("%d sid rows, want header and script: %+v", rows, target.Probes)
	}
	for _, e := range target.Expectations {
		if !e.Passed {
			t.Errorf("the victim's session did not survive its own probe: %+v", e)
		}
	}
	found := false
	for _, f := range inspect.Judge(target, inspect.Config{}, target.Cookies[0].SetBy[0].At) {
		found = found || (f.RuleID == "CS020" && f.Cookie == "sid" && f.Severity == inspect.High && strings.Contains(f.Evidence, "step 7"))
	}
	if !found {
		t.Error("no high CS020 finding for the logged-in sid, at its step")
	}
}
