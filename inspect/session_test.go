package inspect

import (
	"regexp"
	"testing"
	"time"
)

func TestClassifyNamesAndBehaviour(t *testing.T) {
	cases := []struct {
		name, behaviour string
		want            Role
	}{
		{"sid", "", RoleSession},
		{"connect.sid", "", RoleSession},
		{"PHPSESSID", "", RoleSession},
		{"__Host-sid", "", RoleSession},
		{"sessionid", "", RoleSession},
		{"auth_session", "", RoleSession},
		{"remember_web_59ba36addc2b2f94", "", RoleSession},
		{"rememberToken", "", RoleSession},
		{"remember-me", "", RoleSession},
		{"refresh_token", "", RoleSession},
		{"XSRF-TOKEN", "", RoleCSRF},
		{"csrf_token", "", RoleCSRF},
		{"csrftoken", "", RoleCSRF},
		{"_token", "", RoleCSRF},
		{"__RequestVerificationToken", "", RoleCSRF},
		// A CSRF token that rotates at login is still a CSRF token.
		{"csrftoken", "rotated since before-login", RoleCSRF},
		{"app_state", "rotated since before-login", RoleSession},
		{"theme", "", RoleOther},
		{"s_cc", "", RoleOther},
		{"DokuWiki", "", RoleOther},
	}
	for _, c := range cases {
		got := Config{}.Classify(c.name, c.behaviour)
		if got.Role != c.want {
			t.Errorf("Classify(%q, %q) = %s (%s), want %s", c.name, c.behaviour, got.Role, got.Why, c.want)
		}
		if got.Role != RoleOther && got.Why == "" {
			t.Errorf("Classify(%q) gives no reason", c.name)
		}
	}
	cfg := Config{SessionCookies: []Pattern{{regexp.MustCompile(`^DokuWiki$`)}}, CSRFCookies: []Pattern{{regexp.MustCompile(`^form_key$`)}}}
	if got := cfg.Classify("DokuWiki", ""); got.Role != RoleSession {
		t.Errorf("configured session pattern: %+v", got)
	}
	if got := cfg.Classify("form_key", "rotated since login"); got.Role != RoleCSRF {
		t.Errorf("configured csrf pattern: %+v", got)
	}
}

// The Angular/Laravel/Django CSRF cookies draw no session finding, even
// when a scenario saw them rotate.
func TestCSRFCookiesDrawNoSessionFinding(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var cookies []Cookie
	for _, name := range []string{"XSRF-TOKEN", "csrf_token", "csrftoken"} {
		cookies = append(cookies, with(good(), func(c *Cookie) { c.Name, c.HttpOnly, c.ScriptReadable, c.Secure = name, false, true, false }))
	}
	target := page(cookies...)
	target.Expectations = []ExpectationResult{{Cookie: "csrftoken", Passed: true, SessionBehaviour: "rotated since before-login"}}
	for _, f := range Judge(target, Config{}, now) {
		if f.SessionLike != "" || f.Severity == High {
			t.Errorf("%s on %s: %s (sessionLike %q)", f.RuleID, f.Cookie, f.Severity, f.SessionLike)
		}
	}
}

// An attack that worked weighs by the cookie it took: a session high, a
// CSRF token medium, anything else low; one finding joins a cookie's rows.
func TestAttackFindingsWeighByRole(t *testing.T) {
	var probes []Probe
	for _, name := range []string{"sid", "XSRF-TOKEN", "s_cc"} {
		for _, ch := range []string{"header", "script"} {
			probes = append(probes, Probe{Name: "http-overwrite", Cookie: name, Attack: "overwrite by " + ch, Channel: ch, Verdict: Vulnerable, Explanation: "replaced"})
		}
	}
	probes = append(probes, Probe{Name: "fixation-plant", Cookie: "sid", Verdict: Vulnerable, Explanation: "kept"})
	want := map[string]Severity{"CS020 sid": High, "CS020 XSRF-TOKEN": Medium, "CS020 s_cc": Low, "CS023 sid": Low}
	got := map[string]Severity{}
	for _, f := range Judge(Target{URL: "https://app.test/", Probes: probes}, Config{}, now) {
		key := f.RuleID + " " + f.Cookie
		if _, dup := got[key]; dup {
			t.Errorf("two findings for %s", key)
		}
		got[key] = f.Severity
	}
	for k, s := range want {
		if got[k] != s {
			t.Errorf("%s: severity %s, want %s (all: %v)", k, got[k], s, got)
		}
	}
	cfg := Config{Accept: []Acceptance{{Cookie: "s_cc", Rules: []string{"CS020"}, Reason: "overwritable by design"}}}
	low := Low
	for _, f := range Judge(Target{URL: "https://app.test/", Probes: probes}, cfg, now) {
		if f.Cookie == "s_cc" && (!f.Accepted || Fails(f, &low)) {
			t.Errorf("accepted attack finding still fails: %+v", f)
		}
	}
}
