package scenarios

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// builtinScenario reads one built-in scenario.
func builtinScenario(t *testing.T, name string) Scenario {
	t.Helper()
	scs, err := Builtin(name)
	if err != nil || len(scs) != 1 {
		t.Fatalf("builtin:%s: %d scenarios, %v", name, len(scs), err)
	}
	return scs[0]
}

// refNames lists the names of refs, in order.
func refNames(refs []inspect.CookieRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return out
}

// sessionLikeOf maps each finding's cookie to its rule IDs and sessionLike.
func findingsOn(fs []inspect.Finding, cookie string) (rules []string, sessionLike []string) {
	for _, f := range fs {
		if f.Cookie == cookie {
			rules = append(rules, f.RuleID)
			sessionLike = append(sessionLike, f.SessionLike)
		}
	}
	return rules, sessionLike
}

func TestTheSessionStepMeasuresTheCredentialsTheServerNeeds(t *testing.T) {
	portal := builtinScenario(t, "session-portal")
	// After the measurement the victim is still logged in, with every
	// cookie it had: the replays ran in a context of their own.
	after, err := Parse("after.yaml", []byte(`name: the victim is untouched by the measurement
lab: portal
steps:
  - goto: /login?auto=1
  - wait: {url: /admin/}
  - capture: before-measuring
  - session: {check: /admin/, page: "#who"}
  - goto: /admin/
  - expect: {page: "#who"}
  - expect: {cookie: pf_u, invalidated: before-measuring}
  - expect: {cookie: pf_legacy}
  - expect: {cookie: theme}
`), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	targets := runScenarios(t, append([]Scenario{portal}, after...), 1)
	tg := targets[0]
	if tg.Error != "" || tg.Session == nil {
		t.Fatalf("portal: error %q, session %+v", tg.Error, tg.Session)
	}
	s := tg.Session
	if s.Error != "" {
		t.Fatalf("portal: measurement error %s", s.Error)
	}
	// pf_k (path /admin) alone is needed; pf_u and pf_legacy are redundant
	// (either suffices), so the minimal set is one of them with pf_k, and
	// the report says it is not unique.
	if got := refNames(s.Needed); !slices.Equal(got, []string{"pf_k"}) {
		t.Errorf("needed %v, want [pf_k]", got)
	}
	creds := refNames(s.Credentials)
	if len(creds) != 2 || !slices.Contains(creds, "pf_k") || !(slices.Contains(creds, "pf_u") || slices.Contains(creds, "pf_legacy")) {
		t.Errorf("credentials %v, want pf_k and one of pf_u, pf_legacy", creds)
	}
	for _, c := range s.Credentials {
		if c.Name == "pf_k" && c.Path != "/admin" {
			t.Errorf("pf_k measured at path %q, want /admin", c.Path)
		}
	}
	if s.Unique || len(s.Interchangeable) != 1 || len(s.Interchangeable[0]) != 2 {
		t.Errorf("unique %v, interchangeable %v: want pf_u and pf_legacy as one group of stand-ins", s.Unique, s.Interchangeable)
	} else if pair := refNames(s.Interchangeable[0]); !slices.Contains(pair, "pf_u") || !slices.Contains(pair, "pf_legacy") {
		t.Errorf("interchangeable %v, want pf_u and pf_legacy", pair)
	}
	notNeeded := refNames(s.NotNeeded)
	slices.Sort(notNeeded)
	if !slices.Equal(notNeeded, []string{"auth_hint", "lang", "theme"}) {
		t.Errorf("not needed %v, want auth_hint, lang, theme", notNeeded)
	}
	if s.Disturbed != "" {
		t.Errorf("the portal keeps no state the replays could change, yet: %s", s.Disturbed)
	}
	if s.Replays < 8 || s.Logout == nil || !s.Logout.Ended() || !tg.Expectations[0].Passed {
		t.Errorf("replays %d, logout %+v, expectation %+v: want the session measured and ended at logout", s.Replays, s.Logout, tg.Expectations)
	}
	// Judged by the measurement: pf_k and the stand-ins are sessions, and
	// auth_hint, which its name would make a session, is not.
	findings := inspect.Judge(tg, inspect.Config{}, time.Now())
	if _, like := findingsOn(findings, "pf_k"); len(like) == 0 || !strings.HasPrefix(like[0], "measured: needed by https://portal.test") {
		t.Errorf("pf_k findings judged it %v; want a session measured at the portal", like)
	}
	if _, like := findingsOn(findings, "pf_legacy"); len(like) == 0 || !strings.HasPrefix(like[0], "measured: ") {
		t.Errorf("pf_legacy findings judged it %v; want a measured session (it stands in for pf_u)", like)
	}
	if rules, like := findingsOn(findings, "auth_hint"); slices.Contains(rules, "CS014") || slices.ContainsFunc(like, func(s string) bool { return s != "" }) {
		t.Errorf("auth_hint, measured not needed, drew %v judged %v", rules, like)
	}
	untouched := targets[1]
	if untouched.Error != "" || len(failedChecks(untouched)) != 1 || failedChecks(untouched)[0] != "pf_u: invalidated" {
		t.Errorf("after the measurement the victim's jar changed or it was logged out: error %q, failures %v (want only pf_u: invalidated to fail: its value is still held)", untouched.Error, failedChecks(untouched))
	}
}

func TestAStatelessSessionThatOutlivesLogoutIsDemonstrated(t *testing.T) {
	tg := runScenarios(t, []Scenario{builtinScenario(t, "session-stateless")}, 1)[0]
	if tg.Error != "" || tg.Session == nil || tg.Session.Logout == nil {
		t.Fatalf("error %q, session %+v", tg.Error, tg.Session)
	}
	l := tg.Session.Logout
	if l.VictimShows || !l.ReplayShows || refNames(l.Replayed)[0] != "st_sess" {
		t.Errorf("logout %+v: want the victim logged out and the replayed st_sess still showing #who", l)
	}
	// The cookie was cleared in the browser: that expectation holds; the
	// session did not end: that one fails.
	if len(tg.Expectations) != 2 || !tg.Expectations[0].Passed || tg.Expectations[1].Passed ||
		!strings.Contains(strings.Join(tg.Expectations[1].Failures, " "), "the server did not end the session") {
		t.Errorf("expectations %+v", tg.Expectations)
	}
	var cs030 *inspect.Finding
	for _, f := range inspect.Judge(tg, inspect.Config{}, time.Now()) {
		if f.RuleID == "CS030" {
			cs030 = &f
		}
	}
	if cs030 == nil || cs030.Severity != inspect.High || cs030.Cookie != "st_sess" || cs030.Step != tg.Session.Step || !strings.Contains(cs030.Evidence, "a visible element matches #who") {
		t.Errorf("CS030: %+v; want high, on st_sess as measured at the session step, with what the replay saw", cs030)
	}
}

func TestRedirectLoginStateCookiesAreNeverSessions(t *testing.T) {
	tg := runScenarios(t, []Scenario{builtinScenario(t, "sso")}, 1)[0]
	if tg.Error != "" || tg.Session == nil || tg.Session.Error != "" {
		t.Fatalf("error %q, session %+v", tg.Error, tg.Session)
	}
	if got := refNames(tg.Session.Credentials); !slices.Equal(got, []string{"rp_session"}) {
		t.Errorf("credentials %v, want [rp_session]", got)
	}
	var state []string
	for _, f := range tg.FlowState {
		state = append(state, f.Name)
		if !strings.Contains(f.Why, "cross-site return POST https://rp.test") || !strings.Contains(f.Why, "SameSite=None") {
			t.Errorf("%s: why %q does not tell the cross-site return and the SameSite=None it needs", f.Name, f.Why)
		}
	}
	slices.Sort(state)
	if !slices.Equal(state, []string{"auth_verification", "auth_verification.sig"}) {
		t.Errorf("flow-state cookies %v, want auth_verification and auth_verification.sig", state)
	}
	for _, f := range inspect.Judge(tg, inspect.Config{}, time.Now()) {
		if strings.HasPrefix(f.Cookie, "auth_verification") && slices.Contains([]string{"CS003", "CS014", "CS027", "CS028"}, f.RuleID) {
			t.Errorf("state cookie %s drew %s (%s): %s", f.Cookie, f.RuleID, f.Severity, f.Evidence)
		}
	}
	if !tg.Session.Logout.Ended() {
		t.Errorf("logout %+v, want ended", tg.Session.Logout)
	}
	// The flow reads as a timeline: the login page is the identity
	// provider's, and the step that submits it comes back to the relying
	// party, sets rp_session and deletes the state cookies it sent.
	var hosts []string
	var back *inspect.FlowStep
	for i, st := range tg.Flow {
		hosts = append(hosts, st.Host)
		if slices.ContainsFunc(st.Set, func(r inspect.CookieRef) bool { return r.Name == "rp_session" }) {
			back = &tg.Flow[i]
		}
	}
	if len(tg.Flow) != 9 || tg.Flow[0].Host != "idp.test" || back == nil || back.Host != "rp.test" ||
		!slices.Contains(refNames(back.Deleted), "auth_verification") || !slices.Contains(back.Sent, "auth_verification") {
		t.Errorf("flow over hosts %v; the return step %+v", hosts, back)
	}
}

func TestASessionCheckTheVictimFailsIsAStepError(t *testing.T) {
	scs, err := Parse("anon.yaml", []byte(`name: not logged in
lab: portal
steps:
  - goto: /
  - session: {check: /admin/, page: "#who"}
  - expect: {session: ended}
`), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	tg := runScenarios(t, scs, 1)[0]
	if !strings.Contains(tg.Error, "anon.yaml:5: step 2 (session: /admin/ shows #who): the victim is not logged in: no visible element matches #who on https://portal.test") {
		t.Errorf("error %q", tg.Error)
	}
	if tg.Session != nil || len(tg.Expectations) != 1 || tg.Expectations[0].Passed {
		t.Errorf("session %+v, expectations %+v: want nothing measured and the expectation not checked", tg.Session, tg.Expectations)
	}
}

// rememberingServer logs a user in again from a remember-me cookie, as
// DokuWiki does: a session remembers the remember value it was logged in
// with; a request without the remember cookie makes it forget, and one
// that brings a valid remember value other than the one the session holds
// logs the session in again and issues a new remember value. The replays of
// a session step share that state with the victim.
func rememberingServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	with := map[string]string{} // session id -> the remember value it logged in with
	remember := map[string]bool{}
	n := 0
	next := func(prefix string) string { n++; return fmt.Sprintf("%s%d", prefix, n) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		sess, _ := r.Cookie("sess")
		rem, _ := r.Cookie("rem")
		loggedIn := false
		switch {
		case r.URL.Path == "/login":
			id, value := next("s"), next("r")
			with[id], remember[value] = value, true
			http.SetCookie(w, &http.Cookie{Name: "sess", Value: id, Path: "/"})
			http.SetCookie(w, &http.Cookie{Name: "rem", Value: value, Path: "/"})
			loggedIn = true
		case sess == nil:
		case rem == nil:
			with[sess.Value] = ""
		case with[sess.Value] == rem.Value:
			loggedIn = true
		case remember[rem.Value]:
			value := next("r")
			with[sess.Value], remember[value] = value, true
			http.SetCookie(w, &http.Cookie{Name: "rem", Value: value, Path: "/"})
			loggedIn = true
		}
		if loggedIn {
			fmt.Fprint(w, `<p id="who">demo</p>`)
			return
		}
		fmt.Fprint(w, `<p>not logged in</p>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestReplaysThatChangeTheSessionOnTheServerAreReported(t *testing.T) {
	srv := rememberingServer(t)
	scs, err := Parse("remember.yaml", []byte(`name: a server that logs in again from a remember cookie
url: `+srv.URL+`/
steps:
  - goto: /login
  - session: {check: /account, page: "#who"}
`), lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	tg := runScenarios(t, scs, 1)[0]
	if tg.Error != "" || tg.Session == nil || tg.Session.Error != "" {
		t.Fatalf("error %q, session %+v", tg.Error, tg.Session)
	}
	if got := refNames(tg.Session.Credentials); !slices.Equal(got, []string{"rem", "sess"}) {
		t.Errorf("credentials %v, want rem and sess", got)
	}
	// The replay without rem made the server forget the login of the
	// victim's session id, the next one logged it in again with a new rem,
	// and the victim's next load, with its old rem, logged in again too and
	// was given a new rem.
	if d := tg.Session.Disturbed; !strings.Contains(d, "rem (127.0.0.1) given a new value") || strings.Contains(d, "sess (127.0.0.1)") {
		t.Errorf("disturbed %q; want rem given a new value, and sess as it was", d)
	}
}

func TestJarChangesNameCookiesNeverValues(t *testing.T) {
	c := func(name, value string) inspect.Cookie {
		return inspect.Cookie{Name: name, Value: value, Domain: "app.test", Path: "/"}
	}
	got := jarChanges([]inspect.Cookie{c("a", "1"), c("b", "2"), c("c", "3")}, []inspect.Cookie{c("a", "1"), c("b", "9"), c("d", "4")})
	want := []string{"b (app.test) given a new value", "c (app.test) deleted", "d (app.test) set anew"}
	if !slices.Equal(got, want) {
		t.Errorf("jarChanges = %q, want %q", got, want)
	}
}

func TestPagesHaveADesktopViewportUnlessTheScenarioSaysOtherwise(t *testing.T) {
	flow := func(name, extra string) []Scenario {
		scs, err := Parse(name+".yaml", []byte(`name: `+name+`
url: `+env.Lab.URL(true, "app.test", "/")+`
timeout: 3s
`+extra+`steps:
  - goto: /responsive
  - click: "#collapse"
  - wait: {cookie: popup_layout}
  - expect: {cookie: menu}
`), lookupFrom(nil))
		if err != nil {
			t.Fatal(err)
		}
		return scs
	}
	scs := append(append(flow("desktop", ""), flow("phone", "viewport: 390x844\n")...), flow("again", "")...)
	targets := runScenarios(t, scs, 1)
	value := func(tg inspect.Target, name string) string {
		for _, c := range tg.Cookies {
			if c.Name == name {
				return c.Value
			}
		}
		return ""
	}
	desktop, phone := targets[0], targets[1]
	// By default the collapse button (shown at 782 px and wider) is there
	// to click, and the popup it opens is laid out as a desktop too.
	if desktop.Error != "" || value(desktop, "layout") != "desktop" || value(desktop, "menu") != "collapsed" || value(desktop, "popup_layout") != "desktop" || desktop.Viewport != nil {
		t.Errorf("default viewport: error %q, layout %q, menu %q, popup %q, viewport %+v", desktop.Error, value(desktop, "layout"), value(desktop, "menu"), value(desktop, "popup_layout"), desktop.Viewport)
	}
	// On a phone-sized viewport the button is hidden: the click times out.
	if !strings.Contains(phone.Error, `phone.yaml:7: step 2 (click #collapse)`) || value(phone, "layout") != "mobile" || phone.Viewport == nil || phone.Viewport.Width != 390 {
		t.Errorf("390x844: error %q, layout %q, viewport %+v", phone.Error, value(phone, "layout"), phone.Viewport)
	}
	// The worker's next scenario is on the run's viewport again.
	if again := targets[2]; again.Error != "" || value(again, "layout") != "desktop" {
		t.Errorf("the scenario after the phone one: error %q, layout %q", again.Error, value(again, "layout"))
	}
}
