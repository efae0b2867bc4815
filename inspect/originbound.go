package inspect

import (
	"fmt"
	"strconv"
)

// DescribeOriginBound says a run's origin-bound cookie mode in a few words
// for a report's readers: what it means for http and https, and the flag
// that chose it.
func DescribeOriginBound(on bool) string {
	if on {
		return "on (--origin-bound-cookies, Chrome's EnableSchemeBoundCookies and EnablePortBoundCookies): each cookie went only to the scheme that set it, a host-only cookie only to its port; a value written over http never reached https"
	}
	return "off (Chromium 156's default, as in users' browsers today): a cookie set over http was sent to https and to every port of its host, and the other way round"
}

// BoundTo says where origin-bound cookies let c go, from the scheme and
// port Chrome recorded for the origin that set it: "https, port 8443" for a
// host-only cookie, "https, any port" for a Domain cookie (Domain lifts port
// binding, never scheme binding). Empty when Chrome recorded no scheme
// ("Unset": a cookie set over CDP without one).
func (c Cookie) BoundTo() string {
	var scheme string
	switch c.SourceScheme {
	case "Secure":
		scheme = "https"
	case "NonSecure":
		scheme = "http"
	default:
		return ""
	}
	if !c.HostOnly || c.SourcePort <= 0 {
		return scheme + ", any port"
	}
	return scheme + ", port " + strconv.Itoa(c.SourcePort)
}

// OriginBoundComparison is what `probe --compare-origin-bound` (and the
// demo, for the flawed login app) found: the probed targets' attacks that
// origin binding concerns, run again in a browser launched with
// origin-bound cookies on, set beside the run's own verdicts (off, as in
// users' browsers today), attack by attack.
type OriginBoundComparison struct {
	// Probes are the probes run in the second browser.
	Probes []string `json:"probes"`
	// Browser is the second browser's product.
	Browser string `json:"browser"`
	// DurationMS is what the second run took, its launch included.
	DurationMS int64 `json:"durationMs"`
	// Error says why the second run did not complete; Attacks then holds
	// what it reached.
	Error string `json:"error,omitempty"`
	// Attacks has one row per target, probe and attacked cookie.
	Attacks []AttackChange `json:"attacks"`
}

// AttackChange is one attack (a probe against one cookie of one target)
// in both modes.
type AttackChange struct {
	Target string `json:"target"`
	Probe  string `json:"probe"`
	Cookie string `json:"cookie"`
	// Today and OriginBound are the attack's verdicts with origin-bound
	// cookies off and on: vulnerable when any of its attempts (by header,
	// by script) worked, else protected when one was, else not applicable.
	// OriginBound is empty when the second run did not reach the attack.
	Today       Verdict `json:"today"`
	OriginBound Verdict `json:"originBound"`
	// Change is what origin binding changes (ChangeFixed, ...).
	Change string `json:"change"`
	// Why is the origin-bound run's explanation of its verdict: for a fixed
	// attack, why the https site never got the attacker's value.
	Why string `json:"why"`
}

// What origin-bound cookies change about one attack, in AttackChange.Change.
const (
	// ChangeFixed: vulnerable today, protected with origin-bound cookies.
	ChangeFixed = "fixed"
	// ChangeStillVulnerable: vulnerable in both modes.
	ChangeStillVulnerable = "still-vulnerable"
	// ChangeProtectedAnyway: protected in both modes.
	ChangeProtectedAnyway = "protected-anyway"
	// ChangeNewlyVulnerable: protected today, vulnerable with origin-bound
	// cookies.
	ChangeNewlyVulnerable = "newly-vulnerable"
	// ChangeUnknown: one of the modes could not judge the attack.
	ChangeUnknown = "unknown"
)

// CompareOriginBound sets the verdicts of the probes named in probes on
// each target of bound (run with origin-bound cookies on) beside those of
// the target of today with the same URL, attack by attack, in today's
// order of targets and cookies. Rows of a scenario step are left out: the
// comparison is for `probe`.
func CompareOriginBound(today, bound []Target, probes []string) []AttackChange {
	var out []AttackChange
	for _, tt := range today {
		var bt *Target
		for i := range bound {
			if bound[i].URL == tt.URL {
				bt = &bound[i]
			}
		}
		if bt == nil {
			continue
		}
		for _, probe := range probes {
			var cookies []string
			seen := map[string]bool{}
			for _, t := range []Target{tt, *bt} {
				for _, p := range t.Probes {
					if p.Name == probe && p.Step == "" && p.Cookie != "" && !seen[p.Cookie] {
						seen[p.Cookie] = true
						cookies = append(cookies, p.Cookie)
					}
				}
			}
			for _, c := range cookies {
				todayVerdict, _ := attackVerdict(tt.Probes, probe, c)
				boundVerdict, why := attackVerdict(bt.Probes, probe, c)
				if todayVerdict == NotApplicable && boundVerdict == NotApplicable {
					continue // a summary or control row: no attack to compare
				}
				out = append(out, AttackChange{Target: tt.URL, Probe: probe, Cookie: c, Today: todayVerdict, OriginBound: boundVerdict,
					Change: change(todayVerdict, boundVerdict), Why: why})
			}
		}
	}
	return out
}

// attackVerdict merges the rows of one probe against one cookie: the worst
// verdict, with the explanation of its first row.
func attackVerdict(rows []Probe, probe, cookie string) (Verdict, string) {
	var verdict Verdict
	why := ""
	rank := map[Verdict]int{"": 0, NotApplicable: 1, Protected: 2, Vulnerable: 3}
	for _, p := range rows {
		if p.Name != probe || p.Cookie != cookie || p.Step != "" {
			continue
		}
		if rank[p.Verdict] > rank[verdict] {
			verdict, why = p.Verdict, p.Explanation
		}
	}
	return verdict, why
}

func change(today, bound Verdict) string {
	switch {
	case today == Vulnerable && bound == Protected:
		return ChangeFixed
	case today == Vulnerable && bound == Vulnerable:
		return ChangeStillVulnerable
	case today == Protected && bound == Protected:
		return ChangeProtectedAnyway
	case today == Protected && bound == Vulnerable:
		return ChangeNewlyVulnerable
	}
	return ChangeUnknown
}

// Sentence says the change in words for people: "http-overwrite of csrf:
// vulnerable today, protected with origin-bound cookies".
func (a AttackChange) Sentence() string {
	say := func(v Verdict) string {
		if v == "" {
			return "not run"
		}
		return string(v)
	}
	return fmt.Sprintf("%s of %s: %s today, %s with origin-bound cookies", a.Probe, a.Cookie, say(a.Today), say(a.OriginBound))
}
