package inspect

import (
	"fmt"
	"strings"
)

// sendRules judge where cookies went, CS027 on: the requests Chrome sent
// them with (Target.Requests, and the cross-site probe's requests).
var sendRules = []Rule{
	{
		ID: "CS027", Title: "Session cookie sent with cross-site requests that can forge actions (measured)", Severity: High,
		Why:        "Chrome sent the session cookie with a request another site started that was not a top-level GET (a POST, an iframe, an image, a fetch): such a site can make the victim's browser act on the account (CSRF), and an iframe can be framed for clickjacking.",
		Fix:        "Set SameSite=Lax (or Strict) on the session cookie, and still check an anti-CSRF token or the Origin header on every state-changing request.",
		References: []Reference{refSameSite, refOWASPCSRF},
		check:      sessionSentCrossSite,
	},
	{
		ID: "CS028", Title: "Session cookie with SameSite=None", Severity: Medium,
		Why:        "SameSite=None asks Chrome to send the session with every cross-site request, wherever third-party cookies are allowed: every other site can make requests on the account.",
		Fix:        "Use SameSite=Lax (or Strict) for the session; keep None for cookies that must go to embedded third-party contexts, and make those Partitioned where possible.",
		References: []Reference{refSameSite, refOWASPCSRF},
		check: perCookie(func(j *judge, t Target, c Cookie) (string, bool) {
			if c.SameSite != "None" || j.session(c) == "" {
				return "", false
			}
			return "SameSite=None, " + origin(c), true
		}),
	},
	{
		ID: "CS029", Title: "Cookie without SameSite sent on a cross-site top-level POST (Lax-by-default exception, measured)", Severity: Low,
		Why:        "A cookie without a SameSite attribute is treated as Lax, but Chrome still sends it on a cross-site top-level POST during the first two minutes after it was set (a compatibility exception): right after login, another site can post a form on the account.",
		Fix:        "Set SameSite=Lax (or Strict) explicitly: the exception applies only to cookies without the attribute.",
		References: []Reference{refSameSite, refOWASPCSRF},
		check:      laxByDefaultPost,
	},
}

// judgedRequests returns every request of the target Chrome reported cookie
// decisions for: the target's own and the cross-site probe's, each with a
// label saying where it comes from.
func judgedRequests(t Target) (requests []Request, labels []string) {
	for _, r := range t.Requests {
		if r.CookiesReported {
			requests, labels = append(requests, r), append(labels, "")
		}
	}
	for _, cs := range t.CrossSite {
		for _, k := range cs.Requests {
			if k.Request != nil && k.Request.CookiesReported {
				label := "cross-site probe: " + k.Description
				if cs.Step != "" {
					label += " at " + cs.Step
				}
				requests, labels = append(requests, *k.Request), append(labels, label)
			}
		}
	}
	return requests, labels
}

// describeRequest says a request in one line for evidence.
func describeRequest(r Request, label string) string {
	s := fmt.Sprintf("%s %s (%s, %s from %s)", r.Method, r.URL, strings.ToLower(r.ResourceType), r.Relation, r.TopLevel)
	if label != "" {
		s = label + ": " + s
	}
	return s
}

// sentFindings makes one finding per cookie sent with a cross-site request
// that qualifies and that matches (which also gives the finding's severity
// and why the cookie is a session), its evidence listing up to three of
// those requests, each followed by detail when given.
func sentFindings(t Target, qualifies func(Request) bool, matches func(RequestCookie) (Severity, string, bool), detail func(r Request, c RequestCookie, probe bool) string) []Finding {
	requests, labels := judgedRequests(t)
	type seen struct {
		finding Finding
		count   int
		shown   []string
	}
	var order []CookieKey
	byKey := map[CookieKey]*seen{}
	for i, r := range requests {
		if r.Relation != RelationCrossSite || !qualifies(r) {
			continue
		}
		for _, c := range r.Sent {
			sev, why, ok := matches(c)
			if !ok {
				continue
			}
			k := c.Key()
			s := byKey[k]
			if s == nil {
				s = &seen{finding: Finding{Cookie: c.Name, Domain: c.Domain, Path: c.Path, SessionLike: why, Severity: sev}}
				byKey[k] = s
				order = append(order, k)
			}
			s.count++
			if len(s.shown) < 3 {
				line := describeRequest(r, labels[i])
				if detail != nil {
					line += detail(r, c, labels[i] != "")
				}
				s.shown = append(s.shown, line)
			}
		}
	}
	var out []Finding
	for _, k := range order {
		s := byKey[k]
		s.finding.Step = judgedVersion(t, s.finding)
		s.finding.Evidence = fmt.Sprintf("Chrome sent it with %d such request(s): %s", s.count, strings.Join(s.shown, "; "))
		if s.count > len(s.shown) {
			s.finding.Evidence += fmt.Sprintf("; and %d more", s.count-len(s.shown))
		}
		out = append(out, s.finding)
	}
	return out
}

// sessionSentCrossSite fires on a session cookie sent with a cross-site
// request that was not a top-level GET.
func sessionSentCrossSite(j *judge, t Target) []Finding {
	return sentFindings(t, func(r Request) bool { return !r.SafeTopLevel() }, func(c RequestCookie) (Severity, string, bool) {
		k := j.classifyCookie(c.Name, c.Domain, c.Path)
		return High, k.Why, k.Session()
	}, nil)
}

// laxByDefaultPost fires on a cookie without SameSite that Chrome sent on
// a cross-site top-level POST, stating its age then.
func laxByDefaultPost(j *judge, t Target) []Finding {
	noSameSite := map[CookieKey]bool{}
	for _, c := range append(append([]Cookie(nil), t.Cookies...), t.EarlierCookies...) {
		if c.SameSite == "" {
			noSameSite[c.Key()] = true
		}
	}
	// The cross-site probe's copies of the jar are the target's cookies:
	// their attributes are known from the jar above.
	return sentFindings(t, func(r Request) bool { return r.Navigation && r.Method == "POST" }, func(c RequestCookie) (Severity, string, bool) {
		if !noSameSite[c.Key()] {
			return 0, "", false
		}
		k := j.classifyCookie(c.Name, c.Domain, c.Path)
		if k.Session() {
			return Medium, k.Why, true
		}
		return Low, "", true
	}, func(r Request, c RequestCookie, probe bool) string {
		switch {
		case c.AgeMS > 0 && probe:
			return fmt.Sprintf(", %s after the probe copied the cookie into its context (Chrome allows this for two minutes after a cookie is set)", ageText(c.AgeMS))
		case c.AgeMS > 0:
			return fmt.Sprintf(", %s after the cookie was set", ageText(c.AgeMS))
		}
		return ", the cookie's age unknown"
	})
}

// ageText says a duration in milliseconds in the unit that reads best.
func ageText(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

// judgedVersion names, for a finding judged from the requests that carried
// a cookie, the version of the cookie it judged when that is not the final
// jar's: the last scenario step whose jar held it, or else the requests
// themselves. Empty when the final jar holds the cookie.
func judgedVersion(t Target, f Finding) string {
	ref := CookieRef{Name: f.Cookie, Domain: trimDot(f.Domain), Path: f.Path}
	for _, c := range t.Cookies {
		if ref.is(c.Name, c.Domain, c.Path) {
			return ""
		}
	}
	for _, c := range t.EarlierCookies {
		if ref.is(c.Name, c.Domain, c.Path) && c.SeenAt != "" {
			return c.SeenAt
		}
	}
	return "the requests that carried it, gone from the jar by the end"
}
