package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

// Origin-bound cookies are features of Chrome's command line: a --remote
// browser was started without them, so the flag is refused there, with
// exit code 2, before any browser starts.
func TestOriginBoundCookiesWithRemoteExitsTwoBeforeAnyBrowserStarts(t *testing.T) {
	browserPath, mark := fakeBrowser(t)
	for _, command := range [][]string{
		{"inspect", "https://app.test/"},
		{"probe", "https://app.test/"},
		{"run", "builtin:"},
		{"demo"},
	} {
		t.Run(command[0], func(t *testing.T) {
			args := append([]string{command[0], "--browser", browserPath, "--origin-bound-cookies", "--remote", "http://127.0.0.1:1"}, command[1:]...)
			code, _, stderr := cookiescope(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, "--origin-bound-cookies needs a browser cookiescope launches") {
				t.Errorf("stderr %q does not say why", stderr)
			}
			if _, err := os.Stat(mark); err == nil {
				t.Error("the browser was started")
			}
		})
	}
}

// --compare-origin-bound launches its second browser itself: a --remote
// browser cannot be it, and --origin-bound-cookies would leave nothing to
// compare with.
func TestCompareOriginBoundRefusesWhatItCannotCompare(t *testing.T) {
	browserPath, mark := fakeBrowser(t)
	for _, tt := range []struct {
		description string
		flags       []string
		mentions    string
	}{
		// --browser is itself refused with --remote: nothing listens there.
		{"a remote browser", []string{"--remote", "http://127.0.0.1:1"}, "drop --remote"},
		{"origin-bound cookies already on", []string{"--browser", browserPath, "--origin-bound-cookies"}, "drop --origin-bound-cookies"},
	} {
		args := append([]string{"probe", "--compare-origin-bound"}, tt.flags...)
		code, _, stderr := cookiescope(t, append(args, "https://app.test/")...)
		if code != exitUsage || !strings.Contains(stderr, tt.mentions) {
			t.Errorf("%s: exit %d, stderr %q; want %d saying %q", tt.description, code, stderr, exitUsage, tt.mentions)
		}
		if _, err := os.Stat(mark); err == nil {
			t.Errorf("%s: the browser was started", tt.description)
		}
	}
}

// probe --compare-origin-bound on the lab's flawed login app: the run's own
// browser (origin-bound cookies off, Chromium 156's default) and a second
// one with them on. Each verdict rests on what the https origin received:
// off, the attacker's value reached it; on, Chrome stored the value bound
// to http and withheld it (SchemeMismatch), and the attack is protected.
func TestProbeComparesTheFlawedAppWithOriginBoundCookies(t *testing.T) {
	needBrowser(t)
	target := testLab.URL(true, lab.FlawedLoginHost, lab.LoginFlowPath)
	code, stdout, stderr := cookiescope(t, "probe", "--compare-origin-bound", "--resolve", "*.test:127.0.0.1", "--trust-spki", testLab.SPKI, "--format", "json",
		"--probe", "http-overwrite", "--probe", "path-shadow", "--probe", "fixation-plant", target)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (the flawed app is vulnerable today); stderr:\n%s", code, exitFindings, stderr)
	}
	schematest.Check(t, []byte(stdout))
	var rep inspect.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.OriginBoundCookies {
		t.Error("the run's own mode is origin-bound cookies on, want off")
	}
	// Today: every attempt worked, and the https site received the value.
	for _, p := range rep.Targets[0].Probes {
		if p.Verdict != inspect.Vulnerable || p.Received == nil || p.Received.Error != "" {
			t.Errorf("today: %s of %s by %s: %s, received %+v; want vulnerable, measured at the https site", p.Name, p.Cookie, p.Channel, p.Verdict, p.Received)
			continue
		}
		// The attacker's own value is shown; fixation-plant's is a real
		// server-issued id, redacted, and arrives at the site all the same.
		if got := p.Received.Sent; got == inspect.Absent || p.Name != "fixation-plant" && !strings.Contains(got, "cookiescope-forged-") {
			t.Errorf("today: %s of %s by %s: the https site was sent %q, want the attacker's value", p.Name, p.Cookie, p.Channel, got)
		}
	}
	cmp := rep.OriginBoundComparison
	if cmp == nil || cmp.Error != "" || !strings.Contains(cmp.Browser, "Chrome/") || cmp.DurationMS <= 0 {
		t.Fatalf("comparison %+v", cmp)
	}
	attacks := map[string]inspect.AttackChange{}
	for _, a := range cmp.Attacks {
		attacks[a.Probe+" of "+a.Cookie] = a
	}
	for _, want := range []string{"http-overwrite of csrf", "http-overwrite of sid", "path-shadow of csrf", "path-shadow of sid", "fixation-plant of sid"} {
		a, ok := attacks[want]
		if !ok || a.Change != inspect.ChangeFixed || a.Today != inspect.Vulnerable || a.OriginBound != inspect.Protected ||
			!strings.Contains(a.Why, "stored, but bound to http: the https site never receives it") || !strings.Contains(a.Why, "SchemeMismatch") {
			t.Errorf("%s: %+v; want vulnerable today, protected with origin-bound cookies, bound to http", want, a)
		}
	}
	if len(cmp.Attacks) != 5 {
		t.Errorf("%d attacks compared, want 5: %+v", len(cmp.Attacks), cmp.Attacks)
	}
}
