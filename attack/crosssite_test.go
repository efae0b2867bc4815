package attack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// crossSiteOf runs the cross-site probe alone against targetURL.
func crossSiteOf(t *testing.T, targetURL string, live bool, session []inspect.Cookie) inspect.CrossSite {
	t.Helper()
	w := newTestWorker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	got := Probe(ctx, w, targetURL, []string{CrossSiteName}, Options{Load: browser.LoadOptions{Timeout: 15 * time.Second}, Emulate: BrowserEmulator(env.Browser), LiveRequests: live, Session: session})
	if got.Error != "" {
		t.Fatalf("probe %s: %s", targetURL, got.Error)
	}
	if len(got.CrossSite) != 1 {
		t.Fatalf("want one cross-site result, got %d", len(got.CrossSite))
	}
	cs := got.CrossSite[0]
	if len(cs.Requests) != len(inspect.CrossSiteKinds) {
		t.Fatalf("want %d kinds, got %d", len(inspect.CrossSiteKinds), len(cs.Requests))
	}
	for _, r := range cs.Requests {
		if r.Error != "" || r.Request == nil {
			t.Fatalf("%s: no request (%s)", r.Kind, r.Error)
		}
		if !r.Request.CookiesReported {
			t.Fatalf("%s: Chrome reported no cookie decision for %s", r.Kind, r.Request.URL)
		}
	}
	return cs
}

// decision returns "sent" or the reasons Chrome withheld cookie name from
// the request of kind, or "" when the request did not concern it.
func decision(cs inspect.CrossSite, kind, name string) string {
	for _, r := range cs.Requests {
		if r.Kind != kind || r.Request == nil {
			continue
		}
		for _, c := range r.Request.Sent {
			if c.Name == name {
				return "sent"
			}
		}
		for _, c := range r.Request.Withheld {
			if c.Name == name {
				return strings.Join(c.Reasons, ",")
			}
		}
	}
	return ""
}

// The flawed lab app's sid has no SameSite: Chrome treats it as Lax, yet
// sends it on a cross-site top-level POST while it is young (the
// Lax-by-default exception), and withholds it from embedded requests. The
// secure app's __Host-sid (SameSite=Lax) is withheld from the POST with
// Chrome's SameSite reason and sent on a top-level link only.
func TestCrossSiteProbeOnTheLoginApps(t *testing.T) {
	flawed := crossSiteOf(t, env.Lab.URL(true, lab.FlawedLoginHost, "/"), false, nil)
	if got := decision(flawed, inspect.KindFormPost, "sid"); got != "sent" {
		t.Errorf("flawed sid on a cross-site form POST: got %q, want sent", got)
	}
	post := flawed.Requests[slices.IndexFunc(flawed.Requests, func(r inspect.CrossSiteRequest) bool { return r.Kind == inspect.KindFormPost })].Request
	if post.Method != "POST" || !post.Navigation || post.Relation != inspect.RelationCrossSite {
		t.Errorf("form POST request: method %s navigation %v relation %s", post.Method, post.Navigation, post.Relation)
	}
	for _, c := range post.Sent {
		if c.Name == "sid" && (c.AgeMS <= 0 || c.AgeMS > 120_000) {
			t.Errorf("sid's age on the POST: %d ms, want within Chrome's two minutes", c.AgeMS)
		}
	}
	for _, kind := range []string{inspect.KindIframe, inspect.KindIframePost, inspect.KindImage, inspect.KindFetch} {
		if got := decision(flawed, kind, "sid"); !strings.Contains(got, "SameSiteUnspecifiedTreatedAsLax") {
			t.Errorf("flawed sid on %s: got %q, want withheld as unspecified-treated-as-Lax", kind, got)
		}
	}
	for _, kind := range []string{inspect.KindLink, inspect.KindWindowOpen} {
		if got := decision(flawed, kind, "sid"); got != "sent" {
			t.Errorf("flawed sid on %s: got %q, want sent", kind, got)
		}
	}

	secure := crossSiteOf(t, env.Lab.URL(true, lab.SecureLoginHost, "/"), false, nil)
	if got := decision(secure, inspect.KindFormPost, "__Host-sid"); !strings.Contains(got, "SameSiteLax") {
		t.Errorf("secure __Host-sid on a cross-site form POST: got %q, want withheld for SameSite=Lax", got)
	}
	if got := decision(secure, inspect.KindLink, "__Host-sid"); got != "sent" {
		t.Errorf("secure __Host-sid on a top-level link: got %q, want sent", got)
	}
}

// By default the server never receives the cross-site requests: the
// emulated network answers them once Chrome has attached their cookies.
// With live requests, it receives each one, with the very cookies Chrome
// said it sent.
func TestCrossSiteRequestsReachTheServerOnlyWhenLive(t *testing.T) {
	// The session holds one cookie of each SameSite flavour.
	w := newTestWorker(t)
	w.Visit(context.Background(), env.Lab.URL(true, lab.AppHost, "/where/set"), browser.LoadOptions{})
	session, err := w.Jar()
	if err != nil || len(session) < len(lab.WhereCookies) {
		t.Fatalf("session: %d cookies, %v", len(session), err)
	}
	echo := env.Lab.URL(true, lab.AppHost, "/where/echo")
	before := len(env.Lab.Received())
	cs := crossSiteOf(t, echo, false, session)
	received := env.Lab.Received()[before:]
	// The baseline load of the target is the probe's one real request.
	if len(received) != 1 || received[0].Kind != "" || received[0].Method != "GET" {
		t.Fatalf("emulated: the lab received %d requests (%v), want only the baseline load", len(received), received)
	}
	if cs.Live {
		t.Error("emulated run reported live")
	}

	before = len(env.Lab.Received())
	live := crossSiteOf(t, echo, true, session)
	received = env.Lab.Received()[before:]
	if !live.Live {
		t.Error("live run not reported live")
	}
	// The baseline, then one request per kind, in order, each with the
	// cookies Chrome said it sent.
	if len(received) != 1+len(inspect.CrossSiteKinds) {
		t.Fatalf("live: the lab received %d requests, want %d", len(received), 1+len(inspect.CrossSiteKinds))
	}
	carried := 0
	for i, r := range live.Requests {
		var sent []string
		for _, c := range r.Request.Sent {
			sent = append(sent, c.Name)
		}
		slices.Sort(sent)
		carried += len(sent)
		got := received[i+1]
		if got.Method != r.Request.Method || !slices.Equal(got.Cookies, sent) {
			t.Errorf("%s: the lab received %s with cookies %v; cookiescope says %s with %v", r.Kind, got.Method, got.Cookies, r.Request.Method, sent)
		}
	}
	if carried == 0 {
		t.Error("no cross-site request carried a cookie: the comparison proved nothing")
	}
}
