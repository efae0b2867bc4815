package lab

import (
	"fmt"
	"html"
	"net/http"
	"sync"
)

// The login app's hosts: the same app in a secure and a deliberately flawed
// variant, each under its own parent domain so that sibling subdomains
// (evil.flawed.test) exist.
const (
	SecureLoginHost = "app.secure.test"
	FlawedLoginHost = "app.flawed.test"
)

// LoginVariant describes one variant of the login app.
type LoginVariant struct {
	Name string // "secure" or "flawed"
	Host string
	// SessionCookie is the name of the cookie that holds the session.
	SessionCookie string
	// Shows says in one line what the variant does with its cookies.
	Shows string
}

// LoginVariants are the two variants, secure first.
var LoginVariants = []LoginVariant{
	{"secure", SecureLoginHost, "__Host-sid", "__Host-sid (Secure, HttpOnly, SameSite=Lax), issued by the server and rotated at login; HSTS; a Secure preference cookie"},
	{"flawed", FlawedLoginHost, "sid", "sid without Secure or HttpOnly, Domain=flawed.test; an id the server issued is kept through login (session fixation), an unknown one replaced; a script-readable csrf cookie"},
}

// LoginFlowPath is the page that logs the demo user in by itself: loading it
// is the whole login flow.
const LoginFlowPath = "/login?auto=1"

// loginApp is one variant's server state, kept as express-session keeps it:
// the session ids it issued, and which of them are logged in. A request
// with no session id, or one the server never issued, gets a new id; an id
// it issued is kept. The secure variant issues a new id at login; the
// flawed one keeps the id through login, which is session fixation: whoever
// got an id issued and planted it in the victim's browser shares the
// victim's session once the victim logs in.
type loginApp struct {
	secure bool
	// mu guards issued and loggedIn.
	mu       sync.Mutex
	issued   map[string]bool   // session ids the server issued and has not ended
	loggedIn map[string]string // session id -> user
}

func newLoginApp(secure bool) *loginApp {
	return &loginApp{secure: secure, issued: make(map[string]bool), loggedIn: make(map[string]string)}
}

func (a *loginApp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", a.page("Home", "<p><a href=\"/login\">Log in</a></p>"))
	mux.HandleFunc("GET /login", a.loginForm)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("/account", a.account)
	mux.HandleFunc("/logout", a.logout)
	return mux
}

func (a *loginApp) sessionName() string {
	if a.secure {
		return "__Host-sid"
	}
	return "sid"
}

// setSession sets the session cookie as the variant does.
func (a *loginApp) setSession(w http.ResponseWriter, value string) {
	if a.secure {
		w.Header().Add("Set-Cookie", "__Host-sid="+value+"; Secure; HttpOnly; SameSite=Lax; Path=/")
		return
	}
	// Flawed: no Secure, no HttpOnly, scoped to every subdomain.
	w.Header().Add("Set-Cookie", "sid="+value+"; Domain=flawed.test; Path=/")
}

// known returns the session id the request carries when the server issued
// it. Like express-session, it reads the first cookie of the name only.
func (a *loginApp) known(r *http.Request) (string, bool) {
	c, err := r.Cookie(a.sessionName())
	if err != nil {
		return "", false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return c.Value, a.issued[c.Value]
}

// issue makes a new session id, remembers it and sets it.
func (a *loginApp) issue(w http.ResponseWriter) string {
	id := token()
	a.mu.Lock()
	a.issued[id] = true
	a.mu.Unlock()
	a.setSession(w, id)
	return id
}

// end forgets a session id and its login.
func (a *loginApp) end(id string) {
	a.mu.Lock()
	delete(a.issued, id)
	delete(a.loggedIn, id)
	a.mu.Unlock()
}

// common sets what every page of the variant sets, and returns the session
// id in effect: the one the browser sent when the server issued it, or a
// new one (an anonymous session before login). The secure variant also
// sets HSTS and a Secure preference cookie; the flawed one a csrf cookie
// script can read.
func (a *loginApp) common(w http.ResponseWriter, r *http.Request) string {
	if a.secure && r.TLS != nil {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	id, ok := a.known(r)
	if !ok {
		id = a.issue(w)
	}
	if a.secure {
		if _, err := r.Cookie("pref"); err != nil {
			w.Header().Add("Set-Cookie", "pref=light; Secure; SameSite=Lax; Path=/")
		}
		return id
	}
	if _, err := r.Cookie("csrf"); err != nil {
		w.Header().Add("Set-Cookie", "csrf="+token()+"; Path=/")
	}
	return id
}

func (a *loginApp) page(title, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.common(w, r)
		writePage(w, title, body)
	}
}

func (a *loginApp) loginForm(w http.ResponseWriter, r *http.Request) {
	a.common(w, r)
	writePage(w, "Log in", credentialsForm("/login", "", r.URL.Query().Get("auto") == "1"))
}

// credentialsForm is the lab's login form, the same in every app: fields
// user and password, filled in with the demo user, and a submit button, so
// that a scenario can fill and click or just click. hidden is HTML put
// inside the form (hidden inputs), already escaped. With auto the form
// submits itself once parsed: loading the page is the whole login.
func credentialsForm(action, hidden string, auto bool) string {
	script := ""
	if auto {
		script = "<script>document.forms[0].submit();</script>"
	}
	return `<form method="post" action="` + html.EscapeString(action) + `">
` + hidden + `<label>User <input name="user" value="demo"></label>
<label>Password <input name="password" type="password" value="demo"></label>
<button type="submit">Log in</button>
</form>` + script
}

// isDemoUser reports whether the request's form names the lab's one user,
// demo with password demo.
func isDemoUser(r *http.Request) bool {
	return r.FormValue("user") == "demo" && r.FormValue("password") == "demo"
}

// whoBody is the body of a page that shows who is logged in: #who holds
// the user's name alone, for scenarios to expect, and a logout link
// follows.
func whoBody(user string) string {
	return `<p id="who">` + html.EscapeString(user) + `</p>
<p><a href="/logout">Log out</a></p>`
}

// refuseLogin answers a login with the wrong user or password.
func refuseLogin(w http.ResponseWriter) {
	http.Error(w, "wrong user or password (the lab's user is demo/demo)", http.StatusForbidden)
}

// login accepts the demo user. The secure variant ends the session the
// browser sent and issues a new one; the flawed one keeps a session id it
// issued (session fixation) and issues one only when there is none.
func (a *loginApp) login(w http.ResponseWriter, r *http.Request) {
	if !isDemoUser(r) {
		refuseLogin(w)
		return
	}
	id, ok := a.known(r)
	switch {
	case a.secure:
		if ok {
			a.end(id)
		}
		id = a.issue(w)
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	case ok:
		// The flaw: the session id from before login is the logged-in one.
		a.setSession(w, id)
	default:
		id = a.issue(w)
	}
	a.mu.Lock()
	a.loggedIn[id] = "demo"
	a.mu.Unlock()
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// account shows who is logged in; #account is on the page only when a
// user is, for scenarios to expect.
func (a *loginApp) account(w http.ResponseWriter, r *http.Request) {
	id := a.common(w, r)
	a.mu.Lock()
	user := a.loggedIn[id]
	a.mu.Unlock()
	if user == "" {
		writePage(w, "Account", `<p id="status">Not logged in. <a href="/login">Log in</a></p>`)
		return
	}
	writePage(w, "Account", fmt.Sprintf(`<div id="account"><p id="status">Logged in as %s.</p><p><a href="/logout">Log out</a></p></div>`, html.EscapeString(user)))
}

func (a *loginApp) logout(w http.ResponseWriter, r *http.Request) {
	if id, ok := a.known(r); ok {
		a.end(id)
	}
	if a.secure {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		w.Header().Add("Set-Cookie", "__Host-sid=; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
	} else {
		w.Header().Add("Set-Cookie", "sid=; Domain=flawed.test; Path=/; Max-Age=0")
	}
	writePage(w, "Logged out", `<p id="status">Logged out.</p>`)
}
