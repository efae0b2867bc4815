package lab

import (
	"io"
	"net/http"
	"strings"
	"sync"
)

// PortalHost is the portal app's host: a site whose credentials carry names
// no session-name pattern knows, one of them limited to a path and two of
// them redundant, with a cookie whose name looks like a session that the
// server never reads.
const PortalHost = "portal.test"

// PortalCookies are the cookies a portal login sets, by name, with the
// attributes that follow the value. The server reads only the first three.
var PortalCookies = []struct{ Name, Attributes string }{
	// pf_u is the user credential.
	{"pf_u", "Path=/; Secure; HttpOnly; SameSite=Lax"},
	// pf_legacy is a legacy copy of the user credential: the server takes
	// it in place of pf_u, so the two are redundant.
	{"pf_legacy", "Path=/; Secure; HttpOnly; SameSite=Lax"},
	// pf_k is the admin key, sent to /admin only.
	{"pf_k", "Path=/admin; Secure; HttpOnly; SameSite=Strict"},
	// auth_hint looks like a session by its name; the server never reads it.
	{"auth_hint", "Path=/; Secure"},
	{"lang", "Path=/; Secure; SameSite=Lax"},
}

// portalScript is on every portal page: it sets a cookie the server never
// needs, so that a script-set cookie is among the ones a login leaves.
const portalScript = `<script>document.cookie = "theme=dark; path=/; Secure";</script>`

// portalLogin is one login's three credential values.
type portalLogin struct {
	user, u, legacy, k string
}

// portalApp keeps the values each login issued: /account wants pf_u or
// pf_legacy, /admin/ wants pf_k as well, and the values must come from the
// same login, so a key from one login does not open another's admin pages.
// Logout forgets all three values of the login.
type portalApp struct {
	// mu guards byU, byLegacy and byK, which always hold the same logins:
	// each login is in all three maps or in none.
	mu       sync.Mutex
	byU      map[string]*portalLogin // pf_u value -> login
	byLegacy map[string]*portalLogin // pf_legacy value -> login
	byK      map[string]*portalLogin // pf_k value -> login
}

func newPortalApp() *portalApp {
	return &portalApp{byU: make(map[string]*portalLogin), byLegacy: make(map[string]*portalLogin), byK: make(map[string]*portalLogin)}
}

func (a *portalApp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		portalPage(w, "Portal", `<p><a href="/login">Log in</a> · <a href="/account">Account</a> · <a href="/admin/">Admin</a></p>`)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		portalPage(w, "Log in", credentialsForm("/login", "", r.URL.Query().Get("auto") == "1"))
	})
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("/account", a.account)
	mux.HandleFunc("/admin/", a.admin)
	mux.HandleFunc("/logout", a.logout)
	return mux
}

// portalPage writes a portal page, with the script every portal page has.
func portalPage(w http.ResponseWriter, title, body string) {
	writePage(w, title, body+"\n"+portalScript)
}

// login accepts the demo user, ends the login the browser already had, and
// sets fresh values for all three credentials.
func (a *portalApp) login(w http.ResponseWriter, r *http.Request) {
	if !isDemoUser(r) {
		refuseLogin(w)
		return
	}
	if old := a.current(r); old != nil {
		a.end(old)
	}
	in := &portalLogin{user: "demo", u: token(), legacy: token(), k: token()}
	a.mu.Lock()
	a.byU[in.u] = in
	a.byLegacy[in.legacy] = in
	a.byK[in.k] = in
	a.mu.Unlock()
	for _, c := range PortalCookies {
		value := "1"
		switch c.Name {
		case "pf_u":
			value = in.u
		case "pf_legacy":
			value = in.legacy
		case "pf_k":
			value = in.k
		case "lang":
			value = "en"
		}
		w.Header().Add("Set-Cookie", c.Name+"="+value+"; "+c.Attributes)
	}
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

// current returns the login whose pf_u or pf_legacy the request carries, or
// nil. pf_u is looked at first; a pf_legacy is taken when pf_u is missing or
// unknown, which is what makes the two redundant.
func (a *portalApp) current(r *http.Request) *portalLogin {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, err := r.Cookie("pf_u"); err == nil {
		if in := a.byU[c.Value]; in != nil {
			return in
		}
	}
	if c, err := r.Cookie("pf_legacy"); err == nil {
		return a.byLegacy[c.Value]
	}
	return nil
}

// end forgets the three values of a login.
func (a *portalApp) end(in *portalLogin) {
	a.mu.Lock()
	delete(a.byU, in.u)
	delete(a.byLegacy, in.legacy)
	delete(a.byK, in.k)
	a.mu.Unlock()
}

// account shows the user to a request with a valid pf_u or pf_legacy: pf_k
// never comes here, its path is /admin.
func (a *portalApp) account(w http.ResponseWriter, r *http.Request) {
	in := a.current(r)
	if in == nil {
		portalPage(w, "Account", `<p id="status">Not logged in. <a href="/login">Log in</a></p>`)
		return
	}
	portalPage(w, "Account", whoBody(in.user))
}

// admin shows the user only to a request with a valid pf_k and a valid pf_u
// or pf_legacy of the same login. Otherwise it answers 200 with a login
// link and no #who: a page that loads fine but shows nobody, as many sites
// answer, so that a scenario has to look at the page to tell.
func (a *portalApp) admin(w http.ResponseWriter, r *http.Request) {
	in := a.current(r)
	if in != nil {
		c, err := r.Cookie("pf_k")
		a.mu.Lock()
		if err != nil || a.byK[c.Value] != in {
			in = nil
		}
		a.mu.Unlock()
	}
	if in == nil {
		portalPage(w, "Admin", `<p id="status">The admin pages need a login. <a href="/login">Log in</a></p>`)
		return
	}
	if r.URL.Path == "/admin/" {
		portalPage(w, "Admin", whoBody(in.user)+portalAdminNav)
		return
	}
	a.adminPage(w, r, in)
}

// portalAdminNav links the admin pages a logged-in user sees, for a crawl
// in the user's browser: pages that set cookies, a user's delete link and
// the logout (in whoBody), which a logged-in crawl must not follow.
const portalAdminNav = `<nav><a href="/admin/reports">Reports</a> · <a href="/admin/settings">Settings</a> · <a href="/admin/users">Users</a> · <a href="/account">Account</a></nav>`

// PortalAdminPages are the admin pages under /admin/ that a logged-in user
// reaches from /admin/, with the cookie each sets (Path=/admin, HttpOnly).
// /admin/reports links a PDF (PortalAdminPDF), which sets it too;
// /admin/users links a user's page and its delete link, which ends the
// login, as the logout does.
// PortalAdminPDF is the admin PDF /admin/reports links.
const PortalAdminPDF = "/admin/reports.pdf"

var PortalAdminPages = []struct{ Path, Cookie string }{
	{"/admin/reports", "pf_seen"},
	{"/admin/settings", "pf_seen"},
	{"/admin/users", "pf_seen"},
	{"/admin/users/7", "pf_seen"},
}

// adminPage serves the admin pages below /admin/ to a logged-in user. Each
// records the last admin section seen in pf_seen, so that a crawl shows a
// cookie set and then changed; /admin/settings also sets pf_tz from
// script.
func (a *portalApp) adminPage(w http.ResponseWriter, r *http.Request, in *portalLogin) {
	back := `<p><a href="/admin/">Admin</a></p>`
	section, body := "", ""
	switch r.URL.Path {
	case "/admin/reports":
		section, body = "reports", `<p>This year's report: <a href="/admin/reports.pdf">PDF</a>.</p>`
	case "/admin/reports.pdf":
		// A PDF, no page: a crawl does not show it, and keeps its cookie.
		w.Header().Add("Set-Cookie", "pf_seen=report-pdf; Path=/admin; Secure; HttpOnly; SameSite=Strict")
		w.Header().Set("Content-Type", "application/pdf")
		io.WriteString(w, "%PDF-1.4\n%%EOF\n")
		return
	case "/admin/settings":
		section, body = "settings", `<p>Settings.</p><script>document.cookie = "pf_tz=UTC; Path=/admin; Secure";</script>`
	case "/admin/users":
		section, body = "users", `<ul><li><a href="/admin/users/7">demo</a> (<a href="/admin/users/7/delete">delete</a>)</li></ul>`
	case "/admin/users/7":
		section, body = "users", `<p id="profile">demo</p><p><a href="/admin/users/7/delete">Delete this user</a></p>`
	case "/admin/users/7/delete":
		// Deleting the demo user ends its login: a crawl that follows
		// the link logs the victim out.
		a.end(in)
		portalPage(w, "User deleted", `<p id="status">The user is deleted. <a href="/login">Log in</a></p>`)
		return
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Add("Set-Cookie", "pf_seen="+section+"; Path=/admin; Secure; HttpOnly; SameSite=Strict")
	portalPage(w, "Admin: "+section, body+back)
}

// logout forgets the login's three values and deletes the three credential
// cookies, each on its own path. pf_k does not come to /logout (its path is
// /admin): the server finds it from pf_u or pf_legacy.
func (a *portalApp) logout(w http.ResponseWriter, r *http.Request) {
	if in := a.current(r); in != nil {
		a.end(in)
	}
	for _, c := range PortalCookies {
		if strings.HasPrefix(c.Name, "pf_") {
			w.Header().Add("Set-Cookie", c.Name+"=; Max-Age=0; "+c.Attributes)
		}
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
