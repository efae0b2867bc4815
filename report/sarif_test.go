package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

// decodeSARIF renders r as SARIF and reads it back.
func decodeSARIF(t *testing.T, r inspect.Report, opts Options) sarifLog {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, r, opts); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	return log
}

// identities maps each result's fingerprint to its location, and fails on
// a result without a fingerprint.
func identities(t *testing.T, log sarifLog) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, res := range log.Runs[0].Results {
		fp := res.PartialFingerprints[fingerprintKey]
		if fp == "" {
			t.Fatalf("result %s has no fingerprint", res.RuleID)
		}
		loc := res.Locations[0].PhysicalLocation
		where := loc.ArtifactLocation.URI
		if loc.Region != nil {
			where += ":" + strconv.Itoa(loc.Region.StartLine)
		}
		out[fp] = res.RuleID + " at " + where
	}
	return out
}

// labRun is one run's report of a scenario and an inspected page against a
// lab on port, with the cookie values that run drew, in the order given.
func labRun(port, value string, scenarioFirst bool) inspect.Report {
	scenario := inspect.Target{URL: "https://app.test:" + port + "/login", Scenario: "login", File: "builtin:fixation.yaml", Line: 1,
		Findings: []inspect.Finding{
			{RuleID: "CS003", Title: "Session cookie without HttpOnly", Severity: inspect.High, Cookie: "sid", Domain: "app.test", Path: "/", Step: "step 9 (builtin:fixation.yaml:23)", Evidence: "set by https://app.test:" + port + "/login to " + value},
			{RuleID: "CS003", Title: "Session cookie without HttpOnly", Severity: inspect.High, Cookie: "sid", Domain: "app.test", Path: "/", Evidence: "set by https://app.test:" + port + "/login"},
		},
		Expectations: []inspect.ExpectationResult{{Expectation: "sid: httpOnly=true", Cookie: "sid", File: "builtin:fixation.yaml", Line: 5, Failures: []string{"httpOnly: expected true, got false (value " + value + ")"}}},
	}
	page := inspect.Target{URL: "https://app.test:" + port + "/headers", Findings: []inspect.Finding{
		{RuleID: "CS001", Title: "Cookie without Secure", Severity: inspect.Medium, Cookie: "pref", Domain: "app.test", Path: "/", Evidence: "value " + value},
		{RuleID: "CS012", Title: "Many cookies", Severity: inspect.Low, Domain: "app.test", Evidence: "on https://app.test:" + port + "/"},
	}}
	r := inspect.Report{Targets: []inspect.Target{scenario, page}}
	if !scenarioFirst {
		r.Targets = []inspect.Target{page, scenario}
	}
	return r
}

func TestSARIFIdentityIgnoresPortsValuesAndOrder(t *testing.T) {
	opts := Options{SourcePath: func(file string) (string, bool) {
		name, ok := strings.CutPrefix(file, "builtin:")
		return "scenarios/builtin/" + name, ok
	}}
	first := identities(t, decodeSARIF(t, labRun("41237", "v4lue-one", true), opts))
	second := identities(t, decodeSARIF(t, labRun("36001", "v4lue-two", false), opts))
	if len(first) != 5 {
		t.Errorf("%d distinct fingerprints for 5 results: %v", len(first), first)
	}
	for fp, where := range first {
		if second[fp] != where {
			t.Errorf("%s (%s) is %q in the second run", fp, where, second[fp])
		}
	}
	for _, where := range first {
		if strings.Contains(where, "41237") || strings.Contains(where, "builtin:") {
			t.Errorf("a location depends on the port or names no file: %s", where)
		}
	}
	// What does identify a result changes its fingerprint.
	other := labRun("41237", "v4lue-one", true)
	other.Targets[0].Findings[0].Cookie = "session"
	other.Targets[1].URL = "https://app.test:41237/other"
	changed := identities(t, decodeSARIF(t, other, opts))
	same := 0
	for fp := range changed {
		if _, ok := first[fp]; ok {
			same++
		}
	}
	if same != 2 {
		t.Errorf("another cookie and another page: %d fingerprints unchanged, want 2 (the second finding and the expectation of the scenario)", same)
	}
}

func TestSARIFLocationsAreRelativeToTheRoot(t *testing.T) {
	root := t.TempDir()
	inside := filepath.Join(root, "scenarios", "login.yaml")
	outside := filepath.Join(t.TempDir(), "elsewhere.yaml")
	r := inspect.Report{Targets: []inspect.Target{
		{Scenario: "in", File: inside, Line: 2, Expectations: []inspect.ExpectationResult{{Expectation: "sid: present", Cookie: "sid", File: inside, Line: 7, Failures: []string{"absent"}}}},
		{Scenario: "out", File: outside, Line: 1, Expectations: []inspect.ExpectationResult{{Expectation: "sid: present", Cookie: "sid", File: outside, Line: 3, Failures: []string{"absent"}}}},
	}}
	log := decodeSARIF(t, r, Options{SARIFRoot: root})
	want := []sarifArtifact{{URI: "scenarios/login.yaml", URIBaseID: srcRoot}, {URI: "file://" + filepath.ToSlash(outside)}}
	for i, res := range log.Runs[0].Results {
		if got := res.Locations[0].PhysicalLocation.ArtifactLocation; got != want[i] {
			t.Errorf("result %d located at %+v, want %+v", i, got, want[i])
		}
	}
	// A relative path is taken from the working directory.
	wd, _ := os.Getwd()
	rel := inspect.Report{Targets: []inspect.Target{{Scenario: "rel", File: "testdata/x.yaml", Expectations: []inspect.ExpectationResult{{Expectation: "x", File: "testdata/x.yaml", Line: 1, Failures: []string{"f"}}}}}}
	got := decodeSARIF(t, rel, Options{SARIFRoot: filepath.Dir(wd)}).Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI
	if got != "report/testdata/x.yaml" {
		t.Errorf("testdata/x.yaml from report/ relative to the module root: %s", got)
	}
}
