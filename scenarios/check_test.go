package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

func TestScriptReadableExpectationIsNotMetByAnUnknownReadability(t *testing.T) {
	unknown := inspect.Cookie{Name: "sid", Domain: "app.test", Path: "/", HostOnly: true,
		Readability: inspect.ReadabilityUnknown, UnknownReason: "on http://app.test/: document.cookie returned nothing"}
	now := inspect.Target{URL: "http://app.test/", Cookies: []inspect.Cookie{unknown}}
	for _, want := range []bool{false, true} {
		e := &Expectation{Cookie: "sid", ScriptReadable: &want}
		r := Check(e, now, nil, map[string]string{}, time.Now())
		if r.Passed || len(r.Failures) != 1 || !strings.Contains(r.Failures[0], "got unknown (on http://app.test/") {
			t.Errorf("scriptReadable: %v against an unknown readability: passed %v, failures %q", want, r.Passed, r.Failures)
		}
	}
}

// jar is a target on app.test holding cookies of the given name=value
// pairs.
func jar(pairs ...string) inspect.Target {
	t := inspect.Target{URL: "https://app.test/", FinalURL: "https://app.test/"}
	for _, p := range pairs {
		name, value, _ := strings.Cut(p, "=")
		t.Cookies = append(t.Cookies, inspect.Cookie{Name: name, Value: value, Domain: "app.test", Path: "/", HostOnly: true})
	}
	return t
}

func TestCheckSessionBehaviour(t *testing.T) {
	const secret = "s3cret-value"
	tests := []struct {
		description string
		expect      Expectation
		checkpoints map[string]inspect.Target
		last        map[string]string
		now         inspect.Target
		passed      bool
		// failure is a text the one failure holds; behaviour the
		// SessionBehaviour a passing check reports.
		failure, behaviour string
	}{
		{"rotated: a new value since the checkpoint", Expectation{Cookie: "sid", Rotated: "before-login"},
			map[string]inspect.Target{"before-login": jar("sid=" + secret)}, nil, jar("sid=new"), true, "", "rotated since before-login"},
		{"rotated: a cookie absent at the checkpoint and present now was issued since", Expectation{Cookie: "sid", Rotated: "before-login"},
			map[string]inspect.Target{"before-login": jar("theme=dark")}, nil, jar("sid=" + secret), true, "", "issued since before-login"},
		{"rotated: the same value is session fixation", Expectation{Cookie: "sid", Rotated: "before-login"},
			map[string]inspect.Target{"before-login": jar("sid=" + secret)}, nil, jar("sid=" + secret), false, "rotated: expected a new value since before-login, got the same value (session fixation risk)", ""},
		{"rotated: absent now is still a missing cookie", Expectation{Cookie: "sid", Rotated: "before-login"},
			map[string]inspect.Target{"before-login": jar("sid=" + secret)}, nil, jar(), false, "present: expected a cookie sid", ""},
		{"cleared: gone now and seen before", Expectation{Cookie: "sid", Cleared: true},
			nil, map[string]string{"sid": secret}, jar("theme=dark"), true, "", "cleared"},
		{"cleared: never seen before", Expectation{Cookie: "sid", Cleared: true},
			nil, map[string]string{}, jar(), false, "cleared: sid was never in the jar before, so nothing was cleared", ""},
		{"cleared: logout kept the value", Expectation{Cookie: "sid", Cleared: true},
			nil, map[string]string{"sid": secret}, jar("sid=" + secret), false, "cleared: expected sid gone; logout kept the same value", ""},
		{"cleared: logout replaced the value", Expectation{Cookie: "sid", Cleared: true},
			nil, map[string]string{"sid": secret}, jar("sid=anonymous"), false,
			"cleared: expected sid gone; logout replaced it with a new value (the old one is gone, but a cookie of the name is still set)", ""},
		{"cleared: present now and never seen before", Expectation{Cookie: "sid", Cleared: true},
			nil, map[string]string{}, jar("sid=" + secret), false, "no earlier step had it", ""},
		{"invalidated: the cookie was deleted", Expectation{Cookie: "sid", Invalidated: "after-login"},
			map[string]inspect.Target{"after-login": jar("sid=" + secret)}, nil, jar(), true, "", "invalidated since after-login"},
		{"invalidated: the cookie was replaced by a new value", Expectation{Cookie: "sid", Invalidated: "after-login"},
			map[string]inspect.Target{"after-login": jar("sid=" + secret)}, nil, jar("sid=anonymous"), true, "", "invalidated since after-login"},
		{"invalidated: the same value is still in the jar", Expectation{Cookie: "sid", Invalidated: "after-login"},
			map[string]inspect.Target{"after-login": jar("sid=" + secret)}, nil, jar("sid=" + secret), false, "invalidated: expected the value sid had at after-login gone, the jar still holds that value", ""},
		{"invalidated: the same value under another path still counts", Expectation{Cookie: "sid", Invalidated: "after-login"},
			map[string]inspect.Target{"after-login": jar("sid=" + secret)}, nil,
			func() inspect.Target { t := jar("sid=new", "sid="+secret); t.Cookies[1].Path = "/app"; return t }(), false, "the jar still holds that value", ""},
		{"invalidated: absent at the checkpoint, nothing to invalidate", Expectation{Cookie: "sid", Invalidated: "after-login"},
			map[string]inspect.Target{"after-login": jar("theme=dark")}, nil, jar(), false, "invalidated: sid was not in the jar at after-login, so there is nothing to invalidate", ""},
		{"invalidated with an attribute check still wants the cookie", Expectation{Cookie: "sid", Invalidated: "after-login", Secure: new(bool)},
			map[string]inspect.Target{"after-login": jar("sid=" + secret)}, nil, jar(), false, "present: expected a cookie sid", ""},
	}
	for _, tt := range tests {
		r := Check(&tt.expect, tt.now, tt.checkpoints, tt.last, time.Now())
		if r.Passed != tt.passed {
			t.Errorf("%s: passed %v, want %v (failures %q)", tt.description, r.Passed, tt.passed, r.Failures)
			continue
		}
		if tt.passed && r.SessionBehaviour != tt.behaviour {
			t.Errorf("%s: session behaviour %q, want %q", tt.description, r.SessionBehaviour, tt.behaviour)
		}
		if !tt.passed && (len(r.Failures) != 1 || !strings.Contains(r.Failures[0], tt.failure)) {
			t.Errorf("%s: failures %q, want one with %q", tt.description, r.Failures, tt.failure)
		}
		for _, f := range r.Failures {
			if strings.Contains(f, secret) {
				t.Errorf("%s: a failure shows the cookie's value: %q", tt.description, f)
			}
		}
	}
}

func TestRotatedComparesWithTheCheckpoint(t *testing.T) {
	sid := func(v string) inspect.Cookie {
		return inspect.Cookie{Name: "sid", Value: v, Domain: "app.test", Path: "/", HostOnly: true}
	}
	jar := func(cs ...inspect.Cookie) inspect.Target {
		return inspect.Target{URL: "https://app.test/", FinalURL: "https://app.test/", Cookies: cs}
	}
	tests := []struct {
		description   string
		before, now   inspect.Target
		passed        bool
		rotation      string
		behaviour     string
		failureSubstr string
	}{
		{"a new value passes", jar(sid("old-secret")), jar(sid("new-secret")), true, inspect.RotationChanged, "rotated since cp", ""},
		{"the same value fails as fixation", jar(sid("same-secret")), jar(sid("same-secret")), false, inspect.RotationUnchanged, "", "got the same value"},
		{"absent at the checkpoint and present now passes as issued", jar(), jar(sid("new-secret")), true, inspect.RotationIssued, "issued since cp", ""},
		{"absent now fails", jar(sid("old-secret")), jar(), false, inspect.RotationMissing, "", "the jar has none"},
	}
	for _, tt := range tests {
		r := Check(&Expectation{Cookie: "sid", Rotated: "cp"}, tt.now, map[string]inspect.Target{"cp": tt.before}, map[string]string{}, time.Now())
		failures := strings.Join(r.Failures, "; ")
		if r.Passed != tt.passed || r.Rotation != tt.rotation || r.SessionBehaviour != tt.behaviour || r.Rotated != "cp" || !strings.Contains(failures, tt.failureSubstr) {
			t.Errorf("%s: passed %v, rotation %q, behaviour %q, failures %q", tt.description, r.Passed, r.Rotation, r.SessionBehaviour, failures)
		}
		if strings.Contains(failures, "secret") {
			t.Errorf("%s: a failure shows a value: %s", tt.description, failures)
		}
	}
}

func TestDescribeNamesEveryCheckpoint(t *testing.T) {
	e := &Expectation{Cookie: "sid", Rotated: "before-login", Invalidated: "after-login"}
	if got, want := e.Describe(), "sid: rotated since before-login, invalidated since after-login"; got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
}

func TestTheFlowKeepsCookiesSeenAtEarlierSteps(t *testing.T) {
	victim := &side{last: map[string]string{}}
	attacker := &side{name: inspect.BrowserAttacker, last: map[string]string{}}
	f := &flow{victim: victim, attacker: attacker, earlierIndex: map[cookieKey]int{}}
	f.at = "step 2 (f.yaml:5)"
	f.note(victim, jar("sid=anonymous", "theme=dark"))
	f.at = "step 9 (f.yaml:23)"
	f.note(victim, jar("sid=logged-in", "theme=dark", "csrf=t"))
	// The attacker's jar is no cookie of the victim's target.
	f.note(attacker, jar("sid=attacker-own"))
	final := jar("theme=dark", "csrf=t")
	final.Cookies[1].HttpOnly = true // csrf was rewritten with HttpOnly at the end
	got := earlierCookies(f.earlier, final.Cookies)
	var summary []string
	for _, c := range got {
		summary = append(summary, c.Name+" at "+c.SeenAt)
	}
	// theme is the same at the end: the final jar judges it. sid is gone:
	// its latest version is kept. csrf differs: its earlier version is kept.
	want := "sid at step 9 (f.yaml:23), csrf at step 9 (f.yaml:23)"
	if strings.Join(summary, ", ") != want {
		t.Errorf("earlier cookies %q, want %q", strings.Join(summary, ", "), want)
	}
	if len(got) > 0 && got[0].Value != "logged-in" {
		t.Error("the earlier sid is not the latest version seen")
	}
	if victim.last["sid"] != "logged-in" || attacker.last["sid"] != "attacker-own" {
		t.Error("the flow did not remember sid's last value for cleared")
	}
}

func TestPageExpectationsSayWhatWasSeen(t *testing.T) {
	const u = "https://app.test/account"
	tests := []struct {
		description string
		absent      bool
		visible     bool
		err         error
		passed      bool
		seen        string
	}{
		{"a visible element, expected", false, true, nil, true, "a visible element matches #account on " + u},
		{"no visible element, expected one", false, false, nil, false, "no visible element matches #account on " + u},
		{"a visible element, expected absent", true, true, nil, false, "a visible element matches #account on " + u},
		{"no visible element, expected absent", true, false, nil, true, "no visible element matches #account on " + u},
		{"a page that could not be looked at fails either way", true, false, errors.New("no tab"), false, "could not look for #account on " + u},
	}
	for _, tt := range tests {
		r := CheckPage(&Expectation{Page: "#account", Absent: tt.absent}, tt.visible, u, tt.err)
		if r.Passed != tt.passed || r.Seen != tt.seen || r.Page != "#account" || r.Absent != tt.absent || r.PageURL != u || r.Cookie != "" {
			t.Errorf("%s: %+v", tt.description, r)
		}
		if !r.Passed && (len(r.Failures) != 1 || !strings.HasPrefix(r.Failures[0], "page: ")) {
			t.Errorf("%s: failures %q", tt.description, r.Failures)
		}
	}
}
