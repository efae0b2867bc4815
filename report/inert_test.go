package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/cookiescope/cookiescope/inspect"
)

// hostile is page text that would act on a terminal (clear it, return the
// cursor, ring, reverse the line) or break a Markdown table.
const hostile = "\x1b[2J\r\u202e\x07\x00|"

// hostileReport is a report in which every string a page can supply holds
// hostile: cookie names, values, domains, paths, write URLs, scripts, stack
// frames, cookie lines, frames, dialogs, popups, errors, expectations,
// findings, probes and regressions.
func hostileReport() inspect.Report {
	h := func(s string) string { return s + hostile }
	write := inspect.Write{Via: inspect.ViaDocumentCookie, URL: h("https://app.test/w"), Script: h("https://cdn.test/a.js"), Line: 3, Column: 1,
		CookieLine: h("sid=v") + "; Path=/", Stack: []inspect.StackFrame{{Function: h("f"), URL: h("https://cdn.test/a.js"), Line: 3, Column: 1}}}
	header := inspect.Write{Via: inspect.ViaHeader, URL: h("https://other.test/h"), CookieLine: h("n=v"), Status: 200}
	target := inspect.Target{
		URL: h("https://app.test/"), FinalURL: h("https://app.test/end"), Error: h("load failed: "), Isolation: h("left: "), Notes: []string{h("the service worker ")},
		Cookies: []inspect.Cookie{
			{Name: h("sid"), Value: h("v"), Domain: h("app.test"), Path: h("/"), SetBy: []inspect.Write{write}, ScriptReadable: true, ReadableOn: []string{h("https://app.test/frame")}},
			{Name: h("p"), Value: h("v"), Domain: h(".app.test"), Path: "/", Partitioned: true, PartitionKey: h("https://top.test"), SetBy: []inspect.Write{header}},
		},
		Blocked: []inspect.BlockedWrite{{Name: h("b"), Write: header, Reasons: []string{h("Reason")}, Explanation: h("why ")}},
		Frames:  []inspect.Frame{{URL: h("https://app.test/frame"), Readable: []string{h("sid")}, Error: h("frame ")}},
		Writes:  []inspect.Write{write, header},
		Scripts: []string{h("https://cdn.test/a.js")},
		Findings: []inspect.Finding{
			{RuleID: "CS003", Title: "Session cookie without HttpOnly", Severity: inspect.High, Cookie: h("sid"), Domain: h("app.test"), Evidence: h("set by "), Fix: "Add HttpOnly."},
			{RuleID: "CS009", Title: "Many cookies", Severity: inspect.Medium, Domain: h("app.test"), Evidence: h("seen "), Accepted: true, Reason: "known"},
		},
		Probes: []inspect.Probe{{Name: "http-overwrite", Cookie: h("sid"), Attack: h("overwrite "), Channel: "header", Accepted: true,
			Before: h("v"), After: h("forged"), Verdict: inspect.Vulnerable, Explanation: h("because ")}},
		Dialogs: []inspect.Dialog{{Kind: "alert", Message: h("hi "), URL: h("https://app.test/d"), Answer: "dismissed"}, {Kind: "more", Message: h("and more ")}},
		Popups:  []inspect.Popup{{URL: h("https://pop.test/"), OpenedBy: h("https://app.test/")}},
	}
	scenario := target
	scenario.Scenario, scenario.File, scenario.Line = h("login"), h("login.yaml"), 1
	scenario.Expectations = []inspect.ExpectationResult{
		{Expectation: h("sid: value="), Cookie: h("sid"), Line: 4, Failures: []string{h("value: expected a, got "), h("secure: ")}},
		{Expectation: h("p: secure=true"), Cookie: h("p"), Line: 5, Passed: true},
	}
	return inspect.Report{Targets: []inspect.Target{target, scenario}, Interrupted: true,
		Baseline: h("base.json"), Regressions: []inspect.Regression{{Target: h("login"), Cookie: h("sid"), What: h("lost ")}}}
}

// checkInert fails when out holds a byte below 0x20 other than a line
// break, or a format character such as a bidirectional override, and when
// it lacks escaped, the escaped form of hostile's escape sequence.
func checkInert(t *testing.T, name, out, escaped string) {
	t.Helper()
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || unicode.Is(unicode.Cf, r) {
			t.Errorf("%s: raw %U at byte %d:\n%s", name, r, i, out)
			return
		}
	}
	if !strings.Contains(out, escaped) {
		t.Errorf("%s lacks %q:\n%s", name, escaped, out)
	}
}

// unescapedPipe is a "|" that Markdown reads as a cell border.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])(\\\\)*\|`)

func TestPageTextIsInertInEveryHumanFormat(t *testing.T) {
	for _, shown := range []bool{true, false} {
		rep := hostileReport()
		if !shown {
			rep = rep.Redact()
		}
		var table bytes.Buffer
		if err := WriteTable(&table, rep); err != nil {
			t.Fatal(err)
		}
		if err := WriteProbeSummary(&table, rep, Options{}); err != nil {
			t.Fatal(err)
		}
		checkInert(t, "the table", table.String(), `\u001b[2J\u000d\u202e\u0007\u0000|`)
		if shown && !strings.Contains(table.String(), `v\u001b[2J`) {
			t.Errorf("the table does not show the escaped value:\n%s", table.String())
		}

		var md bytes.Buffer
		if err := WriteMarkdown(&md, rep); err != nil {
			t.Fatal(err)
		}
		checkInert(t, "the Markdown", md.String(), `\\u001b\[2J\\u000d\\u202e\\u0007\\u0000\|`)
		for _, line := range strings.Split(md.String(), "\n") {
			if strings.HasPrefix(line, "|") {
				if n := len(unescapedPipe.FindAllString(line, -1)); n != 5 {
					t.Errorf("a Markdown table row has %d cell borders, want 5: %s", n, line)
				}
			}
		}
	}
}

func TestInert(t *testing.T) {
	tests := []struct {
		description string
		in, want    string
		keepNewline bool
	}{
		{"plain text, accents and symbols stay", "sid=é→✅ ok", "sid=é→✅ ok", false},
		{"an escape sequence is spelled out", "\x1b[2J", `\u001b[2J`, false},
		{"carriage return, bell, NUL, tab, DEL", "\r\a\x00\t\x7f", `\u000d\u0007\u0000\u0009\u007f`, false},
		{"a C1 control", "\u009b31m", `\u009b31m`, false},
		{"bidirectional overrides and isolates", "\u202ea\u2066b\u2069", `\u202ea\u2066b\u2069`, false},
		{"zero-width and line separators", "a\u200bb\u2028c", `a\u200bb\u2028c`, false},
		{"a format character beyond the BMP", "\U000e0001", `\U000e0001`, false},
		{"bytes that are not UTF-8", "a\xffb\xc3", `a\xffb\xc3`, false},
		{"a line break on a line is spelled out", "a\nb", `a\u000ab`, false},
		{"a line break in a cell stays", "a\nb\r", "a\nb\\u000d", true},
	}
	for _, tt := range tests {
		got := inert(tt.in)
		if tt.keepNewline {
			got = inertCell(tt.in)
		}
		if got != tt.want {
			t.Errorf("%s: %q became %q, want %q", tt.description, tt.in, got, tt.want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct {
		description string
		got, want   string
	}{
		{"a pipe stays in its cell", md("a|b"), `a\|b`},
		{"HTML is text", md("<img src=x onerror=alert(1)>"), `\<img src=x onerror=alert(1)\>`},
		{"an entity is text", md("&#x202e;"), `\&\#x202e;`},
		{"a link or image is text", md("![x](https://evil.test/)"), `\!\[x\](https://evil.test/)`},
		{"emphasis, code and strikethrough are text", md("*a* _b_ `c` ~d~ $e$"), "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\$e\\$"},
		{"a backslash is text", md(`a\|b`), `a\\\|b`},
		{"a line break stays on its line", md("a\nb"), `a\\u000ab`},
		{"a code span", mdCode("sid"), "`sid`"},
		{"a code span around a backtick", mdCode("a`b"), "``a`b``"},
		{"a code span around backticks at its ends", mdCode("`a``"), "``` `a`` ```"},
		{"a code span of a text in spaces", mdCode(" a "), "`  a  `"},
		{"an empty code span", mdCode(""), "` `"},
		{"a code span is inert", mdCode("a\x1bb"), "`a\\u001bb`"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.description, tt.got, tt.want)
		}
	}
}

// JUnit and SARIF are encoded, so page text cannot break them, but their
// messages are read by people in CI: they are inert too. SARIF's
// properties and locations stay as recorded, for machines.
func TestPageTextIsInertInJUnitAndSARIFMessages(t *testing.T) {
	rep := hostileReport()
	var junit, sarif bytes.Buffer
	if err := WriteJUnit(&junit, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	checkInert(t, "the JUnit XML", junit.String(), `\u001b[2J\u000d\u202e\u0007\u0000|`)
	if strings.ContainsRune(junit.String(), utf8.RuneError) {
		t.Errorf("the JUnit XML lost characters to U+FFFD:\n%s", junit.String())
	}
	if err := WriteSARIF(&sarif, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	for _, res := range log.Runs[0].Results {
		checkInert(t, "a SARIF message", res.Message.Text, `\u001b[2J\u000d\u202e\u0007\u0000|`)
	}
}

func TestInertIsExportedForProgressLines(t *testing.T) {
	if got, want := Inert("https://a.test/\x1b[2J\n"), `https://a.test/\u001b[2J\u000a`; got != want {
		t.Errorf("Inert = %q, want %q", got, want)
	}
}
