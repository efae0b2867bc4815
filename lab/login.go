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
	{"secure", SecureLoginHost, "__Host-sid", "__Host-sid (Secure, HttpOnly, SameSite=Lax), rotated at login; HSTS; a Secure preference cookie"},
	{"flawed", FlawedLoginHost, "sid", "sid without Secure or HttpOnly, Domain=flawed.test, set before login and kept after it; a script-readable csrf cookie"},
}

// VariantURL returns the https base URL of a login variant ("secure" or
// "flawed"), or "" for an unknown name.
func (l *Lab) VariantURL(variant string) string {
	for _, v := range LoginVariants {
		if v.Name == variant {
			return l.URL(true, v.Host, "/")
		}
	}
	return ""
}

// LoginFlowPath is the page that logs the demo user in by itself: loading it
// is the whole login flow.
const LoginFlowPath = "/login?auto=1"

// loginApp is one variant's server state: which sessions are logged in.
type loginApp struct {
	secure   bool
	mu       sync.Mutex
	loggedIn map[string]string // session value -> user
}

func newLoginApp(secure bool) *loginApp {
	return &loginApp{secure: secure, loggedIn: make(map[string]string)}
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

// common sets what every page of the variant sets: the secure variant HSTS,
// an anonymous session before login and a Secure preference cookie; the flawed one a session before login (or
// keeps the one the browser sent) and a csrf cookie script can read.
func (a *loginApp) common(w http.ResponseWriter, r *http.Request) {
	if a.secure {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		// An anonymous session before login, which login replaces.
		if _, err := r.Cookie("__Host-sid"); err != nil {
			a.setSession(w, token())
		}
		if _, err := r.Cookie("pref"); err != nil {
			w.Header().Add("Set-Cookie", "pref=light; Secure; SameSite=Lax; Path=/")
		}
		return
	}
	if _, err := r.Cookie("sid"); err != nil {
		a.setSession(w, token())
	}
	if _, err := r.Cookie("csrf"); err != nil {
		w.Header().Add("Set-Cookie", "csrf="+token()+"; Path=/")
	}
}

func (a *loginApp) page(title, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.common(w, r)
		writePage(w, title, body)
	}
}

func (a *loginApp) loginForm(w http.ResponseWriter, r *http.Request) {
	a.common(w, r)
	auto := ""
	if r.URL.Query().Get("auto") == "1" {
		auto = "<script>document.forms[0].submit();</script>"
	}
	writePage(w, "Log in", `<form method="post" action="/login">
<label>User <input name="user" value="demo"></label>
<label>Password <input name="password" type="password" value="demo"></label>
<button type="submit">Log in</button>
</form>`+auto)
}

// login accepts the demo user. The secure variant issues a new session; the
// flawed one keeps whatever session the browser sent (session fixation).
func (a *loginApp) login(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("user") != "demo" || r.FormValue("password") != "demo" {
		http.Error(w, "wrong user or password (the lab's user is demo/demo)", http.StatusForbidden)
		return
	}
	session := token()
	if !a.secure {
		if c, err := r.Cookie("sid"); err == nil && c.Value != "" {
			session = c.Value
		}
	}
	a.mu.Lock()
	a.loggedIn[session] = "demo"
	a.mu.Unlock()
	a.setSession(w, session)
	if a.secure {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (a *loginApp) account(w http.ResponseWriter, r *http.Request) {
	a.common(w, r)
	user := ""
	if c, err := r.Cookie(a.sessionName()); err == nil {
		a.mu.Lock()
		user = a.loggedIn[c.Value]
		a.mu.Unlock()
	}
	if user == "" {
		writePage(w, "Account", `<p id="status">Not logged in. <a href="/login">Log in</a></p>`)
		return
	}
	writePage(w, "Account", fmt.Sprintf(`<p id="status">Logged in as %s.</p><p><a href="/logout">Log out</a></p>`, html.EscapeString(user)))
}

func (a *loginApp) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(a.sessionName()); err == nil {
		a.mu.Lock()
		delete(a.loggedIn, c.Value)
		a.mu.Unlock()
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
