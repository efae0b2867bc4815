package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/browsertest"
)

// env is the test binary's shared Chrome (and lab), for the HTML report's
// test in a real browser; every other test of the package is pure Go.
var env browsertest.Env

func TestMain(m *testing.M) {
	os.Exit(browsertest.Main(m, &env))
}

// Page text is escaped by html/template wherever it stands, values show
// only when the report holds them, and nothing in the page links out.
func TestHTMLEscapesPageTextAndKeepsValuesRedacted(t *testing.T) {
	r := hostileReport()
	r.Targets[0].Cookies[0].Name = `sid"><script>alert(1)</script><img src=x onerror=alert(2)>`
	r.Targets[0].Findings[0].Evidence = `</style><script>alert(3)</script>`
	for _, redact := range []bool{false, true} {
		rep := r
		if redact {
			rep = r.Redact()
		}
		var out bytes.Buffer
		if err := WriteHTML(&out, rep, Options{}); err != nil {
			t.Fatal(err)
		}
		html := out.String()
		if n := strings.Count(html, "<script"); n != 1 {
			t.Errorf("%d script elements, want only the report's own", n)
		}
		for _, bad := range []string{"<img", "</style><script>", "href=\"http", "\x1b", "\u202e", "\r"} {
			if strings.Contains(html, bad) {
				t.Errorf("the page holds %q raw", bad)
			}
		}
		if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;") {
			t.Error("the hostile cookie name is not shown escaped")
		}
		// Control and bidirectional characters are spelled out, as in the
		// terminal: they would reorder what the page shows.
		if shown := strings.Contains(html, `v\u001b[2J\u000d\u202e\u0007\u0000|`); shown == redact {
			t.Errorf("redacted %v: value shown %v", redact, shown)
		}
	}
	var out bytes.Buffer
	if err := WriteHTML(&out, findingsReport().Redact(), Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret") {
		t.Error("the redacted HTML shows a cookie value")
	}
}

// attachAllocator connects chromedp to a browser that runs already (the
// shared test browser), which it never closes.
type attachAllocator struct {
	wsURL   string
	connCtx context.Context
}

func (a attachAllocator) Allocate(ctx context.Context, opts ...chromedp.BrowserOption) (*chromedp.Browser, error) {
	conn, err := remote.DialContext(ctx, a.wsURL)
	if err != nil {
		return nil, err
	}
	return chromedp.NewBrowserTransport(a.connCtx, conn, opts...)
}

func (attachAllocator) Wait()          {}
func (attachAllocator) Attaches() bool { return true }

// reportTab opens a tab of its own in the shared browser, in a browser
// context of its own, for 30 s at most; the test's end closes it. The
// connection outlives the context, whose end closes its tab and disposes
// it (and so would the connection's end).
func reportTab(t *testing.T, devToolsURL string) context.Context {
	t.Helper()
	connCtx, closeConn := context.WithCancel(context.Background())
	allocCtx, cancelAlloc := chromedp.NewAllocatorContext(connCtx, attachAllocator{wsURL: devToolsURL, connCtx: connCtx})
	tab, _ := chromedp.NewContext(allocCtx, chromedp.WithNewBrowserContext(func(p *target.CreateBrowserContextParams) {
		dispose := true
		p.DisposeOnDetach = &dispose
	}))
	ctx, cancelTimeout := context.WithTimeout(tab, 30*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		_ = chromedp.Cancel(tab)
		cancelAlloc()
		closeConn()
	})
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// The HTML report of a real demo run, opened in Chrome from a loopback
// server, requests nothing but itself, logs no error, runs its filter, and
// is photographed for review (testdata/html-report.png, with -update).
func TestHTMLReportInChrome(t *testing.T) {
	b := env.Need(t)
	var doc bytes.Buffer
	if err := WriteHTML(&doc, demoReport(t), Options{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(doc.Bytes())
	}))
	defer srv.Close()
	docURL := srv.URL + "/report.html"

	ctx := reportTab(t, b.DevToolsURL)

	var mu sync.Mutex // guards requests and problems
	var requests, problems []string
	loaded := make(chan struct{}, 1)
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				problems = append(problems, fmt.Sprintf("log %s: %s", e.Entry.Level, e.Entry.Text))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, fmt.Sprintf("console.%s", e.Type))
			}
		case *page.EventLoadEventFired:
			select {
			case loaded <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, enable := range []func() error{
		func() error { _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); return err },
		func() error { _, err := chromedp.Call(ctx, cdplog.Enable, struct{}{}); return err },
		func() error { _, err := chromedp.Call(ctx, runtime.Enable, struct{}{}); return err },
		func() error { _, err := chromedp.Call(ctx, page.Enable, page.EnableParams{}); return err },
		func() error {
			_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1200, Height: 1400, DeviceScaleFactor: 1})
			return err
		},
	} {
		if err := enable(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: docURL}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-loaded:
	case <-ctx.Done():
		t.Fatal("the report did not load")
	}

	// The filter: hiding "high" hides exactly the high findings.
	check, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(() => {
	  const high = () => [...document.querySelectorAll('.finding[data-severity="high"]')];
	  const visible = (els) => els.filter((e) => e.offsetParent !== null).length;
	  const before = visible(high()), others = visible([...document.querySelectorAll('.finding:not([data-severity="high"])')]);
	  document.querySelector('input[data-filter="high"]').click();
	  const after = visible(high()), othersAfter = visible([...document.querySelectorAll('.finding:not([data-severity="high"])')]);
	  document.querySelector('input[data-filter="high"]').click();
	  return [before, after, others, othersAfter, visible(high()), document.getElementById("filter").hidden ? 0 : 1];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(check) != 6 || check[0] == 0 || check[1] != 0 || check[2] == 0 || check[3] != check[2] || check[4] != check[0] || check[5] != 1 {
		t.Errorf("the severity filter: high findings visible %d, after unticking high %d; others %d then %d; high again %d; filter shown %d", check[0], check[1], check[2], check[3], check[4], check[5])
	}

	// The screenshot shows a cookie's story opened.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll("tr.story details")[4].open = true`)); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(shot.Data, []byte("\x89PNG")) {
		t.Fatalf("the screenshot is no PNG (%d bytes)", len(shot.Data))
	}
	path := filepath.Join(t.TempDir(), "html-report.png")
	if *update {
		path = filepath.Join("testdata", "html-report.png")
	}
	if err := os.WriteFile(path, shot.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)

	mu.Lock()
	defer mu.Unlock()
	if len(requests) != 1 || requests[0] != docURL {
		t.Errorf("the report made requests besides its own document: %q", requests)
	}
	if len(problems) > 0 {
		t.Errorf("the report logged problems: %q", problems)
	}
	if raw, _ := json.Marshal(requests); len(raw) == 0 {
		t.Error("no requests recorded")
	}
}

// --format html reaches the HTML renderer.
func TestFormatHTMLIsWritten(t *testing.T) {
	f, err := ParseFormat("HTML")
	if err != nil || f != FormatHTML {
		t.Fatalf("ParseFormat(HTML) = %q, %v", f, err)
	}
	var out bytes.Buffer
	if err := Write(&out, f, demoReport(t), Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "<!DOCTYPE html>") || !strings.Contains(out.String(), `http-equiv="Content-Security-Policy"`) {
		t.Errorf("--format html wrote:\n%.300s", out.String())
	}
}

// flowReport is a single sign-on scenario as real ones are: OAuth URLs of
// hundreds of characters, long cookie names and paths, steps on two hosts.
func flowReport() inspect.Report {
	long := "https://idp.test/authorize?client_id=relying-party&response_type=code&scope=openid%20profile%20email&redirect_uri=" +
		strings.Repeat("https%3A%2F%2Frp.test%2Fauth%2Fcallback%3Fnext%3D%252Faccount", 8)
	long = long[:600]
	ref := func(name, domain, path string) inspect.CookieRef {
		return inspect.CookieRef{Name: name, Domain: domain, Path: path}
	}
	header := inspect.Write{Via: inspect.ViaHeader, URL: long, CookieLine: "x=1", Fate: inspect.FateStored}
	return inspect.Report{Targets: []inspect.Target{{
		URL: "https://rp.test/", FinalURL: "https://rp.test/account", Scenario: "single sign-on", File: "sso.yaml", Line: 1,
		Cookies: []inspect.Cookie{
			{Name: "_interaction_resume_session_state_verification", Domain: "idp.test", Path: "/interaction/0123456789abcdef/login", HostOnly: true, Secure: true, HttpOnly: true, SameSite: "Lax", Session: true, SetBy: []inspect.Write{header}},
			{Name: "rp_session", Domain: "rp.test", Path: "/", HostOnly: true, Secure: true, HttpOnly: true, SameSite: "Lax", Session: true, SetBy: []inspect.Write{header}},
		},
		Writes: []inspect.Write{header},
		Flow: []inspect.FlowStep{
			{Index: 1, Line: 4, Step: "goto /login", URL: long, Host: "idp.test", Set: []inspect.CookieRef{ref("auth_verification", "rp.test", "/")}, Requests: 3, Sent: []string{}, Withheld: []string{}},
			{Index: 2, Line: 5, Step: `fill "input[name=user]"`, URL: long, Host: "idp.test", Requests: 0},
			{Index: 3, Line: 7, Step: `click "button[type=submit]"`, URL: "https://rp.test/account", Host: "rp.test", Set: []inspect.CookieRef{ref("rp_session", "rp.test", "/")},
				Deleted: []inspect.CookieRef{ref("auth_verification", "rp.test", "/")}, Requests: 4, Sent: []string{"auth_verification", "idp_session"}, Withheld: []string{"rp_pref (SchemefulSameSiteLax)"}},
		},
		Expectations: []inspect.ExpectationResult{{Expectation: "rp_session: secure=true", Cookie: "rp_session", File: "sso.yaml", Line: 7, Passed: true, Failures: []string{}}},
	}}}
}

// The flow view of a single sign-on, in Chrome at 1280 and 800 px: no
// horizontal scroll whatever the URLs, no cookie name broken across lines,
// every step in order; photographed at 1280 px for the README
// (testdata/html-flow.png, with -update).
func TestTheFlowViewFitsTheWindow(t *testing.T) {
	b := env.Need(t)
	var doc bytes.Buffer
	if err := WriteHTML(&doc, flowReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(doc.Bytes())
	}))
	defer srv.Close()
	for _, width := range []int64{1280, 800} {
		ctx := reportTab(t, b.DevToolsURL)
		if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: width, Height: 900, DeviceScaleFactor: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: srv.URL + "/report.html"}); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`new Promise((done) => {
		  const measure = () => {
		    const names = [...document.querySelectorAll("code.name")];
		    done([document.documentElement.scrollWidth, innerWidth, document.querySelectorAll(".flowstep").length,
		      names.length, names.filter((n) => n.getClientRects().length !== 1 || n.offsetHeight > 24).length,
		      [...document.querySelectorAll(".flowview .url")].filter((u) => u.getBoundingClientRect().right > innerWidth).length]);
		  };
		  document.readyState === "complete" ? measure() : addEventListener("load", measure);
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 6 || got[0] > got[1] || got[2] != 3 || got[3] != 2 || got[4] != 0 || got[5] != 0 {
			t.Errorf("at %d px: page %d px wide in a window of %d; %d flow steps (want 3); %d cookie names, %d broken over lines; %d URLs past the window's edge", width, got[0], got[1], got[2], got[3], got[4], got[5])
		}
		if width != 1280 {
			continue
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector(".flowview").scrollIntoView(), true)`)); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "html-flow.png")
		if *update {
			path = filepath.Join("testdata", "html-flow.png")
		}
		if err := os.WriteFile(path, shot.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
