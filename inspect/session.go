package inspect

import (
	"fmt"
	"regexp"
)

// Role is what a cookie is for, as far as judging it goes: a session
// credential, an anti-CSRF token, or anything else. Rules and attacks both
// ask Config.Classify, so that one cookie is judged the same way everywhere.
type Role string

// The roles.
const (
	// RoleSession is a session credential: whoever holds it is the user
	// (session ids, auth tokens, remember-me cookies).
	RoleSession Role = "session"
	// RoleCSRF is an anti-CSRF token: it protects requests but logs nobody
	// in, so it is never a session, by name or by behaviour.
	RoleCSRF Role = "csrf-token"
	// RoleOther is every other cookie.
	RoleOther Role = "other"
)

// AttackSeverity is how much a demonstrated attack on a cookie of the role
// weighs: taking a session is high, forging a CSRF token medium, anything
// else low.
func (r Role) AttackSeverity() Severity {
	switch r {
	case RoleSession:
		return High
	case RoleCSRF:
		return Medium
	}
	return Low
}

// Classification is a cookie's role and why it was given that role, in
// words a report can show ("name matches the built-in session pattern").
type Classification struct {
	Role Role   `json:"role"`
	Why  string `json:"why"`
}

// Session reports whether the cookie counts as a session credential.
func (c Classification) Session() bool { return c.Role == RoleSession }

// csrfName matches the names of anti-CSRF token cookies: csrf, xsrf
// (XSRF-TOKEN, csrftoken, csrf_token), Laravel's _token, ASP.NET's
// __RequestVerificationToken and antiforgery cookies.
var csrfName = regexp.MustCompile(`(?i)csrf|xsrf|^_token$|requestverificationtoken|anti-?forgery`)

// sessionName matches the names of session cookies: session ids of the
// common frameworks and words that mean one.
var sessionName = regexp.MustCompile(`(?i)(^|[_.-])(sid|sess|session|sessionid|ssid|jwt|login|phpsessid|jsessionid|asp\.net_sessionid|connect\.sid)($|[_.-])|session|^__(host|secure)-sid|(^|[_.-])auth`)

// credentialName matches long-lived credentials that log a user in as a
// session does: remember-me cookies and auth, access or refresh tokens,
// including camelCase names such as rememberToken.
var credentialName = regexp.MustCompile(`(?i)remember|token($|[_.-])|(^|[_.-])(access|refresh|id)[_.-]?token`)

// Classify decides a cookie's role from its name and, when a scenario saw
// it behave as a session (rotated at login, cleared or invalidated at
// logout), from that behaviour. Configured patterns come first, then the
// anti-CSRF names (never a session, whatever they do), then behaviour, then
// the built-in session and credential names.
func (c Config) Classify(name, behaviour string) Classification {
	for _, p := range c.CSRFCookies {
		if p.Regexp != nil && p.MatchString(name) {
			return Classification{RoleCSRF, fmt.Sprintf("name matches the configured csrfCookies pattern %q", p.String())}
		}
	}
	for _, p := range c.SessionCookies {
		if p.Regexp != nil && p.MatchString(name) {
			return Classification{RoleSession, fmt.Sprintf("name matches the configured sessionCookies pattern %q", p.String())}
		}
	}
	switch {
	case csrfName.MatchString(name):
		return Classification{RoleCSRF, "name matches an anti-CSRF token pattern (csrf, xsrf, _token): never judged as a session"}
	case behaviour != "":
		return Classification{RoleSession, "behaviour: " + behaviour}
	case sessionName.MatchString(name):
		return Classification{RoleSession, "name matches the built-in session pattern (sid, session, auth, …)"}
	case credentialName.MatchString(name):
		return Classification{RoleSession, "name matches the built-in remember-me or token credential pattern"}
	}
	return Classification{RoleOther, ""}
}
