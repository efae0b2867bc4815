package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
	"github.com/cookiescope/cookiescope/report"
)

// markedLine returns the 1-based line of rawURL's source that holds the
// marker comment: where the tamper pages say a write truly happens. The
// source is fetched over the lab's plain HTTP port (same text).
func markedLine(t *testing.T, rawURL, marker string) int {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	// *.test resolves only in the browser: ask the lab's loopback address
	// with the host named.
	port := strings.TrimPrefix(testLab.URL(false, "", ""), "http://:")
	req, err := http.NewRequest("GET", "http://127.0.0.1:"+port+u.RequestURI(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = u.Hostname()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("fetch %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for i, line := range strings.Split(string(body), "\n") {
		if strings.Contains(line, marker) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %s", rawURL, marker)
	return 0
}

// checkWriter fails unless cookie name's last write was made by script at
// the line marked /*W:name*/ in it.
func checkWriter(t *testing.T, target inspect.Target, name, script string) inspect.Write {
	t.Helper()
	w := lastWrite(t, findCookie(t, target, name))
	want := markedLine(t, script, "/*W:"+name+"*/")
	if w.Script != script || w.Line != want {
		t.Errorf("%s attributed to %s:%d, want %s:%d (stack %+v)", name, w.Script, w.Line, script, want, w.Stack)
	}
	return w
}

func TestForgedStacksDoNotChangeAttribution(t *testing.T) {
	page := testLab.URL(true, lab.AppHost, "/tamper/forge-stack")
	target := inspectLab(t, "/tamper/forge-stack", LoadOptions{})
	checkWriter(t, target, "tamper_sid", testLab.URL(true, lab.AppHost, "/tamper/first.js"))
	checkWriter(t, target, "tamper_3p", testLab.URL(true, lab.CDNHost, "/tamper/hide.js"))
	noLimit := inspectLab(t, "/tamper/stack-limit", LoadOptions{})
	if w := checkWriter(t, noLimit, "tamper_limit", testLab.URL(true, lab.AppHost, "/tamper/stack-limit")); !w.Inline {
		t.Errorf("tamper_limit: the inline write is not called inline")
	}
	evidence, _ := json.Marshal(target)
	if bytes.Contains(evidence, []byte("evil-analytics")) || bytes.Contains(evidence, []byte("/app.js")) {
		t.Errorf("the page's forged stack reached the report of %s", page)
	}
}

func TestWritesAroundTheHookAreRecorded(t *testing.T) {
	page := testLab.URL(true, lab.AppHost, "/tamper/call-hijack")
	target := inspectLab(t, "/tamper/call-hijack", LoadOptions{})
	if c := findCookie(t, target, "tamper_call"); c.Value != "real" {
		t.Errorf("tamper_call = %q in the jar, want real", c.Value)
	}
	if w := checkWriter(t, target, "tamper_call", page); w.CookieLine != "tamper_call=real; Path=/" {
		t.Errorf("tamper_call recorded as %q", w.CookieLine)
	}

	page = testLab.URL(true, lab.AppHost, "/tamper/foreign-setter")
	target = inspectLab(t, "/tamper/foreign-setter", LoadOptions{})
	checkWriter(t, target, "tamper_iframe", page)
	checkWriter(t, target, "tamper_popup", page)
	if w := lastWrite(t, findCookie(t, target, "tamper_srcdoc")); w.Script != "about:srcdoc" || !w.Inline {
		t.Errorf("tamper_srcdoc attributed to %s (inline %v), want the srcdoc document's inline script", w.Script, w.Inline)
	}

	// Arguments that answer differently each time they are read: what the
	// report says was written is what Chrome wrote.
	target = inspectLab(t, "/tamper/shifty-arguments", LoadOptions{})
	for _, c := range target.Cookies {
		if w := lastWrite(t, c); w.Parsed.Name != c.Name {
			t.Errorf("jar cookie %s explained by a write of %q", c.Name, w.Parsed.Name)
		}
	}
	if len(target.Cookies) != 2 {
		t.Errorf("jar holds %v, want one cookieStore and one document.cookie cookie", cookieNames(target))
	}
	if len(target.Blocked) != 0 {
		t.Errorf("writes reported blocked though the jar holds them: %+v", target.Blocked)
	}
}

func TestTheHookLooksNative(t *testing.T) {
	target := inspectLab(t, "/tamper/detect", LoadOptions{})
	raw, err := url.QueryUnescape(findCookie(t, target, "tamper_detect").Value)
	if err != nil {
		t.Fatal(err)
	}
	var seen []any
	if err := json.Unmarshal([]byte(raw), &seen); err != nil {
		t.Fatalf("the page's findings %q: %v", raw, err)
	}
	// What the page reads from the unhooked natives of Chromium.
	want := []any{
		"set cookie", 1.0, "function set cookie() { [native code] }", false,
		"function toString() { [native code] }", "toString",
		"set", 1.0, "function set() { [native code] }", 1.0, "undefined",
		"register", 1.0, "function register() { [native code] }", false,
	}
	if len(seen) != len(want) {
		t.Fatalf("the page saw %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("check %d: the page saw %v, a browser without the hook shows %v", i, seen[i], want[i])
		}
	}
}

func TestALibraryWriteNamesItsCaller(t *testing.T) {
	page := testLab.URL(true, lab.AppHost, "/tamper/library")
	target := inspectLab(t, "/tamper/library", LoadOptions{})
	w := checkWriter(t, target, "tamper_lib", testLab.URL(true, lab.AppHost, "/tamper/lib.js"))
	caller, ok := w.Caller()
	if wantLine := markedLine(t, page, "/*C:tamper_lib*/"); !ok || caller.URL != page || caller.Line != wantLine || caller.Function != "login" {
		t.Errorf("tamper_lib called from %+v (found %v), want login in %s:%d", caller, ok, page, wantLine)
	}
	async := false
	for _, f := range w.Stack {
		async = async || f.Async == "setTimeout"
	}
	if !async {
		t.Errorf("the stack does not go on past setTimeout: %+v", w.Stack)
	}
	var table bytes.Buffer
	if err := report.WriteTable(&table, inspect.Report{Targets: []inspect.Target{target}}); err != nil {
		t.Fatal(err)
	}
	if want := "by /tamper/lib.js:2, called from /tamper/library:"; !strings.Contains(table.String(), want) {
		t.Errorf("the table does not say %q:\n%s", want, table.String())
	}
}

func TestServiceWorkerWritesAreRecorded(t *testing.T) {
	// The hook is in the service worker before its script runs: the write
	// in its install event is recorded with its script and line, as the
	// later one is, and no cookie is unrecorded.
	target := inspectLab(t, "/tamper/service-worker", LoadOptions{Quiet: 2 * time.Second})
	script := testLab.URL(true, lab.AppHost, "/tamper/sw.js")
	for _, name := range []string{"tamper_sw", "tamper_sw_late"} {
		if w := checkWriter(t, target, name, script); w.Inline {
			t.Errorf("%s: a service worker's write is called inline", name)
		}
		if c := findCookie(t, target, name); c.Unrecorded {
			t.Errorf("%s is unrecorded", name)
		}
	}
	for _, f := range inspect.Judge(target, inspect.Config{}, time.Now()) {
		if f.RuleID == "CS019" {
			t.Errorf("CS019 for %s: %s", f.Cookie, f.Title)
		}
	}
}

func TestPageTextIsInertInTheTableAndMarkdown(t *testing.T) {
	target := inspectLab(t, "/tamper/escapes", LoadOptions{})
	if len(target.Dialogs) == 0 || !strings.Contains(target.Dialogs[0].Message, "\x1b[2J") {
		t.Fatalf("the page's alert was not recorded faithfully: %+v", target.Dialogs)
	}
	rep := inspect.Report{Targets: []inspect.Target{target}}
	for _, f := range []report.Format{report.FormatTable, report.FormatMarkdown} {
		for _, r := range []inspect.Report{rep, rep.Redact()} {
			var out bytes.Buffer
			if err := report.Write(&out, f, r, report.Options{}); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"\x1b", "\u202e", "\r"} {
				if strings.Contains(out.String(), bad) {
					t.Errorf("%s output holds a raw %q", f, bad)
				}
			}
			// The table lists the dialog and the refused write; the
			// Markdown summary carries no page text of this page.
			if f == report.FormatTable && !strings.Contains(out.String(), `\u001b`) {
				t.Errorf("the table does not show the escape spelled out:\n%s", out.String())
			}
		}
	}
}

func TestTheHookRecordsOnlyWhatReachedChromeAndKeepsNativeSemantics(t *testing.T) {
	// Found by a red-team pass: a function as cookieStore's options, writes
	// to documents without a window, calls on a foreign receiver, and
	// cookieStore.delete(undefined), which natively deletes nothing.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<script>
document.cookie = "undefined=keep; Path=/";
const set = Object.getOwnPropertyDescriptor(Document.prototype, "cookie").set;
try { set.call({}, "ghost_this=1"); } catch (e) {}
new DOMParser().parseFromString("<p>", "text/html").cookie = "ghost_parser=1";
document.implementation.createHTMLDocument().cookie = "ghost_html=1";
cookieStore.set.call({}, "ghost_store", "1").catch(() => {});
const f = function fn_cookie() {}; f.value = "fv";
cookieStore.set(f).then(() => cookieStore.delete(undefined).catch(() => {})).then(() => { document.title = "done"; });
</script>`)
	}))
	defer srv.Close()
	w := newTestWorker(t)
	target := w.Inspect(context.Background(), strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), LoadOptions{Quiet: 300 * time.Millisecond})
	if target.Error != "" {
		t.Fatal(target.Error)
	}
	for _, wr := range target.Writes {
		if strings.HasPrefix(wr.CookieLine, "ghost_") {
			t.Errorf("a write Chrome never received was recorded: %s", wr.CookieLine)
		}
	}
	if c := findCookie(t, target, "fn_cookie"); c.Unrecorded || lastWrite(t, c).Via != inspect.ViaCookieStore {
		t.Errorf("cookieStore.set(function) not recorded: %+v", c.SetBy)
	}
	if c := findCookie(t, target, "undefined"); c.Value != "keep" {
		t.Errorf("cookieStore.delete(undefined) changed the cookie named undefined: %q", c.Value)
	}
}
