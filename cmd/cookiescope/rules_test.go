package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

// findingsOf inspects one lab login variant's flow and returns its rule IDs
// by severity.
func findingsOf(t *testing.T, host string, extra ...string) (code int, ids []string, severities map[string]string, stdout string) {
	t.Helper()
	needBrowser(t)
	args := append([]string{"inspect", "--remote", testRemote, "--format", "json"}, extra...)
	code, stdout, stderr := cookiescope(t, append(args, testLab.URL(true, host, lab.LoginFlowPath))...)
	if code == exitUsage || code == exitRuntime {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
	severities = map[string]string{}
	for _, f := range decodeReport(t, stdout)["targets"].([]any)[0].(map[string]any)["findings"].([]any) {
		m := f.(map[string]any)
		id := m["ruleId"].(string)
		ids = append(ids, id)
		severities[id+" "+m["cookie"].(string)] = m["severity"].(string)
	}
	return code, ids, severities, stdout
}

func TestFlawedLoginHasTheExpectedFindings(t *testing.T) {
	code, ids, sev, _ := findingsOf(t, lab.FlawedLoginHost)
	for _, want := range []string{"CS001", "CS003", "CS004", "CS005", "CS007", "CS008", "CS014"} {
		if !slices.Contains(ids, want) {
			t.Errorf("flawed variant lacks %s; findings %v", want, ids)
		}
	}
	if sev["CS001 sid"] != "high" || sev["CS004 sid"] != "high" || sev["CS008 sid"] != "medium" {
		t.Errorf("severities %v", sev)
	}
	if code != exitOK {
		t.Errorf("exit %d without --fail-on, want 0", code)
	}
}

func TestSecureLoginHasNothingAboveLow(t *testing.T) {
	_, ids, sev, _ := findingsOf(t, lab.SecureLoginHost)
	for k, s := range sev {
		if s == "medium" || s == "high" {
			t.Errorf("secure variant: %s is %s (findings %v)", k, s, ids)
		}
	}
}

func TestFailOnAndAcceptance(t *testing.T) {
	if code, _, _, _ := findingsOf(t, lab.FlawedLoginHost, "--fail-on", "high"); code != exitFindings {
		t.Errorf("--fail-on high on the flawed variant: exit %d, want %d", code, exitFindings)
	}
	cfg := filepath.Join(t.TempDir(), "cookiescope.yaml")
	os.WriteFile(cfg, []byte(`failOn: medium
accept:
  - cookie: sid
    reason: the lab's flawed variant is flawed on purpose
  - cookie: csrf
    rules: [CS007]
    reason: the token is also checked in a header
`), 0o644)
	code, _, _, stdout := findingsOf(t, lab.FlawedLoginHost, "--config", cfg)
	if code != exitOK {
		t.Errorf("every medium or higher finding accepted: exit %d, want 0", code)
	}
	if !strings.Contains(stdout, "flawed on purpose") || !strings.Contains(stdout, `"accepted": true`) {
		t.Errorf("the report does not show the acceptances")
	}
}

func TestBadConfigNamesFileAndLine(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(cfg, []byte("thresholds:\n  sessionMaxLifetime: forever\n"), 0o644)
	code, _, stderr := cookiescope(t, "inspect", "--config", cfg, "https://app.test/")
	if code != exitUsage || !strings.Contains(stderr, cfg+":2:") {
		t.Errorf("exit %d, stderr %q; want %d naming %s:2", code, stderr, exitUsage, cfg)
	}
}

func TestRulesCommandListsEveryRule(t *testing.T) {
	code, stdout, _ := cookiescope(t, "rules")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, r := range inspect.Rules {
		if !strings.Contains(stdout, r.ID) {
			t.Errorf("rules lacks %s", r.ID)
		}
	}
}
