package lab

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// formPostRE matches the form_post page's form and its two fields.
var formPostRE = regexp.MustCompile(`<form method="post" action="([^"]+)">\s*<input type="hidden" name="code" value="([^"]+)">\s*<input type="hidden" name="state" value="([^"]+)">`)

// ssoStart starts a login on the relying party and returns its answer and
// the authorization request it redirects to.
func ssoStart(t *testing.T, c labClient, path string) (answer, *url.URL) {
	t.Helper()
	a := c.get(RPHost, path)
	if a.status != http.StatusFound {
		t.Fatalf("rp %s answered %d, want 302:\n%s", path, a.status, a.body)
	}
	loc, err := url.Parse(a.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return a, loc
}

// ssoFormPost reads the form_post page: where it posts, and the code and
// state it posts.
func ssoFormPost(t *testing.T, a answer) (action, code, state string) {
	t.Helper()
	m := formPostRE.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil || !strings.Contains(a.body, "document.forms[0].submit()") || !strings.Contains(a.body, `<button type="submit"`) {
		t.Fatalf("want a self-submitting form_post page with a button, got %d:\n%s", a.status, a.body)
	}
	return html.UnescapeString(m[1]), m[2], m[3]
}

func TestSSOFlow(t *testing.T) {
	c := startLab(t)
	port := strconv.Itoa(c.lab.HTTPSPort)

	// The relying party starts the login: two state cookies, then the
	// identity provider on another site, answering by form_post.
	start, authorize := ssoStart(t, c, LoginFlowPath)
	state := wantSetCookie(t, start, SSOStateCookie, "Path=/; Secure; HttpOnly; SameSite=None; Max-Age=600")
	wantSetCookie(t, start, SSOStateSigCookie, "Path=/; Secure; HttpOnly; SameSite=None; Max-Age=600")
	stateCookies := []*http.Cookie{start.cookie(SSOStateCookie), start.cookie(SSOStateSigCookie)}
	q := authorize.Query()
	callback := "https://" + RPHost + ":" + port + "/cb"
	if authorize.Scheme != "https" || authorize.Host != IdPHost+":"+port || authorize.Path != "/authorize" ||
		q.Get("client_id") != "rp" || q.Get("redirect_uri") != callback || q.Get("response_mode") != "form_post" ||
		q.Get("state") != state || q.Get("nonce") == "" || q.Get("auto") != "1" {
		t.Fatalf("rp /login redirects to %s, want https://%s:%s/authorize with client_id rp, redirect_uri %s, response_mode form_post, the cookie's state, a nonce and auto=1", authorize, IdPHost, port, callback)
	}

	// The identity provider asks who the user is, carrying the request along.
	a := c.get(IdPHost, authorize.RequestURI())
	wantLoginForm(t, a, true)
	for _, name := range []string{"client_id", "redirect_uri", "response_mode", "state", "nonce"} {
		if field := `<input type="hidden" name="` + name + `" value="` + html.EscapeString(q.Get(name)) + `">`; !strings.Contains(a.body, field) {
			t.Errorf("idp login form lacks %s", field)
		}
	}
	login := url.Values{"user": {"demo"}, "password": {"demo"}}
	for _, name := range []string{"client_id", "redirect_uri", "response_mode", "state", "nonce"} {
		login.Set(name, q.Get(name))
	}
	wrong := url.Values{}
	for k, v := range login {
		wrong[k] = v
	}
	wrong.Set("password", "nope")
	if a := c.post(IdPHost, "/authorize", wrong); a.status != http.StatusForbidden || a.setCookie(IdPSessionCookie) != "" {
		t.Errorf("idp login with a wrong password answered %d, want 403 and no session", a.status)
	}
	a = c.post(IdPHost, "/authorize", login)
	wantSetCookie(t, a, IdPSessionCookie, "Path=/; Secure; HttpOnly; SameSite=Lax")
	idpSession := a.cookie(IdPSessionCookie)
	action, code, postedState := ssoFormPost(t, a)
	if action != callback || postedState != state {
		t.Fatalf("form_post posts state %q to %q, want %q to %q", postedState, action, state, callback)
	}

	// The callback refuses a state that is not the browser's, and keeps
	// the login going for the browser that started it.
	for _, tt := range []struct {
		description string
		form        url.Values
		cookies     []*http.Cookie
	}{
		{"a state other than the cookie's", url.Values{"code": {code}, "state": {"someone-elses"}}, stateCookies},
		{"no state cookies (what a SameSite=Lax state cookie would give)", url.Values{"code": {code}, "state": {state}}, nil},
		{"a state cookie without its signature", url.Values{"code": {code}, "state": {state}}, stateCookies[:1]},
		{"a forged state cookie and field", url.Values{"code": {code}, "state": {"forged"}}, []*http.Cookie{{Name: SSOStateCookie, Value: "forged"}, stateCookies[1]}},
	} {
		a := c.post(RPHost, "/cb", tt.form, tt.cookies...)
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, "login refused") || a.setCookie(RPSessionCookie) != "" {
			t.Errorf("/cb with %s answered %d %q, want 400 login refused and no session", tt.description, a.status, a.body)
		}
	}

	a = c.post(RPHost, "/cb", url.Values{"code": {code}, "state": {state}}, stateCookies...)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/account" {
		t.Fatalf("/cb answered %d to %q, want 303 to /account:\n%s", a.status, a.header.Get("Location"), a.body)
	}
	for _, name := range []string{SSOStateCookie, SSOStateSigCookie} {
		if got, want := a.setCookie(name), name+"=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0"; got != want {
			t.Errorf("/cb Set-Cookie for %s = %q, want %q", name, got, want)
		}
	}
	wantSetCookie(t, a, RPSessionCookie, "Path=/; Secure; HttpOnly; SameSite=Lax")
	session := a.cookie(RPSessionCookie)
	if a := c.post(RPHost, "/cb", url.Values{"code": {code}, "state": {state}}, stateCookies...); a.status != http.StatusBadRequest {
		t.Errorf("/cb replayed answered %d, want 400: state and code are good once", a.status)
	}

	if a := c.get(RPHost, "/account", session); !a.shows("demo") {
		t.Fatalf("rp account shows nobody:\n%s", a.body)
	}
	if a := c.get(RPHost, "/account", stateCookies...); a.hasWho() {
		t.Errorf("rp account shows a user without rp_session")
	}

	// A second login: the identity provider's session answers at once.
	start, authorize = ssoStart(t, c, "/login")
	if authorize.Query().Get("auto") != "" {
		t.Errorf("rp /login without auto=1 passes auto on: %s", authorize)
	}
	_, code2, state2 := ssoFormPost(t, c.get(IdPHost, authorize.RequestURI(), idpSession))
	a = c.post(RPHost, "/cb", url.Values{"code": {code2}, "state": {state2}}, start.cookie(SSOStateCookie), start.cookie(SSOStateSigCookie))
	if a.status != http.StatusSeeOther || a.cookie(RPSessionCookie) == nil {
		t.Errorf("second login through the idp session answered %d:\n%s", a.status, a.body)
	}

	a = c.get(RPHost, "/logout", session)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/" {
		t.Errorf("rp logout answered %d to %q, want 303 to /", a.status, a.header.Get("Location"))
	}
	if got, want := a.setCookie(RPSessionCookie), "rp_session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"; got != want {
		t.Errorf("rp logout Set-Cookie = %q, want %q", got, want)
	}
	if a := c.get(RPHost, "/account", session); a.hasWho() {
		t.Errorf("rp account still shows the user to the old rp_session after logout")
	}
}

func TestSSORefusals(t *testing.T) {
	c := startLab(t)
	_, authorize := ssoStart(t, c, "/login")
	for _, tt := range []struct {
		description, param, value string
	}{
		{"another client", "client_id", "evil"},
		{"a redirect_uri on another host", "redirect_uri", "https://evil.test/cb"},
		{"a redirect_uri on a sibling of the relying party", "redirect_uri", "https://evil." + RPHost + "/cb"},
		{"a redirect_uri over http", "redirect_uri", "http://" + RPHost + "/cb"},
		{"a redirect_uri on another path", "redirect_uri", "https://" + RPHost + "/account"},
		{"a response_mode other than form_post", "response_mode", "query"},
		{"no state", "state", ""},
	} {
		q := authorize.Query()
		q.Set(tt.param, tt.value)
		if a := c.get(IdPHost, "/authorize?"+q.Encode()); a.status != http.StatusBadRequest {
			t.Errorf("idp authorize with %s answered %d, want 400", tt.description, a.status)
		}
	}
	if a := c.do(http.MethodGet, c.lab.URL(false, RPHost, "/login"), nil); a.status != http.StatusBadRequest || !strings.Contains(a.body, "https only") {
		t.Errorf("rp /login over http answered %d %q, want 400 saying https only", a.status, a.body)
	}
}
