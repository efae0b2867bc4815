package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendering; run go test ./report -update and review the diff.\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// demoReport is the JSON report of a real `cookiescope demo` run against
// the lab (values redacted, as by default): every kind of cookie, blocked
// writes, findings, probes of both login variants and the built-in
// scenarios.
func demoReport(t testing.TB) inspect.Report {
	t.Helper()
	b, err := os.ReadFile("testdata/demo-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var r inspect.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTableGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, findingsReport().Redact()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table-redacted.golden", buf.Bytes())
	if bytes.Contains(buf.Bytes(), []byte("s3cret")) {
		t.Error("the redacted table shows a cookie value")
	}
	buf.Reset()
	if err := WriteTable(&buf, fullReport()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table-values.golden", buf.Bytes())
	if !bytes.Contains(buf.Bytes(), []byte("s3cret")) {
		t.Error("with values shown, the table does not show the value")
	}
}

// The demo's report as a person reads it at three terminal widths, and
// everything (--verbose) at one.
func TestTableGoldenAtTerminalWidths(t *testing.T) {
	r := demoReport(t)
	for _, tc := range []struct {
		width   int
		verbose bool
	}{{80, false}, {100, false}, {160, false}, {100, true}} {
		var buf bytes.Buffer
		opts := Options{Width: tc.width, Verbose: tc.verbose}
		if err := Write(&buf, FormatTable, r, opts); err != nil {
			t.Fatal(err)
		}
		if err := WriteProbeSummary(&buf, r, opts); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("table-demo-%d.golden", tc.width)
		if tc.verbose {
			name = fmt.Sprintf("table-demo-verbose-%d.golden", tc.width)
		}
		golden(t, name, buf.Bytes())
		checkWidth(t, name, buf.String(), tc.width)
	}
}

// checkWidth fails for every line of out wider than width columns.
func checkWidth(t *testing.T, name, out string, width int) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if w := textWidth(line); w > width {
			t.Errorf("%s: line %d is %d columns wide, more than %d:\n%s", name, i+1, w, width, line)
		}
	}
}

// stressReport has what makes a table wide: long URLs, long and wide
// (CJK) cookie names and values, many findings, probes, plants, a scenario
// with expectations and earlier cookies, dialogs and errors.
func stressReport() inspect.Report {
	long := "https://a-very-long-host-name.for-the-layout.example.test:8443/" + strings.Repeat("deep/", 20) + "page?query=" + strings.Repeat("x", 90)
	exp := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	var cookies []inspect.Cookie
	var findings []inspect.Finding
	var probes []inspect.Probe
	names := []string{"sid", strings.Repeat("an_extremely_long_cookie_name_", 5), "会话标识符会话标识符会话标识符会话标识符会话标识符", "__Host-" + strings.Repeat("k", 70)}
	for i, name := range names {
		w := inspect.Write{Via: inspect.ViaDocumentCookie, URL: long, Script: long + ".js", Line: 120 + i, CookieLine: name + "=v; Path=/", Fate: inspect.FateStored}
		cookies = append(cookies, inspect.Cookie{Name: name, Value: strings.Repeat("value-", 30), Domain: "a-very-long-host-name.for-the-layout.example.test", Path: "/" + strings.Repeat("segment/", 12),
			Secure: i%2 == 0, Expires: &exp, SetBy: []inspect.Write{w, w}, ScriptReadable: true, ReadableOn: []string{long, long + "#frame"}, Readability: inspect.Readable,
			Partitioned: i == 3, PartitionKey: "https://a-very-long-top-level-site.example.test"})
		for rule := range 6 {
			findings = append(findings, inspect.Finding{RuleID: fmt.Sprintf("CS0%02d", 3+rule), Title: inspect.Rules[2+rule].Title, Severity: inspect.Severity(rule % 4), Cookie: name, Domain: "example.test",
				SessionLike: "name matches the built-in session pattern (sid, session, auth, …)", Evidence: "set by " + long + " at line 120 with a long explanation that goes on and on", Fix: inspect.Rules[2+rule].Fix})
		}
		for _, v := range []inspect.Verdict{inspect.Vulnerable, inspect.Protected, inspect.NotApplicable} {
			probes = append(probes, inspect.Probe{Name: "sibling-toss", Cookie: name, Attack: "toss with Domain=example.test from " + long + " by header", Channel: "header", Emulated: true, Accepted: v == inspect.Vulnerable,
				Before: strings.Repeat("[redacted], ", 4) + "[redacted]", After: "cookiescope-forged-" + strings.Repeat("f", 60), Verdict: v, Explanation: "the server now receives 2 values for " + name + "; " + long})
		}
	}
	target := inspect.Target{URL: long, FinalURL: long + "/end", Error: "load " + long + ": timed out after 30s (raise --timeout)", Cookies: cookies, Findings: findings, Probes: probes,
		Frames:  []inspect.Frame{{URL: long, TopLevel: true, Error: "document.cookie failed: " + long}},
		Dialogs: []inspect.Dialog{{Kind: "alert", Message: strings.Repeat("a long dialog message ", 10), URL: long, Answer: "dismissed"}},
		Writes:  []inspect.Write{{Via: inspect.ViaHeader, URL: long, CookieLine: names[1] + "=x", Fate: inspect.FateBlocked, Blocked: []string{"SameSiteNoneInsecure", "InvalidDomain"}, FateReason: "SameSite=None requires the Secure attribute; " + long}},
		Blocked: []inspect.BlockedWrite{{Name: names[1], Reasons: []string{"SameSiteNoneInsecure"}}},
	}
	scenario := target
	scenario.Scenario, scenario.File, scenario.Line = "a scenario with a rather long name that explains what it checks in detail", "scenarios/"+strings.Repeat("nested/", 8)+"login.yaml", 3
	scenario.EarlierCookies = []inspect.Cookie{cookies[1]}
	scenario.EarlierCookies[0].SeenAt = "step 12 (" + scenario.File + ":40)"
	scenario.Plants = []inspect.Plant{{Cookie: names[2], Over: inspect.PlantOverSibling, From: "attacker-session-checkpoint-with-a-long-name", URL: long, Planted: true, Evidence: "Chrome stored it: " + long, Line: 14}}
	scenario.Expectations = []inspect.ExpectationResult{
		{Expectation: names[1] + ": secure=true, httpOnly=true, hostOnly=true, sameSite=Strict, path=/, maxAge<=1h", Line: 20, Failures: []string{"secure: expected true, got false", "path: expected /, got /" + strings.Repeat("segment/", 12)}},
		{Expectation: "attacker: page #account: absent", Line: 30, Passed: true},
	}
	return inspect.Report{Targets: []inspect.Target{target, scenario, {URL: "https://empty.test/"}}, Interrupted: true, Baseline: long, Regressions: []inspect.Regression{{Target: long, Cookie: names[1], What: "lost Secure"}}}
}

// No line of the terminal report is wider than the width it was given,
// whatever the report holds, in every layout down to the narrowest.
func TestNoLineExceedsTheWidth(t *testing.T) {
	for _, r := range []inspect.Report{stressReport(), stressReport().Redact(), demoReport(t), hostileReport()} {
		for _, width := range []int{40, 60, 80, 100, 120, 160, 237} {
			for _, verbose := range []bool{false, true} {
				var buf bytes.Buffer
				opts := Options{Width: width, Verbose: verbose}
				if err := Write(&buf, FormatTable, r, opts); err != nil {
					t.Fatal(err)
				}
				if err := WriteProbeSummary(&buf, r, opts); err != nil {
					t.Fatal(err)
				}
				checkWidth(t, fmt.Sprintf("width %d verbose %v", width, verbose), buf.String(), width)
				if width >= 160 && !strings.Contains(buf.String(), strings.Repeat("an_extremely_long_cookie_name_", 2)) && r.Targets[0].Cookies[0].Name == "sid" && len(r.Targets[0].Cookies) == 4 {
					t.Errorf("width %d: the long cookie name is not shown whole:\n%s", width, buf.String())
				}
			}
		}
	}
}

// The verdict lines come first, one per target, before any detail.
func TestVerdictLinesComeFirst(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatTable, demoReport(t), Options{Width: 160}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	want := []string{
		"Verdict: 9 targets",
		"  MEDIUM  https://app.test:41245/headers: 11 cookies; 3 writes blocked; findings: 3 medium, 8 low, 4 info",
		"  OK      https://app.secure.test:41245/login?auto=1: 2 cookies; 0 writes blocked; no findings; attacks: none of 22 worked",
		"  HIGH    https://app.flawed.test:41245/login?auto=1: 2 cookies; 0 writes blocked; findings: 7 high, 6 medium, 3 low; attacks: 15 of 23 worked (on csrf, sid)",
		`  FAIL    scenario "session fixation on the flawed login": 3 cookies; 0 writes blocked; expectations: 2 of 2 failed; findings: 4 high, 2 medium, 2 low;`,
	}
	// Only the run's modes come before the verdicts: they say how to read
	// them.
	first := slices.Index(lines, want[0])
	if first < 0 {
		t.Fatalf("no line %q:\n%s", want[0], buf.String())
	}
	for _, line := range lines[:first] {
		if line != "" && !strings.HasPrefix(line, "Origin-bound cookies: ") && !strings.HasPrefix(line, "Third-party cookies: ") && !strings.HasPrefix(line, "  ") {
			t.Errorf("%q comes before the verdicts", line)
		}
	}
	lines = lines[first:]
	head := strings.Join(lines[:12], "\n")
	for _, w := range want[1:] {
		if !strings.Contains(head, w) {
			t.Errorf("the verdicts lack %q:\n%s", w, head)
		}
	}
}

// A rule's fix is written once per target, however many cookies it found.
func TestEachFixOncePerTarget(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatTable, demoReport(t), Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	// Targets are separated by a blank line.
	for _, target := range strings.Split(buf.String(), "\n\n")[1:] {
		if n := strings.Count(target, "Fix: Set SameSite=Lax (or Strict) explicitly"); n > 1 {
			t.Errorf("CS005's fix is written %d times in one target:\n%s", n, target)
		}
	}
	if !strings.Contains(buf.String(), "LOW     CS005 SameSite missing (7)") {
		t.Errorf("CS005's seven findings are not grouped:\n%s", buf.String())
	}
}

// Findings of one rule that carry fixes of their own (CS014 names the
// prefix that fits each cookie) show their fix while they share it, and the
// rule's fix, which covers them all, once they differ.
func TestAGroupOfDifferentFixesShowsTheRules(t *testing.T) {
	rule, _ := inspect.RuleByID("CS014")
	headerOnly := inspect.Finding{RuleID: "CS014", Title: rule.Title, Severity: inspect.Low, Cookie: "sid", Domain: "app.test", Path: "/", Evidence: "set by a header", Fix: "Rename the session cookie to __Host-Http-sid."}
	scripted := inspect.Finding{RuleID: "CS014", Title: rule.Title, Severity: inspect.Low, Cookie: "remember", Domain: "app.test", Path: "/", Evidence: "set by script", Fix: "Rename the session cookie to __Host-remember."}
	for _, tt := range []struct {
		description string
		findings    []inspect.Finding
		want        string
	}{
		{"one finding shows its own fix", []inspect.Finding{headerOnly}, headerOnly.Fix},
		{"two findings with the same fix show it", []inspect.Finding{headerOnly, headerOnly}, headerOnly.Fix},
		{"two findings with different fixes show the rule's", []inspect.Finding{headerOnly, scripted}, rule.Fix},
	} {
		r := fullReport()
		r.Targets[0].Findings = tt.findings
		for _, f := range []Format{FormatTable, FormatHTML} {
			var buf bytes.Buffer
			if err := Write(&buf, f, r, Options{Width: 1000}); err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(buf.String(), "&#34;", "\"")
			if !strings.Contains(text, tt.want) {
				t.Errorf("%s (%s): the fix %q is not shown", tt.description, f, tt.want)
			}
			for _, other := range []string{headerOnly.Fix, scripted.Fix, rule.Fix} {
				if other != tt.want && strings.Contains(text, other) {
					t.Errorf("%s (%s): shows the fix %q too", tt.description, f, other)
				}
			}
		}
	}
}

// Colour marks only our words, and only when asked for.
func TestColorOnlyWhenAsked(t *testing.T) {
	r := demoReport(t)
	var plain, colored bytes.Buffer
	if err := Write(&plain, FormatTable, r, Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Error("the plain report holds an escape sequence")
	}
	if err := Write(&colored, FormatTable, r, Options{Width: 100, Color: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{sgrRed + "HIGH" + sgrReset, sgrGreen + "OK" + sgrReset, sgrRed + "FAIL" + sgrReset} {
		if !strings.Contains(colored.String(), want) {
			t.Errorf("the coloured report lacks %q", want)
		}
	}
	stripped := strings.NewReplacer(sgrReset, "", sgrBold, "", sgrRed, "", sgrYellow, "", sgrGreen, "", sgrCyan, "", sgrDim, "").Replace(colored.String())
	if stripped != plain.String() {
		t.Error("colour changed the layout: without its escape sequences the report differs from the plain one")
	}
}

func TestTerminalWidthAndColor(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	var buf bytes.Buffer
	for _, tc := range []struct {
		description string
		vars        map[string]string
		want        int
	}{
		{"COLUMNS sets the width", map[string]string{"COLUMNS": "80"}, 80},
		{"not a terminal and no COLUMNS: the default", nil, DefaultWidth},
		{"COLUMNS that is no number is ignored", map[string]string{"COLUMNS": "wide"}, DefaultWidth},
	} {
		if got := TerminalWidth(&buf, env(tc.vars)); got != tc.want {
			t.Errorf("%s: width %d, want %d", tc.description, got, tc.want)
		}
	}
	if UseColor(&buf, env(nil)) {
		t.Error("colour for a buffer, which is no terminal")
	}
	if UseColor(os.Stdout, env(map[string]string{"NO_COLOR": "1"})) {
		t.Error("colour with NO_COLOR set")
	}
	if f, err := os.CreateTemp(t.TempDir(), "out"); err == nil {
		defer f.Close()
		if UseColor(f, env(nil)) || TerminalWidth(f, env(nil)) != DefaultWidth {
			t.Error("a regular file is taken for a terminal")
		}
	}
}

func TestJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, findingsReport().Redact()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report-redacted.json", buf.Bytes())
	schematest.Check(t, buf.Bytes())
}
