package inspect

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// good is a session cookie that no rule objects to.
func good() Cookie {
	return Cookie{Name: "__Host-sid", Value: "v", Domain: "app.test", Path: "/", HostOnly: true, Secure: true, HttpOnly: true, SameSite: "Lax", Session: true, Size: 20,
		SetBy: []Write{{Via: ViaHeader, URL: "https://app.test/login"}}}
}

func with(c Cookie, change func(*Cookie)) Cookie {
	change(&c)
	return c
}

func page(cookies ...Cookie) Target {
	return Target{URL: "https://app.test/", FinalURL: "https://app.test/", HSTS: "max-age=31536000; includeSubDomains", Cookies: cookies}
}

func TestRules(t *testing.T) {
	in := func(d time.Duration) *time.Time { e := now.Add(d); return &e }
	tests := []struct {
		rule, description string
		target            Target
		fires             bool
	}{
		{"CS001", "a session cookie without Secure on an https page", page(with(good(), func(c *Cookie) { c.Name, c.Secure = "sid", false })), true},
		{"CS001", "a non-session cookie without Secure", page(with(good(), func(c *Cookie) { c.Name, c.Secure = "theme", false })), false},
		{"CS001", "a Secure session cookie", page(good()), false},
		{"CS002", "a cookie set by a plain http response", page(with(good(), func(c *Cookie) { c.SetBy = []Write{{Via: ViaHeader, URL: "http://app.test/"}} })), true},
		{"CS002", "a cookie set over https", page(good()), false},
		{"CS003", "a session cookie without HttpOnly", page(with(good(), func(c *Cookie) { c.HttpOnly = false })), true},
		{"CS003", "an HttpOnly session cookie", page(good()), false},
		{"CS003", "a preference cookie without HttpOnly", page(with(good(), func(c *Cookie) { c.Name, c.HttpOnly = "theme", false })), false},
		{"CS004", "a session cookie document.cookie returned", page(with(good(), func(c *Cookie) {
			c.HttpOnly, c.ScriptReadable, c.ReadableOn = false, true, []string{"https://app.test/"}
		})), true},
		{"CS004", "a session cookie whose readability is unknown (the page broke the measurement)", page(with(good(), func(c *Cookie) {
			c.HttpOnly, c.Readability, c.UnknownReason = false, ReadabilityUnknown, "on https://app.test/: document.cookie returned nothing"
		})), false},
		{"CS003", "a session cookie whose readability is unknown still lacks HttpOnly", page(with(good(), func(c *Cookie) {
			c.HttpOnly, c.Readability, c.UnknownReason = false, ReadabilityUnknown, "on https://app.test/: document.cookie returned nothing"
		})), true},
		{"CS004", "a session cookie without HttpOnly that no page could read (path)", page(with(good(), func(c *Cookie) { c.HttpOnly, c.Path = false, "/admin" })), false},
		{"CS005", "a cookie without SameSite", page(with(good(), func(c *Cookie) { c.SameSite = "" })), true},
		{"CS005", "a cookie with SameSite=Lax", page(good()), false},
		{"CS006", "a SameSite=None cookie Chrome refused for lack of Secure", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "x", Write: Write{Via: ViaHeader, URL: "https://app.test/"}, Reasons: []string{"SameSiteNoneInsecure"}}}}, true},
		{"CS006", "a cookie refused for another reason", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "x", Reasons: []string{"InvalidDomain"}}}}, false},
		{"CS007", "a csrf cookie without SameSite", page(with(good(), func(c *Cookie) { c.Name, c.SameSite = "csrf_token", "" })), true},
		{"CS007", "an XSRF cookie with SameSite=Strict", page(with(good(), func(c *Cookie) { c.Name, c.SameSite = "XSRF-TOKEN", "Strict" })), false},
		{"CS008", "a Domain cookie", page(with(good(), func(c *Cookie) { c.Name, c.Domain, c.HostOnly = "sid", ".app.test", false })), true},
		{"CS008", "a host-only cookie", page(good()), false},
		{"CS009", "a cookie with Path=/admin", page(with(good(), func(c *Cookie) { c.Path = "/admin" })), true},
		{"CS009", "a cookie with Path=/", page(good()), false},
		{"CS010", "a session cookie that lives a week", page(with(good(), func(c *Cookie) { c.Session, c.Expires = false, in(7*24*time.Hour) })), true},
		{"CS010", "a session cookie that lives an hour", page(with(good(), func(c *Cookie) { c.Session, c.Expires = false, in(time.Hour) })), false},
		{"CS010", "a preference that lives a year", page(with(good(), func(c *Cookie) { c.Name, c.Session, c.Expires = "theme", false, in(365*24*time.Hour) })), false},
		{"CS011", "a 3000-byte cookie", page(with(good(), func(c *Cookie) { c.Size = 3000 })), true},
		{"CS011", "a 20-byte cookie", page(good()), false},
		{"CS012", "51 cookies on one host", page(manyCookies(51)...), true},
		{"CS012", "50 cookies on one host", page(manyCookies(50)...), false},
		{"CS013", "a __Host- cookie Chrome refused for its prefix", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "__Host-x", Reasons: []string{"InvalidPrefix"}}}}, true},
		{"CS013", "no blocked cookie", page(good()), false},
		{"CS013", "a __Http- document.cookie write Chrome ignored", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "__Http-x", Write: Write{Via: ViaDocumentCookie, URL: "https://app.test/", CookieLine: "__Http-x=1; Secure; Path=/"}, Reasons: []string{ReasonNotStored}}}}, true},
		{"CS013", "a __Host- cookieStore write with Domain Chrome ignored", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "__Host-x", Write: Write{Via: ViaCookieStore, URL: "https://app.test/", CookieLine: "__Host-x=1; Path=/; Domain=app.test; Secure; SameSite=Strict"}, Reasons: []string{ReasonNotStored}}}}, true},
		{"CS013", "a script write Chrome ignored for another reason than its prefix", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "x", Write: Write{Via: ViaDocumentCookie, URL: "http://app.test/", CookieLine: "x=1; Secure"}, Reasons: []string{ReasonNotStored}}}}, false},
		{"CS013", "a forged header cookiescope planted that breaks a prefix", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "__Host-x", Write: Write{Via: ViaHeader, Emulated: true, URL: "http://app.test/", CookieLine: "__Host-x=1; Secure; Path=/"}, Reasons: []string{ReasonNotStored}}}}, false},
		{"CS014", "a session cookie named sid", page(with(good(), func(c *Cookie) { c.Name = "sid" })), true},
		{"CS014", "a session cookie named __Host-sid", page(good()), false},
		{"CS014", "a session cookie named __Host-Http-sid", page(with(good(), func(c *Cookie) { c.Name = "__Host-Http-sid" })), false},
		{"CS014", "a session cookie named __host-sid: Chrome held it to the __Host- rules", page(with(good(), func(c *Cookie) { c.Name = "__host-sid" })), false},
		{"CS014", "a session cookie named __Http-sid is not bound to its host", page(with(good(), func(c *Cookie) { c.Name = "__Http-sid" })), true},
		{"CS015", "Secure cookies and no HSTS", func() Target { t := page(good()); t.HSTS = ""; return t }(), true},
		{"CS015", "Secure cookies with HSTS", page(good()), false},
		{"CS015", "an http page without HSTS", Target{URL: "http://app.test/", Cookies: []Cookie{good()}}, false},
		{"CS016", "a Domain cookie and HSTS without includeSubDomains", func() Target {
			t := page(with(good(), func(c *Cookie) { c.Name, c.Domain, c.HostOnly = "sid", ".app.test", false }))
			t.HSTS = "max-age=600"
			return t
		}(), true},
		{"CS016", "a Domain cookie and HSTS with includeSubDomains", page(with(good(), func(c *Cookie) { c.Name, c.Domain, c.HostOnly = "sid", ".app.test", false })), false},
		{"CS017", "any blocked cookie", Target{URL: "https://app.test/", Blocked: []BlockedWrite{{Name: "x", Write: Write{Via: ViaDocumentCookie, URL: "https://app.test/", Script: "https://app.test/a.js", Line: 3}, Reasons: []string{ReasonNotStored}}}}, true},
		{"CS017", "nothing blocked", page(good()), false},
		{"CS018", "a session cookie set by a script from another site", page(with(good(), func(c *Cookie) {
			c.HttpOnly = false
			c.SetBy = []Write{{Via: ViaDocumentCookie, URL: "https://app.test/", Script: "https://cdn.example/tag.js", Line: 1}}
		})), true},
		{"CS018", "a readable session cookie on a page with a third-party script", func() Target {
			t := page(with(good(), func(c *Cookie) {
				c.HttpOnly, c.ScriptReadable, c.ReadableOn = false, true, []string{"https://app.test/"}
			}))
			t.Scripts = []string{"https://app.test/app.js", "https://cdn.example/tag.js"}
			return t
		}(), true},
		{"CS018", "a session cookie of unknown readability on a page with a third-party script", func() Target {
			t := page(with(good(), func(c *Cookie) {
				c.HttpOnly, c.Readability, c.UnknownReason = false, ReadabilityUnknown, "on http://app.test/: document.cookie returned nothing"
			}))
			t.Scripts = []string{"https://cdn.example/tag.js"}
			return t
		}(), true},
		{"CS018", "a session cookie whose readability was not measured (the page stopped answering) on a page with a third-party script", func() Target {
			t := page(with(good(), func(c *Cookie) {
				c.HttpOnly, c.Readability, c.NotMeasured, c.UnknownReason = false, ReadabilityUnknown, true, "not measured on https://app.test/: the page did not answer within 1s"
			}))
			t.Scripts = []string{"https://cdn.example/tag.js"}
			return t
		}(), false},
		{"CS004", "a session cookie whose readability was not measured", page(with(good(), func(c *Cookie) {
			c.HttpOnly, c.Readability, c.NotMeasured, c.UnknownReason = false, ReadabilityUnknown, true, "not measured on https://app.test/: the page did not answer within 1s"
		})), false},
		{"CS003", "a session cookie whose readability was not measured still lacks HttpOnly", page(with(good(), func(c *Cookie) {
			c.HttpOnly, c.Readability, c.NotMeasured, c.UnknownReason = false, ReadabilityUnknown, true, "not measured on https://app.test/: the page did not answer within 1s"
		})), true},
		{"CS018", "a session cookie of unknown readability with first-party scripts only", page(with(good(), func(c *Cookie) {
			c.HttpOnly, c.Readability, c.UnknownReason = false, ReadabilityUnknown, "on http://app.test/: document.cookie returned nothing"
		})), false},
		{"CS018", "a readable session cookie with first-party scripts only (a subdomain is the same site)", func() Target {
			t := page(with(good(), func(c *Cookie) {
				c.HttpOnly, c.ScriptReadable, c.ReadableOn = false, true, []string{"https://app.test/"}
			}))
			t.Scripts = []string{"https://app.test/app.js", "https://static.app.test/x.js"}
			return t
		}(), false},
		{"CS019", "a cookie no recorded write explains", page(with(good(), func(c *Cookie) { c.Name, c.SetBy, c.Unrecorded = "theme", nil, true })), true},
		{"CS019", "a cookie its recorded header stored", page(good()), false},
		{"CS001", "a session cookie without Secure that cookiescope's emulated attacker planted", page(with(good(), func(c *Cookie) {
			c.Name, c.Secure = "sid", false
			c.SetBy = []Write{{Via: ViaHeader, URL: "http://app.test/__cookiescope/plant-1", Emulated: true, Fate: FateStored}}
		})), false},
		{"CS019", "a cookie cookiescope's emulated attacker planted", page(with(good(), func(c *Cookie) {
			c.SetBy = []Write{{Via: ViaHeader, URL: "http://app.test/__cookiescope/plant-1", Emulated: true, Fate: FateStored}}
		})), false},
	}
	for _, probe := range []struct{ rule, name string }{{"CS020", "http-overwrite"}, {"CS021", "path-shadow"}, {"CS022", "sibling-toss"}, {"CS023", "fixation-plant"}, {"CS024", "jar-overflow"}, {"CS025", "prefix"}} {
		worked := Probe{Name: probe.name, Cookie: "sid", Attack: "attack", Channel: "header", Verdict: Vulnerable, Explanation: "it worked"}
		failed := worked
		failed.Verdict = Protected
		tests = append(tests,
			struct {
				rule, description string
				target            Target
				fires             bool
			}{probe.rule, probe.name + " worked", Target{URL: "https://app.test/", Probes: []Probe{failed, worked}}, true},
			struct {
				rule, description string
				target            Target
				fires             bool
			}{probe.rule, probe.name + " failed", Target{URL: "https://app.test/", Probes: []Probe{failed}}, false})
	}
	for _, fx := range fixationStories() {
		tests = append(tests, struct {
			rule, description string
			target            Target
			fires             bool
		}{"CS026", fx.description, fx.target, fx.fires})
	}
	for _, st := range logoutStories() {
		tests = append(tests, struct {
			rule, description string
			target            Target
			fires             bool
		}{"CS030", st.description, st.target, st.fires})
	}
	for _, st := range sendStories() {
		tests = append(tests, struct {
			rule, description string
			target            Target
			fires             bool
		}{st.rule, st.description, st.target, st.fires})
	}
	fired := map[string]bool{}
	t.Run("CS019 is High for a session cookie", func(t *testing.T) {
		for _, f := range Judge(page(with(good(), func(c *Cookie) { c.Unrecorded = true })), Config{}, now) {
			if f.RuleID == "CS019" && f.Severity != High {
				t.Errorf("CS019 on a session cookie has severity %s, want high", f.Severity)
			}
		}
	})
	for _, tt := range tests {
		t.Run(tt.rule+" "+tt.description, func(t *testing.T) {
			var got []string
			for _, f := range Judge(tt.target, Config{}, now) {
				got = append(got, f.RuleID)
				if f.RuleID == tt.rule && (f.Evidence == "" || f.Fix == "" || len(f.References) == 0 || f.Title == "") {
					t.Errorf("finding without evidence, fix, title or references: %+v", f)
				}
			}
			if has := slices.Contains(got, tt.rule); has != tt.fires {
				t.Errorf("%s fired=%v, want %v (findings: %v)", tt.rule, has, tt.fires, got)
			}
			if tt.fires {
				fired[tt.rule] = true
			}
		})
	}
	for _, r := range Rules {
		if !fired[r.ID] {
			t.Errorf("rule %s has no positive test", r.ID)
		}
	}
}

func manyCookies(n int) []Cookie {
	var out []Cookie
	for i := range n {
		out = append(out, with(good(), func(c *Cookie) { c.Name = "c" + strings.Repeat("x", i) }))
	}
	return out
}

func TestGoodSessionCookieHasNoFindings(t *testing.T) {
	if f := Judge(page(good()), Config{}, now); len(f) != 0 {
		t.Errorf("a __Host- Secure HttpOnly Lax session cookie drew findings: %+v", f)
	}
}

func TestRuleIDsAreUniqueAndDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.ID] || !strings.HasPrefix(r.ID, "CS") || r.Title == "" || r.Why == "" || r.Fix == "" || len(r.References) == 0 {
			t.Errorf("rule %q is duplicated or lacks title, why, fix or references", r.ID)
		}
		seen[r.ID] = true
	}
}

func TestConfig(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte(`
sessionCookies: ["^app_state$"]
thresholds:
  sessionMaxLifetime: 7d
failOn: medium
accept:
  - cookie: s_cc
    rules: [CS005]
    reason: Adobe Analytics reads it by design
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FailOn == nil || *cfg.FailOn != Medium || cfg.Thresholds.SessionMaxLifetime.Duration != 7*24*time.Hour {
		t.Errorf("config read as %+v", cfg)
	}
	target := page(with(good(), func(c *Cookie) { c.Name, c.SameSite = "s_cc", "" }), with(good(), func(c *Cookie) { c.Name, c.HttpOnly = "app_state", false }))
	for _, f := range Judge(target, cfg, now) {
		switch {
		case f.Cookie == "s_cc" && f.RuleID == "CS005":
			if !f.Accepted || f.Reason == "" || Fails(f, cfg.FailOn) {
				t.Errorf("the accepted finding: %+v", f)
			}
		case f.Cookie == "app_state" && f.RuleID == "CS003":
			if !strings.Contains(f.SessionLike, "configured sessionCookies pattern") || !Fails(f, cfg.FailOn) {
				t.Errorf("the configured session pattern did not make app_state a failing session cookie: %+v", f)
			}
		}
	}
}

func TestHostAcceptance(t *testing.T) {
	noHSTS := page(good())
	noHSTS.HSTS = ""
	tests := []struct {
		description, yaml string
		accepted          bool
	}{
		{"an entry for the host accepts its CS015", "accept:\n  - host: app.test\n    rules: [CS015]\n    reason: HSTS is set by the CDN in production\n", true},
		{"an entry for the host without rules accepts its CS015", "accept:\n  - host: APP.test\n    reason: HSTS is set by the CDN in production\n", true},
		{"an entry for another host does not accept it", "accept:\n  - host: other.test\n    rules: [CS015]\n    reason: not this one\n", false},
		{"an entry for the host but other rules does not accept it", "accept:\n  - host: app.test\n    rules: [CS012]\n    reason: many cookies by design\n", false},
		{"an entry for a cookie does not accept a host finding", "accept:\n  - cookie: __Host-sid\n    reason: a cookie entry\n", false},
	}
	for _, tt := range tests {
		cfg, err := ParseConfig("c.yaml", []byte(tt.yaml))
		if err != nil {
			t.Fatalf("%s: %v", tt.description, err)
		}
		var cs015 *Finding
		findings := Judge(noHSTS, cfg, now)
		for i, f := range findings {
			if f.RuleID == "CS015" {
				cs015 = &findings[i]
			}
		}
		if cs015 == nil {
			t.Fatalf("%s: no CS015 on an https page without HSTS: %+v", tt.description, findings)
		}
		if cs015.Accepted != tt.accepted || (tt.accepted && cs015.Reason == "") {
			t.Errorf("%s: CS015 accepted=%v reason %q, want accepted=%v", tt.description, cs015.Accepted, cs015.Reason, tt.accepted)
		}
	}
	// A host entry never accepts a finding about a cookie on that host.
	cfg, err := ParseConfig("c.yaml", []byte("accept:\n  - host: app.test\n    reason: host-level only\n"))
	if err != nil {
		t.Fatal(err)
	}
	cookieFindings := 0
	for _, f := range Judge(page(with(good(), func(c *Cookie) { c.Name = "sid" })), cfg, now) {
		if f.Cookie != "" {
			cookieFindings++
			if f.Accepted {
				t.Errorf("a host entry accepted the cookie finding %s on %s", f.RuleID, f.Cookie)
			}
		}
	}
	if cookieFindings == 0 {
		t.Error("sid drew no finding to check the host entry against (want CS014)")
	}
}

func TestConfigErrorsNameFileAndLine(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"thresholds:\n  sessionMaxLifetime: soon\n", "c.yaml:2: duration"},
		{"failOn: catastrophic\n", "c.yaml:1: severity"},
		{"sessionCookies: [\"(\"]\n", "c.yaml:1: cookie name pattern"},
		{"colour: blue\n", "c.yaml:1: field colour not found"},
		{"accept:\n  - cookie: s_cc\n", "c.yaml:2: accept entry 1 (s_cc): want a reason"},
		{"accept:\n  - host: app.test\n    rules: [CS015]\n", "c.yaml:2: accept entry 1 (host app.test): want a reason"},
		{"accept:\n  - cookie: s_cc\n    reason: x\n  - cookie: sid\n    host: app.test\n    reason: y\n", "c.yaml:4: accept entry 2: give cookie or host, not both"},
		{"accept:\n  - rules: [CS015]\n    reason: x\n", "c.yaml:2: accept entry 1: want a cookie"},
		{"accept:\n  - host: app.test\n    rules: [CS999]\n    reason: x\n", "c.yaml:2: accept entry 1 (host app.test): no rule CS999"},
		{"accept:\n  - cookie: s_cc\n    rules: [CS999]\n    reason: x\n", "no rule CS999"},
		{"thresholds:\n  sessionMaxLifetime: 7d\n failOn: high\n", "c.yaml:3: not valid YAML: did not find expected key"},
		{"thresholds:\n  sessionMaxLifetime: 7d\n  maxCookieBytes: 4096\n   maxCookiesPerHost: 9\n", "c.yaml:4: not valid YAML: mapping values are not allowed"},
		{"sessionCookies:\n  - {a: b}\n", "c.yaml:2: cookie name pattern: want a regular expression, not a mapping"},
		{"thresholds:\n  sessionMaxLifetime: {days: 7}\n", "c.yaml:2: duration"},
		{"failOn: [high]\n", "c.yaml:1: severity: want one of"},
		{"accept:\n  - cookie: s_cc\n    rules: CS005\n    reason: x\n", "c.yaml:3: cannot unmarshal"},
		{"thresholds:\n  sessionMaxLifetim: 7d\n", "c.yaml:2: field sessionMaxLifetim not found"},
	}
	for _, tt := range tests {
		_, err := ParseConfig("c.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
	if _, err := ParseConfig("c.yaml", nil); err != nil {
		t.Errorf("an empty file: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"500ms", 500 * time.Millisecond, true},
		{"24h", 24 * time.Hour, true},
		{"7d", 7 * 24 * time.Hour, true},
		{" 30d ", 30 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"0d", 0, true},
		{"d", 0, false},
		{"7days", 0, false},
		{"-1d", 0, false},
		{"1d-1h", 0, false},
		{"1.5d", 0, false},
		{"99999999999999d", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestSessionByBehaviour(t *testing.T) {
	// "acct" matches no session pattern, but a scenario saw it rotate at login.
	c := with(good(), func(c *Cookie) { c.Name, c.HttpOnly = "acct", false })
	target := page(c)
	if f := Judge(target, Config{}, now); len(f) != 0 {
		t.Fatalf("by name alone acct is no session cookie, yet: %+v", f)
	}
	target.Expectations = []ExpectationResult{{Cookie: "acct", Passed: true, SessionBehaviour: "rotated since before-login"}}
	var got []string
	for _, f := range Judge(target, Config{}, now) {
		got = append(got, f.RuleID)
		if f.SessionLike != "guessed from behaviour (not measured): rotated since before-login" {
			t.Errorf("finding %s says sessionLike %q", f.RuleID, f.SessionLike)
		}
	}
	if !slices.Contains(got, "CS003") {
		t.Errorf("a session cookie by behaviour without HttpOnly: findings %v, want CS003", got)
	}
	for _, behaviour := range []string{"issued since before-login", "invalidated since after-login", "cleared"} {
		target.Expectations = []ExpectationResult{{Cookie: "acct", Passed: true, SessionBehaviour: behaviour}}
		fired := false
		for _, f := range Judge(target, Config{}, now) {
			fired = fired || (f.RuleID == "CS003" && f.SessionLike == "guessed from behaviour (not measured): "+behaviour)
		}
		if !fired {
			t.Errorf("acct, %s, without HttpOnly drew no CS003 judged by that behaviour", behaviour)
		}
		failed := target
		failed.Expectations = []ExpectationResult{{Cookie: "acct", Passed: false, SessionBehaviour: behaviour}}
		if f := Judge(failed, Config{}, now); len(f) != 0 {
			t.Errorf("a failed expectation's behaviour (%s) made acct a session: %+v", behaviour, f)
		}
	}
}

func TestEarlierCookiesAreJudgedAtTheirStep(t *testing.T) {
	const step = "step 9 (flawed-login.yaml:23)"
	leaky := with(good(), func(c *Cookie) { c.Name, c.Secure, c.HttpOnly, c.Value, c.SeenAt = "sid", false, false, "s3cret", step })
	tests := []struct {
		description string
		target      Target
		// step is the Step each sid finding must carry.
		step string
	}{
		{"a session deleted by the end is judged at the step it was seen", func() Target {
			t := page(with(good(), func(c *Cookie) { c.Name = "pref" }))
			t.EarlierCookies = []Cookie{leaky}
			return t
		}(), step},
		{"a session still in the final jar is judged there, once", func() Target {
			t := page(with(leaky, func(c *Cookie) { c.SeenAt, c.Value = "", "rotated" }))
			t.EarlierCookies = []Cookie{leaky}
			return t
		}(), ""},
	}
	for _, tt := range tests {
		byRule := map[string]int{}
		for _, f := range Judge(tt.target, Config{}, now) {
			if f.Cookie != "sid" {
				continue
			}
			byRule[f.RuleID]++
			if f.Step != tt.step {
				t.Errorf("%s: %s says step %q, want %q", tt.description, f.RuleID, f.Step, tt.step)
			}
			if strings.Contains(f.Evidence, "s3cret") {
				t.Errorf("%s: %s shows the value: %s", tt.description, f.RuleID, f.Evidence)
			}
		}
		for _, id := range []string{"CS001", "CS003", "CS014"} {
			if byRule[id] != 1 {
				t.Errorf("%s: %d %s findings on sid, want 1 (all: %v)", tt.description, byRule[id], id, byRule)
			}
		}
	}
}

func TestHostFindingsNameEarlierCookies(t *testing.T) {
	target := page()
	target.HSTS = ""
	target.EarlierCookies = []Cookie{with(good(), func(c *Cookie) { c.SeenAt = "step 3 (f.yaml:7)" })}
	var cs015 []Finding
	for _, f := range Judge(target, Config{}, now) {
		if f.RuleID == "CS015" {
			cs015 = append(cs015, f)
		}
	}
	if len(cs015) != 1 || !strings.Contains(cs015[0].Evidence, "__Host-sid (at step 3 (f.yaml:7))") || cs015[0].Step != "" {
		t.Errorf("CS015 from a Secure cookie seen only at an earlier step: %+v", cs015)
	}
}

func TestRedactCoversEarlierCookies(t *testing.T) {
	c := with(good(), func(c *Cookie) {
		c.Value, c.SeenAt = "s3cret", "step 2 (f.yaml:5)"
		c.SetBy = []Write{{Via: ViaHeader, URL: "https://app.test/", CookieLine: "__Host-sid=s3cret; Secure"}}
	})
	r := Report{Targets: []Target{{EarlierCookies: []Cookie{c}}}}.Redact()
	got := r.Targets[0].EarlierCookies[0]
	if got.Value != Redacted || strings.Contains(got.SetBy[0].CookieLine, "s3cret") || got.SeenAt != c.SeenAt {
		t.Errorf("redacted earlier cookie: value %q, line %q, seen at %q", got.Value, got.SetBy[0].CookieLine, got.SeenAt)
	}
}

// fixationStories are a scenario's targets told in full (CS026 fires) and
// with one part of the story missing (it does not).
func fixationStories() []struct {
	description string
	target      Target
	fires       bool
} {
	story := func(change func(t *Target)) Target {
		t := Target{URL: "https://app.flawed.test/", Scenario: "fixation", File: "fix.yaml", Line: 1,
			Plants: []Plant{{Cookie: "sid", Over: PlantOverHTTP, From: "attacker-session", URL: "http://app.flawed.test/__cookiescope/plant-1",
				Planted: true, Evidence: "Chrome stored it in the victim's jar", Step: "plant sid over http", File: "fix.yaml", Line: 8}},
			Expectations: []ExpectationResult{
				{Expectation: "sid: rotated since planted", Cookie: "sid", File: "fix.yaml", Line: 14, Failures: []string{"rotated: expected a new value since planted, got the same value"},
					Rotated: "planted", RotatedLine: 8, Rotation: RotationUnchanged},
				{Expectation: "page #account: absent", File: "fix.yaml", Line: 17, Failures: []string{"page: expected no visible #account"},
					Browser: BrowserAttacker, Page: "#account", Absent: true, PageURL: "https://app.flawed.test/account", Seen: "a visible element matches #account", PageVisible: ptrTo(true)},
			}}
		if change != nil {
			change(&t)
		}
		return t
	}
	return []struct {
		description string
		target      Target
		fires       bool
	}{
		{"a planted session kept through login, and the attacker saw the account", story(nil), true},
		{"Chrome refused the plant", story(func(t *Target) { t.Plants[0].Planted = false }), false},
		{"the session rotated at login", story(func(t *Target) {
			t.Expectations[0].Passed, t.Expectations[0].Failures, t.Expectations[0].Rotation = true, nil, RotationChanged
		}), false},
		{"the rotated check failed for want of a cookie, not because it stayed the same", story(func(t *Target) { t.Expectations[0].Rotation = RotationMissing }), false},
		{"the rotated checkpoint was taken before the plant", story(func(t *Target) { t.Expectations[0].RotatedLine = 5 }), false},
		{"the attacker's browser saw no account", story(func(t *Target) { t.Expectations[1].Passed, t.Expectations[1].Failures = true, nil }), false},
		{"the account was seen in the victim's browser, not the attacker's", story(func(t *Target) { t.Expectations[1].Browser = "" }), false},
		{"the attacker looked before the victim logged in", story(func(t *Target) { t.Expectations[1].Line = 12 }), false},
		{"the plant was of another cookie", story(func(t *Target) { t.Plants[0].Cookie = "csrf" }), false},
		{"the attacker's page could not be looked at", story(func(t *Target) {
			t.Expectations[1].PageVisible, t.Expectations[1].Seen = nil, "could not look for #account"
		}), false},
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestFixationEvidenceTellsTheStoryWithoutValues(t *testing.T) {
	target := fixationStories()[0].target
	target.Cookies = []Cookie{with(good(), func(c *Cookie) { c.Name, c.Value = "sid", "s3cret-session-id" })}
	var found *Finding
	for _, f := range Judge(target, Config{}, now) {
		if f.RuleID == "CS026" {
			found = &f
		}
	}
	if found == nil {
		t.Fatal("CS026 did not fire")
	}
	for _, want := range []string{"http://app.flawed.test/__cookiescope/plant-1", "attacker-session", "Chrome stored it", "fix.yaml:14", "rotated since planted", "#account", "https://app.flawed.test/account", "fix.yaml:17"} {
		if !strings.Contains(found.Evidence, want) {
			t.Errorf("the evidence lacks %q: %s", want, found.Evidence)
		}
	}
	if strings.Contains(found.Evidence, "s3cret") || found.Severity != High || found.Cookie != "sid" {
		t.Errorf("CS026: severity %s, cookie %q, evidence %s", found.Severity, found.Cookie, found.Evidence)
	}
}

// logoutStories are a scenario's targets with a session step and an
// expect {session: ended}: CS030 fires only when the replay after logout
// still showed the logged-in page.
func logoutStories() []struct {
	description string
	target      Target
	fires       bool
} {
	creds := []CookieRef{{Name: "st_sess", Domain: "stateless.test", Path: "/"}}
	story := func(l Logout) Target {
		t := page()
		l.Step, l.Replayed = "step 9 (logout.yaml:20)", creds
		t.Session = &Session{Check: "https://stateless.test/account", Page: "#who", Step: "step 5 (logout.yaml:12)", Credentials: creds, Logout: &l}
		return t
	}
	return []struct {
		description string
		target      Target
		fires       bool
	}{
		{"the measured credentials replayed after logout still show the page", story(Logout{ReplayShows: true, ReplaySeen: "a visible element matches #who on https://stateless.test/account"}), true},
		{"logout ended the session: the replay shows no page", story(Logout{ReplaySeen: "no visible element matches #who"}), false},
		{"only the victim still shows the page (the cookie kept): an expectation failure, not a demonstrated replay", story(Logout{VictimShows: true}), false},
		{"a session step without an expect {session: ended}", func() Target { t := page(); t.Session = &Session{Credentials: creds}; return t }(), false},
	}
}

func TestPrefixFindingsNameTheRule(t *testing.T) {
	header := Write{Via: ViaHeader, URL: "https://app.test/login", CookieLine: "__Host-Http-sid=1; Secure; Path=/"}
	script := Write{Via: ViaDocumentCookie, URL: "https://app.test/", Script: "https://app.test/app.js", Line: 4, CookieLine: "__Http-pref=1; Secure; Path=/"}
	target := Target{URL: "https://app.test/", Blocked: []BlockedWrite{
		{Name: "__Host-Http-sid", Write: header, Reasons: []string{"InvalidPrefix"}},
		{Name: "__Http-pref", Write: script, Reasons: []string{ReasonNotStored}},
	}}
	var got []string
	for _, f := range Judge(target, Config{}, now) {
		if f.RuleID == "CS013" {
			got = append(got, f.Evidence)
		}
	}
	want := []string{
		"header from https://app.test/login was refused by Chrome: the cookie breaks the rules of its __Host-Http- name prefix: __Host-Http- cookies must be Secure and HttpOnly, with Path=/ and no Domain (this one: no HttpOnly attribute)",
		"document.cookie from https://app.test/app.js (line 4) on https://app.test/ was ignored by Chrome: page script cannot set HttpOnly cookies, and a __Http- name requires HttpOnly",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("CS013 evidence:\n got %q\nwant %q", got, want)
	}
}

func TestSessionPrefixFixFitsWhoWritesTheCookie(t *testing.T) {
	rule, _ := RuleByID("CS014")
	tests := []struct {
		description string
		target      Target
		want        string
	}{
		{"a session cookie only headers set gets __Host-Http-", page(with(good(), func(c *Cookie) { c.Name = "sid" })),
			"Rename the session cookie to __Host-Http-sid and set it with Secure, HttpOnly, Path=/ and no Domain"},
		{"a session cookie page script set gets __Host-", page(with(good(), func(c *Cookie) {
			c.Name, c.HttpOnly = "sid", false
			c.SetBy = []Write{{Via: ViaDocumentCookie, URL: "https://app.test/", CookieLine: "sid=v; Path=/"}}
		})), "Rename the session cookie to __Host-sid and set it with Secure, Path=/ and no Domain (page script writes it"},
		{"a session cookie headers set but script also wrote, unstored, gets __Host-", func() Target {
			t := page(with(good(), func(c *Cookie) { c.Name = "sid" }))
			t.Writes = []Write{{Via: ViaCookieStore, URL: "https://app.test/", CookieLine: "sid=v2; Path=/; Secure", Fate: FateNotStored}}
			return t
		}(), "Rename the session cookie to __Host-sid "},
		{"a __Secure- session cookie keeps its name after the new prefix", page(with(good(), func(c *Cookie) { c.Name = "__Secure-sid" })),
			"Rename the session cookie to __Host-Http-sid "},
	}
	for _, tt := range tests {
		var fix string
		for _, f := range Judge(tt.target, Config{}, now) {
			if f.RuleID == "CS014" {
				fix = f.Fix
			}
		}
		if !strings.HasPrefix(fix, tt.want) {
			t.Errorf("%s: fix %q, want it to start with %q", tt.description, fix, tt.want)
		}
		if fix == rule.Fix {
			t.Errorf("%s: the rule's general fix, not the cookie's", tt.description)
		}
	}
}
