package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
)

// twoSchemesReport has one cookie name twice, as origin-bound cookies keep
// it after an overwrite from http: once bound to https on its port, once to
// http; and the overwrite's row, protected by what the https site received.
func twoSchemesReport(bound bool) inspect.Report {
	https := inspect.Cookie{Name: "csrf", Value: inspect.Redacted, Domain: "app.test", Path: "/", HostOnly: true, Session: true, SourceScheme: "Secure", SourcePort: 8443}
	http := https
	http.SourceScheme, http.SourcePort = "NonSecure", 80
	domain := https
	domain.Name, domain.Domain, domain.HostOnly = "sid", ".app.test", false
	row := inspect.Probe{Name: "http-overwrite", Cookie: "csrf", Attack: "overwrite from http://app.test/ by header", Channel: "header", Emulated: true, Accepted: true, Reasons: []string{},
		Before: inspect.Redacted, After: inspect.Redacted + ", cookiescope-forged-1", Verdict: inspect.Protected,
		Explanation: "stored, but bound to http: the https site never receives it (Chrome withheld it from https://app.test:8443/: PortMismatch, SchemeMismatch; page script there cannot read it either)",
		Received:    &inspect.Receipt{URL: "https://app.test:8443/", Sent: inspect.Redacted, Readable: inspect.Redacted, Withheld: []string{"PortMismatch", "SchemeMismatch"}}, Forged: "cookiescope-forged-1"}
	return inspect.Report{SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", ThirdPartyCookies: inspect.ThirdPartyCookiesBlock, OriginBoundCookies: bound,
		Targets: []inspect.Target{{URL: "https://app.test:8443/", FinalURL: "https://app.test:8443/", Cookies: []inspect.Cookie{https, http, domain}, Probes: []inspect.Probe{row}}}}
}

func TestEveryFormatStatesTheOriginBoundCookieMode(t *testing.T) {
	for _, tt := range []struct {
		description string
		bound       bool
		want        string
	}{
		{"on says what binding did", true, "Origin-bound cookies: on (--origin-bound-cookies, Chrome's EnableSchemeBoundCookies and EnablePortBoundCookies)"},
		{"off says it is what browsers do today", false, "Origin-bound cookies: off (Chromium 156's default, as in users' browsers today)"},
	} {
		r := twoSchemesReport(tt.bound)
		for _, f := range []Format{FormatTable, FormatMarkdown, FormatHTML} {
			var buf bytes.Buffer
			if err := Write(&buf, f, r, Options{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			switch f {
			case FormatMarkdown:
				// The Markdown escapes its punctuation; compare the words.
				out = strings.ReplaceAll(out, `\`, "")
			case FormatHTML:
				out = strings.ReplaceAll(out, "&#39;", "'")
			default:
				// The table wraps its lines: compare with the wrapping undone.
				out = strings.Join(strings.Fields(out), " ")
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("%s: %s does not say %q:\n%s", tt.description, f, tt.want, out)
			}
			if f == FormatTable || f == FormatMarkdown {
				// Beside the third-party line, before any target.
				third, mode, target := strings.Index(out, "Third-party cookies:"), strings.Index(out, "Origin-bound cookies:"), strings.Index(out, "https://app.test:8443/")
				if third < 0 || mode < third || mode > target {
					t.Errorf("%s: %s: the mode is not right after the third-party line, before the targets:\n%s", tt.description, f, out)
				}
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
		wantValue := map[bool]string{true: "true", false: "false"}[tt.bound]
		if got := log.Runs[0].Properties["originBoundCookies"]; got != wantValue {
			t.Errorf("SARIF run property originBoundCookies %q, want %q", got, wantValue)
		}

		var junit bytes.Buffer
		if err := WriteJUnit(&junit, r, Options{}); err != nil {
			t.Fatal(err)
		}
		var suites junitSuites
		if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
			t.Fatal(err)
		}
		for _, s := range suites.Suites {
			found := false
			for _, p := range s.Properties {
				found = found || p == (junitProperty{Name: "originBoundCookies", Value: wantValue})
			}
			if !found {
				t.Errorf("JUnit suite %s properties %+v, want originBoundCookies=%s", s.Name, s.Properties, wantValue)
			}
		}

		var js bytes.Buffer
		if err := WriteJSON(&js, r); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc["originBoundCookies"] != tt.bound {
			t.Errorf("JSON originBoundCookies %v (%v), want %v", doc["originBoundCookies"], err, tt.bound)
		}
	}
}

// With origin-bound cookies on, the cookie tables say where Chrome bound
// each cookie, so the two csrf cookies are told apart; off, they do not
// (every cookie would read the same).
func TestTheCookieTableSaysWhereEachCookieIsBound(t *testing.T) {
	for _, bound := range []bool{true, false} {
		var table, page bytes.Buffer
		r := twoSchemesReport(bound)
		if err := Write(&table, FormatTable, r, Options{Width: 200}); err != nil {
			t.Fatal(err)
		}
		if err := Write(&page, FormatHTML, r, Options{}); err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{table.String(), page.String()} {
			for _, want := range []string{"Bound to", "https, port 8443", "http, port 80", "https, any port"} {
				if strings.Contains(out, want) != bound {
					t.Errorf("bound %v: says %q: %v\n%s", bound, want, !bound, out)
				}
			}
		}
	}
}

// Every attack row with its verbose details says what the https site got.
func TestAnAttackRowSaysWhatTheHTTPSSiteGot(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatTable, twoSchemesReport(true), Options{Verbose: true, Width: 100}); err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(buf.String()), " ")
	for _, want := range []string{"why: stored, but bound to http: the https site never receives it", "the https site: https://app.test:8443/ was sent [redacted], its script reads [redacted]; Chrome withheld the attacker's value: PortMismatch, SchemeMismatch"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the verbose table does not say %q:\n%s", want, buf.String())
		}
	}
}

// comparisonReport is twoSchemesReport (off) with a comparison that fixed
// the overwrite of csrf and left jar-overflow of sid working.
func comparisonReport() inspect.Report {
	r := twoSchemesReport(false)
	r.OriginBoundComparison = &inspect.OriginBoundComparison{Probes: []string{"http-overwrite", "jar-overflow"}, Browser: "Chrome/156.0.8078.114", DurationMS: 9876,
		Attacks: []inspect.AttackChange{
			{Target: "https://app.test:8443/", Probe: "http-overwrite", Cookie: "csrf", Today: inspect.Vulnerable, OriginBound: inspect.Protected, Change: inspect.ChangeFixed, Why: "stored, but bound to http: the https site never receives it"},
			{Target: "https://app.test:8443/", Probe: "jar-overflow", Cookie: "sid", Today: inspect.Vulnerable, OriginBound: inspect.Vulnerable, Change: inspect.ChangeStillVulnerable, Why: "evicted after 179 page-script writes"},
		}}
	return r
}

func TestEveryHumanFormatEndsWithWhatOriginBoundCookiesWouldChange(t *testing.T) {
	r := comparisonReport()
	for _, f := range []Format{FormatTable, FormatMarkdown, FormatHTML} {
		var buf bytes.Buffer
		if err := Write(&buf, f, r, Options{Width: 100}); err != nil {
			t.Fatal(err)
		}
		// The Markdown escapes its punctuation and quotes names as code.
		out := strings.NewReplacer(`\`, "", "`", "").Replace(buf.String())
		flat := strings.Join(strings.Fields(out), " ")
		heading := strings.Index(flat, "What origin-bound cookies would change")
		if heading < 0 || heading < strings.LastIndex(flat, "https://app.test:8443/ ") && f == FormatTable {
			t.Errorf("%s: the comparison is missing or not last:\n%s", f, out)
			continue
		}
		for _, want := range []string{"http-overwrite of csrf", "jar-overflow of sid", "stored, but bound to http: the https site never receives it", "Chrome/156.0.8078.114"} {
			if !strings.Contains(flat[heading:], want) {
				t.Errorf("%s: the comparison does not say %q:\n%s", f, want, out)
			}
		}
	}
	var summary bytes.Buffer
	if err := WriteProbeSummary(&summary, r, Options{Width: 200}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FIXED   https://app.test:8443/: http-overwrite of csrf: vulnerable today, protected with origin-bound cookies",
		"VULNERABLE https://app.test:8443/: jar-overflow of sid: vulnerable today, vulnerable with origin-bound cookies",
	} {
		if !strings.Contains(summary.String(), want) {
			t.Errorf("the summary does not say %q:\n%s", want, summary.String())
		}
	}
}

// The JSON of a comparison, with rows that carry receipts, is what the
// schema describes.
func TestTheComparisonAndReceiptsMatchTheSchema(t *testing.T) {
	for _, r := range []inspect.Report{comparisonReport(), twoSchemesReport(true)} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r.Redact()); err != nil {
			t.Fatal(err)
		}
		schematest.Check(t, buf.Bytes())
	}
}
