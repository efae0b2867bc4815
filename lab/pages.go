package lab

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Page describes one lab page: where it is and what it demonstrates.
type Page struct {
	Path  string
	Title string
	// Shows says in one line what the page demonstrates.
	Shows string
}

// Pages lists the app's pages that demonstrate capture, in demo order.
var Pages = []Page{
	{"/headers", "Header cookies", "Set-Cookie with each attribute combination, a path-restricted cookie, and three cookies Chrome rejects"},
	{"/scripts", "Script cookies", "document.cookie from an inline script and from a third-party analytics script (s_cc, mbox), and cookieStore.set"},
	{"/frames", "Frames", "cookies written by a same-site iframe and by a cross-site iframe (blocked third-party and Partitioned)"},
}

// routes returns the lab's handler: one mux per host.
func (l *Lab) routes() http.Handler {
	app := http.NewServeMux()
	app.HandleFunc("/", l.index)
	app.HandleFunc("/headers", l.headers)
	app.HandleFunc("/scripts", l.scripts)
	app.HandleFunc("/app.js", appScript)
	app.HandleFunc("/frames", l.frames)
	app.HandleFunc("/bench", l.bench)
	app.HandleFunc("/bench/writes", benchWrites)
	app.HandleFunc("/storage/write", storageWrite)
	app.HandleFunc("/storage/check", storageCheck)
	app.HandleFunc("/storage/sw.js", serviceWorker)
	app.HandleFunc("/storage/sw-cookies", serviceWorkerCookies)
	app.HandleFunc("/storage/sw-cookies.js", serviceWorkerCookiesScript)
	app.HandleFunc("/storage/sw-api", serviceWorkerAPI)
	app.HandleFunc("/storage/sw-slow", serviceWorkerSlow)
	app.HandleFunc("/storage/sw-slow.js", serviceWorkerSlowScript)
	app.HandleFunc("/hang", l.hangForever)
	app.HandleFunc("/hang-seen", l.hangSeen)
	app.HandleFunc("/responsive", responsivePage)
	app.HandleFunc("/responsive/popup", responsivePopup)
	app.HandleFunc("/bloat", bloatPage)

	sub := http.NewServeMux()
	sub.HandleFunc("/frame", sameSiteFrame)

	cdn := http.NewServeMux()
	cdn.HandleFunc("/analytics.js", analyticsScript)
	cdn.HandleFunc("/bench.js", benchScript)

	widget := http.NewServeMux()
	widget.HandleFunc("/frame", crossSiteFrame)
	l.hostileRoutes(app, widget)
	tamperRoutes(app, cdn)
	l.readableRoutes(app)
	l.fatesRoutes(app)
	prefixesRoutes(app)
	l.whereRoutes(app, sub, widget)
	l.siteRoutes(app)

	sso := newSSOApp()
	// The app also answers on the loopback address itself, which browsers
	// treat as a secure context even over http: service workers and the
	// Cache API work there without a trusted certificate.
	hosts := map[string]http.Handler{AppHost: app, SubHost: sub, CDNHost: cdn, WidgetHost: widget, "127.0.0.1": app, "localhost": app,
		SecureLoginHost: newLoginApp(true).routes(), FlawedLoginHost: newLoginApp(false).routes(),
		PortalHost: newPortalApp().routes(), StatelessHost: newStatelessApp().routes(), RPHost: sso.rpRoutes(), IdPHost: sso.idpRoutes()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		h, ok := hosts[strings.ToLower(host)]
		if !ok {
			http.Error(w, "the cookiescope lab serves "+strings.Join([]string{AppHost, SubHost, CDNHost, WidgetHost, SecureLoginHost, FlawedLoginHost, PortalHost, StatelessHost, RPHost, IdPHost}, ", ")+"; map *.test to 127.0.0.1", http.StatusMisdirectedRequest)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// token returns a fresh random cookie value, so that values look like the
// secrets they stand for and redaction can be checked.
func token() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// writePage writes a lab page: a modern page, with a viewport meta tag that
// lays it out at the device's width on an emulated phone.
func writePage(w http.ResponseWriter, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html>\n<html><head><meta charset=utf-8><meta name=viewport content=\"width=device-width, initial-scale=1\"><title>%s</title><link rel=icon href=\"data:,\"></head>\n<body>\n<h1>%s</h1>\n%s\n</body></html>\n",
		html.EscapeString(title), html.EscapeString(title), body)
}

func (l *Lab) index(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	writePage(w, "cookiescope lab", pageList(Pages)+`<p><a href="/where/">Where cookies go</a>: requests of every kind from the app and from another site, and the Cookie headers the lab received.</p><p><a href="/site/">A small site</a>: linked pages to crawl, each setting a cookie, with a PDF, a download, a logout and a link to another site.</p><p><a href="/hostile/">Hostile pages</a>: dialogs, popups, hangs and more.</p>`+
		`<p><a href="/tamper/">Tamper pages</a>: pages that forge stacks, write around the hook, look for it, or hide which cookies their script can read.</p>`)
}

// pageList renders pages as a list of links, each with what it shows.
func pageList(pages []Page) string {
	var b strings.Builder
	b.WriteString("<ul>\n")
	for _, p := range pages {
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a>: %s</li>\n", html.EscapeString(p.Path), html.EscapeString(p.Title), html.EscapeString(p.Shows))
	}
	b.WriteString("</ul>\n")
	return b.String()
}

// HeaderCookies are the cookies /headers sets and Chrome stores, by name,
// with the attributes that follow the value.
var HeaderCookies = []struct{ Name, Attributes string }{
	{"h_plain", "Path=/"},
	{"h_secure", "Secure; Path=/"},
	{"h_httponly", "HttpOnly; Path=/"},
	{"h_strict", "Secure; HttpOnly; SameSite=Strict; Path=/"},
	{"h_lax", "SameSite=Lax; Path=/"},
	{"h_none", "SameSite=None; Secure; Path=/"},
	{"h_persistent", "Max-Age=86400; Path=/"},
	{"h_domain", "Domain=" + AppHost + "; Path=/"},
	{"h_private", "Path=/headers/private"},
	{"__Host-h_session", "Secure; HttpOnly; SameSite=Lax; Path=/"},
	{"__Secure-h_pref", "Secure; Path=/"},
}

// RejectedHeaderCookies are cookies /headers sets that Chrome refuses, with
// the reason Chrome gives.
var RejectedHeaderCookies = []struct{ Name, Attributes, Reason string }{
	{"bad_none", "SameSite=None; Path=/", "SameSiteNoneInsecure"},
	{"__Host-bad", "Secure; Path=/; Domain=" + AppHost, "InvalidPrefix"},
	{"bad_domain", "Domain=" + WidgetHost + "; Path=/", "InvalidDomain"},
}

func (l *Lab) headers(w http.ResponseWriter, r *http.Request) {
	for _, c := range HeaderCookies {
		w.Header().Add("Set-Cookie", c.Name+"="+token()+"; "+c.Attributes)
	}
	for _, c := range RejectedHeaderCookies {
		w.Header().Add("Set-Cookie", c.Name+"="+token()+"; "+c.Attributes)
	}
	writePage(w, "Header cookies", `<p>This response set cookies with Set-Cookie headers only. h_private is limited to /headers/private, so script here cannot read it.</p>`)
}

func (l *Lab) scripts(w http.ResponseWriter, r *http.Request) {
	body := fmt.Sprintf(`<p>Cookies written by script: inline, same-origin file, third-party analytics, and cookieStore.</p>
<script>
document.cookie = "js_inline=%s; Path=/; SameSite=Lax";
</script>
<script src="/app.js"></script>
<script src="https://%s:%d/analytics.js"></script>
<script>
if (window.cookieStore) { cookieStore.set({name: "cs_store", value: "%s"}); }
</script>`, token(), CDNHost, l.HTTPSPort, token())
	writePage(w, "Script cookies", body)
}

func appScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript")
	fmt.Fprintf(w, "document.cookie = \"js_file=%s; Path=/\";\n", token())
}

// analyticsScript behaves like a tag manager's library: it sets first-party
// cookies that must be readable by script by design (Adobe's s_cc and mbox).
func analyticsScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript")
	fmt.Fprintf(w, `(function () {
  document.cookie = "s_cc=true; Path=/; SameSite=Lax";
  document.cookie = "mbox=session#%s#1800; Path=/; Max-Age=1800; SameSite=Lax";
})();
`, token())
}

func (l *Lab) frames(w http.ResponseWriter, r *http.Request) {
	body := fmt.Sprintf(`<p>A same-site iframe (%s) and a cross-site iframe (%s) each write cookies.</p>
<iframe src="https://%s:%d/frame" width=400 height=100></iframe>
<iframe src="https://%s:%d/frame" width=400 height=100></iframe>`,
		SubHost, WidgetHost, SubHost, l.HTTPSPort, WidgetHost, l.HTTPSPort)
	writePage(w, "Frames", body)
}

func sameSiteFrame(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Same-site frame", fmt.Sprintf(`<script>
document.cookie = "frame_same=%s; Path=/; SameSite=None; Secure";
</script>`, token()))
}

// crossSiteFrame sets cookies as an embedded third party: by header and by
// script, unpartitioned (Chrome blocks them here) and Partitioned (stored,
// keyed by the top-level site).
func crossSiteFrame(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "widget_hdr="+token()+"; Path=/; SameSite=None; Secure")
	w.Header().Add("Set-Cookie", "widget_hdr_part="+token()+"; Path=/; SameSite=None; Secure; Partitioned")
	writePage(w, "Cross-site frame", fmt.Sprintf(`<script>
document.cookie = "widget_js=%s; Path=/; SameSite=None; Secure";
document.cookie = "widget_js_part=%s; Path=/; SameSite=None; Secure; Partitioned";
</script>`, token(), token()))
}

// bench is the benchmark page: three header cookies, three inline script
// cookies and one from an external script.
func (l *Lab) bench(w http.ResponseWriter, r *http.Request) {
	n := r.URL.Query().Get("n")
	for _, name := range []string{"b_sid", "b_pref", "b_csrf"} {
		w.Header().Add("Set-Cookie", name+"="+token()+"; Path=/; Secure; SameSite=Lax")
	}
	writePage(w, "Bench "+n, fmt.Sprintf(`<script>
document.cookie = "b_js1=%s; Path=/";
document.cookie = "b_js2=%s; Path=/";
document.cookie = "b_js3=%s; Path=/";
</script>
<script src="https://%s:%d/bench.js"></script>`, token(), token(), token(), CDNHost, l.HTTPSPort))
}

// benchWrites makes n document.cookie writes (n from the query, 500 by
// default) over 20 names, times them with performance.now() and puts the
// microseconds per write in the document's title: what the recorder's hook
// costs a page that writes cookies.
func benchWrites(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n <= 0 || n > 100000 {
		n = 500
	}
	writePage(w, "Bench writes", fmt.Sprintf(`<script>
const n = %d;
const start = performance.now();
for (let i = 0; i < n; i++) document.cookie = "bw" + (i %% 20) + "=" + i + "; Path=/";
document.title = String((performance.now() - start) * 1000 / n);
</script>`, n))
}

func benchScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript")
	fmt.Fprintf(w, "document.cookie = \"b_ext=%s; Path=/\";\n", token())
}

// hangSeen counts the browsers that parsed the never-loading page (it asks
// for this image), so a test knows its response was received.
func (l *Lab) hangSeen(w http.ResponseWriter, r *http.Request) {
	l.hangPagesSeen.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

// HangPagesSeen is how many times a browser parsed the never-loading page
// (/hang) so far.
func (l *Lab) HangPagesSeen() int64 { return l.hangPagesSeen.Load() }

// hangForever serves a page whose load never ends: it sets a cookie, sends
// the start of its document and then holds the response open until the
// client gives up or the lab closes.
func (l *Lab) hangForever(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "before_hang="+token()+"; Path=/")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<!doctype html><html><head><title>Never loads</title></head><body><p>This document never ends.</p>\n<img src=\"/hang-seen\" alt=\"\">\n")
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	select {
	case <-r.Context().Done():
	case <-l.hang:
	}
}
