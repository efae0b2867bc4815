package main

import (
	"strings"
	"testing"

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
