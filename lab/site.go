package lab

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// SitePath is where the lab's small site of linked pages starts, on
// AppHost: a site to crawl. Every HTML page of it sets a cookie of its own
// (SiteCookies); the pages link to one another in a loop, to a place in a
// page (a fragment), to another site, to a PDF, to a download and to a
// logout, so that a crawl shows what it follows and what it does not.
const SitePath = "/site/"

// SitePages lists every link of the site under SitePath in the order a
// crawl from SitePath visits them (breadth first, each page's new links in
// URL order), with the page that links it first (empty for the start), the
// cookie its response or script sets in a clean context ("" for none: the
// logout deletes a cookie the crawl's clean context does not hold), and
// what it is when it is no HTML page of the site: SitePDF, a PDF;
// SiteDownload, an attachment; SiteRedirect, a redirect to another site
// (WidgetHost). The widget link on the home page goes to another site and
// is not among them.
var SitePages = []struct {
	Path, From, Cookie string
	Not                string
}{
	{"/site/", "", "site_home", ""},
	{"/site/about", "/site/", "site_about", ""},
	{SiteDownload, "/site/", "site_export", SiteDownload},
	{"/site/logout", "/site/", "", ""},
	{"/site/products", "/site/", "site_products", ""},
	{SitePDF, "/site/", "site_pdf", SitePDF},
	{"/site/team", "/site/about", "site_team", ""},
	{"/site/products?page=2", "/site/products", "site_products", ""},
	{"/site/team/alice", "/site/team", "site_team_alice", ""},
	{"/site/team/bob", "/site/team", "site_team_bob", ""},
	{"/site/products?page=3", "/site/products?page=2", "site_products", ""},
	{"/site/products?page=4", "/site/products?page=3", "site_products", ""},
	{SiteRedirect, "/site/products?page=4", "site_partners", SiteRedirect},
}

// The site's links that are no HTML page: a PDF, served as
// application/pdf, and a CSV export, served as an attachment. Each sets a
// cookie with its response all the same.
const (
	SitePDF      = "/site/report.pdf"
	SiteDownload = "/site/export.csv"
)

// SiteRedirect is a link of the site that redirects to another site
// (WidgetHost), setting a cookie on the way.
const SiteRedirect = "/site/partners"

// siteLastPage is the last page of the products' pagination.
const siteLastPage = 4

func (l *Lab) siteRoutes(app *http.ServeMux) {
	app.HandleFunc("/site/", l.siteHome)
	app.HandleFunc("/site/about", siteAbout)
	app.HandleFunc("/site/products", siteProducts)
	app.HandleFunc("/site/team", siteTeam)
	app.HandleFunc("/site/team/{name}", siteMember)
	app.HandleFunc("/site/logout", siteLogout)
	app.HandleFunc(SitePDF, sitePDF)
	app.HandleFunc(SiteDownload, siteDownload)
	app.HandleFunc(SiteRedirect, l.sitePartners)
}

// siteHome links every kind of link a crawl meets. The links are in no
// particular order: a crawl sorts them.
func (l *Lab) siteHome(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != SitePath {
		http.NotFound(w, r)
		return
	}
	w.Header().Add("Set-Cookie", "site_home="+token()+"; Path=/; Secure; SameSite=Lax")
	writePage(w, "A small site", fmt.Sprintf(`<nav>
<a href="/site/products">Products</a>
<a href="about">About us</a>
<a href="/site/about#team">Our team</a>
<a href="https://%s:%d/frame">A widget on another site</a>
<a href="%s">The annual report (PDF)</a>
<a href="%s" download>Export (CSV)</a>
<a href="mailto:hello@%s">Write to us</a>
<a href="/site/logout">Log out</a>
</nav>
<map name="m"><area shape="rect" coords="0,0,1,1" href="/site/products" alt="Products"></map>`, WidgetHost, l.HTTPSPort, SitePDF, SiteDownload, AppHost))
}

// siteAbout sets its cookie from script, and links back home: a loop.
func siteAbout(w http.ResponseWriter, r *http.Request) {
	writePage(w, "About us", `<p id="team">We are a small team.</p>
<script>document.cookie = "site_about=1; Path=/; Secure; SameSite=Lax";</script>
<p><a href="/site/">Home</a> · <a href="/site/team">The team</a> · <a href="/site/about#top">Top</a></p>`)
}

// siteProducts is paginated: each page links the next, up to siteLastPage,
// so that a crawl with a limit leaves pages unvisited.
func siteProducts(w http.ResponseWriter, r *http.Request) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	w.Header().Add("Set-Cookie", "site_products="+strconv.Itoa(page)+"; Path=/site; Secure; SameSite=Lax")
	next := ""
	if page < siteLastPage {
		next = fmt.Sprintf(` · <a href="/site/products?page=%d">Next page</a>`, page+1)
	} else {
		next = ` · <a href="` + SiteRedirect + `">Our partners</a>`
	}
	writePage(w, "Products, page "+strconv.Itoa(page), `<p><a href="/site/">Home</a> · <a href="/site/about">About us</a>`+next+`</p>`)
}

func siteTeam(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "site_team=1; Path=/site/team; Secure; SameSite=Lax")
	writePage(w, "The team", `<ul><li><a href="/site/team/bob">Bob</a></li><li><a href="/site/team/alice">Alice</a></li></ul>`)
}

func siteMember(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name != "alice" && name != "bob" {
		http.NotFound(w, r)
		return
	}
	w.Header().Add("Set-Cookie", "site_team_"+name+"=1; Path=/site/team; Secure; SameSite=Lax")
	writePage(w, "Our "+name, `<p><a href="/site/team">The team</a></p>`)
}

// siteLogout deletes the home page's cookie: what an anonymous crawl that
// follows it sees.
func siteLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "site_home=; Path=/; Secure; SameSite=Lax; Max-Age=0")
	writePage(w, "Logged out", `<p><a href="/site/">Home</a></p>`)
}

// sitePDF is a PDF: a page no crawl reads links from.
func sitePDF(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "site_pdf=1; Path=/site; Secure; SameSite=Lax")
	w.Header().Set("Content-Type", "application/pdf")
	io.WriteString(w, "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// siteDownload is an attachment: a browser saves it instead of showing it.
func siteDownload(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "site_export=1; Path=/site; Secure; SameSite=Lax")
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Disposition", `attachment; filename="export.csv"`)
	fmt.Fprint(w, "product,price\nwidget,1\n")
}

// sitePartners sends the browser to another site: a crawl of this one goes
// no further.
func (l *Lab) sitePartners(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "site_partners=1; Path=/site; Secure; SameSite=Lax")
	http.Redirect(w, r, fmt.Sprintf("https://%s:%d/frame", WidgetHost, l.HTTPSPort), http.StatusFound)
}
