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

// unansweredReport has a page that stopped answering: no document read, its
// cookies unknown because they were not measured; and a page whose top
// document did not answer while its iframe was read.
func unansweredReport() inspect.Report {
	const why = "the page did not answer within 1s (its script kept its event loop busy, or a dialog held it)"
	notMeasured := func(name, url string) inspect.Cookie {
		return inspect.Cookie{Name: name, Value: inspect.Redacted, Domain: "app.test", Path: "/", HostOnly: true, Session: true,
			Readability: inspect.ReadabilityUnknown, NotMeasured: true, UnknownReason: "not measured on " + url + ": " + why}
	}
	spin := inspect.Target{URL: "https://app.test/spin", FinalURL: "https://app.test/spin", Error: "the page at https://app.test/spin stopped answering: " + why,
		Cookies:    []inspect.Cookie{notMeasured("spin_hdr", "https://app.test/spin"), notMeasured("spin_page", "https://app.test/spin")},
		Unmeasured: []inspect.Unmeasured{{URL: "https://app.test/spin", Why: why}}}
	framed := inspect.Target{URL: "https://app.test/framed", FinalURL: "https://app.test/framed",
		Cookies: []inspect.Cookie{notMeasured("top", "https://app.test/framed"),
			{Name: "w", Value: inspect.Redacted, Domain: "widget.test", Path: "/", HostOnly: true, Session: true, Secure: true, ScriptReadable: true, ReadableOn: []string{"https://widget.test/frame"}, Readability: inspect.Readable}},
		Frames:     []inspect.Frame{{URL: "https://widget.test/frame", Readable: []string{"w"}, DocumentCookie: inspect.APIRead{Status: inspect.APIOK, Count: 1}}},
		Unmeasured: []inspect.Unmeasured{{URL: "https://app.test/framed", Why: why}}}
	return inspect.Report{Targets: []inspect.Target{spin, framed}}
}

// A page that stopped answering: its cookies are "unknown" in the JSON,
// "not measured" with why in every human format, and the readability
// rules are skipped, not passed.
func TestUnansweredPagesAreNotMeasuredInEveryFormat(t *testing.T) {
	r := unansweredReport()

	var js bytes.Buffer
	if err := Write(&js, FormatJSON, r, Options{}); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Targets []struct {
			Cookies []struct {
				Name, Readability, UnknownReason string
			}
			Unmeasured []struct{ URL, Why string }
		}
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, c := range decoded.Targets[0].Cookies {
		if c.Readability != "unknown" || !strings.Contains(c.UnknownReason, "did not answer") {
			t.Errorf("JSON cookie %s: readability %q, reason %q; want unknown, with why", c.Name, c.Readability, c.UnknownReason)
		}
	}
	if u := decoded.Targets[0].Unmeasured; len(u) != 1 || u[0].URL != "https://app.test/spin" {
		t.Errorf("JSON unmeasured: %+v", u)
	}

	var table bytes.Buffer
	if err := Write(&table, FormatTable, r, Options{Width: 160}); err != nil {
		t.Fatal(err)
	}
	out := table.String()
	for _, want := range []string{
		"Readability not measured on /spin: the page did not answer within 1s",
		"1 readable by page script, 1 unknown: not measured",
		"Readability not measured on /framed: the page did not answer",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		for _, name := range []string{"  spin_hdr ", "  spin_page ", "  top "} {
			if strings.HasPrefix(line, name) && !strings.Contains(line, "  "+NotMeasured+"  ") {
				t.Errorf("an unmeasured cookie's row does not say %q: %q", NotMeasured, line)
			}
		}
	}

	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if strings.Count(md.String(), "**Not measured:** script readability not measured for") != 2 || !strings.Contains(md.String(), "on https://app.test/spin: the page did not answer") {
		t.Errorf("the Markdown does not say what was not measured, and why:\n%s", md.String())
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
		if s.Skipped != 2 {
			t.Errorf("suite %d: %d testcases skipped, want CS004 and CS018", i, s.Skipped)
		}
	}

	var sarif bytes.Buffer
	if err := WriteSARIF(&sarif, r, Options{}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if inv := log.Runs[0].Invocations; len(inv) != 1 || len(inv[0].Notifications) != 2 || !strings.Contains(inv[0].Notifications[0].Message.Text, "did not answer") {
		t.Errorf("SARIF invocations: %+v", inv)
	}

	var html bytes.Buffer
	if err := WriteHTML(&html, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "script readability not measured for 2 cookies (on https://app.test/spin: the page did not answer") || strings.Count(html.String(), `<td class="readable-unknown">`+NotMeasured+"</td>") != 3 {
		t.Errorf("the HTML does not say what was not measured:\n%s", html.String())
	}
}
