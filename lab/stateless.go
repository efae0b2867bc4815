package lab

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// StatelessHost is the stateless app's host: its session is a signed
// cookie the server keeps no list of, so logout can only delete the cookie,
// and the old value, replayed, still logs in until it expires.
const StatelessHost = "stateless.test"

// StatelessSessionCookie is the stateless app's session cookie:
// base64url(JSON {"u":user,"exp":unix seconds}) "." base64url(HMAC-SHA256
// of the part before the dot), both without padding.
const StatelessSessionCookie = "st_sess"

// statelessLifetime is how long a stateless session is accepted.
const statelessLifetime = time.Hour

// statelessApp signs sessions with a key of its own and remembers nothing
// else: it has no mutable state, so it needs no lock.
type statelessApp struct {
	key []byte
}

// statelessClaims is what a session cookie says.
type statelessClaims struct {
	User    string `json:"u"`
	Expires int64  `json:"exp"`
}

func newStatelessApp() *statelessApp {
	key := make([]byte, 32)
	rand.Read(key)
	return &statelessApp{key: key}
}

func (a *statelessApp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		writePage(w, "Stateless", `<p><a href="/login">Log in</a> · <a href="/account">Account</a></p>`)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "Log in", credentialsForm("/login", "", r.URL.Query().Get("auto") == "1"))
	})
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("/account", a.account)
	mux.HandleFunc("/logout", a.logout)
	return mux
}

// sign returns the cookie value for claims.
func (a *statelessApp) sign(c statelessClaims) string {
	payload, _ := json.Marshal(c) // a struct of a string and an int always marshals
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(a.mac(body))
}

func (a *statelessApp) mac(body string) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// user returns the user of the request's session cookie when its signature
// and expiry check out, or "". Nothing else is checked: the server cannot
// tell a value it handed out before a logout from a live one.
func (a *statelessApp) user(r *http.Request) string {
	c, err := r.Cookie(StatelessSessionCookie)
	if err != nil {
		return ""
	}
	body, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return ""
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, a.mac(body)) {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return ""
	}
	var claims statelessClaims
	if json.Unmarshal(payload, &claims) != nil || time.Now().Unix() >= claims.Expires {
		return ""
	}
	return claims.User
}

func (a *statelessApp) login(w http.ResponseWriter, r *http.Request) {
	if !isDemoUser(r) {
		refuseLogin(w)
		return
	}
	value := a.sign(statelessClaims{User: "demo", Expires: time.Now().Add(statelessLifetime).Unix()})
	w.Header().Add("Set-Cookie", StatelessSessionCookie+"="+value+"; Path=/; Secure; HttpOnly; SameSite=Lax")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (a *statelessApp) account(w http.ResponseWriter, r *http.Request) {
	user := a.user(r)
	if user == "" {
		writePage(w, "Account", `<p id="status">Not logged in. <a href="/login">Log in</a></p>`)
		return
	}
	writePage(w, "Account", whoBody(user))
}

// logout deletes the cookie and nothing else. This is the flaw the app
// shows: the server has no session to end, so whoever kept the value (a
// copy stolen before the logout, a shared computer's history) is still
// logged in until exp.
func (a *statelessApp) logout(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", StatelessSessionCookie+"=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
