package record

import (
	"context"
	"errors"
	"fmt"
	"go/build"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

const testSecret = "cookiescope:0123456789abcdef"

// told is one event as a session reports it.
type told struct {
	session  string
	topLevel bool
	ev       Event
}

// page is an event of the page's own session.
func page(ev Event) told { return told{PageLabel, true, ev} }

// in is an event of another session.
func in(session string, ev Event) told { return told{session, false, ev} }

// hook is the hook's console call for a write of kind, from the document at
// href, with stack as V8 captured it (the hook's own frame first).
func hook(kind, href string, data []string, stack ...StackFrame) ConsoleCall {
	frames := append([]StackFrame{{ScriptID: "hook", Function: "report"}}, stack...)
	return ConsoleCall{Trace: true, Strings: true, Args: append([]string{testSecret, kind, href}, data...), Stack: &StackTrace{Frames: frames}}
}

func cookieStoreData(name, value, domain, path, expires, maxAge, sameSite, partitioned string) []string {
	return []string{name, value, domain, path, expires, maxAge, sameSite, partitioned}
}

// request is a request of the page's main frame, its own document when
// loader equals id.
func request(id, loader, url, typ string) RequestWillBeSent {
	return RequestWillBeSent{RequestID: id, LoaderID: loader, FrameID: "main", Type: typ, HasRequest: true, URL: url, Method: "GET", BrowserInitiated: true}
}

func setCookies(id string, status int, lines ...string) ResponseExtraInfo {
	return ResponseExtraInfo{RequestID: id, Status: status, Headers: map[string]string{"Set-Cookie": strings.Join(lines, "\n")}}
}

// writeLines is how the table states a recording's writes: one line each,
// in order, with what the recorder decided about it.
func writeLines(r *Recording) []string {
	var out []string
	for _, w := range r.AllWrites() {
		s := fmt.Sprintf("%s %s %q", w.Via, w.URL, w.CookieLine)
		if w.Status != 0 {
			s += fmt.Sprintf(" status=%d", w.Status)
		}
		if len(w.Blocked) > 0 {
			s += " blocked=" + strings.Join(w.Blocked, ",")
		}
		if w.Encoding != "" {
			s += " encoding=" + w.Encoding
		}
		if w.Script != "" {
			s += fmt.Sprintf(" script=%s:%d:%d", w.Script, w.Line, w.Column)
		}
		if w.Inline {
			s += " inline"
		}
		for _, f := range w.Stack {
			if f.Async != "" {
				s += " async=" + f.Async
			}
		}
		out = append(out, s)
	}
	return out
}

// requestLines is how the table states a recording's requests: one line
// per hop.
func requestLines(r *Recording) []string {
	requests, dropped := r.RequestList()
	var out []string
	for _, q := range requests {
		s := fmt.Sprintf("%s %s %s context=%s top=%s", q.Method, q.URL, q.ResourceType, q.Context, q.TopLevel)
		if q.Navigation {
			s += " navigation"
		}
		if q.Frame != "" {
			s += " frame=" + q.Frame
		}
		if q.CookiesReported {
			var sent, withheld []string
			for _, c := range q.Sent {
				sent = append(sent, c.Name+c.Exemption)
			}
			for _, c := range q.Withheld {
				withheld = append(withheld, c.Name+":"+strings.Join(c.Reasons, ","))
			}
			s += fmt.Sprintf(" sent=%v withheld=%v", sent, withheld)
		}
		out = append(out, s)
	}
	if dropped > 0 {
		out = append(out, fmt.Sprintf("dropped %d", dropped))
	}
	return out
}

// The recorder as cookiejar's jarTest tables it: canned sequences of
// events, as Chrome 156 sends them, in; what the recording holds out.
var recordingTests = []struct {
	description string
	events      []told
	writes      []string
	requests    []string
}{
	{
		"a response's cookie lines are its writes, with its URL and status",
		[]told{page(request("1", "1", "https://a.test/", "Document")), page(setCookies("1", 200, "sid=1; Path=/", "pref=dark"))},
		[]string{`header https://a.test/ "sid=1; Path=/" status=200`, `header https://a.test/ "pref=dark" status=200`},
		[]string{"GET https://a.test/ Document context=page top=https://a.test/ navigation"},
	},
	{
		"the extra info before its request: the write waits for the URL",
		[]told{page(setCookies("1", 200, "a=1")), page(request("1", "1", "https://a.test/late", "Document"))},
		[]string{`header https://a.test/late "a=1" status=200`},
		[]string{"GET https://a.test/late Document context=page top=https://a.test/late navigation"},
	},
	{
		"a redirect's hops: each response's cookies go with its own URL",
		[]told{
			page(request("1", "1", "https://a.test/login", "Document")),
			page(setCookies("1", 302, "step=1")),
			page(RequestWillBeSent{RequestID: "1", LoaderID: "1", FrameID: "main", Type: "Document", HasRequest: true, URL: "https://a.test/home", Method: "GET", Redirected: true}),
			page(setCookies("1", 200, "step=2")),
		},
		[]string{`header https://a.test/login "step=1" status=302`, `header https://a.test/home "step=2" status=200`},
		[]string{"GET https://a.test/login Document context=page top=https://a.test/login navigation", "GET https://a.test/home Document context=page top=https://a.test/login navigation"},
	},
	{
		"a refused line carries Chrome's reasons",
		[]told{page(request("1", "1", "http://a.test/", "Document")), page(ResponseExtraInfo{RequestID: "1", Status: 200,
			Headers: map[string]string{"set-cookie": "s=1; Secure\nok=1"}, Blocked: []BlockedSetCookie{{Line: "s=1; Secure", Reasons: []string{"SecureOnly"}}}})},
		[]string{`header http://a.test/ "s=1; Secure" status=200 blocked=SecureOnly`, `header http://a.test/ "ok=1" status=200`},
		nil,
	},
	{
		"a refused line missing from the raw headers is still a write",
		[]told{page(request("1", "1", "https://a.test/", "Document")), page(ResponseExtraInfo{RequestID: "1", Status: 200, Headers: map[string]string{},
			Blocked: []BlockedSetCookie{{Line: "__Host-x=1; Domain=a.test", Reasons: []string{"InvalidPrefix"}}}})},
		[]string{`header https://a.test/ "__Host-x=1; Domain=a.test" status=200 blocked=InvalidPrefix`},
		nil,
	},
	{
		"UTF-8 bytes that Chrome reports one character per byte become the text again",
		[]told{page(request("1", "1", "https://a.test/", "Document")), page(setCookies("1", 200, "f_h_æ˜¥èŠ‚å›ž=1"))},
		[]string{`header https://a.test/ "f_h_春节回=1" status=200`},
		nil,
	},
	{
		"bytes that are no UTF-8 stay as Chrome gave them, said to be Latin-1",
		[]told{page(request("1", "1", "https://a.test/", "Document")), page(setCookies("1", 200, "caf\u00e9=1"))},
		[]string{`header https://a.test/ "café=1" status=200 encoding=latin1`},
		nil,
	},
	{
		"a document.cookie write names the script and the line that made it",
		[]told{page(hook("document.cookie", "https://a.test/", []string{"theme=dark"}, StackFrame{ScriptID: "9", Function: "set", URL: "https://cdn.test/app.js", Line: 41, Column: 4}))},
		[]string{`document.cookie https://a.test/ "theme=dark" script=https://cdn.test/app.js:42:5`},
		nil,
	},
	{
		"an inline script's write is marked inline",
		[]told{page(hook("document.cookie", "https://a.test/#top", []string{"x=1"}, StackFrame{ScriptID: "3", URL: "https://a.test/", Line: 0, Column: 10}))},
		[]string{`document.cookie https://a.test/#top "x=1" script=https://a.test/:1:11 inline`},
		nil,
	},
	{
		"a write through timers keeps the scheduler's frames past the boundary",
		[]told{page(ConsoleCall{Trace: true, Strings: true, Args: []string{testSecret, "document.cookie", "https://a.test/", "late=1"}, Stack: &StackTrace{
			Frames: []StackFrame{{ScriptID: "hook"}, {ScriptID: "5", URL: "https://a.test/t.js", Line: 1}},
			Parent: &StackTrace{Description: "setTimeout", Frames: []StackFrame{{ScriptID: "5", URL: "https://a.test/t.js", Line: 9}}}}})},
		[]string{`document.cookie https://a.test/ "late=1" script=https://a.test/t.js:2:1 async=setTimeout`},
		nil,
	},
	{
		"the page's own console.trace, without the secret, is no write",
		[]told{page(ConsoleCall{Trace: true, Strings: true, Args: []string{"cookiescope:forged", "document.cookie", "https://a.test/", "evil=1"}})},
		nil, nil,
	},
	{
		"a call with an argument that is no string is no write",
		[]told{page(ConsoleCall{Trace: true, Strings: false, Args: []string{testSecret}})},
		nil, nil,
	},
	{
		"console.log with the secret is no write: the hook traces",
		[]told{page(ConsoleCall{Trace: false, Strings: true, Args: []string{testSecret, "document.cookie", "https://a.test/", "x=1"}})},
		nil, nil,
	},
	{
		"cookieStore.set is the Set-Cookie line it amounts to: Secure, Path=/, SameSite=Strict by default",
		[]told{page(hook("cookieStore.set", "https://a.test/", cookieStoreData("cs", "1", "", "", "", "", "", "")))},
		[]string{`cookieStore https://a.test/ "cs=1; Path=/; Secure; SameSite=Strict"`},
		nil,
	},
	{
		"cookieStore.set with its options",
		[]told{page(hook("cookieStore.set", "https://a.test/", cookieStoreData("cs", "1", "a.test", "/app", "1767225600000", "", "lax", "yes")))},
		[]string{`cookieStore https://a.test/ "cs=1; Path=/app; Domain=a.test; Secure; SameSite=Lax; Partitioned; Expires=Thu, 01 Jan 2026 00:00:00 GMT"`},
		nil,
	},
	{
		"cookieStore.delete expires the cookie",
		[]told{page(hook("cookieStore.delete", "https://a.test/", cookieStoreData("cs", "", "", "", "", "", "", "")))},
		[]string{`cookieStore https://a.test/ "cs=; Path=/; Secure; SameSite=Strict; Max-Age=0"`},
		nil,
	},
	{
		"an about:blank document writes for the page that made it",
		[]told{
			page(FrameNavigated{FrameID: "main", LoaderID: "L", URL: "https://a.test/app"}),
			page(hook("document.cookie", "about:blank", []string{"b=1"})),
		},
		[]string{`document.cookie https://a.test/app "b=1"`},
		nil,
	},
	{
		"a service worker's write is no document's inline script",
		[]told{in(ServiceWorkerLabelPrefix+"7", hook("cookieStore.set", "https://a.test/sw.js", cookieStoreData("sw", "1", "", "", "", "", "", ""),
			StackFrame{ScriptID: "8", URL: "https://a.test/sw.js", Line: 2}))},
		[]string{`cookieStore https://a.test/sw.js "sw=1; Path=/; Secure; SameSite=Strict" script=https://a.test/sw.js:3:1`},
		nil,
	},
	{
		"a service worker's request is recorded in the worker's context",
		[]told{in(ServiceWorkerLabelPrefix+"7", RequestWillBeSent{RequestID: "w1", Type: "Fetch", HasRequest: true, URL: "https://a.test/api", Method: "GET"}),
			in(ServiceWorkerLabelPrefix+"7", setCookies("w1", 200, "api=1"))},
		[]string{`header https://a.test/api "api=1" status=200`},
		[]string{"GET https://a.test/api Fetch context=worker top=https://a.test/api"},
	},
	{
		"cookiescope's own navigation is judged against itself, with Chrome's decisions",
		[]told{
			page(FrameNavigated{FrameID: "main", LoaderID: "0", URL: "https://b.test/before"}),
			page(request("N", "N", "https://a.test/", "Document")),
			page(RequestExtraInfo{RequestID: "N", CookieHeader: "sid=1", Cookies: []AssociatedCookie{
				{Name: "sid", Value: "1", Domain: "a.test", Path: "/"},
				{Name: "lax", Domain: "a.test", Path: "/", Exemption: "TPCDHeuristics"},
				{Name: "strict", Domain: "a.test", Path: "/", BlockedReasons: []string{"SameSiteStrict"}},
			}}),
		},
		nil,
		[]string{"GET https://a.test/ Document context=page top=https://a.test/ navigation frame=https://b.test/before sent=[sid laxTPCDHeuristics] withheld=[strict:SameSiteStrict]"},
	},
	{
		"an iframe's request is judged against the page",
		[]told{
			page(FrameNavigated{FrameID: "main", LoaderID: "L", URL: "https://a.test/"}),
			in(FrameLabelPrefix+"F", FrameNavigated{FrameID: "F", ParentID: "main", LoaderID: "FL", URL: "https://w.test/frame"}),
			in(FrameLabelPrefix+"F", RequestWillBeSent{RequestID: "x", FrameID: "F", Type: "XHR", HasRequest: true, URL: "https://w.test/api", Method: "POST", Initiator: "script https://w.test/f.js:3"}),
		},
		nil,
		[]string{"POST https://w.test/api XHR context=iframe top=https://a.test/ frame=https://w.test/frame"},
	},
	{
		"a data: URL is kept as its media type and length",
		[]told{page(RequestWillBeSent{RequestID: "d", FrameID: "main", Type: "Font", HasRequest: true, URL: "data:font/woff2;base64," + strings.Repeat("A", 5000), Method: "GET"})},
		nil,
		[]string{"GET data:font/woff2;base64,… (5023 characters) Font context=page top=data:font/woff2;base64,… (5023 characters)"},
	},
}

func TestRecording(t *testing.T) {
	for _, tt := range recordingTests {
		r := New(testSecret, "main")
		r.ExpectNavigation()
		for _, e := range tt.events {
			r.Handle(e.session, e.topLevel, e.ev)
		}
		if got := writeLines(r); strings.Join(got, "\n") != strings.Join(tt.writes, "\n") {
			t.Errorf("%s: writes\n%s\nwant\n%s", tt.description, strings.Join(got, "\n"), strings.Join(tt.writes, "\n"))
		}
		if tt.requests == nil {
			continue
		}
		if got := requestLines(r); strings.Join(got, "\n") != strings.Join(tt.requests, "\n") {
			t.Errorf("%s: requests\n%s\nwant\n%s", tt.description, strings.Join(got, "\n"), strings.Join(tt.requests, "\n"))
		}
	}
}

// A forged console call counts as no event: the waits do not start over
// for what the page writes to its console.
func TestOnlyRecordedEventsCount(t *testing.T) {
	r := New(testSecret, "main")
	r.Handle(PageLabel, true, ConsoleCall{Trace: true, Strings: true, Args: []string{"forged", "document.cookie", "https://a.test/", "x=1"}})
	if n := r.EventCount(); n != 0 {
		t.Errorf("a forged console call counted as %d events", n)
	}
	r.Handle(PageLabel, true, FrameLoading{FrameID: "main", Started: true})
	if n := r.EventCount(); n != 1 {
		t.Errorf("a frame's loading counted as %d events, want 1", n)
	}
}

// The load the target waits for is its own document's: a late load event
// of the document before does not end the wait, a page that navigates by
// itself moves the wait on, and a crash ends it at once.
func TestTheAwaitedLoad(t *testing.T) {
	r := New(testSecret, "main")
	r.ExpectLoad("new")
	r.Handle(PageLabel, true, Lifecycle{Name: "load", LoaderID: "old"})
	if r.IsLoaded() {
		t.Error("the previous document's load counted")
	}
	r.Handle(PageLabel, true, Lifecycle{Name: "DOMContentLoaded", LoaderID: "new"})
	if r.IsLoaded() {
		t.Error("DOMContentLoaded counted as the load")
	}
	r.Handle(PageLabel, true, Lifecycle{Name: "load", LoaderID: "new"})
	if !r.IsLoaded() {
		t.Error("the awaited document's load did not count")
	}
	// The page posts a form by itself: the new document is awaited.
	r.Handle(PageLabel, true, FrameNavigated{FrameID: "main", LoaderID: "posted", URL: "https://a.test/done"})
	if r.IsLoaded() {
		t.Error("after the page navigated by itself, the old load still counted")
	}
	// An iframe's load is not the page's.
	r.Handle(in(FrameLabelPrefix+"F", Lifecycle{Name: "load", LoaderID: "posted"}).session, false, Lifecycle{Name: "load", LoaderID: "posted"})
	if r.IsLoaded() {
		t.Error("a load reported by an iframe's session counted as the page's")
	}
	r.Handle(PageLabel, true, TargetCrashed{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.WaitQuiet(ctx, 0); !errors.Is(err, ErrRendererCrashed) {
		t.Errorf("after a crash, WaitQuiet returned %v, want ErrRendererCrashed", err)
	}
}

// Quiet means loaded, no frame loading, no request without its response,
// and no event for the quiet period.
func TestQuietWaitsForRequestsAndFrames(t *testing.T) {
	r := New(testSecret, "main")
	r.ExpectLoad("L")
	r.Handle(PageLabel, true, Lifecycle{Name: "load", LoaderID: "L"})
	r.Handle(PageLabel, true, request("slow", "L", "https://a.test/slow", "XHR"))
	if ok, _ := r.quiet(0); ok {
		t.Error("quiet with a request in flight")
	}
	if s := r.InflightSummary(); !strings.Contains(s, "https://a.test/slow") {
		t.Errorf("in flight: %q, want the slow request", s)
	}
	r.Handle(PageLabel, true, LoadingFinished{RequestID: "slow"})
	r.Handle(in(FrameLabelPrefix+"F", FrameLoading{}).session, false, FrameLoading{FrameID: "F", Started: true})
	if ok, _ := r.quiet(0); ok {
		t.Error("quiet with a frame loading")
	}
	// A frame that moved to a process of its own goes on loading there.
	r.Handle(PageLabel, true, FrameDetached{FrameID: "F", Swapped: true})
	if ok, _ := r.quiet(0); ok {
		t.Error("quiet once a loading frame swapped processes")
	}
	r.Handle(PageLabel, true, FrameDetached{FrameID: "F"})
	if ok, _ := r.quiet(0); !ok {
		t.Error("not quiet with nothing pending")
	}
	if ok, _ := r.quiet(time.Hour); ok {
		t.Error("quiet for an hour right after an event")
	}
}

// A service worker the target registers holds settling until it is
// activated; one that was done before the target began is none of its
// business.
func TestServiceWorkersOfTheTarget(t *testing.T) {
	r := New(testSecret, "main")
	r.Handle(PageLabel, true, ServiceWorkerVersions{Versions: []ServiceWorkerVersion{{ID: "old", Script: "https://a.test/old.js", Status: "redundant", Running: "stopped"}}})
	if r.HadServiceWorker() {
		t.Error("a version done before the target counted as the target's")
	}
	r.Handle(PageLabel, true, hook("serviceWorker.register", "https://a.test/", make([]string, 8)))
	if !r.HadServiceWorker() {
		t.Error("a registration did not count")
	}
	r.Handle(PageLabel, true, ServiceWorkerVersions{Versions: []ServiceWorkerVersion{{ID: "1", Script: "https://a.test/sw.js", Status: "installing", Running: "running"}}})
	r.mu.Lock()
	pending := r.workersPending(time.Now())
	r.mu.Unlock()
	if pending <= 0 {
		t.Error("an installing worker does not hold settling")
	}
	if got := r.ServiceWorkerScripts(); len(got) != 1 || got[0] != "https://a.test/sw.js" {
		t.Errorf("service worker scripts %v", got)
	}
	r.Handle(PageLabel, true, ServiceWorkerVersions{Versions: []ServiceWorkerVersion{{ID: "1", Script: "https://a.test/sw.js", Status: "redundant", Running: "stopped"}}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.WaitServiceWorkersGone(ctx); err != nil {
		t.Errorf("a redundant, stopped worker is not gone: %v", err)
	}
}

// Clear-Site-Data and Strict-Transport-Security are kept with their
// response; repeated Clear-Site-Data lines are one list.
func TestResponseHeadersOfNote(t *testing.T) {
	r := New(testSecret, "main")
	r.ExpectLoad("L")
	r.Handle(PageLabel, true, request("L", "L", "https://a.test/logout", "Document"))
	r.Handle(PageLabel, true, ResponseExtraInfo{RequestID: "L", Status: 200, Headers: map[string]string{
		"Clear-Site-Data": "\"cookies\"\n\"storage\"", "Strict-Transport-Security": "max-age=63072000"}})
	clears := r.SiteDataClearList()
	if len(clears) != 1 || clears[0].URL != "https://a.test/logout" || clears[0].Header != `"cookies","storage"` {
		t.Errorf("Clear-Site-Data: %+v", clears)
	}
	if h := r.DocumentHSTS(); h != "max-age=63072000" {
		t.Errorf("HSTS %q", h)
	}
}

// Dialogs are kept up to a bound, then counted; popups keep the URL their
// page ends on and the page that opened them.
func TestDialogsAndPopups(t *testing.T) {
	r := New(testSecret, "main")
	r.Handle(PageLabel, true, FrameNavigated{FrameID: "main", LoaderID: "L", URL: "https://a.test/"})
	for i := range maxDialogs + 3 {
		r.NoteDialog("alert", fmt.Sprint(i), "https://a.test/", i%2 == 0)
	}
	r.NotePopup("P", "about:blank")
	r.Handle(PopupLabelPrefix+"P", false, FrameNavigated{FrameID: "P", LoaderID: "PL", URL: "https://pop.test/"})
	dialogs, popups, _ := r.Evidence()
	if len(dialogs) != maxDialogs+1 || dialogs[maxDialogs].Kind != "more" || dialogs[0].Answer != "accepted" || dialogs[1].Answer != "dismissed" {
		t.Errorf("%d dialogs, last %+v", len(dialogs), dialogs[len(dialogs)-1])
	}
	if len(popups) != 1 || popups[0].URL != "https://pop.test/" || popups[0].OpenedBy != "https://a.test/" {
		t.Errorf("popups %+v", popups)
	}
	if top, _ := r.Context(); len(top) != 2 || top[1] != "https://pop.test/" {
		t.Errorf("top-level documents %v, want the page's and the popup's", top)
	}
	if !r.HadPopups() {
		t.Error("HadPopups is false")
	}
}

// Requests are traced up to a bound; the rest are counted.
func TestRequestsAreBounded(t *testing.T) {
	r := New(testSecret, "main")
	for i := range maxRequests + 2 {
		r.Handle(PageLabel, true, RequestWillBeSent{RequestID: fmt.Sprint(i), HasRequest: true, URL: "https://a.test/", Method: "GET", Type: "Image"})
	}
	requests, dropped := r.RequestList()
	if len(requests) != maxRequests || dropped != 2 {
		t.Errorf("%d requests kept, %d dropped; want %d and 2", len(requests), dropped, maxRequests)
	}
	if origins := r.OriginList(); len(origins) != 1 || origins[0] != "https://a.test" {
		t.Errorf("origins %v", origins)
	}
}

// The recorder is tested without Chrome because it speaks no DevTools
// Protocol: it imports nothing of chromedp's.
func TestTheRecorderSpeaksNoCDP(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(imp, "chromedp") {
			t.Errorf("package record imports %s", imp)
		}
	}
	var _ inspect.Write // the model is what it speaks
}
