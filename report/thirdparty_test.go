package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

// twoPartitionsReport has one cookie name in two partitions of one
// top-level site (set by the site's own frame, and by a cross-site frame),
// each with a finding, in a run with the given third-party cookie mode.
func twoPartitionsReport(mode inspect.ThirdPartyCookies) inspect.Report {
	own := inspect.Cookie{Name: "w", Value: inspect.Redacted, Domain: "widget.test", Path: "/", HostOnly: true, Secure: true, SameSite: "None", Session: true, Partitioned: true, PartitionKey: "https://app.test"}
	embedded := own
	embedded.PartitionCrossSite = true
	finding := func(c inspect.Cookie) inspect.Finding {
		return inspect.Finding{RuleID: "CS003", Title: "Session cookie without HttpOnly", Severity: inspect.High, Cookie: c.Name, Domain: c.Domain, Path: c.Path,
			PartitionKey: c.PartitionKey, PartitionCrossSite: c.PartitionCrossSite, Evidence: "set by script", Fix: "Add HttpOnly."}
	}
	return inspect.Report{SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", ThirdPartyCookies: mode,
		Targets: []inspect.Target{{URL: "https://app.test/frames", FinalURL: "https://app.test/frames", Cookies: []inspect.Cookie{own, embedded},
			Findings: []inspect.Finding{finding(own), finding(embedded)}}}}
}

const (
	ownPartition      = "w (partitioned under https://app.test)"
	embeddedPartition = "w (partitioned under https://app.test, in a cross-site frame)"
)

func TestTheHumanFormatsStateTheThirdPartyCookieMode(t *testing.T) {
	tests := []struct {
		description string
		mode        inspect.ThirdPartyCookies
		want        string
	}{
		{"block says that only Partitioned cookies could be stored across sites", inspect.ThirdPartyCookiesBlock, "Third-party cookies: blocked (--third-party-cookies block"},
		{"allow says that cross-site frames could use every cookie", inspect.ThirdPartyCookiesAllow, "Third-party cookies: allowed (--third-party-cookies allow)"},
	}
	for _, tt := range tests {
		for _, f := range []Format{FormatTable, FormatMarkdown} {
			var buf bytes.Buffer
			if err := Write(&buf, f, twoPartitionsReport(tt.mode), Options{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if f == FormatMarkdown {
				// The Markdown escapes its punctuation; compare the words.
				out = strings.ReplaceAll(out, `\`, "")
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("%s: %s does not say %q:\n%s", tt.description, f, tt.want, out)
			}
		}
	}
}

func TestTheMachineFormatsStateTheThirdPartyCookieMode(t *testing.T) {
	for _, mode := range []inspect.ThirdPartyCookies{inspect.ThirdPartyCookiesAllow, inspect.ThirdPartyCookiesBlock} {
		var sarif bytes.Buffer
		if err := WriteSARIF(&sarif, twoPartitionsReport(mode), Options{}); err != nil {
			t.Fatal(err)
		}
		var log sarifLog
		if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		if got := log.Runs[0].Properties["thirdPartyCookies"]; got != string(mode) {
			t.Errorf("SARIF run property thirdPartyCookies %q, want %q", got, mode)
		}

		var junit bytes.Buffer
		if err := WriteJUnit(&junit, twoPartitionsReport(mode), Options{}); err != nil {
			t.Fatal(err)
		}
		var suites junitSuites
		if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
			t.Fatal(err)
		}
		for _, s := range suites.Suites {
			if len(s.Properties) != 2 || s.Properties[0] != (junitProperty{Name: "thirdPartyCookies", Value: string(mode)}) {
				t.Errorf("JUnit suite %s properties %+v, want thirdPartyCookies=%s", s.Name, s.Properties, mode)
			}
		}

		var js bytes.Buffer
		if err := WriteJSON(&js, twoPartitionsReport(mode)); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ThirdPartyCookies string `json:"thirdPartyCookies"`
		}
		if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.ThirdPartyCookies != string(mode) {
			t.Errorf("JSON thirdPartyCookies %q (%v), want %q", doc.ThirdPartyCookies, err, mode)
		}
	}
}

// Every format that names a cookie names its partition, so the two cookies
// named w are told apart.
func TestOneNameInTwoPartitionsIsToldApartInEveryFormat(t *testing.T) {
	high := inspect.High
	r := twoPartitionsReport(inspect.ThirdPartyCookiesBlock)

	var table bytes.Buffer
	if err := WriteTable(&table, r); err != nil {
		t.Fatal(err)
	}
	// The terminal report wraps its lines to the width: compare with the
	// line breaks and indents undone.
	flat := strings.Join(strings.Fields(table.String()), " ")
	for _, want := range []string{"widget.test (partitioned under https://app.test) ·", "widget.test (partitioned under https://app.test, in a cross-site frame) ·", ownPartition + ",", embeddedPartition + " "} {
		if !strings.Contains(flat, want) {
			t.Errorf("the table does not say %q:\n%s", want, table.String())
		}
	}

	var markdown bytes.Buffer
	if err := WriteMarkdown(&markdown, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ownPartition + " |", embeddedPartition + " |"} {
		if !strings.Contains(strings.ReplaceAll(markdown.String(), `\`, ""), want) {
			t.Errorf("the Markdown does not say %q:\n%s", want, markdown.String())
		}
	}

	var junit bytes.Buffer
	if err := WriteJUnit(&junit, r, Options{FailOn: &high}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ownPartition + ":", embeddedPartition + ":"} {
		if !strings.Contains(junit.String(), want) {
			t.Errorf("the JUnit failure does not say %q:\n%s", want, junit.String())
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
	results := log.Runs[0].Results
	if len(results) != 2 {
		t.Fatalf("%d SARIF results, want 2", len(results))
	}
	for i, want := range []struct{ message, partition string }{
		{"(" + ownPartition + ")", "partitioned under https://app.test"},
		{"(" + embeddedPartition + ")", "partitioned under https://app.test, in a cross-site frame"},
	} {
		if !strings.Contains(results[i].Message.Text, want.message) || results[i].Properties["partition"] != want.partition {
			t.Errorf("SARIF result %d: message %q, partition %q; want %q and %q", i, results[i].Message.Text, results[i].Properties["partition"], want.message, want.partition)
		}
	}
}
