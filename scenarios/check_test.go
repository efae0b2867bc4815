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
		r := Check(e, now, nil, map[string]bool{}, time.Now())
		if r.Passed || len(r.Failures) != 1 || !strings.Contains(r.Failures[0], "got unknown (on http://app.test/") {
			t.Errorf("scriptReadable: %v against an unknown readability: passed %v, failures %q", want, r.Passed, r.Failures)
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
		r := Check(&Expectation{Cookie: "sid", Rotated: "cp"}, tt.now, map[string]inspect.Target{"cp": tt.before}, map[string]bool{}, time.Now())
		failures := strings.Join(r.Failures, "; ")
		if r.Passed != tt.passed || r.Rotation != tt.rotation || r.SessionBehaviour != tt.behaviour || r.Rotated != "cp" || !strings.Contains(failures, tt.failureSubstr) {
			t.Errorf("%s: passed %v, rotation %q, behaviour %q, failures %q", tt.description, r.Passed, r.Rotation, r.SessionBehaviour, failures)
		}
		if strings.Contains(failures, "secret") {
			t.Errorf("%s: a failure shows a value: %s", tt.description, failures)
		}
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

func TestPlantEvidenceSaysWhatChromeDecided(t *testing.T) {
	secure := []inspect.Cookie{{Name: "sid", Value: "real-secret", Secure: true}}
	tests := []struct {
		description, name, parent string
		planted, upgraded         bool
		jar                       []inspect.Cookie
		want                      string
	}{
		{"stored over http", "sid", "", true, false, nil, "Chrome stored it: the victim's jar holds the planted value for app.test"},
		{"stored from a sibling", "sid", "test", true, false, nil, "Chrome stored it for Domain=test, so app.test receives it"},
		{"HSTS upgraded the request", "sid", "", false, true, nil, "Chrome refused it: HSTS turned the http request into https"},
		{"a __Host- name", "__Host-sid", "", false, false, nil, "Chrome refused it: a __Host- name cannot be set over http"},
		{"a __Secure- name", "__Secure-sid", "", false, false, nil, "Chrome refused it: a __Secure- name cannot be set over http"},
		{"a Secure cookie of the name in the jar", "sid", "", false, false, secure, "strict secure cookies"},
		{"no reason to be found", "sid", "", false, false, nil, "Chrome did not store it"},
	}
	for _, tt := range tests {
		got := PlantEvidence(tt.name, "app.test", tt.parent, tt.planted, tt.upgraded, tt.jar)
		if !strings.HasPrefix(got, tt.want) && !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.description, got, tt.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("%s: the evidence shows a value: %s", tt.description, got)
		}
	}
}
