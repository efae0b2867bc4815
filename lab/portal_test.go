package lab

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// portalLoginCookies logs in to the portal with cookies and returns the
// cookies the login set, by name.
func portalLoginCookies(t *testing.T, c labClient, cookies ...*http.Cookie) map[string]*http.Cookie {
	t.Helper()
	a := c.post(PortalHost, "/login", demo, cookies...)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/admin/" {
		t.Fatalf("portal login answered %d to %q, want 303 to /admin/", a.status, a.header.Get("Location"))
	}
	got := make(map[string]*http.Cookie)
	for _, pc := range PortalCookies {
		wantSetCookie(t, a, pc.Name, pc.Attributes)
		got[pc.Name] = a.cookie(pc.Name)
	}
	return got
}

func TestPortalLoginForm(t *testing.T) {
	c := startLab(t)
	for _, auto := range []bool{false, true} {
		path := "/login"
		if auto {
			path = LoginFlowPath
		}
		a := c.get(PortalHost, path)
		wantLoginForm(t, a, auto)
		if !strings.Contains(a.body, portalScript) {
			t.Errorf("%s lacks the theme script", path)
		}
	}
	if a := c.post(PortalHost, "/login", url.Values{"user": {"demo"}, "password": {"nope"}}); a.status != http.StatusForbidden || a.setCookie("pf_u") != "" {
		t.Errorf("a wrong password answered %d with %q, want 403 and no cookie", a.status, a.header.Values("Set-Cookie"))
	}
	login := portalLoginCookies(t, c)
	if got := login["auth_hint"].Value + "," + login["lang"].Value; got != "1,en" {
		t.Errorf("auth_hint,lang = %s, want 1,en", got)
	}
}

func TestPortalCredentials(t *testing.T) {
	c := startLab(t)
	first := portalLoginCookies(t, c)
	second := portalLoginCookies(t, c)
	bogus := func(name string) *http.Cookie { return &http.Cookie{Name: name, Value: "0000000000000000"} }
	tests := []struct {
		description string
		path        string
		cookies     []*http.Cookie
		shows       bool
	}{
		{"admin shows the user with pf_k and pf_u", "/admin/", []*http.Cookie{first["pf_k"], first["pf_u"]}, true},
		{"admin shows the user with pf_k and pf_legacy", "/admin/", []*http.Cookie{first["pf_k"], first["pf_legacy"]}, true},
		{"admin shows the user with all three", "/admin/", []*http.Cookie{first["pf_k"], first["pf_u"], first["pf_legacy"]}, true},
		{"an unknown pf_u does not hide a valid pf_legacy", "/admin/", []*http.Cookie{first["pf_k"], bogus("pf_u"), first["pf_legacy"]}, true},
		{"admin shows nobody with pf_k alone", "/admin/", []*http.Cookie{first["pf_k"]}, false},
		{"admin shows nobody without pf_k", "/admin/", []*http.Cookie{first["pf_u"], first["pf_legacy"], first["auth_hint"], first["lang"]}, false},
		{"admin shows nobody with an unknown pf_k", "/admin/", []*http.Cookie{bogus("pf_k"), first["pf_u"]}, false},
		{"admin shows nobody with another login's pf_k", "/admin/", []*http.Cookie{second["pf_k"], first["pf_u"]}, false},
		{"admin shows nobody with a pf_u value in pf_k", "/admin/", []*http.Cookie{{Name: "pf_k", Value: first["pf_u"].Value}, first["pf_u"]}, false},
		{"account shows the user with pf_u", "/account", []*http.Cookie{first["pf_u"]}, true},
		{"account shows the user with pf_legacy", "/account", []*http.Cookie{first["pf_legacy"]}, true},
		{"account shows nobody with the cookies the server does not read", "/account", []*http.Cookie{first["auth_hint"], first["lang"], {Name: "theme", Value: "dark"}}, false},
		{"account shows nobody with pf_k alone", "/account", []*http.Cookie{first["pf_k"]}, false},
	}
	for _, tt := range tests {
		a := c.get(PortalHost, tt.path, tt.cookies...)
		if a.status != http.StatusOK {
			t.Errorf("%s: status %d, want 200", tt.description, a.status)
		}
		if a.shows("demo") != tt.shows || (!tt.shows && a.hasWho()) {
			t.Errorf("%s: #who shown %v, want %v:\n%s", tt.description, a.hasWho(), tt.shows, a.body)
		}
		if !tt.shows && !strings.Contains(a.body, `href="/login"`) {
			t.Errorf("%s: no login link", tt.description)
		}
		if !strings.Contains(a.body, portalScript) {
			t.Errorf("%s: the page lacks the theme script", tt.description)
		}
	}
}

func TestPortalLogout(t *testing.T) {
	c := startLab(t)
	ended := portalLoginCookies(t, c)
	other := portalLoginCookies(t, c)
	// A browser sends pf_u and pf_legacy to /logout, never pf_k (Path=/admin).
	a := c.get(PortalHost, "/logout", ended["pf_u"], ended["pf_legacy"])
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login" {
		t.Fatalf("logout answered %d to %q, want 303 to /login", a.status, a.header.Get("Location"))
	}
	for _, line := range []string{
		"pf_u=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax",
		"pf_legacy=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax",
		"pf_k=; Max-Age=0; Path=/admin; Secure; HttpOnly; SameSite=Strict",
	} {
		name, _, _ := strings.Cut(line, "=")
		if got := a.setCookie(name); got != line {
			t.Errorf("logout Set-Cookie for %s = %q, want %q", name, got, line)
		}
	}
	for _, cookies := range [][]*http.Cookie{
		{ended["pf_k"], ended["pf_u"]},
		{ended["pf_k"], ended["pf_legacy"]},
	} {
		if a := c.get(PortalHost, "/admin/", cookies...); a.hasWho() {
			t.Errorf("admin still shows the user to %s=… after logout", cookies[1].Name)
		}
	}
	if a := c.get(PortalHost, "/account", ended["pf_legacy"]); a.hasWho() {
		t.Errorf("account still shows the user to pf_legacy after logout")
	}
	if a := c.get(PortalHost, "/admin/", other["pf_k"], other["pf_u"]); !a.shows("demo") {
		t.Errorf("one login's logout ended another login")
	}
	// A login from a browser that carries a login's values ends that login.
	portalLoginCookies(t, c, other["pf_u"])
	if a := c.get(PortalHost, "/admin/", other["pf_k"], other["pf_u"]); a.hasWho() {
		t.Errorf("a new login left the browser's previous login alive")
	}
}
