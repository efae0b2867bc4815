package attack

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/browser"

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
	target := Probe(context.Background(), w, env.Lab.URL(true, host, lab.LoginFlowPath), nil, Options{})
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

func TestFlawedPlantedSessionSurvivesLogin(t *testing.T) {
	target := probeVariant(t, lab.FlawedLoginHost)
	rs := rows(target, "fixation-plant", "sid")
	if len(rs) != 1 || rs[0].Verdict != inspect.Vulnerable || !rs[0].Accepted || !strings.Contains(rs[0].Explanation, "precondition") {
		t.Fatalf("fixation-plant on the flawed variant: %+v", rs)
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
	for _, probe := range Names {
		if probe == CrossSiteName {
			continue // no rows: its matrix is tested in crosssite_test.go
		}
		s, f := verdicts(secure, probe), verdicts(flawed, probe)
		if probe == "prefix" {
			// Chrome's own rules, the same on every host: no row is
			// vulnerable on either, and the name check is CS014's job.
			if s[inspect.Vulnerable]+f[inspect.Vulnerable] != 0 || s[inspect.Protected] == 0 || s[inspect.Protected] != f[inspect.Protected] {
				t.Errorf("prefix: secure %v, flawed %v; want the same protected rows on both", s, f)
			}
			// The valid __Host- and __Host-Http- controls: Chrome takes both.
			for _, r := range secure.Probes {
				if r.Name == probe && r.Verdict == inspect.NotApplicable && (!r.Accepted || !strings.HasPrefix(r.Explanation, "control: Chrome accepts")) {
					t.Errorf("prefix control: %+v", r)
				}
			}
			if s[inspect.NotApplicable] != 2 {
				t.Errorf("prefix: %d controls on secure, want 2", s[inspect.NotApplicable])
			}
			continue
		}
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
	target := Probe(context.Background(), w, env.Lab.URL(true, lab.FlawedLoginHost, lab.LoginFlowPath), []string{"http-overwrite"}, Options{})
	if len(target.Probes) == 0 {
		t.Fatal("no probe rows")
	}
	// Nothing listens on port 80: with interception gone, the attack URL fails
	// like any unreachable address instead of being answered.
	after := w.Inspect(context.Background(), "http://"+lab.FlawedLoginHost+"/__cookiescope/overwrite-1", browser.LoadOptions{})
	if !strings.Contains(after.Error, "ERR_CONNECTION_REFUSED") {
		t.Errorf("the attack URL after the probe: error %q, want a refused connection", after.Error)
	}
	real := w.Inspect(context.Background(), fmt.Sprintf("http://%s:%d/", lab.FlawedLoginHost, env.Lab.HTTPPort), browser.LoadOptions{})
	if real.Error != "" || len(real.Cookies) == 0 {
		t.Errorf("a real http page after the probe: error %q, %d cookies", real.Error, len(real.Cookies))
	}
}

// Every probe but cross-site (which makes no rows, and runs on http too)
// says why it cannot run.
func TestProbesThatCannotRunSaySo(t *testing.T) {
	w := newTestWorker(t)
	plain := Probe(context.Background(), w, fmt.Sprintf("http://%s:%d/", lab.FlawedLoginHost, env.Lab.HTTPPort), nil, Options{})
	empty := Probe(context.Background(), w, env.Lab.URL(true, lab.AppHost, "/"), []string{"http-overwrite", "fixation-plant"}, Options{})
	for _, tc := range []struct {
		target inspect.Target
		want   int
		why    string
	}{{plain, len(Names) - 1, "not https"}, {empty, 2, "no"}} {
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

// jar-overflow fills one write at a time and waits for each to reach the
// jar, so identical runs give identical verdicts and write counts.
func TestJarOverflowGivesTheSameVerdictsThreeTimes(t *testing.T) {
	w := newTestWorker(t)
	target := env.Lab.URL(true, lab.FlawedLoginHost, lab.LoginFlowPath)
	var first []string
	for run := 1; run <= 3; run++ {
		got := Probe(context.Background(), w, target, []string{"jar-overflow"}, Options{})
		var verdicts []string
		for _, r := range got.Probes {
			verdicts = append(verdicts, fmt.Sprintf("%s %s %s", r.Cookie, r.Verdict, r.Explanation))
			if r.Channel != "page script" || r.Emulated {
				t.Errorf("run %d: a jar-overflow row not labelled as page-script writes: %+v", run, r)
			}
		}
		if len(verdicts) < 2 {
			t.Fatalf("run %d: rows %v", run, verdicts)
		}
		if run == 1 {
			first = verdicts
			t.Logf("jar-overflow on the flawed lab: %s", strings.Join(verdicts, " | "))
			continue
		}
		if strings.Join(verdicts, "\n") != strings.Join(first, "\n") {
			t.Errorf("run %d differs from run 1:\n%s\nvs\n%s", run, strings.Join(verdicts, "\n"), strings.Join(first, "\n"))
		}
	}
}
