package lab

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestStatelessSession(t *testing.T) {
	c := startLab(t)
	wantLoginForm(t, c.get(StatelessHost, "/login"), false)
	wantLoginForm(t, c.get(StatelessHost, LoginFlowPath), true)
	if a := c.post(StatelessHost, "/login", url.Values{"user": {"demo"}}); a.status != http.StatusForbidden {
		t.Errorf("a login without password answered %d, want 403", a.status)
	}

	a := c.post(StatelessHost, "/login", demo)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/account" {
		t.Fatalf("login answered %d to %q, want 303 to /account", a.status, a.header.Get("Location"))
	}
	value := wantSetCookie(t, a, StatelessSessionCookie, "Path=/; Secure; HttpOnly; SameSite=Lax")
	body, _, _ := strings.Cut(value, ".")
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatalf("st_sess payload %q: %v", body, err)
	}
	var claims struct {
		U   string `json:"u"`
		Exp int64  `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.U != "demo" || claims.Exp < time.Now().Add(59*time.Minute).Unix() {
		t.Errorf("st_sess payload %s (%v), want u demo and exp an hour away", payload, err)
	}
	session := a.cookie(StatelessSessionCookie)
	if a := c.get(StatelessHost, "/account", session); !a.shows("demo") {
		t.Fatalf("account after login shows nobody:\n%s", a.body)
	}
	if a := c.get(StatelessHost, "/account"); a.hasWho() {
		t.Errorf("account without the cookie shows a user")
	}

	a = c.get(StatelessHost, "/logout", session)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login" {
		t.Errorf("logout answered %d to %q, want 303 to /login", a.status, a.header.Get("Location"))
	}
	if got, want := a.setCookie(StatelessSessionCookie), "st_sess=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"; got != want {
		t.Errorf("logout Set-Cookie = %q, want %q", got, want)
	}
	// The deliberate flaw: the server kept nothing to end.
	if a := c.get(StatelessHost, "/account", session); !a.shows("demo") {
		t.Errorf("the old st_sess replayed after logout shows nobody; the stateless app must keep accepting it:\n%s", a.body)
	}
}

func TestStatelessSignature(t *testing.T) {
	app := newStatelessApp()
	h := app.routes()
	good := app.sign(statelessClaims{User: "demo", Expires: time.Now().Add(time.Hour).Unix()})
	body, sig, _ := strings.Cut(good, ".")
	forged, _ := json.Marshal(statelessClaims{User: "admin", Expires: time.Now().Add(time.Hour).Unix()})
	tests := []struct {
		description string
		value       string
		shows       bool
	}{
		{"a value the app signed is accepted", good, true},
		{"an expired value is refused", app.sign(statelessClaims{User: "demo", Expires: time.Now().Add(-time.Second).Unix()}), false},
		{"another lab's value is refused", newStatelessApp().sign(statelessClaims{User: "demo", Expires: time.Now().Add(time.Hour).Unix()}), false},
		{"a payload changed under the same signature is refused", base64.RawURLEncoding.EncodeToString(forged) + "." + sig, false},
		{"a value without signature is refused", body, false},
		{"garbage is refused", "not.base64!", false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "https://"+StatelessHost+"/account", nil)
		req.AddCookie(&http.Cookie{Name: StatelessSessionCookie, Value: tt.value})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := strings.Contains(rec.Body.String(), `id="who"`); got != tt.shows {
			t.Errorf("%s: #who shown %v, want %v", tt.description, got, tt.shows)
		}
	}
}
