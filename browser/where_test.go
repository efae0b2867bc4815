package browser

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// whereRun sets the where-cookies, then loads page (which requests the
// lab's echo endpoint in every way) and returns the target with what the
// lab received meanwhile.
func whereRun(t *testing.T, page string) (inspect.Target, []lab.ReceivedRequest) {
	t.Helper()
	w := newTestWorker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := LoadOptions{Timeout: 15 * time.Second}
	w.Visit(ctx, testLab.URL(true, lab.AppHost, "/where/set"), opts)
	before := len(testLab.Received())
	if err := w.Goto(ctx, page, opts); err != nil {
		t.Fatalf("load %s: %v", page, err)
	}
	// The page's last request (the top-level form post) leaves it.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if len(testLab.Received())-before >= len(lab.WhereKinds) {
			break
		}
	}
	if err := w.Goto(ctx, testLab.URL(true, lab.AppHost, "/where/"), opts); err != nil {
		t.Fatal(err)
	}
	tg := w.Snapshot(page)
	received := testLab.Received()[before:]
	if len(received) != len(lab.WhereKinds) {
		t.Fatalf("the lab received %d echo requests, want %d", len(received), len(lab.WhereKinds))
	}
	return tg, received
}

// requestFor finds the recorded request the lab received as got.
func requestFor(t *testing.T, tg inspect.Target, got lab.ReceivedRequest) inspect.Request {
	t.Helper()
	for _, r := range tg.Requests {
		u, err := url.Parse(r.URL)
		if err == nil && u.Hostname() == got.Host && u.RequestURI() == got.URL && r.Method == got.Method {
			return r
		}
	}
	t.Fatalf("no recorded request for %s %s%s", got.Method, got.Host, got.URL)
	return inspect.Request{}
}

func names(cs []inspect.RequestCookie) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out
}

func reasonsFor(r inspect.Request, name string) string {
	for _, c := range r.Withheld {
		if c.Name == name {
			return strings.Join(c.Reasons, ",")
		}
	}
	return ""
}

// checkAgainstLab checks, request by request, that the cookies cookiescope
// says Chrome sent are exactly those the lab received, and that every
// where-cookie the request did not carry is reported withheld with a reason.
func checkAgainstLab(t *testing.T, tg inspect.Target, received []lab.ReceivedRequest) map[string]inspect.Request {
	t.Helper()
	byKind := make(map[string]inspect.Request)
	for _, got := range received {
		r := requestFor(t, tg, got)
		byKind[got.Kind] = r
		if !r.CookiesReported {
			t.Errorf("%s: Chrome's cookie decisions were not recorded", got.Kind)
			continue
		}
		if sent := names(r.Sent); !slices.Equal(sent, got.Cookies) {
			t.Errorf("%s %s: cookiescope says sent %v, the lab received %v", got.Kind, r.URL, sent, got.Cookies)
		}
		for _, c := range lab.WhereCookies {
			if c.Name == "w_partitioned" || slices.Contains(got.Cookies, c.Name) {
				continue // a partitioned cookie of another top-level site is no candidate
			}
			if reasonsFor(r, c.Name) == "" {
				t.Errorf("%s: %s neither sent nor withheld with a reason", got.Kind, c.Name)
			}
		}
		if !strings.Contains(reasonsFor(r, "w_path"), "NotOnPath") {
			t.Errorf("%s: w_path withheld for %q, want NotOnPath", got.Kind, reasonsFor(r, "w_path"))
		}
	}
	return byKind
}

// Requests the app makes of itself carry every cookie on their path; the
// subdomain gets the Domain cookie only.
func TestSentCookiesSameSiteMatchTheServer(t *testing.T) {
	needBrowser(t)
	tg, received := whereRun(t, testLab.URL(true, lab.AppHost, "/where/same"))
	byKind := checkAgainstLab(t, tg, received)
	for _, kind := range []string{"img", "fetch", "iframe", "iframe-post", "popup", "top-post"} {
		r := byKind[kind]
		if r.Relation != inspect.RelationSameOrigin {
			t.Errorf("%s: relation %s, want same-origin", kind, r.Relation)
		}
		if !slices.Contains(names(r.Sent), "w_strict") {
			t.Errorf("%s: w_strict not sent on a same-site request", kind)
		}
	}
	sub := byKind["subdomain-img"]
	if sub.Relation != inspect.RelationSameSite || !slices.Equal(names(sub.Sent), []string{"w_domain"}) {
		t.Errorf("subdomain image: relation %s, sent %v; want same-site with w_domain only", sub.Relation, names(sub.Sent))
	}
	if !strings.Contains(reasonsFor(sub, "w_strict"), "DomainMismatch") {
		t.Errorf("subdomain image: host-only w_strict withheld for %q, want DomainMismatch", reasonsFor(sub, "w_strict"))
	}
}

// Another site's requests: Strict never goes; Lax only with top-level
// GETs (the popup); a cookie without SameSite also goes with the
// top-level POST while it is young (Chrome's Lax-by-default exception).
func TestSentCookiesCrossSiteMatchTheServer(t *testing.T) {
	needBrowser(t)
	tg, received := whereRun(t, testLab.URL(true, lab.WidgetHost, "/where/cross"))
	byKind := checkAgainstLab(t, tg, received)
	for kind, r := range byKind {
		if r.Relation != inspect.RelationCrossSite {
			t.Errorf("%s: relation %s, want cross-site", kind, r.Relation)
		}
		if !strings.Contains(reasonsFor(r, "w_strict"), "SameSiteStrict") {
			t.Errorf("%s: w_strict withheld for %q, want a SameSiteStrict reason", kind, reasonsFor(r, "w_strict"))
		}
	}
	if r := byKind["popup"]; !r.Navigation || r.Context != inspect.ContextPopup || !slices.Contains(names(r.Sent), "w_lax") {
		t.Errorf("popup: navigation %v, context %s, sent %v; want a top-level GET carrying w_lax", r.Navigation, r.Context, names(r.Sent))
	}
	post := byKind["top-post"]
	if !post.Navigation || !slices.Contains(names(post.Sent), "w_unspecified") || !strings.Contains(reasonsFor(post, "w_lax"), "SameSiteLax") {
		t.Errorf("top-level POST: navigation %v, sent %v, w_lax withheld for %q", post.Navigation, names(post.Sent), reasonsFor(post, "w_lax"))
	}
	for _, c := range post.Sent {
		if c.Name == "w_unspecified" && (c.AgeMS <= 0 || c.AgeMS > 120_000) {
			t.Errorf("w_unspecified's age on the POST: %d ms", c.AgeMS)
		}
	}
	// The traffic summary of the jar's cookies adds the requests up.
	for _, c := range tg.Cookies {
		if c.Name == "w_strict" && (c.Traffic.Withheld < len(lab.WhereKinds) || c.Traffic.SentCrossSite != 0) {
			t.Errorf("w_strict traffic: %+v", c.Traffic)
		}
	}
}
