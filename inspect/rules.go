package inspect

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// The severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
)

var severityNames = []string{"info", "low", "medium", "high"}

// String returns the severity's name: info, low, medium or high.
func (s Severity) String() string {
	if s < Info || s > High {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name (any case); "none" means no severity
// fails a run.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q: want info, low, medium or high", s)
}

// MarshalText writes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Reference points to where a rule's reasoning comes from.
type Reference struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Common references.
var (
	refCookieAttrs   = Reference{"RFC 6265bis, section 4.1.2 (Set-Cookie attributes)", "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.2"}
	refSameSite      = Reference{"RFC 6265bis, section 8.8 (SameSite cookies)", "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-8.8"}
	refPrefixes      = Reference{"RFC 6265bis, section 4.1.3 (cookie name prefixes)", "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3"}
	refStrictSecure  = Reference{"RFC 6265bis, section 5.7 (storage model: strict secure cookies)", "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7"}
	refWeakConfid    = Reference{"RFC 6265bis, section 8.5 and 8.6 (weak confidentiality and integrity)", "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-8.5"}
	refOWASPSession  = Reference{"OWASP Session Management Cheat Sheet (cookies)", "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#cookies"}
	refOWASPCSRF     = Reference{"OWASP Cross-Site Request Forgery Prevention Cheat Sheet", "https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html"}
	refOWASPHSTS     = Reference{"OWASP HTTP Strict Transport Security Cheat Sheet", "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html"}
	refOWASPTestCook = Reference{"OWASP WSTG: Testing for Cookies Attributes", "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/06-Session_Management_Testing/02-Testing_for_Cookies_Attributes"}
)

// Rule is one check with a stable ID. Rules read a Target only.
type Rule struct {
	ID       string
	Title    string
	Severity Severity
	// Why says what goes wrong when the rule fires; Fix says what to do.
	// A finding may carry a fix of its own that names what fits its
	// cookie (CS014); the others get Fix.
	Why, Fix   string
	References []Reference
	check      func(j *judge, t Target) []Finding
}

// Finding is a rule that fired on a target, with its evidence.
type Finding struct {
	RuleID   string   `json:"ruleId"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	// Cookie, Domain and Path name the cookie; Cookie is empty for a
	// finding about the host (many cookies, HSTS).
	Cookie string `json:"cookie"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// PartitionKey and PartitionCrossSite name the partition of a
	// Partitioned cookie, as on Cookie: one name can live in several.
	PartitionKey       string `json:"partitionKey,omitempty"`
	PartitionCrossSite bool   `json:"partitionCrossSite,omitempty"`
	// SessionLike says why the cookie was judged as a session cookie (see
	// Config.Classify), or "" when it was not.
	SessionLike string `json:"sessionLike"`
	// Step names the scenario step where the judged cookie was seen
	// ("step 9 (login.yaml:23)") when it is one of the target's
	// EarlierCookies, gone or different by the end; empty for the final
	// jar and for findings that are not about one cookie.
	Step string `json:"step,omitempty"`
	// Evidence says what was seen: which response or script, which page.
	Evidence   string      `json:"evidence"`
	Fix        string      `json:"fix"`
	References []Reference `json:"references"`
	// Accepted is set when the configuration accepts this finding; Reason
	// says why. Accepted findings never fail a run.
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason,omitempty"`
}

// judge holds what rules need besides the target.
type judge struct {
	cfg Config
	now time.Time
	// behaviour holds cookies a scenario showed behaving as a session.
	behaviour map[string]string
	// measured is what the target's session step measured; nil without one.
	measured *Session
	// flowState holds the cookies of a redirect login, recognised by their
	// life (FlowStateCookies).
	flowState []FlowStateCookie
}

// Judge runs every rule on t and returns its findings, most severe first,
// with the configuration's acceptances applied.
func Judge(t Target, cfg Config, now time.Time) []Finding {
	j := &judge{cfg: cfg.withDefaults(), now: now, behaviour: map[string]string{}, measured: t.Session, flowState: FlowStateCookies(t)}
	for _, e := range t.Expectations {
		if e.Passed && e.SessionBehaviour != "" {
			j.behaviour[e.Cookie] = e.SessionBehaviour
		}
	}
	var out []Finding
	for _, r := range Rules {
		for _, f := range withoutRepeats(r.check(j, t)) {
			f.RuleID, f.Title, f.References = r.ID, r.Title, r.References
			if f.Fix == "" {
				f.Fix = r.Fix
			}
			if f.Severity < r.Severity {
				f.Severity = r.Severity
			}
			if reason, ok := j.cfg.accepted(f); ok {
				f.Accepted, f.Reason = true, reason
			}
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Severity > out[b].Severity })
	return out
}

// withoutRepeats drops the findings about an earlier version of a cookie
// (Step set) when the rule found the same of the final version (same name,
// domain and path): the final finding says it already.
func withoutRepeats(fs []Finding) []Finding {
	final := map[[3]string]bool{}
	for _, f := range fs {
		if f.Step == "" {
			final[[3]string{f.Cookie, f.Domain, f.Path}] = true
		}
	}
	out := fs[:0:0]
	for _, f := range fs {
		if f.Step == "" || !final[[3]string{f.Cookie, f.Domain, f.Path}] {
			out = append(out, f)
		}
	}
	return out
}

// judgedCookies lists the cookies the cookie rules judge: the final jar,
// then the earlier versions a scenario saw (each with its SeenAt). A cookie
// whose value cookiescope's emulated attacker planted is left out: its
// attributes are the attacker's, not the application's, and the attack
// rules judge what the plant did.
func judgedCookies(t Target) []Cookie {
	out := make([]Cookie, 0, len(t.Cookies)+len(t.EarlierCookies))
	for _, c := range append(append([]Cookie(nil), t.Cookies...), t.EarlierCookies...) {
		if n := len(c.SetBy); n > 0 && c.SetBy[n-1].Emulated {
			continue
		}
		out = append(out, c)
	}
	return out
}

// RuleByID returns the rule with the ID.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// session says why c counts as a session cookie (see classifyCookie), or
// "" when it does not.
func (j *judge) session(c Cookie) string {
	if k := j.classifyCookie(c.Name, c.Domain, c.Path); k.Session() {
		return k.Why
	}
	return ""
}

// classify is the role of the cookies of a name, when only the name is
// known (a probe's row): see classifyCookie.
func (j *judge) classify(name string) Classification {
	return j.classifyCookie(name, "", "")
}

// classifyCookie is the cookie's role. The configuration's patterns come
// first (the user said so); then what the scenario's session step measured
// (a credential, or a cookie the page showed without); then a redirect
// login's state recognised by its life; then the guess from the name and
// the behaviour a scenario saw (Config.Classify). An empty domain and path
// match every cookie of the name: a name measured a credential anywhere is
// one.
func (j *judge) classifyCookie(name, domain, path string) Classification {
	if k, ok := j.cfg.configured(name); ok {
		return k
	}
	if credential, why, ok := j.measured.role(name, domain, path); ok {
		if credential {
			return Classification{RoleSession, why}
		}
		return Classification{RoleOther, why}
	}
	for _, f := range j.flowState {
		if f.CookieRef.is(name, domain, path) {
			return Classification{RoleFlowState, f.Why}
		}
	}
	return j.cfg.Classify(name, j.behaviour[name])
}

// perCookie makes a check that fires on every judged cookie of the target
// (final and earlier, see judgedCookies) for which fires returns true, with
// the evidence it returns.
func perCookie(fires func(j *judge, t Target, c Cookie) (evidence string, ok bool)) func(*judge, Target) []Finding {
	return func(j *judge, t Target) []Finding {
		var out []Finding
		for _, c := range judgedCookies(t) {
			if evidence, ok := fires(j, t, c); ok {
				out = append(out, cookieFinding(c, j.session(c), evidence))
			}
		}
		return out
	}
}

// blockedFor makes a check that fires on every write Chrome refused for
// reason.
func blockedFor(reason string) func(*judge, Target) []Finding {
	return func(j *judge, t Target) []Finding {
		var out []Finding
		for _, b := range t.Blocked {
			if slices.Contains(b.Reasons, reason) {
				out = append(out, Finding{Cookie: b.Name, Evidence: fmt.Sprintf("%s from %s was refused by Chrome: %s", b.Via, b.URL, explainWrite(b.Write, b.Reasons, ThirdPartyCookiesBlock))})
			}
		}
		return out
	}
}

// cookieFinding is a finding about c; an earlier cookie's SeenAt becomes
// the finding's Step.
func cookieFinding(c Cookie, sessionBy, evidence string) Finding {
	return Finding{Cookie: c.Name, Domain: c.Domain, Path: c.Path, PartitionKey: c.PartitionKey, PartitionCrossSite: c.PartitionCrossSite, SessionLike: sessionBy, Step: c.SeenAt, Evidence: evidence}
}

// origin describes where a cookie's value came from, for evidence.
func origin(c Cookie) string {
	if len(c.SetBy) == 0 {
		return "in the jar with no recorded write"
	}
	w := c.SetBy[len(c.SetBy)-1]
	switch {
	case w.Emulated:
		return "planted by cookiescope's emulated network attacker at " + w.URL
	case w.Via == ViaHeader:
		return "set by the Set-Cookie header of " + w.URL
	case w.Script != "":
		return fmt.Sprintf("set by %s in %s (line %d) on %s", w.Via, w.Script, w.Line, w.URL)
	}
	return "set by " + string(w.Via) + " on " + w.URL
}

// targetURL is where the target ended up, or where it started.
func targetURL(t Target) string {
	if t.FinalURL != "" {
		return t.FinalURL
	}
	return t.URL
}

// Rules lists every rule, in ID order: the cookie rules, the attack
// rules (attackrules.go) and the rules on where cookies went
// (sendrules.go). IDs are stable: a rule that goes away leaves its
// ID unused.
var Rules = append(append(append(append([]Rule(nil), cookieRules...), attackRules...), sendRules...), sessionRules...)

// cookieRules judge the cookies themselves, CS001 to CS019.
var cookieRules = []Rule{
	{
		ID: "CS001", Title: "Session cookie without Secure", Severity: High,
		Why:        "A cookie without Secure is also sent over plain http, where anyone on the network can read it, and plain http can overwrite it.",
		Fix:        "Add the Secure attribute (and serve the whole site over https).",
		References: []Reference{refCookieAttrs, refOWASPSession, refWeakConfid},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			return origin(c) + ", without Secure", j.session(c) != "" && !c.Secure && isHTTPS(targetURL(t))
		}),
	},
	{
		ID: "CS002", Title: "Cookie set over plain http", Severity: Medium,
		Why:        "A response over plain http can be read and changed by anyone on the network, and so can the cookies it sets.",
		Fix:        "Serve every page that sets cookies over https, and redirect http to https before setting any.",
		References: []Reference{refWeakConfid, refStrictSecure},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			for _, w := range c.SetBy {
				if u, err := url.Parse(w.URL); err == nil && u.Scheme == "http" {
					return fmt.Sprintf("set by %s over plain http on %s", w.Via, w.URL), true
				}
			}
			return "", false
		}),
	},
	{
		ID: "CS003", Title: "Session cookie without HttpOnly", Severity: High,
		Why:        "Without HttpOnly, any script on the page, including an injected one (XSS), can read the session and send it away.",
		Fix:        "Add the HttpOnly attribute; nothing in the page should need to read the session.",
		References: []Reference{refCookieAttrs, refOWASPSession},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			return origin(c) + ", without HttpOnly", j.session(c) != "" && !c.HttpOnly
		}),
	},
	{
		ID: "CS004", Title: "Session cookie read by page script (measured)", Severity: High,
		Why:        "cookiescope evaluated document.cookie and cookieStore.getAll() in the page and the session was in what they returned: every script the page runs can take it.",
		Fix:        "Add HttpOnly so that document.cookie never returns it.",
		References: []Reference{refOWASPSession, refOWASPTestCook},
		// Measured only: a cookie whose readability is unknown (the page
		// broke the measurement) does not fire this rule, which claims it was
		// seen; it is not HttpOnly, so CS003 still reports it.
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			via := strings.Join(c.ReadableVia, " and ")
			if via == "" {
				via = APIDocumentCookie
			}
			return via + " returned it on " + strings.Join(c.ReadableOn, ", "), j.session(c) != "" && c.ScriptReadable
		}),
	},
	{
		ID: "CS005", Title: "SameSite missing", Severity: Low,
		Why:        "Without SameSite, Chrome treats the cookie as Lax, other browsers may send it on cross-site requests, and Chrome still sends it on top-level cross-site POSTs for two minutes after it is set.",
		Fix:        "Set SameSite=Lax (or Strict) explicitly; use None only with Secure for cookies that must go cross-site.",
		References: []Reference{refSameSite},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			return origin(c) + ", without SameSite (Chrome applies Lax)", c.SameSite == "" && j.classifyCookie(c.Name, c.Domain, c.Path).Role != RoleCSRF
		}),
	},
	{
		ID: "CS006", Title: "SameSite=None without Secure", Severity: Medium,
		Why:        "Chrome refuses SameSite=None cookies without Secure, so the cookie the application relies on is not there.",
		Fix:        "Add Secure to every SameSite=None cookie, or drop SameSite=None.",
		References: []Reference{refSameSite},
		check:      blockedFor("SameSiteNoneInsecure"),
	},
	{
		ID: "CS007", Title: "Anti-CSRF cookie without SameSite", Severity: Medium,
		Why:        "A CSRF token cookie without SameSite leaves the token's protection to the browser's default, which differs between browsers.",
		Fix:        "Set SameSite=Strict (or Lax) on the CSRF cookie.",
		References: []Reference{refOWASPCSRF, refSameSite},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			return origin(c) + ", without SameSite", j.classifyCookie(c.Name, c.Domain, c.Path).Role == RoleCSRF && c.SameSite == ""
		}),
	},
	{
		ID: "CS008", Title: "Domain attribute widens the cookie to every subdomain", Severity: Low,
		Why:        "With Domain, every subdomain receives the cookie, and any of them (or a network attacker posing as one over http) can set a cookie of the same name that the application cannot tell apart.",
		Fix:        "Drop the Domain attribute so that the cookie stays on its own host (better: use a __Host- name).",
		References: []Reference{refCookieAttrs, refPrefixes},
		check: func(j *judge, t Target) []Finding {
			var out []Finding
			for _, c := range judgedCookies(t) {
				if !c.HostOnly {
					f := cookieFinding(c, j.session(c), fmt.Sprintf("%s with Domain=%s: sent to every host under %s", origin(c), strings.TrimPrefix(c.Domain, "."), strings.TrimPrefix(c.Domain, ".")))
					if f.SessionLike != "" {
						f.Severity = Medium
					}
					out = append(out, f)
				}
			}
			return out
		},
	},
	{
		ID: "CS009", Title: "Path used as a boundary", Severity: Info,
		Why:        "Path decides where the cookie is sent, not who can read it: script on any page of the same origin can read it through a frame at that path.",
		Fix:        "Do not rely on Path to keep a cookie from other parts of the site; use separate origins.",
		References: []Reference{refWeakConfid},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			return origin(c) + " with Path=" + c.Path, c.Path != "/" && c.Path != ""
		}),
	},
	{
		ID: "CS010", Title: "Persistent session cookie", Severity: Medium,
		Why:        "A session that outlives the browser session stays on disk and keeps working long after the user left.",
		Fix:        "Make the session cookie a session cookie (no Expires or Max-Age), or keep its lifetime within the threshold.",
		References: []Reference{refOWASPSession},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			if j.session(c) == "" || c.Session || c.Expires == nil {
				return "", false
			}
			life, limit := c.Expires.Sub(j.now), j.cfg.Thresholds.SessionMaxLifetime.Duration
			return fmt.Sprintf("%s, expires in %s (threshold %s)", origin(c), life.Round(time.Minute), limit), life > limit
		}),
	},
	{
		ID: "CS011", Title: "Very large cookie", Severity: Low,
		Why:        "Large cookies travel with every request to their scope and approach the 4096-byte limit past which browsers drop them.",
		Fix:        "Keep state on the server and send a short identifier.",
		References: []Reference{refCookieAttrs},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			return fmt.Sprintf("%d bytes (threshold %d)", c.Size, j.cfg.Thresholds.MaxCookieBytes), c.Size > j.cfg.Thresholds.MaxCookieBytes
		}),
	},
	{
		ID: "CS012", Title: "Many cookies for one host", Severity: Low,
		Why:        "Chrome keeps about 180 cookies per domain and evicts the rest; a page near the limit loses cookies, and script can push the important ones out.",
		Fix:        "Consolidate cookies, and remove the ones that are not needed.",
		References: []Reference{refCookieAttrs},
		// Counted in the final jar only: a count is of one moment, and the
		// earlier cookies of a scenario come from several.
		check: func(j *judge, t Target) []Finding {
			counts := map[string]int{}
			for _, c := range t.Cookies {
				counts[strings.TrimPrefix(c.Domain, ".")]++
			}
			var out []Finding
			for host, n := range counts {
				if n > j.cfg.Thresholds.MaxCookiesPerHost {
					out = append(out, Finding{Domain: host, Evidence: fmt.Sprintf("%d cookies for %s (threshold %d)", n, host, j.cfg.Thresholds.MaxCookiesPerHost)})
				}
			}
			sort.Slice(out, func(a, b int) bool { return out[a].Domain < out[b].Domain })
			return out
		},
	},
	{
		ID: "CS013", Title: "Cookie prefix misused", Severity: Medium,
		Why:        "A cookie whose name has a prefix (__Secure-, __Host-, __Http-, __Host-Http-, in any case) but breaks its rules is refused by the browser, so the application runs without it; page script can never set an __Http- or __Host-Http- cookie.",
		Fix:        "__Secure-: set Secure, from https. __Host-: set Secure and Path=/, from https, without Domain. __Http-: set Secure and HttpOnly, from https, by a Set-Cookie header. __Host-Http-: set Secure, HttpOnly and Path=/, from https, without Domain, by a Set-Cookie header.",
		References: []Reference{refPrefixes},
		check:      prefixRefusals,
	},
	{
		ID: "CS014", Title: "Session cookie without the __Host- prefix", Severity: Low,
		Why:        "Only a __Host- or __Host-Http- name guarantees that the cookie was set by this host, over https, for the whole site: no subdomain and no plain-http attacker can plant or shadow it. __Host-Http- also keeps page script from setting it.",
		Fix:        "Rename the session cookie to __Host-Http-NAME when only Set-Cookie headers set it (Secure, HttpOnly, Path=/, no Domain), or to __Host-NAME when page script sets it (Secure, Path=/, no Domain).",
		References: []Reference{refPrefixes},
		check: func(j *judge, t Target) []Finding {
			fs := perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
				return origin(c), j.session(c) != "" && !PrefixOf(c.Name).HostOnly()
			})(j, t)
			for i := range fs {
				fs[i].Fix = hostPrefixFix(fs[i].Cookie, t)
			}
			return fs
		},
	},
	{
		ID: "CS015", Title: "Secure cookies on a host without HSTS", Severity: Medium,
		Why:        "Without Strict-Transport-Security, a network attacker can keep the user on plain http on the first visit, and plain http can set cookies that shadow Secure ones' siblings.",
		Fix:        "Send Strict-Transport-Security: max-age=31536000; includeSubDomains from the https site.",
		References: []Reference{refOWASPHSTS},
		check: func(j *judge, t Target) []Finding {
			if !isHTTPS(targetURL(t)) || t.HSTS != "" {
				return nil
			}
			var names []string
			listed := map[string]bool{}
			for _, c := range judgedCookies(t) {
				if c.Secure && site("https://"+strings.TrimPrefix(c.Domain, ".")) == site(targetURL(t)) && !listed[c.Name] {
					listed[c.Name] = true
					name := c.Name
					if c.SeenAt != "" {
						name += " (at " + c.SeenAt + ")"
					}
					names = append(names, name)
				}
			}
			if len(names) == 0 {
				return nil
			}
			u, _ := url.Parse(targetURL(t))
			return []Finding{{Domain: u.Hostname(), Evidence: fmt.Sprintf("the page %s sent no Strict-Transport-Security header; Secure cookies: %s", targetURL(t), strings.Join(names, ", "))}}
		},
	},
	{
		ID: "CS016", Title: "HSTS without includeSubDomains for a Domain cookie", Severity: Low,
		Why:        "A cookie with Domain goes to every subdomain, but HSTS without includeSubDomains leaves those subdomains reachable over plain http.",
		Fix:        "Add includeSubDomains to Strict-Transport-Security, or drop the cookie's Domain attribute.",
		References: []Reference{refOWASPHSTS, refCookieAttrs},
		check: func(j *judge, t Target) []Finding {
			if t.HSTS == "" || strings.Contains(strings.ToLower(t.HSTS), "includesubdomains") {
				return nil
			}
			return perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
				return fmt.Sprintf("Domain=%s, and Strict-Transport-Security is %q", strings.TrimPrefix(c.Domain, "."), t.HSTS), !c.HostOnly
			})(j, t)
		},
	},
	{
		ID: "CS017", Title: "Cookie blocked by Chrome", Severity: Info,
		Why:        "The page tried to set a cookie that Chrome refused; whatever relies on it does not work in Chrome.",
		Fix:        "Fix the attributes Chrome names (see the explanation), or stop setting the cookie.",
		References: []Reference{refCookieAttrs},
		check: func(j *judge, t Target) []Finding {
			var out []Finding
			for _, b := range t.Blocked {
				where := b.URL
				if b.Script != "" {
					where = fmt.Sprintf("%s (line %d) on %s", b.Script, b.Line, b.URL)
				}
				out = append(out, Finding{Cookie: b.Name, Evidence: fmt.Sprintf("%s from %s: %s (%s)", b.Via, where, strings.Join(b.Reasons, ", "), b.Explanation)})
			}
			return out
		},
	},
	{
		ID: "CS018", Title: "Session cookie within reach of a third-party script", Severity: High,
		Why:        "A script from another site that sets or can read the session holds the session: whoever controls that script controls the account.",
		Fix:        "Make the session HttpOnly, and never let third-party script set it.",
		References: []Reference{refOWASPSession},
		check: func(j *judge, t Target) []Finding {
			pageSite := site(targetURL(t))
			var thirdParty []string
			for _, s := range t.Scripts {
				if site(s) != pageSite {
					thirdParty = append(thirdParty, s)
				}
			}
			var out []Finding
			for _, c := range judgedCookies(t) {
				by := j.session(c)
				if by == "" {
					continue
				}
				for _, w := range c.SetBy {
					if w.Script != "" && site(w.Script) != pageSite {
						out = append(out, cookieFinding(c, by, fmt.Sprintf("set by the third-party script %s on %s", w.Script, w.URL)))
						break
					}
				}
				// Unknown readability fires too when the page broke the
				// measurement: the cookie is not HttpOnly, so a third-party
				// script may well read it (through cookieStore when
				// document.cookie is emptied); staying silent would let a
				// page hide the risk. Readability that was not measured at
				// all (the page stopped answering) claims nothing, and
				// neither does this rule: CS003 still reports a session
				// that is not HttpOnly.
				switch {
				case c.ScriptReadable && len(thirdParty) > 0:
					out = append(out, cookieFinding(c, by, fmt.Sprintf("readable by script on %s, where third-party scripts run: %s", strings.Join(c.ReadableOn, ", "), strings.Join(thirdParty, ", "))))
				case c.Readability == ReadabilityUnknown && !c.NotMeasured && len(thirdParty) > 0:
					out = append(out, cookieFinding(c, by, fmt.Sprintf("possibly readable by script (the measurement was broken: %s), where third-party scripts run: %s", c.UnknownReason, strings.Join(thirdParty, ", "))))
				}
			}
			return out
		},
	},
	{
		ID: "CS019", Title: "Cookie written by an unrecorded script or worker write", Severity: Medium,
		Why:        "cookiescope records every Set-Cookie header and every document.cookie and cookieStore write of the page, its frames and its popups. A cookie in the jar that none of them explains was written past the recorder: by a worker's cookieStore or requests, by script that reached the original setter, or before the recording began. Whatever did it can write other cookies unseen, so the report cannot vouch for this one's story.",
		Fix:        "Find what writes this cookie (a service or shared worker, a framework that captured the native cookie setter) and set it with a Set-Cookie header or plain page script instead; if it is expected, accept the finding with a reason.",
		References: []Reference{refOWASPTestCook},
		check:      unrecordedCookies,
	},
}

// prefixRefusals fires on every write refused for its name's prefix:
// header lines Chrome blocked with InvalidPrefix, and script writes Chrome
// ignored without a word that break their prefix's rules.
func prefixRefusals(j *judge, t Target) []Finding {
	out := blockedFor("InvalidPrefix")(j, t)
	for _, b := range t.Blocked {
		if b.Via == ViaHeader || !slices.Contains(b.Reasons, ReasonNotStored) {
			continue
		}
		p, err := ParseSetCookie(b.CookieLine)
		if pc := p.CheckPrefix(secureOrigin(b.URL), true); err == nil && pc.Refused() {
			where := b.URL
			if b.Script != "" {
				where = fmt.Sprintf("%s (line %d) on %s", b.Script, b.Line, b.URL)
			}
			out = append(out, Finding{Cookie: b.Name, Evidence: fmt.Sprintf("%s from %s was ignored by Chrome: %s", b.Via, where, pc.Reason())})
		}
	}
	return out
}

// hostPrefixFix is CS014's fix for the session cookie name: __Host-Http-
// when only Set-Cookie headers write it in t, so that no page script (an
// injected one included) can ever set it; __Host- when page script writes
// it, which a __Host-Http- name would refuse.
func hostPrefixFix(name string, t Target) string {
	bare := PrefixOf(name).Trim(name)
	var writes []Write
	for _, c := range judgedCookies(t) {
		if c.Name == name {
			writes = append(writes, c.SetBy...)
		}
	}
	for _, w := range append(writes, t.Writes...) {
		if w.Via != ViaHeader && w.CookieName() == name {
			return fmt.Sprintf("Rename the session cookie to __Host-%s and set it with Secure, Path=/ and no Domain (page script writes it, so __Host-Http-%s, which script cannot set, would break that write).", bare, bare)
		}
	}
	return fmt.Sprintf("Rename the session cookie to __Host-Http-%s and set it with Secure, HttpOnly, Path=/ and no Domain: only Set-Cookie headers write it, and the prefix keeps page script from ever setting it.", bare)
}

// unrecordedCookies fires on every judged cookie that no recorded write
// explains; a session cookie makes it High.
func unrecordedCookies(j *judge, t Target) []Finding {
	var out []Finding
	for _, c := range judgedCookies(t) {
		if !c.Unrecorded {
			continue
		}
		evidence := fmt.Sprintf("the jar holds %s (domain %s, path %s), but no recorded header, document.cookie or cookieStore write stored this value", c.Name, c.Domain, c.Path)
		if n := len(c.SetBy); n > 0 {
			evidence += fmt.Sprintf("; %d recorded writes addressed it, the last %s", n, origin(c))
		}
		f := cookieFinding(c, j.session(c), evidence)
		if f.SessionLike != "" {
			f.Severity = High
		}
		out = append(out, f)
	}
	return out
}
