package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// inspectLab loads a lab page on app.test over https in a fresh worker.
func inspectLab(t *testing.T, path string, opts LoadOptions) inspect.Target {
	t.Helper()
	w := newTestWorker(t)
	target := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, path), opts)
	if target.Error != "" {
		t.Fatalf("inspect %s: %s", path, target.Error)
	}
	return target
}

func findCookie(t *testing.T, target inspect.Target, name string) inspect.Cookie {
	t.Helper()
	for _, c := range target.Cookies {
		if c.Name == name {
			return c
		}
	}
	var names []string
	for _, c := range target.Cookies {
		names = append(names, c.Name)
	}
	t.Fatalf("cookie %s not in the jar of %s; jar holds %v", name, target.URL, names)
	return inspect.Cookie{}
}

func lastWrite(t *testing.T, c inspect.Cookie) inspect.Write {
	t.Helper()
	if len(c.SetBy) == 0 {
		t.Fatalf("cookie %s has no write attributed", c.Name)
	}
	return c.SetBy[len(c.SetBy)-1]
}

func findBlocked(target inspect.Target, name string) (inspect.BlockedWrite, bool) {
	for _, b := range target.Blocked {
		if b.Name == name {
			return b, true
		}
	}
	return inspect.BlockedWrite{}, false
}

func TestHeaderCookiesAreCapturedWithTheirResponse(t *testing.T) {
	target := inspectLab(t, "/headers", LoadOptions{})
	pageURL := testLab.URL(true, lab.AppHost, "/headers")
	for _, want := range lab.HeaderCookies {
		c := findCookie(t, target, want.Name)
		w := lastWrite(t, c)
		if w.Via != inspect.ViaHeader || w.URL != pageURL || w.Status != 200 {
			t.Errorf("%s set by %s %s (status %d), want header of %s", c.Name, w.Via, w.URL, w.Status, pageURL)
		}
	}
	attrs := []struct {
		name                       string
		secure, httpOnly, hostOnly bool
		sameSite                   string
		session                    bool
	}{
		{"h_plain", false, false, true, "", true},
		{"h_secure", true, false, true, "", true},
		{"h_httponly", false, true, true, "", true},
		{"h_strict", true, true, true, "Strict", true},
		{"h_none", true, false, true, "None", true},
		{"h_persistent", false, false, true, "", false},
		{"h_domain", false, false, false, "", true},
	}
	for _, a := range attrs {
		c := findCookie(t, target, a.name)
		if c.Secure != a.secure || c.HttpOnly != a.httpOnly || c.HostOnly != a.hostOnly || c.SameSite != a.sameSite || c.Session != a.session {
			t.Errorf("%s: secure=%v httpOnly=%v hostOnly=%v sameSite=%q session=%v, want %+v", a.name, c.Secure, c.HttpOnly, c.HostOnly, c.SameSite, c.Session, a)
		}
	}
	if c := findCookie(t, target, "h_persistent"); c.Expires == nil || c.Expires.Before(time.Now().Add(23*time.Hour)) {
		t.Errorf("h_persistent expires %v, want about a day from now", c.Expires)
	}
}

func TestReadabilityIsMeasuredNotGuessed(t *testing.T) {
	target := inspectLab(t, "/headers", LoadOptions{})
	pageURL := testLab.URL(true, lab.AppHost, "/headers")
	for _, name := range []string{"h_httponly", "h_strict", "__Host-h_session"} {
		if c := findCookie(t, target, name); c.ScriptReadable || len(c.ReadableOn) > 0 {
			t.Errorf("HttpOnly cookie %s measured readable on %v", name, c.ReadableOn)
		}
	}
	// Path=/headers/private does not cover /headers: not HttpOnly, yet no
	// script on this page can read it.
	if c := findCookie(t, target, "h_private"); c.HttpOnly || c.ScriptReadable {
		t.Errorf("path-restricted h_private: httpOnly=%v scriptReadable=%v, want false, false", c.HttpOnly, c.ScriptReadable)
	}
	for _, name := range []string{"h_plain", "h_secure", "h_domain"} {
		if c := findCookie(t, target, name); !slices.Equal(c.ReadableOn, []string{pageURL}) {
			t.Errorf("%s readable on %v, want [%s]", name, c.ReadableOn, pageURL)
		}
	}
}

func TestBlockedHeaderCookiesCarryChromesReason(t *testing.T) {
	target := inspectLab(t, "/headers", LoadOptions{})
	for _, want := range lab.RejectedHeaderCookies {
		b, ok := findBlocked(target, want.Name)
		if !ok {
			t.Errorf("%s: not reported as blocked", want.Name)
			continue
		}
		if b.Via != inspect.ViaHeader || !slices.Contains(b.Reasons, want.Reason) {
			t.Errorf("%s blocked via %s for %v, want header for %s", want.Name, b.Via, b.Reasons, want.Reason)
		}
		for _, c := range target.Cookies {
			if c.Name == want.Name {
				t.Errorf("blocked %s is in the jar", want.Name)
			}
		}
	}
}

func TestScriptCookiesNameTheWritingScript(t *testing.T) {
	target := inspectLab(t, "/scripts", LoadOptions{})
	pageURL := testLab.URL(true, lab.AppHost, "/scripts")
	tests := []struct {
		name   string
		via    inspect.Via
		script string
		inline bool
	}{
		{"js_inline", inspect.ViaDocumentCookie, pageURL, true},
		{"js_file", inspect.ViaDocumentCookie, testLab.URL(true, lab.AppHost, "/app.js"), false},
		{"s_cc", inspect.ViaDocumentCookie, testLab.URL(true, lab.CDNHost, "/analytics.js"), false},
		{"mbox", inspect.ViaDocumentCookie, testLab.URL(true, lab.CDNHost, "/analytics.js"), false},
		{"cs_store", inspect.ViaCookieStore, pageURL, true},
	}
	for _, tt := range tests {
		c := findCookie(t, target, tt.name)
		w := lastWrite(t, c)
		if w.Via != tt.via || w.Script != tt.script || w.Inline != tt.inline || w.Line < 1 || w.URL != pageURL {
			t.Errorf("%s set by %s script=%s:%d inline=%v in %s; want %s by %s inline=%v in %s", tt.name, w.Via, w.Script, w.Line, w.Inline, w.URL, tt.via, tt.script, tt.inline, pageURL)
		}
		if !c.ScriptReadable {
			t.Errorf("%s is not measured readable", tt.name)
		}
	}
	if c := findCookie(t, target, "cs_store"); !c.Secure || c.SameSite != "Strict" {
		t.Errorf("cookieStore cookie: secure=%v sameSite=%q, want Secure and Strict", c.Secure, c.SameSite)
	}
	if len(target.Blocked) != 0 {
		t.Errorf("unexpected blocked writes: %+v", target.Blocked)
	}
}

func TestFrameCookiesAreCapturedInSameSiteAndCrossSiteFrames(t *testing.T) {
	target := inspectLab(t, "/frames", LoadOptions{})
	subFrame := testLab.URL(true, lab.SubHost, "/frame")
	widgetFrame := testLab.URL(true, lab.WidgetHost, "/frame")

	same := findCookie(t, target, "frame_same")
	if w := lastWrite(t, same); w.Via != inspect.ViaDocumentCookie || w.URL != subFrame || !w.Inline {
		t.Errorf("frame_same set by %s in %s, want an inline document.cookie write in %s", w.Via, w.URL, subFrame)
	}
	if !slices.Equal(same.ReadableOn, []string{subFrame}) {
		t.Errorf("frame_same readable on %v, want [%s]", same.ReadableOn, subFrame)
	}

	// The cross-site frame runs in its own process: only the adopted
	// iframe session sees its script writes.
	for _, name := range []string{"widget_js_part", "widget_hdr_part"} {
		c := findCookie(t, target, name)
		if !c.Partitioned || !strings.HasPrefix(c.PartitionKey, "https://app.test") {
			t.Errorf("%s: partitioned=%v key=%q, want partitioned under https://app.test", name, c.Partitioned, c.PartitionKey)
		}
		if !slices.Equal(c.ReadableOn, []string{widgetFrame}) {
			t.Errorf("%s readable on %v, want [%s]", name, c.ReadableOn, widgetFrame)
		}
	}
	if w := lastWrite(t, findCookie(t, target, "widget_js_part")); w.Via != inspect.ViaDocumentCookie || w.URL != widgetFrame {
		t.Errorf("widget_js_part set by %s in %s, want document.cookie in %s", w.Via, w.URL, widgetFrame)
	}
	if b, ok := findBlocked(target, "widget_js"); !ok || b.Via != inspect.ViaDocumentCookie || b.URL != widgetFrame {
		t.Errorf("unpartitioned third-party script cookie widget_js: blocked=%v %+v", ok, b)
	}
	if b, ok := findBlocked(target, "widget_hdr"); !ok || b.Via != inspect.ViaHeader || len(b.Reasons) == 0 || b.Reasons[0] == inspect.ReasonNotStored {
		t.Errorf("unpartitioned third-party header cookie widget_hdr: blocked=%v %+v, want Chrome's own reason", ok, b)
	}
	var frames []string
	for _, f := range target.Frames {
		frames = append(frames, f.URL)
	}
	for _, want := range []string{subFrame, widgetFrame} {
		if !slices.Contains(frames, want) {
			t.Errorf("frames measured %v, missing %s", frames, want)
		}
	}
}

func TestNothingLeaksFromOneTargetToTheNext(t *testing.T) {
	w := newTestWorker(t)
	ctx := context.Background()
	// Give the async writes (IndexedDB, Cache API, service worker) time to
	// report back before the jar is read.
	slow := LoadOptions{Quiet: 500 * time.Millisecond}
	// Over http on the loopback address: a secure context where a service
	// worker can register without a trusted certificate.
	origin := fmt.Sprintf("http://127.0.0.1:%d", testLab.HTTPPort)
	write := w.Inspect(ctx, origin+"/storage/write", slow)
	for _, name := range []string{"mark", "written_idb", "written_cache", "written_sw"} {
		findCookie(t, write, name)
	}
	check := w.Inspect(ctx, origin+"/storage/check", slow)
	if check.Error != "" {
		t.Fatalf("check: %s", check.Error)
	}
	if c := findCookie(t, check, "found"); c.Value != "none" {
		t.Errorf("the next target found storage left by the previous one: %s", c.Value)
	}
	for _, c := range check.Cookies {
		if c.Name != "found" {
			t.Errorf("cookie %s carried over to the next target", c.Name)
		}
	}
}

func TestHookIsInvisibleToThePage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<script>
const d = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
const r = (document.cookie = "x=1");
document.cookie = "probe=" + [typeof window.__cookiescope_report, typeof d.set, d.set.name, d.configurable, r].join("_");
</script>`)
	}))
	defer srv.Close()
	w := newTestWorker(t)
	target := w.Inspect(context.Background(), srv.URL, LoadOptions{})
	if c := findCookie(t, target, "probe"); c.Value != "undefined_function_set cookie_true_x=1" {
		t.Errorf("the page saw %q; want no binding, a setter named as the native one, and the assignment's own value", c.Value)
	}
}

func TestBadTargetsFailAloneAndKeepWhatWasCaptured(t *testing.T) {
	b := needBrowser(t)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL + "/"
	refused.Close()
	good := testLab.URL(true, lab.AppHost, "/bench?n=1")
	urls := []string{refusedURL, tlsSrv.URL + "/", "ht!tp://bad url", testLab.URL(true, lab.AppHost, "/hang"), good}
	targets, complete, err := b.InspectURLs(context.Background(), urls, 1, LoadOptions{Timeout: 3 * time.Second}, nil)
	if err != nil || !complete || len(targets) != len(urls) {
		t.Fatalf("InspectURLs: %d targets, complete=%v, err=%v", len(targets), complete, err)
	}
	wantErr := []string{"ERR_CONNECTION_REFUSED", "--insecure", "malformed URL", "did not finish loading", ""}
	for i, want := range wantErr {
		got := targets[i].Error
		if (want == "" && got != "") || !strings.Contains(got, want) {
			t.Errorf("%s: error %q, want it to mention %q", urls[i], got, want)
		}
	}
	// The page that never loads still set a cookie before it hung.
	findCookie(t, targets[3], "before_hang")
	if len(targets[4].Cookies) != 7 {
		t.Errorf("the good target after the bad ones has %d cookies, want 7", len(targets[4].Cookies))
	}
}

func TestMoreWorkersLoseNoResults(t *testing.T) {
	b := needBrowser(t)
	var urls []string
	for i := range 8 {
		urls = append(urls, testLab.URL(true, lab.AppHost, fmt.Sprintf("/bench?n=%d", i)))
	}
	for _, workers := range []int{2, 4} {
		targets, complete, err := b.InspectURLs(context.Background(), urls, workers, LoadOptions{}, nil)
		if err != nil || !complete || len(targets) != len(urls) {
			t.Fatalf("%d workers: %d targets, complete=%v, err=%v", workers, len(targets), complete, err)
		}
		for i, target := range targets {
			if target.URL != urls[i] || target.Error != "" || len(target.Cookies) != 7 {
				t.Errorf("%d workers, target %d: url=%s error=%q cookies=%d, want %s with 7 cookies", workers, i, target.URL, target.Error, len(target.Cookies), urls[i])
			}
		}
	}
}
