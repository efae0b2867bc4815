package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

func TestProbeExitCodeSaysWhetherAnAttackWorked(t *testing.T) {
	needBrowser(t)
	for _, tt := range []struct {
		host string
		want int
	}{{lab.SecureLoginHost, exitOK}, {lab.FlawedLoginHost, exitFindings}} {
		code, stdout, stderr := cookiescope(t, "probe", "--remote", testRemote, "--format", "json", "--probe", "http-overwrite", "--probe", "fixation-plant",
			testLab.URL(true, tt.host, lab.LoginFlowPath))
		if code != tt.want {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", tt.host, code, tt.want, stderr)
		}
		schematest.Check(t, []byte(stdout))
		doc := decodeReport(t, stdout)
		probes := doc["targets"].([]any)[0].(map[string]any)["probes"].([]any)
		names := map[string]bool{}
		for _, p := range probes {
			names[p.(map[string]any)["name"].(string)] = true
		}
		if len(names) != 2 || !names["http-overwrite"] || !names["fixation-plant"] {
			t.Errorf("%s: ran %v, want exactly the two probes asked for", tt.host, names)
		}
		if labToken.MatchString(stdout) {
			t.Errorf("%s: a cookie value leaked into the probe report", tt.host)
		}
	}
}

func TestProbeRejectsAnUnknownProbe(t *testing.T) {
	code, _, stderr := cookiescope(t, "probe", "--probe", "teleport", "https://app.test/")
	if code != exitUsage || !strings.Contains(stderr, "http-overwrite") {
		t.Errorf("exit %d, stderr %q; want %d listing the probes", code, stderr, exitUsage)
	}
}

// An attack that worked is a finding: SARIF carries it with its rule's
// metadata, and accepting it (overwritable by design) keeps the run green.
func TestAttackFindingsAreInSARIFAndCanBeAccepted(t *testing.T) {
	needBrowser(t)
	target := testLab.URL(true, lab.FlawedLoginHost, lab.LoginFlowPath)
	code, stdout, stderr := cookiescope(t, "probe", "--remote", testRemote, "--format", "sarif", "--probe", "http-overwrite", target)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFindings, stderr)
	}
	var sarif struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &sarif); err != nil || len(sarif.Runs) != 1 {
		t.Fatalf("SARIF: %v\n%s", err, stdout)
	}
	run := sarif.Runs[0]
	described := false
	for _, r := range run.Tool.Driver.Rules {
		described = described || (r.ID == "CS020" && strings.Contains(r.ShortDescription.Text, "overwritten from plain http"))
	}
	results := map[string]bool{}
	for _, r := range run.Results {
		if r.RuleID == "CS020" {
			results[r.Level] = true
		}
	}
	if !described || !results["error"] {
		t.Errorf("SARIF: CS020 described %v, results by level %v", described, results)
	}

	// Every other finding of the two cookies is accepted, so CS020 alone
	// decides: unaccepted it fails the run, accepted it does not.
	var others []string
	for _, r := range inspect.Rules {
		if r.ID != "CS020" {
			others = append(others, r.ID)
		}
	}
	accept := func(withAttack bool) string {
		rules := others
		if withAttack {
			rules = append(append([]string(nil), others...), "CS020")
		}
		config := filepath.Join(t.TempDir(), "accept.yaml")
		text := fmt.Sprintf("accept:\n  - {cookie: sid, rules: [%[1]s], reason: the lab is flawed on purpose}\n  - {cookie: csrf, rules: [%[1]s], reason: the lab is flawed on purpose}\n", strings.Join(rules, ", "))
		if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return config
	}
	for _, tt := range []struct {
		withAttack bool
		want       int
	}{{false, exitFindings}, {true, exitOK}} {
		code, stdout, stderr := cookiescope(t, "probe", "--remote", testRemote, "--config", accept(tt.withAttack), "--format", "json", "--probe", "http-overwrite", target)
		if code != tt.want {
			t.Errorf("CS020 accepted=%v: exit %d, want %d; stderr:\n%s", tt.withAttack, code, tt.want, stderr)
		}
		if !strings.Contains(stdout, `"ruleId": "CS020"`) {
			t.Errorf("CS020 accepted=%v: no CS020 finding in the report", tt.withAttack)
		}
	}
}
