package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cookiescope/cookiescope/inspect"
)

// sarifStructure is the part of SARIF 2.1.0 (OASIS) that cookiescope
// writes, as a JSON Schema: the required properties and value sets the
// specification gives for sarifLog, run, tool.driver, reportingDescriptor
// and result.
const sarifStructure = `{
  "type": "object",
  "required": ["version", "runs"],
  "properties": {
    "version": {"const": "2.1.0"},
    "$schema": {"type": "string"},
    "runs": {"type": "array", "minItems": 1, "items": {
      "type": "object",
      "required": ["tool", "results"],
      "properties": {
        "tool": {"type": "object", "required": ["driver"], "properties": {
          "driver": {"type": "object", "required": ["name", "rules"], "properties": {
            "name": {"type": "string", "minLength": 1},
            "rules": {"type": "array", "items": {"type": "object", "required": ["id", "shortDescription", "defaultConfiguration"], "properties": {
              "id": {"type": "string"},
              "shortDescription": {"type": "object", "required": ["text"]},
              "fullDescription": {"type": "object", "required": ["text"]},
              "help": {"type": "object", "required": ["text"]},
              "helpUri": {"type": "string", "format": "uri"},
              "defaultConfiguration": {"type": "object", "properties": {"level": {"enum": ["none", "note", "warning", "error"]}}}
            }}}
          }}
        }},
        "results": {"type": "array", "items": {"type": "object", "required": ["ruleId", "message", "locations"], "properties": {
          "ruleId": {"type": "string"},
          "ruleIndex": {"type": "integer", "minimum": 0},
          "level": {"enum": ["none", "note", "warning", "error"]},
          "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}},
          "locations": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["physicalLocation"], "properties": {
            "physicalLocation": {"type": "object", "required": ["artifactLocation"], "properties": {
              "artifactLocation": {"type": "object", "required": ["uri"], "properties": {"uri": {"type": "string", "format": "uri-reference"}}}
            }}
          }}},
          "suppressions": {"type": "array", "items": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["inSource", "external"]}, "justification": {"type": "string"}}}}
        }}}
      }
    }}
  }
}`

func findingsReport() inspect.Report {
	r := fullReport()
	r.Targets[0].Findings = []inspect.Finding{
		{RuleID: "CS003", Title: "Session cookie without HttpOnly", Severity: inspect.High, Cookie: "sid", Domain: "app.test", Path: "/", SessionLike: "name", Step: "step 9 (login.yaml:16)", Evidence: "set by the Set-Cookie header of https://app.test/login", Fix: "Add HttpOnly.", References: inspect.Rules[2].References},
		{RuleID: "CS005", Title: "SameSite missing", Severity: inspect.Low, Cookie: "s_cc", Domain: ".app.test", Path: "/", Evidence: "no SameSite", Fix: "Set SameSite.", References: inspect.Rules[4].References, Accepted: true, Reason: "Adobe Analytics reads it by design"},
	}
	return r
}

func TestSARIFHasTheSpecifiedStructure(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, findingsReport(), Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schemaDoc, _ := jsonschema.UnmarshalJSON(strings.NewReader(sarifStructure))
	if err := c.AddResource("sarif-structure.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif-structure.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF output breaks the structure:\n%v\n%s", err, buf.String())
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(inspect.Rules)+1 || len(run.Results) != 2 {
		t.Fatalf("%d rules and %d results, want %d (the rules and the expectation rule) and 2", len(run.Tool.Driver.Rules), len(run.Results), len(inspect.Rules)+1)
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s points at rule %d (%s)", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
	}
	if run.Results[0].Level != "error" || len(run.Results[1].Suppressions) != 1 {
		t.Errorf("levels and suppressions: %+v", run.Results)
	}
}

func TestJUnitFailsOnlyAtOrAboveFailOn(t *testing.T) {
	high := inspect.High
	for _, tc := range []struct {
		failOn   *inspect.Severity
		failures int
	}{{nil, 0}, {&high, 1}} {
		var buf bytes.Buffer
		if err := WriteJUnit(&buf, findingsReport(), Options{FailOn: tc.failOn}); err != nil {
			t.Fatal(err)
		}
		var suites junitSuites
		if err := xml.Unmarshal(buf.Bytes(), &suites); err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if len(suites.Suites) != 2 {
			t.Fatalf("%d testsuites, want one per target", len(suites.Suites))
		}
		s := suites.Suites[0]
		failures, errors := 0, 0
		for _, c := range s.Cases {
			if c.Failure != nil {
				failures++
				if c.Failure.Type != "CS003" || !strings.Contains(c.Failure.Text, "sid") {
					t.Errorf("failure %+v", c.Failure)
				}
			}
			if c.Error != nil {
				errors++
			}
		}
		if failures != tc.failures || s.Failures != failures || s.Errors != errors || errors != 1 || s.Tests != len(s.Cases) || suites.Failures != failures {
			t.Errorf("fail-on %v: counted failures=%d errors=%d tests=%d; attributes failures=%d errors=%d tests=%d total=%d", tc.failOn, failures, errors, len(s.Cases), s.Failures, s.Errors, s.Tests, suites.Failures)
		}
	}
}

func TestRulesDocumentIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRulesMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Error("docs/rules.md is out of date: go run ./cmd/cookiescope rules --format markdown > docs/rules.md")
	}
}

// scenarioReport is a scenario target with one passed and one failed
// expectation.
func scenarioReport() inspect.Report {
	return inspect.Report{Targets: []inspect.Target{{URL: "https://app.test/", Scenario: "login", File: "login.yaml", Line: 1,
		Expectations: []inspect.ExpectationResult{
			{Expectation: "sid: secure=true", Cookie: "sid", File: "login.yaml", Line: 9, Passed: true, Failures: []string{}},
			{Expectation: "sid: httpOnly=true", Cookie: "sid", File: "login.yaml", Line: 12, Failures: []string{"httpOnly: expected true, got false"}},
		}}}}
}

func TestFailedExpectationsInEveryFormat(t *testing.T) {
	var sarif, junit, markdown bytes.Buffer
	if err := WriteSARIF(&sarif, scenarioReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	json.Unmarshal(sarif.Bytes(), &log)
	res := log.Runs[0].Results
	if len(res) != 1 || res[0].RuleID != "expectation" || res[0].Locations[0].PhysicalLocation.Region.StartLine != 12 || res[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "login.yaml" {
		t.Errorf("SARIF results for the failed expectation: %+v", res)
	}
	if err := WriteJUnit(&junit, scenarioReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	s := suites.Suites[0]
	if s.Name != "login" || s.Failures != 1 || s.Cases[1].Failure == nil || !strings.Contains(s.Cases[1].Failure.Message, "expected true, got false") || s.Cases[0].Failure != nil {
		t.Errorf("JUnit suite for the scenario: %+v", s)
	}
	if err := WriteMarkdown(&markdown, scenarioReport()); err != nil {
		t.Fatal(err)
	}
	if md := markdown.String(); !strings.Contains(md, "❌ login") || !strings.Contains(md, "httpOnly: expected true, got false") {
		t.Errorf("Markdown:\n%s", md)
	}
}

// stepReport is a scenario whose session, deleted at logout, drew a
// finding at the step where it was last seen. The file name holds a pipe
// and an escape sequence, as a hostile file name could.
func stepReport() (inspect.Report, string) {
	const step = "step 9 (evil|\x1b[2J.yaml:16)"
	sid := inspect.Cookie{Name: "sid", Value: "s3cret", Domain: ".app.test", Path: "/", SameSite: "Lax", Session: true, SeenAt: step,
		SetBy: []inspect.Write{{Via: inspect.ViaHeader, URL: "https://app.test/login", CookieLine: "sid=s3cret; Domain=app.test"}}}
	return inspect.Report{Targets: []inspect.Target{{URL: "https://app.test/", FinalURL: "https://app.test/logout", Scenario: "login", File: "evil.yaml", Line: 1,
		EarlierCookies: []inspect.Cookie{sid},
		Findings: []inspect.Finding{
			{RuleID: "CS003", Title: "Session cookie without HttpOnly", Severity: inspect.High, Cookie: "sid", Domain: ".app.test", Path: "/", Step: step, Evidence: "set by the Set-Cookie header of https://app.test/login", Fix: "Add HttpOnly."},
			{RuleID: "CS005", Title: "SameSite missing", Severity: inspect.Low, Cookie: "theme", Domain: "app.test", Path: "/", Evidence: "no SameSite", Fix: "Set SameSite."},
		}}}}, step
}

func TestFindingStepInEveryFormat(t *testing.T) {
	r, step := stepReport()
	escaped := `step 9 (evil|\u001b[2J.yaml:16)`
	failOn := inspect.Low

	var table bytes.Buffer
	if err := WriteTable(&table, r.Redact()); err != nil {
		t.Fatal(err)
	}
	checkInert(t, "the table", table.String(), escaped)
	if !strings.Contains(table.String(), "sid (at "+escaped+")") || !strings.Contains(table.String(), "theme (final jar)") || !strings.Contains(table.String(), "Seen at earlier steps") {
		t.Errorf("the table lacks the step of a finding, the final jar's marker or the earlier cookies:\n%s", table.String())
	}
	if strings.Contains(table.String(), "s3cret") {
		t.Errorf("the redacted table shows the earlier cookie's value:\n%s", table.String())
	}

	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	checkInert(t, "the Markdown", md.String(), `sid (at step 9 (evil\|\\u001b\[2J.yaml:16))`)
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(line, "| CS") {
			if n := len(unescapedPipe.FindAllString(line, -1)); n != 5 {
				t.Errorf("a Markdown finding row has %d cell borders, want 5: %s", n, line)
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
	found := false
	for _, res := range log.Runs[0].Results {
		if res.RuleID == "CS003" {
			found = true
			if !strings.Contains(res.Message.Text, "(sid, at "+escaped+")") || res.Properties["step"] != step {
				t.Errorf("SARIF result for the earlier cookie: message %q, step property %q", res.Message.Text, res.Properties["step"])
			}
		}
	}
	if !found {
		t.Error("no SARIF result for CS003")
	}

	var junit bytes.Buffer
	if err := WriteJUnit(&junit, r, Options{FailOn: &failOn}); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	found = false
	for _, c := range suites.Suites[0].Cases {
		if c.Failure != nil && c.Failure.Type == "CS003" {
			found = true
			if !strings.Contains(c.Failure.Text, "sid (at "+escaped+")") {
				t.Errorf("JUnit failure for the earlier cookie: %q", c.Failure.Text)
			}
		}
	}
	if !found {
		t.Error("no JUnit failure for CS003")
	}
}

// Every human format says why a finding's cookie counts as a session.
func TestSessionReasonInEveryFormat(t *testing.T) {
	r := findingsReport()
	low := inspect.Low
	for _, format := range []Format{FormatTable, FormatMarkdown, FormatSARIF, FormatJUnit} {
		var out bytes.Buffer
		if err := Write(&out, format, r, Options{FailOn: &low}); err != nil {
			t.Fatal(err)
		}
		want := "judged a session credential: name"
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s does not say why sid is a session:\n%s", format, out.String())
		}
	}
}

// The table shows a scenario's plants and Chrome's decision, inert.
func TestPlantsInTheTable(t *testing.T) {
	r := inspect.Report{Targets: []inspect.Target{{URL: "https://app.test/", Scenario: "fixation", Plants: []inspect.Plant{
		{Cookie: "sid", Over: inspect.PlantOverHTTP, From: "attacker-session", URL: "http://app.test/__cookiescope/plant-1", Planted: true, Evidence: "Chrome stored it", Line: 13},
		{Cookie: "__Host-sid", Over: inspect.PlantOverHTTP, URL: "http://app.test/__cookiescope/plant-2", Evidence: "Chrome refused it: \x1b[2J", Line: 20},
	}}}}
	var out bytes.Buffer
	if err := WriteTable(&out, r); err != nil {
		t.Fatal(err)
	}
	checkInert(t, "the table", out.String(), `\u001b[2J`)
	for _, want := range []string{"Planted by the emulated network attacker", "attacker-session", "stored", "refused", "(a literal value)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFormatsAreOneRegistry(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(strings.ToUpper(string(f))); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", strings.ToUpper(string(f)), got, err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, f, inspect.Report{Targets: []inspect.Target{{URL: "https://app.test/"}}}, Options{}); err != nil || buf.Len() == 0 {
			t.Errorf("%s: wrote %d bytes, %v", f, buf.Len(), err)
		}
	}
	if err := Write(io.Discard, Format("yaml"), inspect.Report{}, Options{}); err == nil || !strings.Contains(err.Error(), "want table, json, sarif, junit, markdown or html") {
		t.Errorf("an unknown format: %v; want an error, never the table", err)
	}
	tests := []struct {
		description string
		format      Format
		path        string
		ok          bool
	}{
		{"a JSON report in a .json file", FormatJSON, "out/report.json", true},
		{"SARIF in a .sarif file", FormatSARIF, "cookies.sarif", true},
		{"SARIF in a .json file (it is JSON)", FormatSARIF, "cookies.json", true},
		{"the table in a .json file: the pairs were given in another order", FormatTable, "report.json", false},
		{"JSON in a .sarif file", FormatJSON, "cookies.sarif", false},
		{"Markdown in an .xml file", FormatMarkdown, "junit.xml", false},
		{"any format in a file whose name says nothing", FormatJUnit, "results", true},
		{"the table in a .txt file", FormatTable, "report.TXT", true},
	}
	for _, tt := range tests {
		if err := CheckFileFor(tt.format, tt.path); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.description, err)
		}
	}
}
