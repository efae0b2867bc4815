package inspect

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// scrubFixture is a report with every kind of string a run records: two
// targets with cookies and their writes, blocked writes, frames with their
// pairs, probes, findings, a scenario's expectations, dialogs and popups.
// It returns a new report at each call, so a test can compare the one it
// scrubbed with a fresh one.
func scrubFixture() Report {
	maxAge := int64(3600)
	expires := t0.Add(24 * time.Hour)
	login := Write{
		Via: ViaHeader, URL: "https://app.test/login?next=%2Faccount", CookieLine: "sid=tok-9f8e7d; Path=/; Secure; HttpOnly; SameSite=Lax", Status: 302,
		Parsed: SetCookie{Name: "sid", Value: "tok-9f8e7d", Path: "/", Secure: true, HttpOnly: true, SameSite: "Lax", MaxAge: &maxAge, Unknown: []string{"Colour"}},
		At:     t0,
	}
	pref := Write{
		Via: ViaDocumentCookie, URL: "https://app.test/account", Script: "https://cdn.test/app.js", Line: 12, Column: 7,
		CookieLine: `pref={"theme":"dark","n":1234}; path=/`,
		Stack: []StackFrame{{Function: "setPref", URL: "https://cdn.test/app.js", Line: 12, Column: 7},
			{Function: "init", URL: "https://cdn.test/app.js", Line: 40, Column: 3}, {URL: "https://app.test/account", Line: 5, Column: 1, Async: "setTimeout"}},
		Parsed: SetCookie{Name: "pref", Value: `{"theme":"dark","n":1234}`, Path: "/"},
		At:     t0.Add(time.Second),
	}
	refused := Write{
		Via: ViaHeader, URL: "http://app.test/", CookieLine: "__Host-csrf=c5rf-77; Secure; Path=/", Status: 200,
		Parsed:  SetCookie{Name: "__Host-csrf", Value: "c5rf-77", Secure: true, Path: "/"},
		Blocked: []string{"SecureOnly"}, At: t0,
	}
	return Report{
		SchemaVersion: SchemaVersion, Tool: "cookiescope", Browser: Browser{Product: "Chrome/140.0"}, Started: t0,
		Baseline:    "baseline.json",
		Regressions: []Regression{{Target: "login", Cookie: "sid", What: "lost HttpOnly"}},
		OriginBoundComparison: &OriginBoundComparison{Probes: []string{"http-overwrite"}, Browser: "Chrome/140.0", DurationMS: 1234,
			Attacks: []AttackChange{{Target: "https://app.test/?uid=1234", Probe: "http-overwrite", Cookie: "sid", Today: Vulnerable, OriginBound: Protected, Change: ChangeFixed, Why: "stored, but bound to http"}}},
		Targets: []Target{
			{
				URL: "https://app.test/", FinalURL: "https://app.test/account", DurationMS: 1234, HSTS: "max-age=31536000",
				Cookies: []Cookie{
					{Name: "sid", Value: "tok-9f8e7d", Domain: "app.test", Path: "/", HostOnly: true, Secure: true, HttpOnly: true, SameSite: "Lax",
						Expires: &expires, Size: 13, SourceScheme: "Secure", SourcePort: 443, Priority: "Medium", SetBy: []Write{login}},
					{Name: "pref", Value: `{"theme":"dark","n":1234}`, Domain: "app.test", Path: "/", HostOnly: true, Session: true, Size: 29,
						SetBy: []Write{pref}, ScriptReadable: true, ReadableOn: []string{"https://app.test/account", "https://widgets.test/frame"}},
				},
				Blocked: []BlockedWrite{{Name: "__Host-csrf", Write: refused, Reasons: []string{"SecureOnly"}, Explanation: "a Secure cookie from an http: page"}},
				Frames: []Frame{
					{URL: "https://app.test/account", TopLevel: true, Readable: []string{"pref"}, DocumentCookie: APIRead{Status: "ok", Count: 1, Pairs: []NameValue{{"pref", `{"theme":"dark","n":1234}`}}}},
					{URL: "https://widgets.test/frame", Error: "document.cookie: SecurityError", CookieStore: APIRead{Status: "ok", Count: 1, Pairs: []NameValue{{"w", "widget-55"}}}},
				},
				Writes:  []Write{login, pref, refused},
				Scripts: []string{"https://cdn.test/app.js", "https://widgets.test/w.js"},
				Findings: []Finding{{RuleID: "CS005", Title: "SameSite missing", Severity: Low, Cookie: "pref", Domain: "app.test", Path: "/",
					Evidence: "set by https://cdn.test/app.js:12", Fix: "Set SameSite.", References: []Reference{refSameSite}}},
				Probes: []Probe{{Name: "http-overwrite", Cookie: "sid", Attack: "Set-Cookie: sid=cookiescope-forged-1 over http:", Channel: "header",
					Emulated: true, Accepted: true, Reasons: []string{}, Before: "tok-9f8e7d", After: "tok-9f8e7d, cookiescope-forged-1",
					Verdict: Vulnerable, Explanation: "a network attacker shadowed sid", Forged: "cookiescope-forged-1",
					Received: &Receipt{URL: "https://app.test/account?uid=1234", Sent: "cookiescope-forged-1, tok-9f8e7d", Readable: Absent, Withheld: []string{}}}},
				Dialogs: []Dialog{{Kind: "alert", Message: "Welcome back, user 1234!", URL: "https://app.test/account", Answer: "dismissed"}},
				Popups:  []Popup{{URL: "https://ads.test/pop?uid=1234", OpenedBy: "https://app.test/account"}},
			},
			{
				URL: "https://app.test/login", Error: `step 3 (fill "#password" with "hunter2-secret"): timeout`, Scenario: "login", File: "login.yaml", Line: 1,
				Isolation: "a cookie stayed in the context: sid",
				Cookies:   []Cookie{{Name: "sid", Value: "hunter2-secret", Domain: ".app.test", Path: "/", Partitioned: true, PartitionKey: "https://app.test"}},
				Expectations: []ExpectationResult{
					{Expectation: "sid: httpOnly=true", Cookie: "sid", File: "login.yaml", Line: 9, Failures: []string{"httpOnly: expected true, got false"}},
					{Expectation: `sid: value!="hunter2-secret"`, Cookie: "sid", File: "login.yaml", Line: 10, Passed: true, Failures: []string{}, SessionBehaviour: "rotated since before-login"},
				},
			},
		},
	}
}

// inParallel walks two values of one type side by side, calls fn with each
// pair of strings, and reports any other difference: a length, a nil, a
// number, a time.
func inParallel(t *testing.T, a, b reflect.Value, path string, fn func(path, a, b string)) {
	t.Helper()
	switch a.Kind() {
	case reflect.String:
		fn(path, a.String(), b.String())
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			if a.Interface() != b.Interface() {
				t.Errorf("%s: time %v became %v", path, a.Interface(), b.Interface())
			}
			return
		}
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.IsExported() {
				inParallel(t, a.Field(i), b.Field(i), path+"."+f.Name, fn)
			}
		}
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() || (a.Kind() == reflect.Slice && a.IsNil() != b.IsNil()) {
			t.Errorf("%s: %d items (nil %v) became %d (nil %v)", path, a.Len(), a.Kind() == reflect.Slice && a.IsNil(), b.Len(), b.Kind() == reflect.Slice && b.IsNil())
			return
		}
		for i := range a.Len() {
			inParallel(t, a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case reflect.Pointer:
		if a.IsNil() != b.IsNil() {
			t.Errorf("%s: nil %v became nil %v", path, a.IsNil(), b.IsNil())
			return
		}
		if !a.IsNil() {
			inParallel(t, a.Elem(), b.Elem(), path, fn)
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			t.Errorf("%s: %v became %v", path, a.Interface(), b.Interface())
		}
	}
}

// sharedMemory lists the paths where b holds the same slice backing array
// or pointer as a: a copy that aliases its source.
func sharedMemory(a, b reflect.Value, path string) []string {
	var shared []string
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.IsExported() {
				shared = append(shared, sharedMemory(a.Field(i), b.Field(i), path+"."+f.Name)...)
			}
		}
	case reflect.Slice:
		if a.Cap() > 0 && a.Pointer() == b.Pointer() {
			shared = append(shared, path)
		}
		for i := range min(a.Len(), b.Len()) {
			shared = append(shared, sharedMemory(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Pointer:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			shared = append(shared, path)
		}
		if !a.IsNil() && !b.IsNil() {
			shared = append(shared, sharedMemory(a.Elem(), b.Elem(), path)...)
		}
	}
	return shared
}

// checkScrubbed is what holds of every scrub of the fixture: the input is
// unchanged and shares nothing with the result, the result is a valid JSON
// report, no secret survives but inside a Redacted the scrub wrote, and
// every string that held no secret is byte for byte the same.
func checkScrubbed(t *testing.T, in, got Report, secrets []string) {
	t.Helper()
	if !reflect.DeepEqual(in, scrubFixture()) {
		t.Error("Scrub changed its input")
	}
	if shared := sharedMemory(reflect.ValueOf(in), reflect.ValueOf(got), "Report"); len(shared) > 0 {
		t.Errorf("the scrubbed report shares memory with its input at %v", shared)
	}
	data, err := json.Marshal(got)
	if err != nil || !json.Valid(data) {
		t.Fatalf("the scrubbed report is no JSON (%v):\n%s", err, data)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("the scrubbed report does not read back: %v\n%s", err, data)
	}
	inParallel(t, reflect.ValueOf(in), reflect.ValueOf(got), "Report", func(path, before, after string) {
		held := false
		for _, s := range secrets {
			held = held || (s != "" && strings.Contains(before, s))
		}
		if !held && before != after {
			t.Errorf("%s held no secret but changed: %q became %q", path, before, after)
		}
		for _, s := range secrets {
			// The scrub's own Redacted may spell a secret, or part of one
			// next to the text around it; outside them no secret is left.
			if s != "" && strings.Contains(strings.ReplaceAll(after, Redacted, absentByte(s)), s) {
				t.Errorf("%s still shows %q: %q became %q", path, s, before, after)
			}
		}
	})
}

// absentByte returns a one-byte string that does not occur in s.
func absentByte(s string) string {
	for b := range 256 {
		if strings.IndexByte(s, byte(b)) < 0 {
			return string([]byte{byte(b)})
		}
	}
	panic("a secret of 256 bytes or more")
}

func TestScrub(t *testing.T) {
	tests := []struct {
		description string
		secrets     []string
		// field picks a string of the scrubbed report, and want is its text.
		field func(r Report) string
		want  string
	}{
		{
			description: "a secret of digits leaves numbers and JSON alone and scrubs the text that holds it",
			secrets:     []string{"1234"},
			field:       func(r Report) string { return r.Targets[0].Dialogs[0].Message },
			want:        "Welcome back, user [redacted]!",
		},
		{
			description: "a secret that is a field name scrubs values, not the JSON's keys",
			secrets:     []string{"name"},
			field:       func(r Report) string { return r.Targets[0].Cookies[0].Name },
			want:        "sid",
		},
		{
			description: "a secret that is a cookie name scrubs it wherever it is a value",
			secrets:     []string{"pref"},
			field:       func(r Report) string { return r.Targets[0].Cookies[1].Name },
			want:        Redacted,
		},
		{
			description: "a double quote is scrubbed as the character it is",
			secrets:     []string{`"`},
			field:       func(r Report) string { return r.Targets[0].Cookies[1].Value },
			want:        `{[redacted]theme[redacted]:[redacted]dark[redacted],[redacted]n[redacted]:1234}`,
		},
		{
			description: "a brace is scrubbed as the character it is",
			secrets:     []string{"{"},
			field:       func(r Report) string { return r.Targets[0].Writes[1].CookieLine },
			want:        `pref=[redacted]"theme":"dark","n":1234}; path=/`,
		},
		{
			description: "a secret inside a cookie line",
			secrets:     []string{"tok-9f8e7d"},
			field:       func(r Report) string { return r.Targets[0].Cookies[0].SetBy[0].CookieLine },
			want:        "sid=[redacted]; Path=/; Secure; HttpOnly; SameSite=Lax",
		},
		{
			description: "a secret inside a parsed line, which the JSON leaves out",
			secrets:     []string{"tok-9f8e7d"},
			field:       func(r Report) string { return r.Targets[0].Writes[0].Parsed.Value },
			want:        Redacted,
		},
		{
			description: "a secret inside a blocked write's parsed line",
			secrets:     []string{"c5rf-77"},
			field:       func(r Report) string { return r.Targets[0].Blocked[0].Parsed.Value },
			want:        Redacted,
		},
		{
			description: "a secret inside a frame's pairs, which the JSON leaves out",
			secrets:     []string{"widget-55"},
			field:       func(r Report) string { return r.Targets[0].Frames[1].CookieStore.Pairs[0].Value },
			want:        Redacted,
		},
		{
			description: "a secret inside a probe's forged value, which the JSON leaves out",
			secrets:     []string{"forged"},
			field:       func(r Report) string { return r.Targets[0].Probes[0].Forged },
			want:        "cookiescope-[redacted]-1",
		},
		{
			description: "a secret in a step error",
			secrets:     []string{"hunter2-secret"},
			field:       func(r Report) string { return r.Targets[1].Error },
			want:        `step 3 (fill "#password" with "[redacted]"): timeout`,
		},
		{
			description: "a secret in an expectation",
			secrets:     []string{"hunter2-secret"},
			field:       func(r Report) string { return r.Targets[1].Expectations[1].Expectation },
			want:        `sid: value!="[redacted]"`,
		},
		{
			description: "a secret in a stack frame",
			secrets:     []string{"cdn.test"},
			field:       func(r Report) string { return r.Targets[0].Writes[1].Stack[1].URL },
			want:        "https://[redacted]/app.js",
		},
		{
			description: "overlapping secrets go as one stretch, whatever their order",
			secrets:     []string{"hunter", "ter2-sec", "2-secret"},
			field:       func(r Report) string { return r.Targets[1].Cookies[0].Value },
			want:        Redacted,
		},
		{
			description: "a shorter secret inside a longer one does not leave the longer one's rest",
			secrets:     []string{"2", "hunter2-secret"},
			field:       func(r Report) string { return r.Targets[1].Cookies[0].Value },
			want:        Redacted,
		},
		{
			description: "an empty secret changes nothing",
			secrets:     []string{""},
			field:       func(r Report) string { return r.Targets[1].Cookies[0].Value },
			want:        "hunter2-secret",
		},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			in := scrubFixture()
			got := in.Scrub(tt.secrets)
			if f := tt.field(got); f != tt.want {
				t.Errorf("got %q, want %q", f, tt.want)
			}
			checkScrubbed(t, in, got, tt.secrets)
		})
	}
}

func TestScrubKeepsTimesAndNumbers(t *testing.T) {
	got := scrubFixture().Scrub([]string{"1234", "0", "2026"})
	w := got.Targets[0].Writes[0]
	if !got.Started.Equal(t0) || !w.At.Equal(t0) || got.Targets[0].Cookies[0].Expires.Sub(t0) != 24*time.Hour || got.Targets[0].DurationMS != 1234 || *w.Parsed.MaxAge != 3600 {
		t.Errorf("times or numbers changed: started %v, at %v, expires %v, duration %d, max-age %d",
			got.Started, w.At, got.Targets[0].Cookies[0].Expires, got.Targets[0].DurationMS, *w.Parsed.MaxAge)
	}
}

func TestScrubText(t *testing.T) {
	tests := []struct {
		description string
		text, want  string
		secrets     []string
	}{
		{"no secret leaves the text", "abc", "abc", []string{"x"}},
		{"each separate occurrence is replaced", "a1b1c", "a[redacted]b[redacted]c", []string{"1"}},
		{"adjacent occurrences become one Redacted", "a11b", "a[redacted]b", []string{"1"}},
		{"a secret overlapping itself goes whole", "xababay", "x[redacted]y", []string{"aba"}},
		{"secrets overlapping each other go whole", "xabcdy", "x[redacted]y", []string{"abc", "bcd"}},
		{"the order of secrets does not matter", "xabcdy", "x[redacted]y", []string{"bcd", "abc"}},
		{"a secret inside another goes with it", "xabcy", "x[redacted]y", []string{"b", "abc"}},
		{"empty secrets are ignored", "abc", "abc", []string{"", ""}},
		{"the whole text", "secret", "[redacted]", []string{"secret"}},
	}
	for _, tt := range tests {
		if got := ScrubText(tt.text, tt.secrets); got != tt.want {
			t.Errorf("%s: ScrubText(%q, %q) = %q, want %q", tt.description, tt.text, tt.secrets, got, tt.want)
		}
	}
}

// FuzzScrub scrubs the fixture of one secret the fuzzer chooses and checks
// what holds of every scrub (checkScrubbed).
func FuzzScrub(f *testing.F) {
	for _, seed := range []string{
		`"`, `\`, `{`, `}`, `:`, `,`, `[`, `]`, `":"`, `\"`, "0", "1", "12", "1234", "2026",
		"name", "value", "domain", "path", "sid", "pref", "cookies", "targets",
		"tok-9f8e7d", "hunter2-secret", "https://", "/", " ", "; ", "=", "\x00", "\u202e", "\xff",
		"red", "[redacted]", "d]x", "acted]", "a",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		if len(secret) < 1 || len(secret) > 64 {
			return // secrets are 1 to 64 bytes
		}
		in := scrubFixture()
		checkScrubbed(t, in, in.Scrub([]string{secret}), []string{secret})
	})
}
