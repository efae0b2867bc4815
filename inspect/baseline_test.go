package inspect

import (
	"strings"
	"testing"
)

func TestRegressions(t *testing.T) {
	sid := Cookie{Name: "sid", Domain: "app.test", Path: "/", HostOnly: true, Secure: true, HttpOnly: true, SameSite: "Strict"}
	target := func(c ...Cookie) Target { return Target{URL: "https://app.test:4431/", Cookies: c} }
	tests := []struct {
		description string
		base, now   Target
		want        []string
	}{
		{"nothing changed", target(sid), target(sid), nil},
		{"the session lost HttpOnly", target(sid), target(with(sid, func(c *Cookie) { c.HttpOnly = false })), []string{"lost HttpOnly"}},
		{"the session lost Secure and SameSite went to Lax", target(sid), target(with(sid, func(c *Cookie) { c.Secure, c.SameSite = false, "Lax" })), []string{"lost Secure", "SameSite weakened"}},
		{"the session gained Domain", target(sid), target(with(sid, func(c *Cookie) { c.HostOnly, c.Domain = false, ".app.test" })), []string{"gained a Domain attribute"}},
		{"a new session cookie script can read", target(sid), target(sid, Cookie{Name: "token", Domain: "app.test", Path: "/", ScriptReadable: true}), []string{"now readable by page script"}},
		{"a new readable cookie that is not a session", target(sid), target(sid, Cookie{Name: "theme", Domain: "app.test", Path: "/", ScriptReadable: true}), nil},
		{"a stronger SameSite is no regression", target(with(sid, func(c *Cookie) { c.SameSite = "Lax" })), target(sid), nil},
		{"an attack that now works",
			Target{URL: "https://app.test/"},
			Target{URL: "https://app.test/", Findings: []Finding{{RuleID: "CS020", Title: "Cookie overwritten from plain http (demonstrated)", Cookie: "sid", Evidence: "overwrite from http://app.test/ by header: replaced"}}},
			[]string{"CS020"}},
		{"an attack that worked before too",
			Target{URL: "https://app.test/", Findings: []Finding{{RuleID: "CS020", Cookie: "sid"}}},
			Target{URL: "https://app.test/", Findings: []Finding{{RuleID: "CS020", Cookie: "sid"}}}, nil},
		{"an accepted attack",
			Target{URL: "https://app.test/"},
			Target{URL: "https://app.test/", Findings: []Finding{{RuleID: "CS020", Cookie: "s_cc", Accepted: true}}}, nil},
		{"an expectation that always failed is no regression",
			Target{Scenario: "login", Expectations: []ExpectationResult{{Expectation: "sid: secure=true"}}},
			Target{Scenario: "login", Expectations: []ExpectationResult{{Expectation: "sid: secure=true"}}}, nil},
		{"an expectation that passed now fails",
			Target{Scenario: "login", Expectations: []ExpectationResult{{Expectation: "sid: secure=true", Passed: true}}},
			Target{Scenario: "login", Expectations: []ExpectationResult{{Expectation: "sid: secure=true", Failures: []string{"secure: expected true, got false"}}}},
			[]string{"now fails"}},
	}
	for _, tt := range tests {
		// The port differs between runs (the lab picks one): same target.
		now := tt.now
		now.URL = strings.Replace(now.URL, ":4431", ":5555", 1)
		got := Regressions(Report{Targets: []Target{tt.base}}, Report{Targets: []Target{now}}, Config{})
		var whats []string
		for _, r := range got {
			whats = append(whats, r.What)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: regressions %v, want %d matching %v", tt.description, whats, len(tt.want), tt.want)
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(got[i].What, w) {
				t.Errorf("%s: regression %q, want %q", tt.description, got[i].What, w)
			}
		}
	}
}
