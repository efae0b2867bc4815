package attack

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// crossSiteKind makes a CSRF attacker's requests from another site and
// records which cookies Chrome sent with each; it has its own report
// section (CrossSite), not probe rows.
var crossSiteKind = kind{name: CrossSiteName, summary: "as a CSRF attacker on another site, which cookies Chrome sends with each kind of cross-site request", rules: []string{"CS027", "CS029"}}

// EmulatedTab is what the cross-site probe needs of a browser: a context
// of its own whose requests cookiescope's emulated network answers (after
// Chrome has decided, and reported, which cookies each carries).
// browser.Worker made by Browser.NewEmulatedWorker implements it.
type EmulatedTab interface {
	Reset() error
	SetJar(ctx context.Context, cookies []inspect.Cookie) error
	Visit(ctx context.Context, rawURL string, opts browser.LoadOptions) inspect.Target
	Close()
}

// Emulator opens an EmulatedTab whose requests answer answers, except
// those to the hosts in direct, which reach their servers.
type Emulator func(ctx context.Context, answer http.Handler, direct []string) (EmulatedTab, error)

// BrowserEmulator is the Emulator of a browser cookiescope launched.
func BrowserEmulator(b *browser.Browser) Emulator {
	return func(ctx context.Context, answer http.Handler, direct []string) (EmulatedTab, error) {
		return b.NewEmulatedWorker(ctx, answer, direct)
	}
}

// AttackerHost is the host of the emulated CSRF attacker's page: a site of
// its own (.example is reserved and never resolves), answered by the
// emulated network only.
const AttackerHost = "cookiescope-attacker.example"

// crossSite runs the cross-site probe: from the attacker's page, each kind
// of inspect.CrossSiteKinds is requested of the target, in a fresh copy of
// jar each time, and Chrome's cookie decisions for the request are kept.
func crossSite(ctx context.Context, emulate Emulator, targetURL string, jar []inspect.Cookie, opts Options) inspect.CrossSite {
	cs := inspect.CrossSite{Attacker: "https://" + AttackerHost, Live: opts.LiveRequests, Step: opts.Step}
	fail := func(why string) inspect.CrossSite { return crossSiteNotRun(opts, why) }
	u, err := url.Parse(targetURL)
	if err != nil {
		return fail(err.Error())
	}
	if emulate == nil {
		return fail("the cross-site probe needs cookiescope's emulated network, which this run has not")
	}
	var direct []string
	if opts.LiveRequests {
		direct = []string{u.Hostname()}
	}
	tab, err := emulate(ctx, crossSiteNetwork(targetURL), direct)
	if err != nil {
		return fail("open the emulated network: " + err.Error())
	}
	defer tab.Close()
	for _, k := range inspect.CrossSiteKinds {
		if ctx.Err() != nil {
			break
		}
		cs.Requests = append(cs.Requests, crossSiteRequest(ctx, tab, targetURL, jar, k.Kind, k.Description, opts))
	}
	return cs
}

// crossSiteNotRun is the cross-site probe's result when it could not run:
// every kind, each saying why.
func crossSiteNotRun(opts Options, why string) inspect.CrossSite {
	cs := inspect.CrossSite{Attacker: "https://" + AttackerHost, Live: opts.LiveRequests, Step: opts.Step}
	for _, k := range inspect.CrossSiteKinds {
		cs.Requests = append(cs.Requests, inspect.CrossSiteRequest{Kind: k.Kind, Description: k.Description, Error: why})
	}
	return cs
}

// crossSiteRequest makes one kind of request from the attacker's page.
func crossSiteRequest(ctx context.Context, tab EmulatedTab, targetURL string, jar []inspect.Cookie, kind, description string, opts Options) inspect.CrossSiteRequest {
	out := inspect.CrossSiteRequest{Kind: kind, Description: description}
	if err := tab.Reset(); err != nil {
		out.Error = "clear the context: " + err.Error()
		return out
	}
	if err := tab.SetJar(ctx, jar); err != nil {
		out.Error = "copy the jar: " + err.Error()
		return out
	}
	copied := time.Now()
	t := tab.Visit(ctx, "https://"+AttackerHost+"/"+kind, opts.Load)
	// The kind's own request: to the target, cross-site, of the kind's
	// method and navigation; one Chrome reported its cookies for first.
	var found *inspect.Request
	for i, r := range t.Requests {
		if !sameResource(r.URL, targetURL) || r.Relation != inspect.RelationCrossSite || !kindMade(kind, r) {
			continue
		}
		if found == nil || !found.CookiesReported && r.CookiesReported {
			found = &t.Requests[i]
		}
	}
	if found != nil {
		r := *found
		r.Sent = append([]inspect.RequestCookie(nil), r.Sent...)
		for i := range r.Sent {
			r.Sent[i].AgeMS = max(r.At.Sub(copied).Milliseconds(), 1)
		}
		out.Request = &r
		return out
	}
	out.Error = "Chrome made no cross-site request to the target"
	if t.Error != "" {
		out.Error += ": " + t.Error
	}
	return out
}

// kindMade reports whether r can be the request a kind makes: the form
// posts are POSTs, the rest GETs; the link, the form post and window.open
// are top-level navigations, the others are not.
func kindMade(kind string, r inspect.Request) bool {
	post := kind == inspect.KindFormPost || kind == inspect.KindIframePost
	navigation := kind == inspect.KindLink || kind == inspect.KindFormPost || kind == inspect.KindWindowOpen
	return (r.Method == "POST") == post && r.Navigation == navigation
}

// sameResource reports whether two URLs name the same resource, as Chrome
// may write it (an empty path is "/").
func sameResource(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	for _, u := range []*url.URL{ua, ub} {
		u.Fragment = ""
		if u.Path == "" {
			u.Path = "/"
		}
	}
	return ua.String() == ub.String()
}

// crossSiteNetwork answers the cross-site probe's requests: the attacker's
// page for each kind, and for everything else (the target among it) a
// short page that no cookie comes with. The real server never sees them.
func crossSiteNetwork(targetURL string) http.Handler {
	target := html.EscapeString(targetURL)
	js := jsString(targetURL)
	pages := map[string]string{
		inspect.KindLink:       `<a id="go" href="` + target + `">go</a><script>document.getElementById("go").click()</script>`,
		inspect.KindFormPost:   `<form id="f" method="post" action="` + target + `"><input type="hidden" name="cookiescope" value="1"></form><script>document.getElementById("f").submit()</script>`,
		inspect.KindIframePost: `<iframe name="sink"></iframe><form id="f" method="post" action="` + target + `" target="sink"><input type="hidden" name="cookiescope" value="1"></form><script>document.getElementById("f").submit()</script>`,
		inspect.KindIframe:     `<iframe src="` + target + `"></iframe>`,
		inspect.KindImage:      `<img src="` + target + `" alt="">`,
		inspect.KindFetch:      `<script>fetch(` + js + `, {credentials: "include", mode: "no-cors"}).catch(() => {})</script>`,
		inspect.KindWindowOpen: `<script>window.open(` + js + `)</script>`,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Hostname() == AttackerHost {
			body, ok := pages[strings.TrimPrefix(r.URL.Path, "/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintf(w, "<!doctype html><html><head><title>cross-site attacker</title><link rel=icon href=\"data:,\"></head><body>%s</body></html>", body)
			return
		}
		fmt.Fprint(w, "<!doctype html><html><head><link rel=icon href=\"data:,\"></head><body><p>cookiescope's emulated network answered this request; the real server never received it.</p></body></html>")
	})
}

// jsString quotes s as a JavaScript string literal that is safe inside a
// script element.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
