package lab

import (
	"net/http"
	"strings"
	"testing"
)

func TestSitePagesSetTheirCookiesAndSayWhatTheyAre(t *testing.T) {
	c := startLab(t)
	for _, p := range SitePages {
		a := c.get(AppHost, p.Path)
		if p.Not == SiteRedirect {
			if a.status != http.StatusFound || !strings.HasPrefix(a.header.Get("Location"), "https://"+WidgetHost+":") {
				t.Errorf("%s: status %d to %q, want 302 to %s", p.Path, a.status, a.header.Get("Location"), WidgetHost)
			}
		} else if a.status != http.StatusOK {
			t.Errorf("%s: status %d, want 200", p.Path, a.status)
		}
		isHTML := strings.HasPrefix(a.header.Get("Content-Type"), "text/html") && a.header.Get("Content-Disposition") == "" && a.status == http.StatusOK
		if isHTML != (p.Not == "") {
			t.Errorf("%s: Content-Type %q, Content-Disposition %q; want HTML %v", p.Path, a.header.Get("Content-Type"), a.header.Get("Content-Disposition"), p.Not == "")
		}
		// about sets its cookie from script.
		set := a.setCookie(p.Cookie) != "" || strings.Contains(a.body, `document.cookie = "`+p.Cookie+`=`)
		if p.Cookie != "" && !set {
			t.Errorf("%s sets no %s", p.Path, p.Cookie)
		}
	}
	home := c.get(AppHost, SitePath).body
	for _, link := range []string{`href="about"`, `href="/site/about#team"`, `href="https://widget.test:`, `href="` + SitePDF + `"`, `href="` + SiteDownload + `"`, `href="/site/logout"`, `href="mailto:`} {
		if !strings.Contains(home, link) {
			t.Errorf("the site's home lacks %s", link)
		}
	}
}

func TestPortalAdminPagesNeedALoginAndTheDeleteLinkEndsIt(t *testing.T) {
	c := startLab(t)
	in := portalLoginCookies(t, c)
	admin := c.get(PortalHost, "/admin/", in["pf_k"], in["pf_u"])
	for _, p := range PortalAdminPages {
		if !strings.Contains(admin.body, `href="`+p.Path+`"`) && p.Path != "/admin/users/7" {
			t.Errorf("/admin/ does not link %s", p.Path)
		}
		if a := c.get(PortalHost, p.Path, in["pf_k"]); a.setCookie(p.Cookie) != "" || !strings.Contains(a.body, `href="/login"`) {
			t.Errorf("%s without pf_u: set %q, want no cookie and a login link", p.Path, a.setCookie(p.Cookie))
		}
		a := c.get(PortalHost, p.Path, in["pf_k"], in["pf_u"])
		wantSetCookie(t, a, p.Cookie, "Path=/admin; Secure; HttpOnly; SameSite=Strict")
	}
	if a := c.get(PortalHost, PortalAdminPDF, in["pf_k"], in["pf_u"]); a.header.Get("Content-Type") != "application/pdf" || a.setCookie("pf_seen") == "" {
		t.Errorf("%s: Content-Type %q, pf_seen %q; want a PDF that sets pf_seen", PortalAdminPDF, a.header.Get("Content-Type"), a.setCookie("pf_seen"))
	}
	if !strings.Contains(admin.body, `href="/logout"`) {
		t.Error("/admin/ has no logout link")
	}
	if a := c.get(PortalHost, "/admin/users", in["pf_k"], in["pf_u"]); !strings.Contains(a.body, `href="/admin/users/7/delete"`) {
		t.Error("/admin/users has no delete link")
	}
	c.get(PortalHost, "/admin/users/7/delete", in["pf_k"], in["pf_u"])
	if a := c.get(PortalHost, "/admin/", in["pf_k"], in["pf_u"]); a.hasWho() {
		t.Error("the delete link left the login alive")
	}
}
