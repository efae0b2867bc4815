package inspect

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Regression is something that got worse since a baseline report.
type Regression struct {
	// Target is the scenario name, or the URL without its port.
	Target string `json:"target"`
	Cookie string `json:"cookie"`
	// What says what changed, in one line.
	What string `json:"what"`
}

// LoadBaseline reads a JSON report written with --update-baseline.
func LoadBaseline(path string) (Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("%s: not a cookiescope JSON report: %v", path, err)
	}
	if r.SchemaVersion != SchemaVersion {
		return Report{}, fmt.Errorf("%s: schema version %d, this cookiescope reads %d (update the baseline)", path, r.SchemaVersion, SchemaVersion)
	}
	return r, nil
}

// baselineKey identifies a target across runs: the scenario's name, or the
// URL without its port (the lab's ports change every run).
func baselineKey(t Target) string {
	if t.Scenario != "" {
		return "scenario " + t.Scenario
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return t.URL
	}
	u.Host = u.Hostname()
	return u.String()
}

func cookieKey(c Cookie) string {
	return c.Name + " " + trimDot(c.Domain) + " " + c.Path
}

// sameSiteStrength orders SameSite values from weakest to strongest.
func sameSiteStrength(s string) int {
	switch s {
	case "Strict":
		return 3
	case "Lax":
		return 2
	case "":
		return 1 // Chrome applies Lax, other browsers may not
	}
	return 0
}

// Regressions compares now with a baseline and lists what got worse: a
// cookie that lost Secure, HttpOnly, host-only or SameSite strength, a new
// session-like cookie that script can read, an attack that now works (a
// new, unaccepted attack finding), an expectation that went from passing to
// failing. Targets or cookies only in one report are not regressions by
// themselves.
func Regressions(base, now Report, cfg Config) []Regression {
	cfg = cfg.withDefaults()
	baseTargets := map[string]Target{}
	for _, t := range base.Targets {
		baseTargets[baselineKey(t)] = t
	}
	var out []Regression
	for _, t := range now.Targets {
		key := baselineKey(t)
		bt, ok := baseTargets[key]
		if !ok {
			continue
		}
		add := func(cookie, format string, args ...any) {
			out = append(out, Regression{Target: key, Cookie: cookie, What: fmt.Sprintf(format, args...)})
		}
		before := map[string]Cookie{}
		for _, c := range bt.Cookies {
			before[cookieKey(c)] = c
		}
		for _, c := range t.Cookies {
			b, existed := before[cookieKey(c)]
			if existed {
				if b.Secure && !c.Secure {
					add(c.Name, "lost Secure")
				}
				if b.HttpOnly && !c.HttpOnly {
					add(c.Name, "lost HttpOnly")
				}
				if b.HostOnly && !c.HostOnly {
					add(c.Name, "gained a Domain attribute (was host-only)")
				}
				if sameSiteStrength(c.SameSite) < sameSiteStrength(b.SameSite) {
					add(c.Name, "SameSite weakened from %q to %q", b.SameSite, c.SameSite)
				}
			}
			if c.ScriptReadable && cfg.Classify(c.Name, "").Session() && (!existed || !b.ScriptReadable) {
				add(c.Name, "session-like cookie is now readable by page script (measured)")
			}
		}
		// Attacks are compared by their findings, so that an accepted one
		// (overwritable by design) is no regression either.
		found := map[string]bool{}
		for _, f := range bt.Findings {
			found[f.RuleID+" "+f.Cookie] = true
		}
		for _, f := range t.Findings {
			if isAttackRule(f.RuleID) && !f.Accepted && !found[f.RuleID+" "+f.Cookie] {
				add(f.Cookie, "%s (%s) is new: %s", f.Title, f.RuleID, f.Evidence)
			}
		}
		passed := map[string]bool{}
		for _, e := range bt.Expectations {
			passed[e.Expectation] = e.Passed
		}
		for _, e := range t.Expectations {
			if passed[e.Expectation] && !e.Passed {
				add(e.Cookie, "expectation %q now fails: %s", e.Expectation, strings.Join(e.Failures, "; "))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}
