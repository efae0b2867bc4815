package scenarios

import (
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
)

// env is the lab and browser the tests share.
var env browsertest.Env

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m, &env)) }

func needBrowser(t *testing.T) *browser.Browser { return env.Need(t) }

func labURL(variant string) string { return env.Lab.VariantURL(variant) }

func runScenarios(t *testing.T, scs []Scenario, parallel int) []inspect.Target {
	t.Helper()
	b := needBrowser(t)
	targets, complete, err := Run(context.Background(), b, scs, RunOptions{Parallel: parallel, LabURL: labURL})
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

func TestBuiltinLoginScenarios(t *testing.T) {
	scs, err := Builtin("")
	if err != nil {
		t.Fatal(err)
	}
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
	scs, err := Builtin("")
	if err != nil {
		t.Fatal(err)
	}
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
	if e := targets[0].Error; !strings.Contains(e, "stuck.yaml:6") || !strings.Contains(e, `click "#no-such-button"`) || !strings.Contains(e, "timed out") {
		t.Errorf("the stuck scenario's error %q does not name file:line, the step and the timeout", e)
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
