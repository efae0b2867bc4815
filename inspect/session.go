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
	// RoleFlowState is a redirect login's state (OAuth or OpenID Connect
	// state, nonce, PKCE verifier): it lives from the hop to the identity
	// provider to the return, and logs nobody in.
	RoleFlowState Role = "flow-state"
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

// flowStateName matches the names of a redirect login's state cookies:
// state, nonce, PKCE code verifiers and "verification" cookies, as whole
// words of the name (auth_verification, oauth_state, oidc-nonce.sig).
var flowStateName = regexp.MustCompile(`(?i)(^|[_.-])(state|nonce|pkce|code[_.-]?verifier|verifier|verification)($|[_.-])`)

// credentialName matches long-lived credentials that log a user in as a
// session does: remember-me cookies and auth, access or refresh tokens,
// including camelCase names such as rememberToken.
var credentialName = regexp.MustCompile(`(?i)remember|token($|[_.-])|(^|[_.-])(access|refresh|id)[_.-]?token`)

// Classify decides a cookie's role from its name and, when a scenario saw
// it behave as a session (rotated at login, cleared or invalidated at
// logout), from that behaviour. Configured patterns come first, then the
// anti-CSRF names (never a session, whatever they do), then behaviour, then
// the built-in flow-state, session and credential names. Neither a name nor
// a behaviour proves a session, and Why says so ("guessed: …"); a scenario's
// session step measures it instead (see Session), and the rules prefer that.
func (c Config) Classify(name, behaviour string) Classification {
	if k, ok := c.configured(name); ok {
		return k
	}
	switch {
	case csrfName.MatchString(name):
		return Classification{RoleCSRF, "name matches an anti-CSRF token pattern (csrf, xsrf, _token): never judged as a session"}
	case behaviour != "":
		return Classification{RoleSession, "guessed from behaviour (not measured): " + behaviour}
	case flowStateName.MatchString(name):
		return Classification{RoleFlowState, "guessed: name matches a redirect login's state pattern (state, nonce, PKCE verifier, verification): never judged as a session"}
	case sessionName.MatchString(name):
		return Classification{RoleSession, "guessed: name matches the built-in session pattern (sid, session, auth, …)"}
	case credentialName.MatchString(name):
		return Classification{RoleSession, "guessed: name matches the built-in remember-me or token credential pattern"}
	}
	return Classification{RoleOther, ""}
}

// configured is the role the configuration's csrfCookies and
// sessionCookies patterns give the name, in that order; ok is false when
// none matches.
func (c Config) configured(name string) (Classification, bool) {
	for _, p := range c.CSRFCookies {
		if p.Regexp != nil && p.MatchString(name) {
			return Classification{RoleCSRF, fmt.Sprintf("name matches the configured csrfCookies pattern %q", p.String())}, true
		}
	}
	for _, p := range c.SessionCookies {
		if p.Regexp != nil && p.MatchString(name) {
			return Classification{RoleSession, fmt.Sprintf("name matches the configured sessionCookies pattern %q", p.String())}, true
		}
	}
	return Classification{}, false
}
