package lab

import (
	"fmt"
	"html"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// WhereCookies are the cookies /where/set sets on the app, one per flavour
// whose sending rules differ: SameSite Strict, Lax, absent and None, a
// Partitioned cookie, a host-only and a Domain cookie, and one limited to a
// path. All are Secure, so that SameSite=None is accepted and the https
// requests of /where/ can carry every one of them.
var WhereCookies = []struct{ Name, Attributes string }{
	{"w_strict", "Secure; SameSite=Strict; Path=/"},
	{"w_lax", "Secure; SameSite=Lax; Path=/"},
	{"w_unspecified", "Secure; Path=/"},
	{"w_none", "Secure; SameSite=None; Path=/"},
	{"w_partitioned", "Secure; SameSite=None; Partitioned; Path=/"},
	{"w_domain", "Secure; SameSite=None; Domain=" + AppHost + "; Path=/"},
	{"w_path", "Secure; SameSite=None; Path=/where/private"},
}

// WhereKinds are the requests /where/cross makes from another site to the
// app, and /where/same from the app itself, by the kind parameter each one
// carries: the requests a CSRF attacker (or a plain embed) would make.
var WhereKinds = []string{"img", "subdomain-img", "fetch", "iframe", "iframe-post", "popup", "top-post"}

// ReceivedRequest is one request the lab's /where/echo endpoint received,
// with the names of the cookies its Cookie header carried: what a server
// actually got, to compare with what the browser says it sent.
type ReceivedRequest struct {
	Host   string
	Method string
	// URL is the request's path and query.
	URL string
	// Kind is the request's kind parameter (one of WhereKinds).
	Kind string
	// Cookies are the cookie names of the Cookie header, sorted.
	Cookies []string
	At      time.Time
}

// receivedLog records what /where/echo received.
type receivedLog struct {
	mu       sync.Mutex
	requests []ReceivedRequest
}

func (r *receivedLog) add(req ReceivedRequest) {
	r.mu.Lock()
	r.requests = append(r.requests, req)
	r.mu.Unlock()
}

// Received returns every request /where/echo received so far, in order.
func (l *Lab) Received() []ReceivedRequest {
	l.received.mu.Lock()
	defer l.received.mu.Unlock()
	return append([]ReceivedRequest(nil), l.received.requests...)
}

// wherePages are the pages that show where cookies go.
var wherePages = []Page{
	{"/where/set", "Set the where-cookies", "sets one cookie per SameSite flavour, a Partitioned, a Domain and a path-limited cookie"},
	{"/where/same", "Same-site requests", "the app requests itself in every way (image, fetch, iframe, form posts, popup): every cookie goes along but the path-limited one"},
}

func (l *Lab) whereRoutes(app, sub, widget *http.ServeMux) {
	app.HandleFunc("/where/", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "Where cookies go", pageList(wherePages)+
			fmt.Sprintf(`<p><a href="%s">Cross-site requests</a>: another site (%s) makes the same requests to the app.</p>`, l.URL(true, WidgetHost, "/where/cross"), WidgetHost))
	})
	app.HandleFunc("/where/set", func(w http.ResponseWriter, r *http.Request) {
		for _, c := range WhereCookies {
			w.Header().Add("Set-Cookie", c.Name+"="+token()+"; "+c.Attributes)
		}
		writePage(w, "Set the where-cookies", `<p>This response set one cookie of each flavour. Visit <a href="/where/same">same-site requests</a> next.</p>`)
	})
	app.HandleFunc("/where/echo", l.whereEcho)
	sub.HandleFunc("/where/echo", l.whereEcho)
	app.HandleFunc("/where/same", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "Same-site requests", l.requestMaker(l.URL(true, AppHost, "/where/echo")))
	})
	widget.HandleFunc("/where/cross", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "Cross-site requests", l.requestMaker(l.URL(true, AppHost, "/where/echo")))
	})
}

// requestMaker is a page body that requests target once per kind of
// WhereKinds (the subdomain image goes to the app's subdomain), each with
// its kind in the query; the top-level form post
// comes last, once the others have been answered, since it leaves the page.
func (l *Lab) requestMaker(target string) string {
	u := func(kind string) string { return target + "?kind=" + kind }
	sub := l.URL(true, SubHost, "/where/echo?kind=subdomain-img")
	return fmt.Sprintf(`<p>Requests to %[1]s, one of each kind.</p>
<img src="%[2]s" alt="" width=1 height=1>
<img src="%[8]s" alt="" width=1 height=1>
<iframe src="%[3]s" width=200 height=50></iframe>
<iframe name="postframe" width=200 height=50></iframe>
<form id="framepost" method="post" action="%[4]s" target="postframe"><input type="hidden" name="a" value="1"></form>
<form id="toppost" method="post" action="%[5]s"><input type="hidden" name="a" value="1"></form>
<script>
document.getElementById("framepost").submit();
const opened = window.open(%[6]q);
fetch(%[7]q, {credentials: "include", mode: "no-cors"}).finally(() => {
  setTimeout(() => document.getElementById("toppost").submit(), 300);
});
</script>`, html.EscapeString(target), u("img"), u("iframe"), u("iframe-post"), u("top-post"), u("popup"), u("fetch"), sub)
}

// whereEcho logs the cookie names a request carried and answers with a
// page (or a pixel for an image) that says nothing of them.
func (l *Lab) whereEcho(w http.ResponseWriter, r *http.Request) {
	var names []string
	for _, c := range r.Cookies() {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	l.received.add(ReceivedRequest{Host: host, Method: r.Method, URL: r.URL.RequestURI(), Kind: r.URL.Query().Get("kind"), Cookies: names, At: time.Now()})
	if r.URL.Query().Get("kind") == "img" {
		w.Header().Set("Content-Type", "image/gif")
		w.Write(pixelGIF)
		return
	}
	writePage(w, "Echo", fmt.Sprintf("<p>%d cookies received.</p>", len(names)))
}

// pixelGIF is a 1×1 transparent GIF.
var pixelGIF = []byte{
	0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
}
