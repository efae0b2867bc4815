package report

import (
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

// sessionReport is a scenario whose session step measured two credentials,
// whose logout did not end the session, and whose selector is page-like
// text with a control character.
func sessionReport() inspect.Report {
	creds := []inspect.CookieRef{{Name: "pf_k", Domain: "portal.test", Path: "/admin"}, {Name: "pf_u", Domain: "portal.test", Path: "/"}}
	return inspect.Report{Targets: []inspect.Target{{
		URL: "https://portal.test/", Scenario: "portal", File: "portal.yaml", Line: 1,
		Session: &inspect.Session{Check: "https://portal.test/admin/", Page: "#who\x1b[31m", Step: "step 6 (portal.yaml:9)", Credentials: creds,
			NotNeeded: []inspect.CookieRef{{Name: "auth_hint", Domain: "portal.test", Path: "/"}}, Unique: true, Replays: 5, DurationMS: 1500,
			Logout: &inspect.Logout{Step: "step 8 (portal.yaml:11)", Replayed: creds, ReplayShows: true,
				VictimSeen: "no visible element matches #who", ReplaySeen: "a visible element matches #who on https://portal.test/admin/"}},
		FlowState: []inspect.FlowStateCookie{{CookieRef: inspect.CookieRef{Name: "auth_verification", Domain: "rp.test", Path: "/"}, Why: "a redirect login's state"}},
	}}}
}

func TestEveryFormatSaysWhatTheSessionStepMeasured(t *testing.T) {
	checkEveryFormat(t, sessionReport(), 200, []formatWants{
		{FormatTable, []string{"Session: pf_k (portal.test, path /admin), pf_u (portal.test) — needed by", "Not needed: auth_hint (portal.test)", "STILL VALID after logout", "Flow state: auth_verification (rp.test)"}},
		{FormatMarkdown, []string{"**Session:** pf\\_k (portal.test, path /admin)", "❌ **Logout:** the session is STILL VALID", "**Flow state:** auth\\_verification"}},
		{FormatHTML, []string{"<h3>Session, measured</h3>", `<li class="bad"><strong>Logout:</strong> the session is STILL VALID`, "Not needed:"}},
		{FormatJUnit, []string{`name="session.credentials" value="pf_k (portal.test, path /admin), pf_u (portal.test)"`, `name="session.logout" value="still-valid"`, `name="session.notNeeded" value="auth_hint (portal.test)"`}},
		{FormatSARIF, []string{`"scenario portal: session.credentials": "pf_k (portal.test, path /admin), pf_u (portal.test)"`, `"scenario portal: session.logout": "still-valid"`}},
	})
}
