package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/browsertest"
	"github.com/cookiescope/cookiescope/internal/schematest"
	reportfmt "github.com/cookiescope/cookiescope/report"
)

// env is the lab and browser the tests share.
var env browsertest.Env

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m, &env)) }

func needBrowser(t testing.TB) *browser.Browser { return env.Need(t) }

func labURL(variant string) string { return env.Lab.VariantURL(variant) }

func runScenarios(t *testing.T, scs []Scenario, parallel int) []inspect.Target {
	t.Helper()
	b := needBrowser(t)
	// --timeout's hint, as the command line gives it: a scenario's own
	// steps must say what set their time instead.
	targets, complete, err := Run(context.Background(), b, scs, RunOptions{Parallel: parallel, LabURL: labURL, Load: browser.LoadOptions{TimeoutHint: "raise --timeout"}})
	if err != nil || !complete || len(targets) != len(scs) {
		t.Fatalf("Run: %d targets of %d, complete=%v, err=%v", len(targets), len(scs), complete, err)
	}
	return targets
}

// failedChecks lists "cookie: check" for every failure of a target.
func failedChecks(t inspect.Target) []string {
	var out []string
	for _, r := range t.Expectations {
		for _, f := range r.Failures {
			name, _, _ := strings.Cut(f, ":")
			out = append(out, r.Cookie+": "+name)
		}
	}
	slices.Sort(out)
	return out
}

// loginBuiltins are the built-in login scenarios, secure first.
func loginBuiltins(t *testing.T) []Scenario {
	t.Helper()
	var out []Scenario
	for _, name := range []string{"secure-login", "flawed-login"} {
		scs, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, scs...)
	}
	return out
}

func TestBuiltinLoginScenarios(t *testing.T) {
	scs := loginBuiltins(t)
	targets := runScenarios(t, scs, 1)
	byName := map[string]inspect.Target{}
	for _, tg := range targets {
		if tg.Error != "" {
			t.Fatalf("%s: %s", tg.Scenario, tg.Error)
		}
		byName[tg.Scenario] = tg
	}
	secure := byName["secure login keeps the session cookie safe"]
	if len(secure.Expectations) != 2 || len(failedChecks(secure)) != 0 {
		t.Errorf("secure variant: %d expectations, failures %v", len(secure.Expectations), failedChecks(secure))
	}
	flawed := byName["flawed login leaks and fixes its session cookie"]
	want := []string{"sid: hostOnly", "sid: httpOnly", "sid: rotated", "sid: sameSite", "sid: scriptReadable (measured)", "sid: secure"}
	if got := failedChecks(flawed); !slices.Equal(got, want) {
		t.Errorf("flawed variant failed %v, want exactly %v", got, want)
	}
	if !flawed.Expectations[1].Passed {
		t.Errorf("flawed logout should clear sid: %+v", flawed.Expectations[1])
	}
}

func TestFlawedLoginSessionIsJudgedAtTheStepBeforeLogout(t *testing.T) {
	scs, err := Builtin("flawed-login")
	if err != nil {
		t.Fatal(err)
	}
	tg := runScenarios(t, scs, 1)[0]
	if tg.Error != "" {
		t.Fatalf("flawed-login: %s", tg.Error)
	}
	for _, c := range tg.Cookies {
		if c.Name == "sid" {
			t.Fatalf("sid is still in the final jar after logout; the test wants it judged at an earlier step")
		}
	}
	const step = "step 9 (builtin:flawed-login.yaml:16)"
	var earlier []string
	for _, c := range tg.EarlierCookies {
		earlier = append(earlier, c.Name+" at "+c.SeenAt)
	}
	if !slices.Contains(earlier, "sid at "+step) {
		t.Errorf("earlier cookies %v, want sid at %s", earlier, step)
	}
	byRule := map[string]inspect.Finding{}
	for _, f := range inspect.Judge(tg, inspect.Config{}, time.Now()) {
		if f.Cookie == "sid" {
			byRule[f.RuleID] = f
		}
	}
	for _, id := range []string{"CS001", "CS003", "CS004", "CS008", "CS014"} {
		f, ok := byRule[id]
		switch {
		case !ok:
			t.Errorf("no %s finding on sid, though it was seen at %s (findings on sid: %v)", id, step, slices.Collect(maps.Keys(byRule)))
		case f.Step != step:
			t.Errorf("%s on sid says step %q, want %q", id, f.Step, step)
		}
	}
}

func TestParallelAndShardsGiveTheSerialResults(t *testing.T) {
	scs := loginBuiltins(t)
	scs = append(scs, scs...) // four scenarios
	summary := func(ts []inspect.Target) []string {
		var out []string
		for _, tg := range ts {
			out = append(out, fmt.Sprintf("%s %v %s", tg.Scenario, failedChecks(tg), tg.Error))
		}
		return out
	}
	serial := summary(runScenarios(t, scs, 1))
	if parallel := summary(runScenarios(t, scs, 2)); !slices.Equal(parallel, serial) {
		t.Errorf("--parallel 2:\n%v\nserial:\n%v", parallel, serial)
	}
	var sharded []string
	for i := 1; i <= 2; i++ {
		sharded = append(sharded, summary(runScenarios(t, Shard(scs, i, 2), 1))...)
	}
	slices.Sort(sharded)
	sortedSerial := slices.Clone(serial)
	slices.Sort(sortedSerial)
	if !slices.Equal(sharded, sortedSerial) {
		t.Errorf("two shards together:\n%v\nserial:\n%v", sharded, sortedSerial)
	}
}

func TestAStuckStepFailsAloneAndNamesTheStep(t *testing.T) {
	stuck, err := Parse("stuck.yaml", []byte(`name: stuck
lab: secure
timeout: 2s
steps:
  - goto: /login
  - click: "#no-such-button"
  - expect: {cookie: __Host-sid}
`), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := Builtin("secure-login")
	targets := runScenarios(t, append(stuck, good...), 1)
	if e := targets[0].Error; !strings.Contains(e, "stuck.yaml:6") || !strings.Contains(e, `click "#no-such-button"`) ||
		!strings.Contains(e, "timed out after 2s (the scenario's timeout: at stuck.yaml:3; raise it there)") || strings.Contains(e, "--timeout") {
		t.Errorf("the stuck scenario's error %q does not name file:line, the step and the timeout: that set its time", e)
	}
	if len(targets[0].Cookies) == 0 {
		t.Errorf("the stuck scenario lost what it captured before the step")
	}
	if targets[1].Error != "" || len(failedChecks(targets[1])) != 0 {
		t.Errorf("the scenario after the stuck one: %q %v", targets[1].Error, failedChecks(targets[1]))
	}
}

func TestAWaitEndsWithTheRunsContext(t *testing.T) {
	f := &flow{s: Scenario{StepTimeout: time.Hour}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// A fixed wait touches no browser.
		done <- f.step(ctx, nil, nil, Step{Kind: "wait", WaitFor: time.Hour}, RunOptions{})
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the wait ended with %v, want the context's error", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("an hour's wait did not end with its context")
	}
}

// findings returns the IDs of the rules that fire on a target.
func findings(tg inspect.Target) []string {
	var out []string
	for _, f := range inspect.Judge(tg, inspect.Config{}, time.Now()) {
		out = append(out, f.RuleID)
	}
	return out
}

func TestBuiltinFixationIsDemonstratedOnTheFlawedLabOnly(t *testing.T) {
	scs, err := Builtin("fixation")
	if err != nil {
		t.Fatal(err)
	}
	targets := runScenarios(t, scs, 1)
	flawed, secure := targets[0], targets[1]
	for _, tg := range targets {
		if tg.Error != "" || len(tg.Plants) != 1 || len(tg.Expectations) != 2 {
			t.Fatalf("%s: error %q, %d plants, %d expectations", tg.Scenario, tg.Error, len(tg.Plants), len(tg.Expectations))
		}
		if tg.Expectations[1].Browser != inspect.BrowserAttacker || tg.Expectations[0].Browser != "" || tg.Expectations[1].Expectation != "attacker: page #account: absent" {
			t.Errorf("%s: the expectations' browsers are %q and %q, want the victim's and the attacker's", tg.Scenario, tg.Expectations[0].Browser, tg.Expectations[1].Browser)
		}
	}

	if p := flawed.Plants[0]; !p.Planted || p.URL != "http://app.flawed.test/__cookiescope/plant-1" || !strings.HasPrefix(p.Evidence, "Chrome stored it") {
		t.Errorf("the plant on the flawed lab: %+v", p)
	}
	if got, want := failedChecks(flawed), []string{": page", "sid: rotated"}; !slices.Equal(got, want) {
		t.Errorf("the flawed lab failed %v, want %v", got, want)
	}
	if r := flawed.Expectations[0]; r.Rotation != inspect.RotationUnchanged || r.RotatedLine != flawed.Plants[0].Line {
		t.Errorf("the victim's rotated check: %+v", r)
	}
	if r := flawed.Expectations[1]; !strings.HasPrefix(r.Seen, "a visible element matches #account on https://app.flawed.test:") {
		t.Errorf("the attacker's browser saw %q", r.Seen)
	}
	if !slices.Contains(findings(flawed), "CS026") {
		t.Errorf("no CS026 on the flawed lab: %v", findings(flawed))
	}
	for _, f := range inspect.Judge(flawed, inspect.Config{}, time.Now()) {
		for _, c := range flawed.Cookies {
			if f.RuleID == "CS026" && c.Name == "sid" && strings.Contains(f.Evidence, c.Value) {
				t.Errorf("CS026's evidence shows the session id: %s", f.Evidence)
			}
		}
	}

	if p := secure.Plants[0]; p.Planted || !strings.Contains(p.Evidence, "a __Host- name cannot be set over http") {
		t.Errorf("the plant on the secure lab: %+v", p)
	}
	if got := failedChecks(secure); len(got) != 0 {
		t.Errorf("the secure lab failed %v", got)
	}
	if r := secure.Expectations[0]; r.Rotation != inspect.RotationIssued || r.SessionBehaviour != "issued since planted" {
		t.Errorf("the secure victim's rotated check: %+v", r)
	}
	if slices.Contains(findings(secure), "CS026") {
		t.Errorf("CS026 on the secure lab")
	}

	report := inspect.Report{SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", Browser: inspect.Browser{Product: "Chrome"}, Started: time.Now().UTC(), Targets: targets}
	report.JudgeAll(inspect.Config{}, time.Now())
	var out bytes.Buffer
	if err := reportfmt.WriteJSON(&out, report.Redact()); err != nil {
		t.Fatal(err)
	}
	schematest.Check(t, out.Bytes())
}

func TestPlantOverSiblingTossesTheCookieForTheParentDomain(t *testing.T) {
	scs, err := Parse("sibling.yaml", []byte(`name: sibling plant
lab: flawed
steps:
  - goto: /login
  - plant: {cookie: sid, value: planted-by-the-test, over: sibling}
---
name: plant from a checkpoint without the cookie
lab: flawed
steps:
  - capture: empty
  - plant: {cookie: sid, from: empty, over: http}
`), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	targets := runScenarios(t, scs, 1)
	tossed := targets[0]
	if tossed.Error != "" || len(tossed.Plants) != 1 {
		t.Fatalf("error %q, plants %+v", tossed.Error, tossed.Plants)
	}
	p := tossed.Plants[0]
	if !p.Planted || !strings.HasPrefix(p.URL, "http://cs-") || !strings.HasSuffix(p.URL, ".flawed.test/__cookiescope/plant-1") || p.Over != inspect.PlantOverSibling ||
		!strings.Contains(p.Evidence, "Domain=flawed.test") {
		t.Errorf("the sibling plant: %+v", p)
	}
	// The lab's own sid has Domain=flawed.test too: the tossed one replaced it.
	var sids []inspect.Cookie
	for _, c := range tossed.Cookies {
		if c.Name == "sid" {
			sids = append(sids, c)
		}
	}
	if len(sids) != 1 || sids[0].Value != "planted-by-the-test" || sids[0].Domain != ".flawed.test" {
		t.Errorf("the victim's sid cookies after the toss: %+v", sids)
	}
	missing := targets[1]
	if !strings.Contains(missing.Error, "sibling.yaml:11") || !strings.Contains(missing.Error, "the checkpoint empty holds no cookie sid") || len(missing.Plants) != 0 {
		t.Errorf("a plant of a cookie the checkpoint lacks: error %q, plants %+v", missing.Error, missing.Plants)
	}
}

func TestAttackerBlocksHaveTheirOwnJarAndPagesAreSeen(t *testing.T) {
	scs, err := Parse("attacker.yaml", []byte(`name: two browsers
lab: flawed
steps:
  - goto: /account
  - eval: "document.cookie = 'victimonly=1; path=/'"
  - eval: "document.body.insertAdjacentHTML('beforeend', '<p id=hidden style=display:none>hidden</p>')"
  - capture: victim
  - expect: {page: "#status"}
  - expect: {page: "#account", absent: true}
  - expect: {page: "#account"}
  - expect: {page: "#hidden", absent: true}
  - attacker:
      - goto: /login
      - expect: {cookie: victimonly, absent: true}
      - expect: {cookie: sid, rotated: victim}
      - expect: {page: "form"}
  - expect: {cookie: victimonly}
  - attacker:
      - expect: {page: "#status", absent: true}
`), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	tg := runScenarios(t, scs, 1)[0]
	if tg.Error != "" || len(tg.Expectations) != 9 {
		t.Fatalf("error %q, %d expectations", tg.Error, len(tg.Expectations))
	}
	want := []struct {
		browser string
		passed  bool
	}{{"", true}, {"", true}, {"", false}, {"", true}, {"attacker", true}, {"attacker", true}, {"attacker", true}, {"", true}, {"attacker", true}}
	for i, w := range want {
		r := tg.Expectations[i]
		if r.Browser != w.browser || r.Passed != w.passed {
			t.Errorf("attacker.yaml:%d %s: browser %q passed %v %q; want browser %q passed %v", r.Line, r.Expectation, r.Browser, r.Passed, r.Failures, w.browser, w.passed)
		}
	}
	if r := tg.Expectations[2]; r.Seen == "" || !strings.Contains(r.Failures[0], "found none on https://app.flawed.test:") {
		t.Errorf("a page expectation that failed: %+v", r)
	}
	if r := tg.Expectations[5]; r.Rotation != inspect.RotationChanged {
		t.Errorf("the attacker's session is the victim's: %+v", r)
	}
	// The last attacker block keeps the attacker's page from before: /login has no #status.
	if r := tg.Expectations[8]; !strings.Contains(r.PageURL, "/login") {
		t.Errorf("the attacker's browser was not kept between blocks: %+v", r)
	}
}

// A CI suite can state that the session never goes with a cross-site POST:
// the flawed app's sid (no SameSite) does, while young; the secure app's
// __Host-sid (SameSite=Lax) is withheld for SameSite=Lax. Both went with
// the victim's own requests to the account page. (A probe step attacks the
// page of the last goto: /login.)
func TestSentToAndWithheldFromAfterACrossSiteProbe(t *testing.T) {
	flow := func(variant, cookie string) string {
		return fmt.Sprintf(`name: csrf %[1]s
lab: %[1]s
steps:
  - goto: /login
  - fill: {selector: "input[name=user]", value: demo}
  - fill: {selector: "input[name=password]", value: demo}
  - click: "button[type=submit]"
  - wait: {url: /account}
  - probe: cross-site
  - expect: {cookie: %[2]s, withheldFrom: {url: /login, crossSite: true, method: POST, reason: SameSiteLax}}
  - expect: {cookie: %[2]s, sentTo: {url: /account, crossSite: false}}
`, variant, cookie)
	}
	scs, err := Parse("csrf.yaml", []byte(flow("flawed", "sid")+"---\n"+flow("secure", "__Host-sid")), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	targets := runScenarios(t, scs, 1)
	flawed, secure := targets[0], targets[1]
	for _, tg := range targets {
		if tg.Error != "" || len(tg.CrossSite) != 1 || len(tg.Expectations) != 2 {
			t.Fatalf("%s: error %q, %d cross-site results, %d expectations", tg.Scenario, tg.Error, len(tg.CrossSite), len(tg.Expectations))
		}
		if !tg.Expectations[1].Passed {
			t.Errorf("%s: sentTo the account page failed: %v", tg.Scenario, tg.Expectations[1].Failures)
		}
	}
	if w := flawed.Expectations[0]; w.Passed || len(w.Failures) != 1 || !strings.Contains(w.Failures[0], "got it sent with POST") {
		t.Errorf("flawed withheldFrom: passed=%v %v", w.Passed, w.Failures)
	}
	if w := secure.Expectations[0]; !w.Passed {
		t.Errorf("secure withheldFrom: %v", w.Failures)
	}
	var cs027 bool
	for _, f := range inspect.Judge(flawed, inspect.Config{}, time.Now()) {
		cs027 = cs027 || f.RuleID == "CS027" && f.Cookie == "sid"
	}
	if !cs027 {
		t.Error("no CS027 on the flawed sid sent with the probe's cross-site POST")
	}
}
