package lab

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"sync"
)

// The sso app's hosts: a relying party that logs its users in through an
// identity provider on another site, by an OpenID-Connect-like redirect
// flow whose answer comes back as a cross-site form post (response_mode
// form_post).
const (
	RPHost  = "rp.test"  // the relying party, the site the user logs in to
	IdPHost = "idp.test" // the identity provider, on another registrable domain
)

// The sso app's cookies.
const (
	// SSOStateCookie holds the state of a login in progress on the relying
	// party, and SSOStateSigCookie its HMAC. Both are SameSite=None: the
	// identity provider's answer is a cross-site POST, which carries no
	// Lax or Strict cookie, and without them the relying party could not
	// tie the answer to the browser that started the login.
	SSOStateCookie    = "auth_verification"
	SSOStateSigCookie = "auth_verification.sig"
	// RPSessionCookie is the relying party's session, kept on the server.
	RPSessionCookie = "rp_session"
	// IdPSessionCookie is the identity provider's session, kept on the
	// server: with it a second login needs no password.
	IdPSessionCookie = "idp_session"
)

// ssoClientID is the one client the identity provider knows.
const ssoClientID = "rp"

// ssoGrant is what the identity provider remembers of a code it issued.
type ssoGrant struct {
	user, clientID, redirectURI, nonce string
}

// ssoApp is both sides of the sso app: they share the codes the identity
// provider issues, as a real pair shares them through a back channel.
type ssoApp struct {
	// key signs the relying party's state cookie.
	key []byte
	// mu guards pending, codes, rpSessions and idpSessions.
	mu          sync.Mutex
	pending     map[string]string   // relying party: state of a login in progress -> its nonce
	codes       map[string]ssoGrant // identity provider: code -> grant, until used once
	rpSessions  map[string]string   // rp_session value -> user
	idpSessions map[string]string   // idp_session value -> user
}

func newSSOApp() *ssoApp {
	key := make([]byte, 32)
	rand.Read(key)
	return &ssoApp{key: key, pending: make(map[string]string), codes: make(map[string]ssoGrant),
		rpSessions: make(map[string]string), idpSessions: make(map[string]string)}
}

// sameLabURL returns the https URL of path on host at the port r came to:
// the lab serves every host on one port, whichever the OS gave it.
func sameLabURL(r *http.Request, host, path string) string {
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		host = net.JoinHostPort(host, port)
	}
	return "https://" + host + path
}

// needHTTPS refuses a request over plain http, where the app's Secure and
// SameSite=None cookies cannot be set, and says so; it reports whether it
// did.
func needHTTPS(w http.ResponseWriter, r *http.Request) bool {
	if r.TLS != nil {
		return false
	}
	http.Error(w, "the sso app ("+RPHost+", "+IdPHost+") works over https only: open it on the lab's https port", http.StatusBadRequest)
	return true
}

func (a *ssoApp) rpRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		writePage(w, "Relying party", fmt.Sprintf(`<p><a href="/login">Log in</a> with %s · <a href="/account">Account</a></p>`, IdPHost))
	})
	mux.HandleFunc("GET /login", a.rpLogin)
	mux.HandleFunc("POST /cb", a.rpCallback)
	mux.HandleFunc("/account", a.rpAccount)
	mux.HandleFunc("/logout", a.rpLogout)
	return mux
}

func (a *ssoApp) idpRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		writePage(w, "Identity provider", fmt.Sprintf(`<p>The identity provider of %s.</p>`, RPHost))
	})
	mux.HandleFunc("GET /authorize", a.idpAuthorize)
	mux.HandleFunc("POST /authorize", a.idpLogin)
	return mux
}

// stateSig is the value of the state's signature cookie.
func (a *ssoApp) stateSig(state string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(state))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// rpLogin starts a login: it remembers a new state with its nonce, puts the
// state and its signature in cookies, and sends the browser to the
// identity provider. With auto=1 it asks the identity provider to submit
// its login form by itself (a lab-only parameter), so that loading
// /login?auto=1 is the whole login.
func (a *ssoApp) rpLogin(w http.ResponseWriter, r *http.Request) {
	if needHTTPS(w, r) {
		return
	}
	state, nonce := token(), token()
	a.mu.Lock()
	a.pending[state] = nonce
	a.mu.Unlock()
	w.Header().Add("Set-Cookie", SSOStateCookie+"="+state+"; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=600")
	w.Header().Add("Set-Cookie", SSOStateSigCookie+"="+a.stateSig(state)+"; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=600")
	q := url.Values{
		"client_id":     {ssoClientID},
		"redirect_uri":  {sameLabURL(r, RPHost, "/cb")},
		"response_type": {"code"},
		"response_mode": {"form_post"},
		"scope":         {"openid"},
		"state":         {state},
		"nonce":         {nonce},
	}
	if r.URL.Query().Get("auto") == "1" {
		q.Set("auto", "1")
	}
	http.Redirect(w, r, sameLabURL(r, IdPHost, "/authorize?"+q.Encode()), http.StatusFound)
}

// rpCallback takes the identity provider's answer. The state field must
// equal the state cookie, whose signature must check out: otherwise the
// answer may be an attacker's login forced on this browser (login CSRF),
// and it is refused with 400. The code must be one the identity provider
// issued for this relying party and this login's nonce; it is used up.
func (a *ssoApp) rpCallback(w http.ResponseWriter, r *http.Request) {
	state, code := r.PostFormValue("state"), r.PostFormValue("code")
	if msg := a.checkState(r, state); msg != "" {
		http.Error(w, "login refused: "+msg, http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	nonce, started := a.pending[state]
	delete(a.pending, state)
	grant, issued := a.codes[code]
	delete(a.codes, code)
	a.mu.Unlock()
	switch {
	case !started:
		http.Error(w, "login refused: the state was already used or never issued by "+RPHost+"; start again at /login", http.StatusBadRequest)
		return
	case !issued:
		http.Error(w, "login refused: the code was already used or never issued by "+IdPHost+"; start again at /login", http.StatusBadRequest)
		return
	case grant.clientID != ssoClientID || grant.redirectURI != sameLabURL(r, RPHost, "/cb") || grant.nonce != nonce:
		http.Error(w, "login refused: the code was issued for another client, redirect_uri or nonce", http.StatusBadRequest)
		return
	}
	w.Header().Add("Set-Cookie", SSOStateCookie+"=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0")
	w.Header().Add("Set-Cookie", SSOStateSigCookie+"=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0")
	session := token()
	a.mu.Lock()
	a.rpSessions[session] = grant.user
	a.mu.Unlock()
	w.Header().Add("Set-Cookie", RPSessionCookie+"="+session+"; Path=/; Secure; HttpOnly; SameSite=Lax")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// checkState says what is wrong with the state of a callback, or "".
func (a *ssoApp) checkState(r *http.Request, state string) string {
	if state == "" {
		return "the answer carries no state"
	}
	c, err := r.Cookie(SSOStateCookie)
	if err != nil {
		return "no " + SSOStateCookie + " cookie came with the answer (it must be SameSite=None to survive the cross-site form post)"
	}
	sig, err := r.Cookie(SSOStateSigCookie)
	if err != nil || !hmac.Equal([]byte(sig.Value), []byte(a.stateSig(c.Value))) {
		return "the " + SSOStateSigCookie + " cookie is missing or does not sign " + SSOStateCookie
	}
	if subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return "the state does not match the " + SSOStateCookie + " cookie: this browser did not start this login"
	}
	return ""
}

func (a *ssoApp) rpAccount(w http.ResponseWriter, r *http.Request) {
	user := ""
	if c, err := r.Cookie(RPSessionCookie); err == nil {
		a.mu.Lock()
		user = a.rpSessions[c.Value]
		a.mu.Unlock()
	}
	if user == "" {
		writePage(w, "Account", `<p id="status">Not logged in. <a href="/login">Log in</a></p>`)
		return
	}
	writePage(w, "Account", whoBody(user))
}

// rpLogout ends the relying party's session on the server and deletes its
// cookie. The identity provider's session lives on: the next login there
// needs no password, as with most providers.
func (a *ssoApp) rpLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(RPSessionCookie); err == nil {
		a.mu.Lock()
		delete(a.rpSessions, c.Value)
		a.mu.Unlock()
	}
	w.Header().Add("Set-Cookie", RPSessionCookie+"=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// authorizeRequest is an authorization request's parameters.
type authorizeRequest struct {
	clientID, redirectURI, responseMode, state, nonce string
}

// readAuthorize reads the parameters of r (query or form) and says what is
// wrong with them, or "". The identity provider answers only its one
// client, and only at that client's /cb on https: sending a code to any
// other redirect_uri would hand it to whoever chose that address. The port
// is not checked, since the lab's port is whatever the OS gave.
func readAuthorize(r *http.Request) (authorizeRequest, string) {
	q := authorizeRequest{r.FormValue("client_id"), r.FormValue("redirect_uri"), r.FormValue("response_mode"), r.FormValue("state"), r.FormValue("nonce")}
	u, err := url.Parse(q.redirectURI)
	switch {
	case q.clientID != ssoClientID:
		return q, "unknown client_id " + q.clientID + ": the identity provider knows " + ssoClientID + " only"
	case err != nil || u.Scheme != "https" || u.Hostname() != RPHost || u.Path != "/cb" || u.RawQuery != "" || u.Fragment != "":
		return q, "redirect_uri " + q.redirectURI + " is not " + ssoClientID + "'s: want https://" + RPHost + ":PORT/cb"
	case q.responseMode != "form_post":
		return q, "response_mode " + q.responseMode + ": the identity provider answers by form_post only"
	case q.state == "" || q.nonce == "":
		return q, "state and nonce are required"
	}
	return q, ""
}

// idpAuthorize answers an authorization request: with the form post at
// once when the browser has an identity provider session, or with the
// login form, which carries the request's parameters along.
func (a *ssoApp) idpAuthorize(w http.ResponseWriter, r *http.Request) {
	if needHTTPS(w, r) {
		return
	}
	q, msg := readAuthorize(r)
	if msg != "" {
		http.Error(w, "authorization refused: "+msg, http.StatusBadRequest)
		return
	}
	if c, err := r.Cookie(IdPSessionCookie); err == nil {
		a.mu.Lock()
		user := a.idpSessions[c.Value]
		a.mu.Unlock()
		if user != "" {
			a.formPost(w, q, user)
			return
		}
	}
	var hidden string
	for _, f := range [][2]string{{"client_id", q.clientID}, {"redirect_uri", q.redirectURI}, {"response_mode", q.responseMode}, {"state", q.state}, {"nonce", q.nonce}} {
		hidden += fmt.Sprintf("<input type=\"hidden\" name=\"%s\" value=\"%s\">\n", f[0], html.EscapeString(f[1]))
	}
	writePage(w, "Log in to "+IdPHost, fmt.Sprintf("<p>%s asks who you are.</p>\n", RPHost)+credentialsForm("/authorize", hidden, r.URL.Query().Get("auto") == "1"))
}

// idpLogin takes the login form: it accepts the demo user, starts an
// identity provider session and answers the authorization request.
func (a *ssoApp) idpLogin(w http.ResponseWriter, r *http.Request) {
	if needHTTPS(w, r) {
		return
	}
	q, msg := readAuthorize(r)
	if msg != "" {
		http.Error(w, "authorization refused: "+msg, http.StatusBadRequest)
		return
	}
	if !isDemoUser(r) {
		refuseLogin(w)
		return
	}
	session := token()
	a.mu.Lock()
	a.idpSessions[session] = "demo"
	a.mu.Unlock()
	w.Header().Add("Set-Cookie", IdPSessionCookie+"="+session+"; Path=/; Secure; HttpOnly; SameSite=Lax")
	a.formPost(w, q, "demo")
}

// formPost issues a code for user and answers with the page that posts it,
// with the state, to the relying party: a form its script submits on load,
// whose button does it where script does not run. The post goes from
// IdPHost to RPHost, another site.
func (a *ssoApp) formPost(w http.ResponseWriter, q authorizeRequest, user string) {
	code := token()
	a.mu.Lock()
	a.codes[code] = ssoGrant{user: user, clientID: q.clientID, redirectURI: q.redirectURI, nonce: q.nonce}
	a.mu.Unlock()
	writePage(w, "Signing in", fmt.Sprintf(`<form method="post" action="%s">
<input type="hidden" name="code" value="%s">
<input type="hidden" name="state" value="%s">
<button type="submit">Continue to %s</button>
</form>
<script>document.forms[0].submit();</script>`, html.EscapeString(q.redirectURI), html.EscapeString(code), html.EscapeString(q.state), RPHost))
}
