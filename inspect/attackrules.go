package inspect

import (
	"fmt"
	"sort"
	"strings"
)

// refOWASPFixation is the reference for session fixation.
var refOWASPFixation = Reference{"OWASP Session Management Cheat Sheet (renew the session ID after any privilege level change)", "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#renew-the-session-id-after-any-privilege-level-change"}

// attackRules turn attacks that worked into findings, CS020 on. A probe row
// judged vulnerable fires its probe's rule; the finding's severity follows
// the attacked cookie's role (Config.Classify): a session credential high,
// a CSRF token medium, anything else low, unless the rule fixes it.
var attackRules = []Rule{
	{
		ID: "CS020", Title: "Cookie overwritten from plain http (demonstrated)", Severity: Low,
		Why:        "cookiescope played a network attacker on plain http and Chrome stored the attacker's value in place of the cookie: whoever sits on the network (public Wi-Fi) can set it to a value of their choosing.",
		Fix:        "Add Secure (Chrome then refuses http writes to the name) and use a __Host- name; serve the site with HSTS.",
		References: []Reference{refStrictSecure, refPrefixes, refWeakConfid},
		check:      probeFindings("http-overwrite", true),
	},
	{
		ID: "CS021", Title: "Cookie shadowed from plain http with a longer path (demonstrated)", Severity: Low,
		Why:        "Chrome stored a cookie of the same name with a longer Path from plain http; requests to that path carry the attacker's value first, and most servers read the first.",
		Fix:        "Add Secure (strict secure cookies forbid the shadow) and use a __Host- name.",
		References: []Reference{refStrictSecure, refPrefixes},
		check:      probeFindings("path-shadow", true),
	},
	{
		ID: "CS022", Title: "Cookie tossed from a sibling subdomain (demonstrated)", Severity: Low,
		Why:        "A sibling subdomain (or a network attacker posing as one over http) set a cookie of the same name for the parent domain, and Chrome sends it to this host: the server cannot tell the two apart.",
		Fix:        "Use a __Host- name: Chrome refuses a __Host- cookie with Domain, so no sibling can toss one.",
		References: []Reference{refPrefixes, refWeakConfid},
		check:      probeFindings("sibling-toss", true),
	},
	{
		ID: "CS023", Title: "Planted session id kept by the server (fixation precondition)", Severity: Low,
		Why:        "A session id the server issued, planted over plain http in another browser, was kept when that browser loaded the page: if the server also keeps it through login, the attacker who planted it holds the account. This is a precondition, not a demonstration.",
		Fix:        "Issue a new session id at login (and at every privilege change); name the cookie __Host- so that http cannot plant it.",
		References: []Reference{refOWASPFixation, refPrefixes},
		check:      probeFindings("fixation-plant", false),
	},
	{
		ID: "CS024", Title: "Cookie evicted by page script filling the jar (demonstrated)", Severity: Low,
		Why:        "Page script wrote cookies until Chrome's per-domain limit evicted this one: any script on the site can push it out and then set its own in its place.",
		Fix:        "Make the cookie Secure (Chrome evicts non-Secure cookies first) or Priority=High, keep the site's cookie count low, and do not let untrusted script run on the origin.",
		References: []Reference{refCookieAttrs, refWeakConfid},
		check:      probeFindings("jar-overflow", true),
	},
	{
		ID: "CS025", Title: "Chrome accepted a cookie that breaks a prefix rule", Severity: Medium,
		Why:        "Chrome stored a cookie whose name prefix (__Secure-, __Host-, __Http-, __Host-Http-) forbids it; the guarantees the prefix gives do not hold in this browser.",
		Fix:        "Update Chrome; until then do not rely on cookie prefixes alone.",
		References: []Reference{refPrefixes},
		check:      probeFindings("prefix", false),
	},
	{
		ID: "CS026", Title: "Session fixation (demonstrated)", Severity: High,
		Why:        "A scenario had the emulated network attacker plant a session id in the victim's browser, the victim logged in and kept that same id, and the attacker's own browser then saw the victim's account: whoever can plant a cookie (plain http, a sibling subdomain) takes over the session.",
		Fix:        "Issue a new session id at login (and at every privilege change), ending the old one; name the cookie __Host- so that neither http nor a sibling subdomain can plant it.",
		References: []Reference{refOWASPFixation, refPrefixes, refWeakConfid},
		check:      fixationDemonstrated,
	},
}

// fixationDemonstrated fires once per plant whose story a scenario told in
// full: Chrome stored the planted cookie and the victim's https page got it
// (or that was not measured); a later rotated expectation of
// the victim on it, against a checkpoint taken at or after the plant,
// failed with the value unchanged; and a still later expectation of the
// attacker's browser that the page shows no account failed.
func fixationDemonstrated(j *judge, t Target) []Finding {
	var out []Finding
	for _, p := range t.Plants {
		// A plant the victim's https page never got (bound to http) cannot
		// have fixed its session, whatever the jar holds.
		if !p.Planted || p.Received != nil && !*p.Received {
			continue
		}
		kept, ok := firstResult(t.Expectations, func(r ExpectationResult) bool {
			return r.Browser == "" && r.Cookie == p.Cookie && r.Line > p.Line && r.RotatedLine >= p.Line &&
				!r.Passed && r.Rotation == RotationUnchanged
		})
		if !ok {
			continue
		}
		seen, ok := firstResult(t.Expectations, func(r ExpectationResult) bool {
			return r.Browser == BrowserAttacker && r.Page != "" && r.Absent && !r.Passed && r.Line > kept.Line &&
				r.PageVisible != nil && *r.PageVisible
		})
		if !ok {
			continue
		}
		from := "a value of its own"
		if p.From != "" {
			from = "the value it had at " + p.From
		}
		evidence := fmt.Sprintf("the network attacker planted %s (%s) in the victim's browser from %s (%s:%d); %s; "+
			"the victim logged in and kept the planted value (%s:%d: %s); then the attacker's browser saw %s on %s (%s:%d)",
			p.Cookie, from, p.URL, p.File, p.Line, p.Evidence, kept.File, kept.Line, kept.Expectation, seen.Page, seen.PageURL, seen.File, seen.Line)
		f := Finding{Cookie: p.Cookie, Evidence: evidence}
		if role := j.classify(p.Cookie); role.Session() {
			f.SessionLike = role.Why
		}
		out = append(out, f)
	}
	return out
}

// firstResult returns the first expectation result that match accepts.
func firstResult(rs []ExpectationResult, match func(ExpectationResult) bool) (ExpectationResult, bool) {
	for _, r := range rs {
		if match(r) {
			return r, true
		}
	}
	return ExpectationResult{}, false
}

// probeFindings makes a check that fires once per cookie (and scenario
// step) on which the named probe worked, joining its channels' rows. With
// byRole the severity follows the cookie's role; otherwise it is the rule's.
func probeFindings(probe string, byRole bool) func(*judge, Target) []Finding {
	return func(j *judge, t Target) []Finding {
		type key struct{ cookie, step string }
		var order []key
		rows := map[key][]Probe{}
		for _, p := range t.Probes {
			if p.Name != probe || p.Verdict != Vulnerable {
				continue
			}
			k := key{p.Cookie, p.Step}
			if rows[k] == nil {
				order = append(order, k)
			}
			rows[k] = append(rows[k], p)
		}
		out := make([]Finding, 0, len(order))
		for _, k := range order {
			var parts []string
			for _, p := range rows[k] {
				parts = append(parts, fmt.Sprintf("%s: %s", p.Attack, p.Explanation))
			}
			sort.Strings(parts)
			evidence := strings.Join(parts, "; ")
			if k.step != "" {
				evidence = "at " + k.step + ": " + evidence
			}
			role := j.classify(k.cookie)
			f := Finding{Cookie: k.cookie, Evidence: evidence}
			if byRole {
				f.Severity = role.Role.AttackSeverity()
			}
			if role.Session() {
				f.SessionLike = role.Why
			}
			out = append(out, f)
		}
		return out
	}
}

// isAttackRule reports whether id is one of the rules of a demonstrated
// attack or flaw (attackRules and sessionRules).
func isAttackRule(id string) bool {
	for _, r := range append(append([]Rule(nil), attackRules...), sessionRules...) {
		if r.ID == id {
			return true
		}
	}
	return false
}

// refOWASPLogout is the reference for a session that outlives its logout.
var refOWASPLogout = Reference{"OWASP WSTG-SESS-06: Testing for Logout Functionality", "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/06-Session_Management_Testing/06-Testing_for_Logout_Functionality"}

// sessionRules turn what a scenario's session measurement demonstrated
// into findings, CS030 on.
var sessionRules = []Rule{
	{
		ID: "CS030", Title: "Session still valid after logout (demonstrated)", Severity: High,
		Why:        "After the logout steps, a fresh browser holding only the session's credentials as they were before logout still saw the logged-in page: the server did not end the session, so whoever copied the cookies (a stolen laptop, malware, a shared computer, an XSS before HttpOnly) keeps the account after the user logged out.",
		Fix:        "End the session on the server at logout (delete it from the session store, or for stateless signed or encrypted cookies keep a revocation list or a per-user session version that logout bumps), not only by deleting the cookie in the browser; keep session lifetimes short.",
		References: []Reference{refOWASPLogout, refOWASPSession},
		check:      sessionOutlivedLogout,
	},
}

// sessionOutlivedLogout fires when the replay of the measured credentials
// after logout still showed the logged-in page. The finding names the
// first credential as its cookie and every replayed one in its evidence.
func sessionOutlivedLogout(j *judge, t Target) []Finding {
	s := t.Session
	if s == nil || s.Logout == nil || !s.Logout.ReplayShows || len(s.Logout.Replayed) == 0 {
		return nil
	}
	l := s.Logout
	names := make([]string, len(l.Replayed))
	for i, r := range l.Replayed {
		names[i] = r.String()
	}
	what := "the credentials measured at " + s.Step
	if s.Error != "" {
		what = "every cookie of the jar at " + s.Step + " (nothing was measured there)"
	}
	first := l.Replayed[0]
	evidence := fmt.Sprintf("after logout, at %s, a fresh browser holding only %s — %s — with the values they had before logout loaded %s and %s",
		l.Step, what, strings.Join(names, ", "), s.Check, l.ReplaySeen)
	// The credential judged is the version the session step measured.
	f := Finding{Cookie: first.Name, Domain: first.Domain, Path: first.Path, Step: s.Step, Evidence: evidence}
	if role := j.classifyCookie(first.Name, first.Domain, first.Path); role.Session() {
		f.SessionLike = role.Why
	}
	return []Finding{f}
}
