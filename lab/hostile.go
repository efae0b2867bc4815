package lab

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HostilePages lists the pages that misbehave as real sites do on a bad day:
// each one is a robustness case the recorder must survive with its own
// cookies captured and nothing of it left for the next target. Every cookie a
// hostile page writes has a name that starts with its case, so a test can
// tell whose cookie leaked where.
var HostilePages = []Page{
	{"/hostile/dialog?kind=alert", "alert()", "writes a cookie, calls alert(), writes another"},
	{"/hostile/dialog?kind=confirm", "confirm()", "the same with confirm()"},
	{"/hostile/dialog?kind=prompt", "prompt()", "the same with prompt()"},
	{"/hostile/beforeunload", "beforeunload", "asks the user to stay when the page is left"},
	{"/hostile/popups?n=20", "20 popups", "opens 20 popups that write cookies and keep writing from timers"},
	{"/hostile/replace?n=30", "location.replace chain", "30 script redirects, each hop sets a cookie"},
	{"/hostile/worker-fetch", "worker fetch", "a dedicated worker whose fetch never answers"},
	{"/hostile/redirect-hang", "redirect to a hang", "a redirect that sets a cookie, to a response that never sends headers"},
	{"/hostile/late", "late writes", "keeps writing cookies from timers after it has loaded"},
	{"/hostile/unload", "unload writes", "writes cookies when it is left, and sends a keepalive request answered late"},
	{"/hostile/reloading-frames", "reloading frames", "cross-site iframes that reload themselves without end"},
	{"/hostile/after-load", "writes right after load", "writes from promise callbacks, a chain of zero-delay timers, a fetch a timer starts, and after a cookieStore write settles"},
	{"/hostile/busy", "busy event loop", "writes a cookie, then keeps its script busy for seconds after load"},
	{"/hostile/popup-tamper", "popup tampers with its opener", "opens a popup that, as it is closed, gives its opener a pagehide handler writing a cookie"},
	{"/hostile/alert-storm", "alert storm", "writes cookies, then calls alert() in an endless loop"},
	{"/hostile/spin", "spinning main thread", "writes cookies, then runs while (true) {} once loaded"},
	{"/hostile/oom", "renderer out of memory", "writes cookies, then allocates memory once loaded until its renderer dies"},
}

// hostileRoutes adds the hostile pages to the app's and the widget's muxes.
func (l *Lab) hostileRoutes(app, widget *http.ServeMux) {
	app.HandleFunc("/hostile/", l.hostileIndex)
	app.HandleFunc("/hostile/dialog", dialogPage)
	app.HandleFunc("/hostile/beforeunload", beforeUnloadPage)
	app.HandleFunc("/hostile/popups", popupsPage)
	app.HandleFunc("/hostile/popup", popupChild)
	app.HandleFunc("/hostile/replace", replacePage)
	app.HandleFunc("/hostile/worker-fetch", workerFetchPage)
	app.HandleFunc("/hostile/worker.js", l.workerScript)
	app.HandleFunc("/hostile/never", l.neverAnswer)
	app.HandleFunc("/hostile/redirect-hang", redirectHang)
	app.HandleFunc("/hostile/late", latePage)
	app.HandleFunc("/hostile/unload", unloadPage)
	app.HandleFunc("/hostile/slow-cookie", l.slowCookie)
	app.HandleFunc("/hostile/reloading-frames", l.reloadingFrames)
	app.HandleFunc("/hostile/after-load", afterLoadPage)
	app.HandleFunc("/hostile/after-load/cookie", afterLoadCookie)
	app.HandleFunc("/hostile/busy", busyPage)
	app.HandleFunc("/hostile/popup-tamper", popupTamperPage)
	app.HandleFunc("/hostile/popup-tamper/child", popupTamperChild)
	app.HandleFunc("/hostile/alert-storm", alertStormPage)
	app.HandleFunc("/hostile/spin", spinPage)
	app.HandleFunc("/hostile/oom", oomPage)
	app.HandleFunc("/plain", plainPage)
	widget.HandleFunc("/hostile/reloader", reloaderFrame)
}

func (l *Lab) hostileIndex(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/hostile/" {
		http.NotFound(w, r)
		return
	}
	writePage(w, "Hostile pages", "<p>Pages that misbehave. Each cookie they write starts with the case's name.</p>\n"+pageList(HostilePages))
}

// plainPage is a well-behaved page for isolation tests: it sets plain_ID by
// header and plain_js_ID by script, and nothing else.
func plainPage(w http.ResponseWriter, r *http.Request) {
	id := safeID(r.URL.Query().Get("id"))
	w.Header().Add("Set-Cookie", "plain_"+id+"="+token()+"; Path=/")
	writePage(w, "Plain "+id, fmt.Sprintf(`<script>document.cookie = "plain_js_%s=%s; Path=/";</script>`, id, token()))
}

// safeID keeps the letters and digits of an id from a query string, so that
// it can name a cookie.
func safeID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// dialogPage writes dialog_KIND_before, opens the dialog, and writes
// dialog_KIND_after (with the answer) once the dialog returns.
func dialogPage(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	switch kind {
	case "alert", "confirm", "prompt":
	default:
		http.Error(w, "kind: alert, confirm or prompt", http.StatusBadRequest)
		return
	}
	w.Header().Add("Set-Cookie", "dialog_"+kind+"_hdr="+token()+"; Path=/")
	writePage(w, "Dialog "+kind, fmt.Sprintf(`<script>
document.cookie = "dialog_%[1]s_before=%[2]s; Path=/";
const answer = %[1]s("cookiescope lab: a %[1]s dialog");
document.cookie = "dialog_%[1]s_after=" + encodeURIComponent(String(answer)) + "; Path=/";
</script>`, kind, token()))
}

// beforeUnloadPage asks to stay when it is left.
func beforeUnloadPage(w http.ResponseWriter, r *http.Request) {
	writePage(w, "beforeunload", fmt.Sprintf(`<script>
document.cookie = "beforeunload_page=%s; Path=/";
window.addEventListener("beforeunload", (e) => { e.preventDefault(); e.returnValue = "stay?"; document.cookie = "beforeunload_fired=1; Path=/"; return "stay?"; });
</script>`, token()))
}

// popupsPage opens n popups; each writes popup_hdr_I, popup_js_I and keeps
// writing popup_late_I from a timer.
func popupsPage(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 1 || n > 50 {
		n = 3
	}
	writePage(w, "Popups", fmt.Sprintf(`<script>
document.cookie = "popups_opener=%s; Path=/";
for (let i = 0; i < %d; i++) { window.open("/hostile/popup?i=" + i, "cs_popup_" + i); }
</script>`, token(), n))
}

func popupChild(w http.ResponseWriter, r *http.Request) {
	i := safeID(r.URL.Query().Get("i"))
	w.Header().Add("Set-Cookie", "popup_hdr_"+i+"="+token()+"; Path=/")
	writePage(w, "Popup "+i, fmt.Sprintf(`<script>
document.cookie = "popup_js_%[1]s=%[2]s; Path=/";
let n = 0;
setInterval(() => { document.cookie = "popup_late_%[1]s=" + (++n) + "; Path=/"; }, 200);
</script>`, i, token()))
}

// replacePage is a chain of n script redirects: each hop sets
// replace_hop_N by header and moves on with location.replace.
func replacePage(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 0 || n > 100 {
		n = 0
	}
	w.Header().Add("Set-Cookie", "replace_hop_"+strconv.Itoa(n)+"="+token()+"; Path=/")
	if n == 0 {
		writePage(w, "Replace chain: done", `<script>document.cookie = "replace_done=1; Path=/";</script>`)
		return
	}
	writePage(w, "Replace chain "+strconv.Itoa(n), fmt.Sprintf(`<script>location.replace("/hostile/replace?n=%d");</script>`, n-1))
}

// workerFetchPage starts a dedicated worker whose fetch is never answered.
func workerFetchPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "worker_page="+token()+"; Path=/")
	writePage(w, "Worker fetch", `<script>new Worker("/hostile/worker.js");</script>`)
}

func (l *Lab) workerScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript")
	fmt.Fprint(w, `fetch("/hostile/never").catch(() => {});`)
}

// neverAnswer holds a request open without a byte until the client gives up
// or the lab closes.
func (l *Lab) neverAnswer(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-l.hang:
	}
}

// redirectHang sets redirect_hang_hop and redirects to a response that never
// sends its headers.
func redirectHang(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "redirect_hang_hop="+token()+"; Path=/")
	http.Redirect(w, r, "/hostile/never", http.StatusFound)
}

// latePage writes late_page at once and late_tick from a timer, without end.
func latePage(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Late writes", fmt.Sprintf(`<script>
document.cookie = "late_page=%s; Path=/";
let n = 0;
setTimeout(() => setInterval(() => { document.cookie = "late_tick_" + (n++ %% 5) + "=1; Path=/"; }, 50), 300);
</script>`, token()))
}

// unloadPage writes unload_* cookies when it is left, and starts a keepalive
// request whose response (with unload_keepalive) comes late.
func unloadPage(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Unload writes", fmt.Sprintf(`<script>
document.cookie = "unload_page=%s; Path=/";
const leave = (what) => () => { document.cookie = "unload_" + what + "=1; Path=/"; };
addEventListener("pagehide", leave("pagehide"));
addEventListener("unload", leave("unload"));
addEventListener("freeze", leave("freeze"));
document.addEventListener("visibilitychange", leave("visibility"));
fetch("/hostile/slow-cookie?ms=1500", {keepalive: true}).catch(() => {});
</script>`, token()))
}

// slowCookie answers after ms milliseconds (at most 10 s) with the cookie
// unload_keepalive.
func (l *Lab) slowCookie(w http.ResponseWriter, r *http.Request) {
	ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
	timer := time.NewTimer(time.Duration(min(max(ms, 0), 10000)) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-r.Context().Done():
		return
	case <-l.hang:
		return
	}
	w.Header().Add("Set-Cookie", "unload_keepalive="+token()+"; Path=/")
	fmt.Fprint(w, "late")
}

// reloadingFrames embeds cross-site iframes that reload themselves without
// end, each load writing a partitioned cookie.
func (l *Lab) reloadingFrames(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString(`<script>document.cookie = "reloading_page=1; Path=/";</script>`)
	for i := range 3 {
		fmt.Fprintf(&b, "<iframe src=\"https://%s:%d/hostile/reloader?i=%d\"></iframe>\n", WidgetHost, l.HTTPSPort, i)
	}
	writePage(w, "Reloading frames", b.String())
}

func reloaderFrame(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "reloading_frame="+token()+"; Path=/; Secure; SameSite=None; Partitioned")
	writePage(w, "Reloader", `<script>setTimeout(() => location.reload(), 20);</script>`)
}

// afterLoadPage writes after_load_* cookies once it has loaded, none of them
// from a timer with a delay: from a promise callback, at the end of a chain
// of three zero-delay timers, by a response to a fetch a zero-delay timer
// starts, and (where cookieStore exists) from a zero-delay timer set when a
// cookieStore write has settled. A reader that waits for what the page
// still has queued sees them all.
func afterLoadPage(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Writes right after load", `<script>
addEventListener("load", () => {
  Promise.resolve().then(() => { document.cookie = "after_load_microtask=1; Path=/"; });
  setTimeout(() => setTimeout(() => setTimeout(() => { document.cookie = "after_load_timers=1; Path=/"; }, 0), 0), 0);
  setTimeout(() => { fetch("/hostile/after-load/cookie"); }, 0);
  if (window.cookieStore) {
    cookieStore.set("after_load_store", "1").then(() => setTimeout(() => { document.cookie = "after_load_after_store=1; Path=/"; }, 0));
  }
});
</script>`)
}

// afterLoadCookie sets after_load_fetch.
func afterLoadCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "after_load_fetch", Value: "1", Path: "/"})
	w.WriteHeader(http.StatusNoContent)
}

// popupTamperPage writes popup_tamper_opener and opens a same-origin popup
// (popupTamperChild) that can reach into it.
func popupTamperPage(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Popup tampers with its opener", fmt.Sprintf(`<script>
document.cookie = "popup_tamper_opener=%s; Path=/";
window.open("/hostile/popup-tamper/child", "cs_popup_tamper");
</script>`, token()))
}

// popupTamperChild, when it is closed or left, gives its opener a pagehide
// handler (a function of the opener's own realm) that writes
// popup_tamper_late: a listener the opener did not have when it loaded,
// added by another page while the opener is being cleaned up.
func popupTamperChild(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Popup that tampers", `<script>
const tamper = () => {
  try {
    opener.addEventListener("pagehide", new opener.Function("document.cookie = 'popup_tamper_late=1; Path=/'"));
  } catch (e) {}
};
addEventListener("pagehide", tamper);
addEventListener("unload", tamper);
</script>`)
}

// busyPage writes busy_page, then, once loaded, runs script without a break
// for ms milliseconds (default 4000, at most 20000), then writes busy_late.
func busyPage(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
	if err != nil || ms <= 0 {
		ms = 4000
	}
	writePage(w, "Busy event loop", fmt.Sprintf(`<script>
document.cookie = "busy_page=%s; Path=/";
addEventListener("load", () => setTimeout(() => {
  const end = Date.now() + %d;
  while (Date.now() < end) {}
  document.cookie = "busy_late=1; Path=/";
}, 0));
</script>`, token(), min(ms, 20000)))
}

// alertStormPage writes alert_storm_hdr by header and alert_storm_page by
// script, then opens alerts without end: each one answered opens the next,
// so the page never finishes loading.
func alertStormPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "alert_storm_hdr="+token()+"; Path=/")
	writePage(w, "Alert storm", fmt.Sprintf(`<script>
document.cookie = "alert_storm_page=%s; Path=/";
let i = 0;
for (;;) alert(i++);
</script>`, token()))
}

// spinPage writes spin_hdr by header and spin_page by script, then, once
// loaded, keeps its main thread busy for ever: its documents never answer
// again.
func spinPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "spin_hdr="+token()+"; Path=/")
	writePage(w, "Spinning main thread", fmt.Sprintf(`<script>
document.cookie = "spin_page=%s; Path=/";
addEventListener("load", () => setTimeout(() => { while (true) {} }, 0));
</script>`, token()))
}

// oomPage writes oom_hdr by header and oom_page by script, then, once
// loaded, keeps every array it allocates until V8 runs out of memory and
// Chrome kills the renderer (in about 2 s and 4 GB on a desktop machine).
func oomPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "oom_hdr="+token()+"; Path=/")
	writePage(w, "Renderer out of memory", fmt.Sprintf(`<script>
document.cookie = "oom_page=%s; Path=/";
addEventListener("load", () => setTimeout(() => {
  const kept = [];
  for (;;) kept.push(new Array(1 << 20).fill(kept.length + 0.5));
}, 0));
</script>`, token()))
}
