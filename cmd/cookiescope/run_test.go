package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

func TestRunFlawedFailsInEveryFormat(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	code, _, stderr := cookiescope(t, "run", "--format", "json", "--output", out("r.json"), "--format", "junit", "--output", out("r.xml"),
		"--format", "sarif", "--output", out("r.sarif"), "--format", "markdown", "--output", out("r.md"), "--format", "table", "--output", out("r.txt"),
		"../../testdata/scenarios")
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFindings, stderr)
	}
	read := func(name string) string {
		data, err := os.ReadFile(out(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	schematest.Check(t, []byte(read("r.json")))
	for name, want := range map[string]string{
		"r.json":  `"failures": [`,
		"r.xml":   `httpOnly: expected true, got false`,
		"r.sarif": `"ruleId": "expectation"`,
		"r.md":    "❌ flawed login",
		"r.txt":   "FAIL",
	} {
		if !strings.Contains(read(name), want) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
	// run fails on high findings by default: the flawed scenario's suite
	// counts its failed expectation and its high findings (CS001, CS003,
	// CS004 on sid, judged at the step where sid was seen), and the secure
	// one nothing.
	junit := read("r.xml")
	for _, want := range []string{`failures="4"`, `type="CS001"`, `type="CS004"`, `failures="0"`} {
		if !strings.Contains(junit, want) {
			t.Errorf("JUnit lacks %s:\n%s", want, junit)
		}
	}
}

func TestBrokenScenarioExitsTwoBeforeAnyBrowser(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: broken\nlab: secure\nsteps:\n  - goto: /login\n  - clik: \"#go\"\n"), 0o644)
	missing := filepath.Join(dir, "secret.yaml")
	os.WriteFile(missing, []byte("name: needs a secret\nlab: secure\nsteps:\n  - fill: {selector: \"#p\", value: \"${COOKIESCOPE_TEST_UNSET_PASSWORD}\"}\n"), 0o644)
	for _, tc := range []struct{ file, want string }{
		{bad, bad + `:5: unknown step "clik"`},
		{missing, missing + ":4: fill value: environment variable COOKIESCOPE_TEST_UNSET_PASSWORD is not set"},
	} {
		// --browser names no binary: reaching the launch would fail with exit 3.
		code, _, stderr := cookiescope(t, "run", "--browser", trapBrowser(t), tc.file)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("exit %d, stderr %q; want %d with %q", code, stderr, exitUsage, tc.want)
		}
	}
}

func TestSecretsNeverAppear(t *testing.T) {
	needBrowser(t)
	t.Setenv("COOKIESCOPE_TEST_PASSWORD", "hunter2-very-secret")
	file := filepath.Join(t.TempDir(), "login.yaml")
	os.WriteFile(file, []byte(`name: login with a secret
lab: flawed
timeout: 5s
steps:
  - goto: /login
  - fill: {selector: "input[name=password]", value: "${COOKIESCOPE_TEST_PASSWORD}"}
  - eval: "document.cookie = 'typed=' + document.querySelector('input[name=password]').value"
  - fill: {selector: "#missing", value: "${COOKIESCOPE_TEST_PASSWORD}"}
`), 0o644)
	for _, format := range []string{"json", "table", "junit", "markdown"} {
		_, stdout, stderr := cookiescope(t, "run", "--format", format, "--show-values", file)
		if strings.Contains(stdout+stderr, "hunter2-very-secret") {
			t.Errorf("--format %s shows the secret", format)
		}
		if format == "json" && !strings.Contains(stdout, "#missing") {
			t.Errorf("the failed fill step is not named")
		}
	}
}

// builtin:fixation fails through its finding: CS026 on the flawed lab's
// scenario, nothing of the kind on the secure one's.
func TestBuiltinFixationFailsThroughTheFinding(t *testing.T) {
	needBrowser(t)
	code, stdout, stderr := cookiescope(t, "run", "--format", "json", "builtin:fixation")
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFindings, stderr)
	}
	schematest.Check(t, []byte(stdout))
	doc := decodeReport(t, stdout)
	demonstrated := map[string]bool{}
	for _, tg := range doc["targets"].([]any) {
		target := tg.(map[string]any)
		findings, _ := target["findings"].([]any)
		for _, f := range findings {
			finding := f.(map[string]any)
			if finding["ruleId"] == "CS026" && finding["severity"] == "high" {
				demonstrated[target["scenario"].(string)] = true
			}
		}
	}
	if !demonstrated["session fixation on the flawed login"] || demonstrated["session fixation on the secure login"] || len(demonstrated) != 1 {
		t.Errorf("CS026 on %v, want the flawed login's scenario only", demonstrated)
	}
	if labToken.MatchString(stdout) {
		t.Error("a session value leaked into the report")
	}
}

// A step that runs out of the scenario's timeout: says so, with the line
// of the timeout: that decided, and does not advise --timeout, which does
// not bound it.
func TestAStepTimeoutNamesTheScenariosTimeout(t *testing.T) {
	needBrowser(t)
	file := filepath.Join(t.TempDir(), "slow.yaml")
	os.WriteFile(file, []byte("name: a button that never appears\nurl: "+testLab.URL(true, lab.AppHost, "/headers")+"\ntimeout: 1s\nsteps:\n  - goto: /headers\n  - click: \"#never-there\"\n"), 0o644)
	code, stdout, stderr := cookiescope(t, "run", "--remote", testRemote, "--format", "json", file)
	if code != exitRuntime {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitRuntime, stderr)
	}
	doc := decodeReport(t, stdout)
	msg, _ := doc["targets"].([]any)[0].(map[string]any)["error"].(string)
	want := `click "#never-there": timed out after 1s (the scenario's timeout: at ` + file + `:3; raise it there)`
	if !strings.Contains(msg, want) || strings.Contains(msg, "--timeout") {
		t.Errorf("the step's error is\n%s\nwant it to contain\n%s\nand not advise --timeout", msg, want)
	}
}

// sarifIdentities runs the scenario file with --format sarif and returns
// each result's fingerprint with its rule and location.
func sarifIdentities(t *testing.T, args ...string) map[string]string {
	t.Helper()
	code, stdout, stderr := cookiescope(t, append([]string{"run", "--remote", testRemote, "--format", "sarif"}, args...)...)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFindings, stderr)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID              string
				PartialFingerprints map[string]string
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &log); err != nil {
		t.Fatalf("SARIF: %v\n%s", err, stdout)
	}
	out := map[string]string{}
	for _, r := range log.Runs[0].Results {
		if len(r.PartialFingerprints) != 1 || len(r.Locations) != 1 {
			t.Fatalf("result %s: fingerprints %v, %d locations", r.RuleID, r.PartialFingerprints, len(r.Locations))
		}
		loc := r.Locations[0].PhysicalLocation
		for _, fp := range r.PartialFingerprints {
			out[fp] = fmt.Sprintf("%s at %s:%d", r.RuleID, loc.ArtifactLocation.URI, loc.Region.StartLine)
		}
	}
	return out
}

// Two runs of one scenario against two labs on different ports (different
// cookie values too) give the same SARIF results, by fingerprint and
// location, so that code scanning keeps each alert's identity.
func TestSARIFResultsKeepTheirIdentityAcrossLabs(t *testing.T) {
	needBrowser(t)
	other, err := lab.Start(lab.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.HTTPPort == testLab.HTTPPort {
		t.Fatal("the two labs share a port")
	}
	root := t.TempDir()
	file := filepath.Join(root, "scenarios", "headers.yaml")
	os.MkdirAll(filepath.Dir(file), 0o755)
	runs := make([]map[string]string, 2)
	for i, l := range []*lab.Lab{testLab, other} {
		// Plain http: the shared browser trusts only the first lab's key.
		os.WriteFile(file, []byte("name: the headers page\nurl: "+l.URL(false, lab.AppHost, "/")+"\nsteps:\n  - goto: /headers\n  - capture: loaded\n  - expect: {cookie: no-such-cookie}\n"), 0o644)
		runs[i] = sarifIdentities(t, "--sarif-root", root, file)
	}
	if len(runs[0]) < 2 {
		t.Fatalf("%d results, want the failed expectation and findings: %v", len(runs[0]), runs[0])
	}
	for fp, where := range runs[0] {
		if !strings.Contains(where, " at scenarios/headers.yaml:") {
			t.Errorf("%s is not located in the scenario file relative to --sarif-root", where)
		}
		if runs[1][fp] != where {
			t.Errorf("%s (%s) is %q against the second lab", fp, where, runs[1][fp])
		}
	}
	if len(runs[1]) != len(runs[0]) {
		t.Errorf("%d results against the first lab, %d against the second", len(runs[0]), len(runs[1]))
	}
}
