package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// probeVariant runs every probe against a lab login variant's flow once per
// test binary; the tests below read the same rows.
var probeResults = map[string]inspect.Target{}

func probeVariant(t *testing.T, host string) inspect.Target {
	t.Helper()
	if r, ok := probeResults[host]; ok {
		return r
	}
	w := newTestWorker(t)
	target := w.Probe(context.Background(), testLab.URL(true, host, lab.LoginFlowPath), nil, LoadOptions{})
	if target.Error != "" {
		t.Fatalf("probe %s: %s", host, target.Error)
	}
	probeResults[host] = target
	return target
}

// rows returns the probe rows of one probe for one cookie.
func rows(target inspect.Target, probe, cookie string) []inspect.Probe {
	var out []inspect.Probe
	for _, p := range target.Probes {
		if p.Name == probe && p.Cookie == cookie {
			out = append(out, p)
		}
	}
	return out
}

func TestEverySecureCookieSurvivesEveryHTTPAttempt(t *testing.T) {
	target := probeVariant(t, lab.SecureLoginHost)
	secure := 0
	for _, c := range target.Cookies {
		if !c.Secure {
			continue
		}
		secure++
		for _, probe := range []string{"http-overwrite", "path-shadow", "sibling-toss"} {
			rs := rows(target, probe, c.Name)
			if len(rs) != 2 {
				t.Errorf("%s on %s: %d rows, want header and script", probe, c.Name, len(rs))
			}
			for _, r := range rs {
				if r.Accepted || r.Verdict != inspect.Protected || !r.Emulated || r.After != r.Before {
					t.Errorf("%s on Secure %s by %s: accepted=%v verdict=%s %s -> %s", probe, c.Name, r.Channel, r.Accepted, r.Verdict, r.Before, r.After)
				}
			}
		}
	}
	if secure < 2 {
		t.Fatalf("the secure variant has %d Secure cookies, want __Host-sid and pref", secure)
	}
	for _, r := range target.Probes {
		if r.Verdict == inspect.Vulnerable {
			t.Errorf("the secure variant is vulnerable: %+v", r)
		}
	}
}

func TestFlawedSessionIsOverwrittenByHeaderAndByScript(t *testing.T) {
	target := probeVariant(t, lab.FlawedLoginHost)
	rs := rows(target, "http-overwrite", "sid")
	if len(rs) != 2 {
		t.Fatalf("%d http-overwrite rows for sid, want 2", len(rs))
	}
	for _, r := range rs {
		if !r.Accepted || r.Verdict != inspect.Vulnerable || r.After != r.Forged {
			t.Errorf("sid by %s: accepted=%v verdict=%s after=%q, want the forged value %q", r.Channel, r.Accepted, r.Verdict, r.After, r.Forged)
		}
	}
}

// TestPlantedForgedSessionIsReplacedByTheLab: fixation-plant plants a value
// of its own, which the lab's login app (like express-session) never issued
// and so replaces on both variants. The flawed variant's fixation, which
// keeps an id it issued through login, is demonstrated end to end by the
// scenarios' plant step (builtin:fixation).
func TestPlantedForgedSessionIsReplacedByTheLab(t *testing.T) {
	flawed := rows(probeVariant(t, lab.FlawedLoginHost), "fixation-plant", "sid")
	if len(flawed) != 1 || flawed[0].Verdict != inspect.Protected || !flawed[0].Accepted || !strings.Contains(flawed[0].Explanation, "issued a new value") {
		t.Fatalf("fixation-plant on the flawed variant: %+v", flawed)
	}
	secure := rows(probeVariant(t, lab.SecureLoginHost), "fixation-plant", "__Host-sid")
	if len(secure) != 1 || secure[0].Verdict != inspect.Protected {
		t.Errorf("fixation-plant on the secure variant: %+v", secure)
	}
}

func TestFlawedTossedCookieShadowsTheOriginal(t *testing.T) {
	target := probeVariant(t, lab.FlawedLoginHost)
	for _, r := range rows(target, "sibling-toss", "sid") {
		if !r.Accepted || r.Verdict != inspect.Vulnerable || !strings.HasPrefix(r.After, r.Forged) {
			t.Errorf("toss of sid by %s: accepted=%v verdict=%s after=%q (%s)", r.Channel, r.Accepted, r.Verdict, r.After, r.Explanation)
		}
		// The lab replaces a session id it never issued, so by the time the
		// flow's last document loads, the tossed value may be gone again.
		if !strings.Contains(r.Explanation, "attacker's value") && !strings.Contains(r.Explanation, "the jar took the tossed cookie") {
			t.Errorf("the toss does not say what the server receives: %s", r.Explanation)
		}
	}
	hostRows := rows(target, "sibling-toss", "__Host-sid")
	if len(hostRows) != 1 || hostRows[0].Accepted || hostRows[0].Verdict != inspect.Protected {
		t.Errorf("the __Host- counterfactual: %+v", hostRows)
	}
}

func TestEachProbeTellsTheVariantsApart(t *testing.T) {
	verdicts := func(target inspect.Target, probe string) map[inspect.Verdict]int {
		out := map[inspect.Verdict]int{}
		for _, r := range target.Probes {
			if r.Name == probe {
				out[r.Verdict]++
			}
		}
		return out
	}
	secure, flawed := probeVariant(t, lab.SecureLoginHost), probeVariant(t, lab.FlawedLoginHost)
	for _, probe := range ProbeNames {
		if probe == "fixation-plant" {
			continue // the lab replaces a forged id on both (see above)
		}
		s, f := verdicts(secure, probe), verdicts(flawed, probe)
		if s[inspect.Vulnerable] != 0 || f[inspect.Vulnerable] == 0 {
			t.Errorf("%s: secure %v, flawed %v; want no vulnerable row on secure and some on flawed", probe, s, f)
		}
	}
	for _, r := range rows(flawed, "jar-overflow", "sid") {
		if r.Verdict != inspect.Vulnerable || r.After != inspect.Absent {
			t.Errorf("jar-overflow of the flawed sid: %+v", r)
		}
	}
}

func TestProbesLeaveNoInterceptionBehind(t *testing.T) {
	w := newTestWorker(t)
	target := w.Probe(context.Background(), testLab.URL(true, lab.FlawedLoginHost, lab.LoginFlowPath), []string{"http-overwrite"}, LoadOptions{})
	if len(target.Probes) == 0 {
		t.Fatal("no probe rows")
	}
	// Nothing listens on port 80: with interception gone, the attack URL fails
	// like any unreachable address instead of being answered.
	after := w.Inspect(context.Background(), "http://"+lab.FlawedLoginHost+"/__cookiescope/overwrite-1", LoadOptions{})
	if !strings.Contains(after.Error, "ERR_CONNECTION_REFUSED") {
		t.Errorf("the attack URL after the probe: error %q, want a refused connection", after.Error)
	}
	real := w.Inspect(context.Background(), fmt.Sprintf("http://%s:%d/", lab.FlawedLoginHost, testLab.HTTPPort), LoadOptions{})
	if real.Error != "" || len(real.Cookies) == 0 {
		t.Errorf("a real http page after the probe: error %q, %d cookies", real.Error, len(real.Cookies))
	}
}

func TestProbesThatCannotRunSaySo(t *testing.T) {
	w := newTestWorker(t)
	plain := w.Probe(context.Background(), fmt.Sprintf("http://%s:%d/", lab.FlawedLoginHost, testLab.HTTPPort), nil, LoadOptions{})
	empty := w.Probe(context.Background(), testLab.URL(true, lab.AppHost, "/"), []string{"http-overwrite", "fixation-plant"}, LoadOptions{})
	for _, tc := range []struct {
		target inspect.Target
		want   int
		why    string
	}{{plain, len(ProbeNames), "not https"}, {empty, 2, "no"}} {
		if len(tc.target.Probes) != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.target.URL, len(tc.target.Probes), tc.want)
		}
		for _, r := range tc.target.Probes {
			if r.Verdict != inspect.NotApplicable || !strings.Contains(r.Explanation, tc.why) {
				t.Errorf("%s %s: verdict %s, %q; want not applicable saying %q", tc.target.URL, r.Name, r.Verdict, r.Explanation, tc.why)
			}
		}
	}
}
