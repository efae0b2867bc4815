package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

// interruptedReport is a run stopped before the second target's page
// committed a document: its jar holds a cookie from the redirect, which
// inspect.Assemble judged "not-readable" with no document behind it. The
// first target was measured: its HttpOnly session really is not readable.
func interruptedReport() inspect.Report {
	cookie := inspect.Cookie{Name: "sid", Value: inspect.Redacted, Domain: "app.test", Path: "/", HttpOnly: true, Secure: true, SameSite: "Lax", Session: true, Readability: inspect.NotReadable}
	measured := inspect.Target{URL: "https://app.test/", FinalURL: "https://app.test/", Cookies: []inspect.Cookie{cookie},
		Frames: []inspect.Frame{{URL: "https://app.test/", TopLevel: true, Readable: []string{}, DocumentCookie: inspect.APIRead{Status: inspect.APIOK}}}}
	unmeasured := inspect.Target{URL: "https://other.test/", Error: "load https://other.test/: interrupted", Cookies: []inspect.Cookie{cookie, {Name: "pref", Value: inspect.Redacted, Domain: "other.test", Path: "/", Session: true, Readability: inspect.NotReadable}}}
	return inspect.Report{Interrupted: true, Targets: []inspect.Target{measured, unmeasured}}
}

// What was not measured says so in every human format, and the rules that
// needed the measurement do not pass silently in JUnit or SARIF.
func TestNotMeasuredInEveryFormat(t *testing.T) {
	r := interruptedReport()

	var table bytes.Buffer
	if err := Write(&table, FormatTable, r, Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	targets := strings.SplitN(table.String(), "\nhttps://other.test/\n", 2)
	if len(targets) != 2 {
		t.Fatalf("no section for the unmeasured target:\n%s", table.String())
	}
	if !strings.Contains(targets[0], "https://other.test/: 2 cookies (script readability not measured)") {
		t.Errorf("the verdict line does not say readability was not measured:\n%s", targets[0])
	}
	for _, line := range strings.Split(targets[1], "\n") {
		if strings.HasPrefix(line, "  sid ") || strings.HasPrefix(line, "  pref ") {
			if !strings.HasSuffix(line, "  "+NotMeasured) {
				t.Errorf("an unmeasured cookie's row does not end in %q: %q", NotMeasured, line)
			}
		}
	}
	if !strings.Contains(targets[0], "Lax       session  no  ") {
		t.Errorf("the measured target's HttpOnly cookie is not plainly \"no\":\n%s", targets[0])
	}

	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "**Not measured:** script readability not measured for 2 cookies") || strings.Count(md.String(), "Not measured") != 1 {
		t.Errorf("the Markdown does not say, once, what was not measured:\n%s", md.String())
	}

	var junit bytes.Buffer
	if err := WriteJUnit(&junit, r, Options{}); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	for i, s := range suites.Suites {
		skipped := 0
		for _, c := range s.Cases {
			if c.Skipped != nil {
				skipped++
				if !strings.HasPrefix(c.Name, "CS004 ") && !strings.HasPrefix(c.Name, "CS018 ") || !strings.Contains(c.Skipped.Message, NotMeasured) {
					t.Errorf("suite %d: testcase %q skipped with %q", i, c.Name, c.Skipped.Message)
				}
			}
		}
		if want := []int{0, 2}[i]; skipped != want || s.Skipped != want {
			t.Errorf("suite %d (%s): %d testcases skipped, attribute %d; want %d", i, s.Name, skipped, s.Skipped, want)
		}
	}

	var html bytes.Buffer
	if err := WriteHTML(&html, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "Not measured: script readability not measured for 2 cookies") || strings.Count(html.String(), `<td class="readable-unknown">`+NotMeasured+"</td>") != 2 {
		t.Errorf("the HTML does not say what was not measured:\n%s", html.String())
	}

	var sarif bytes.Buffer
	if err := WriteSARIF(&sarif, r, Options{}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	inv := log.Runs[0].Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful || len(inv[0].Notifications) != 1 || !strings.Contains(inv[0].Notifications[0].Message.Text, "https://other.test/: script readability not measured") {
		t.Errorf("SARIF invocations: %+v", inv)
	}
}
