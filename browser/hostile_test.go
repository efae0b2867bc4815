package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// hostileOpts bounds hostile targets tightly, so that a case that hangs
// shows as an error quickly rather than stalling the suite.
var hostileOpts = LoadOptions{Timeout: 10 * time.Second}

func cookieNames(t inspect.Target) []string {
	var names []string
	for _, c := range t.Cookies {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return names
}

// plainURL is the lab's well-behaved page with the given id.
func plainURL(id string) string {
	return testLab.URL(true, lab.AppHost, "/plain?id="+id)
}

// checkPlain fails unless target is plain page id with exactly its own two
// cookies, each attributed to its own write.
func checkPlain(t *testing.T, target inspect.Target, id, after string) {
	t.Helper()
	if target.Error != "" {
		t.Errorf("plain target %s after %s failed: %s", id, after, target.Error)
	}
	want := []string{"plain_" + id, "plain_js_" + id}
	sort.Strings(want)
	if got := cookieNames(target); !slices.Equal(got, want) {
		t.Errorf("plain target %s after %s holds %v, want exactly %v", id, after, got, want)
	}
	for _, c := range target.Cookies {
		if len(c.SetBy) == 0 {
			t.Errorf("plain target %s after %s: %s has no write", id, after, c.Name)
		}
	}
	for _, w := range target.Writes {
		if !strings.Contains(w.URL, "/plain?id="+id) {
			t.Errorf("plain target %s after %s recorded a foreign write %s from %s", id, after, w.CookieLine, w.URL)
		}
	}
}

// hostileThenPlain inspects a hostile page and then a plain page in one
// worker, checks the plain one is exactly clean, and returns the hostile one.
func hostileThenPlain(t *testing.T, path string) inspect.Target {
	t.Helper()
	w := newTestWorker(t)
	hostile := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, path), hostileOpts)
	plain := w.Inspect(context.Background(), plainURL("after"), hostileOpts)
	checkPlain(t, plain, "after", path)
	return hostile
}

func hasCookie(target inspect.Target, name string) bool {
	return slices.Contains(cookieNames(target), name)
}

func TestDialogsAreAnsweredRecordedAndNeverStall(t *testing.T) {
	for _, kind := range []string{"alert", "confirm", "prompt"} {
		t.Run(kind, func(t *testing.T) {
			target := hostileThenPlain(t, "/hostile/dialog?kind="+kind)
			if target.Error != "" {
				t.Fatalf("the %s page failed: %s", kind, target.Error)
			}
			for _, name := range []string{"dialog_" + kind + "_hdr", "dialog_" + kind + "_before", "dialog_" + kind + "_after"} {
				if !hasCookie(target, name) {
					t.Errorf("%s missing from the %s page's jar %v", name, kind, cookieNames(target))
				}
			}
			if len(target.Dialogs) != 1 {
				t.Fatalf("dialogs recorded: %+v, want one", target.Dialogs)
			}
			d := target.Dialogs[0]
			if d.Kind != kind || d.Answer != "dismissed" || !strings.Contains(d.Message, "a "+kind+" dialog") || !strings.Contains(d.URL, "/hostile/dialog") {
				t.Errorf("dialog recorded as %+v", d)
			}
		})
	}
}

func TestBeforeUnloadNeverHoldsTheNextTarget(t *testing.T) {
	target := hostileThenPlain(t, "/hostile/beforeunload")
	if target.Error != "" || !hasCookie(target, "beforeunload_page") {
		t.Errorf("beforeunload page: error %q, jar %v", target.Error, cookieNames(target))
	}
}

func TestPopupsBelongToTheirTarget(t *testing.T) {
	const n = 5
	target := hostileThenPlain(t, fmt.Sprintf("/hostile/popups?n=%d", n))
	if target.Error != "" {
		t.Fatalf("popups page failed: %s", target.Error)
	}
	if len(target.Popups) != n {
		t.Errorf("popups recorded: %+v, want %d", target.Popups, n)
	}
	for _, p := range target.Popups {
		if !strings.Contains(p.URL, "/hostile/popup?i=") || !strings.Contains(p.OpenedBy, "/hostile/popups") {
			t.Errorf("popup recorded as %+v", p)
		}
	}
	for i := range n {
		for _, prefix := range []string{"popup_hdr_", "popup_js_"} {
			name := fmt.Sprintf("%s%d", prefix, i)
			if !hasCookie(target, name) {
				t.Errorf("%s missing from the opener's jar %v", name, cookieNames(target))
				continue
			}
			c := findCookie(t, target, name)
			w := lastWrite(t, c)
			if !strings.Contains(w.URL, fmt.Sprintf("/hostile/popup?i=%d", i)) {
				t.Errorf("%s attributed to %s %s, want the popup", name, w.Via, w.URL)
			}
			if prefix == "popup_js_" && (w.Via != inspect.ViaDocumentCookie || w.Line == 0) {
				t.Errorf("%s attributed to %s line %d, want document.cookie with a line", name, w.Via, w.Line)
			}
		}
	}
	popupFrames := 0
	for _, f := range target.Frames {
		if f.Popup {
			popupFrames++
		}
	}
	if popupFrames != n {
		t.Errorf("readability measured in %d popups, want %d: %+v", popupFrames, n, target.Frames)
	}
}

func TestReplaceChainSettlesOnTheLastDocument(t *testing.T) {
	const hops = 30
	target := hostileThenPlain(t, fmt.Sprintf("/hostile/replace?n=%d", hops))
	if target.Error != "" {
		t.Fatalf("replace chain failed: %s", target.Error)
	}
	for i := 0; i <= hops; i++ {
		if name := fmt.Sprintf("replace_hop_%d", i); !hasCookie(target, name) {
			t.Errorf("%s missing", name)
		}
	}
	if !hasCookie(target, "replace_done") || !strings.HasSuffix(target.FinalURL, "/hostile/replace?n=0") {
		t.Errorf("the chain's end not reached: final URL %s, jar %v", target.FinalURL, cookieNames(target))
	}
}

func TestAWorkersHungFetchDoesNotHoldTheTarget(t *testing.T) {
	target := hostileThenPlain(t, "/hostile/worker-fetch")
	if target.Error != "" || !hasCookie(target, "worker_page") {
		t.Errorf("worker page: error %q, jar %v", target.Error, cookieNames(target))
	}
}

func TestRedirectToAHangIsBoundedAndKeepsTheRedirectsCookie(t *testing.T) {
	opts := LoadOptions{Timeout: 2 * time.Second}
	w := newTestWorker(t)
	target := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, "/hostile/redirect-hang"), opts)
	if !strings.Contains(target.Error, "timed out after 2s") {
		t.Errorf("error %q, want a timeout after 2s", target.Error)
	}
	if !hasCookie(target, "redirect_hang_hop") {
		t.Errorf("the redirect's cookie is lost: jar %v, error %q", cookieNames(target), target.Error)
	}
	if limit := opts.Timeout + TargetMargin; time.Duration(target.DurationMS)*time.Millisecond > limit {
		t.Errorf("the target took %dms, more than its bound %s", target.DurationMS, limit)
	}
	checkPlain(t, w.Inspect(context.Background(), plainURL("afterhang"), hostileOpts), "afterhang", "redirect-hang")
}

func TestLateAndUnloadWritesStayWithTheirTarget(t *testing.T) {
	w := newTestWorker(t)
	for _, path := range []string{"/hostile/late", "/hostile/unload"} {
		target := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, path), hostileOpts)
		if target.Error != "" {
			t.Errorf("%s failed: %s", path, target.Error)
		}
		// Several plain targets, over more than the late writers' delays.
		for i := range 4 {
			id := fmt.Sprintf("%s%d", strings.TrimPrefix(path, "/hostile/"), i)
			checkPlain(t, w.Inspect(context.Background(), plainURL(id), hostileOpts), id, path)
		}
	}
}

func TestReloadingCrossSiteFramesWithRepeatedReadabilityFinish(t *testing.T) {
	w := newTestWorker(t)
	ctx := context.Background()
	w.startRecording()
	if err := w.Goto(ctx, testLab.URL(true, lab.AppHost, "/hostile/reloading-frames"), LoadOptions{Timeout: 5 * time.Second, Quiet: time.Millisecond}); err != nil && !strings.Contains(err.Error(), "never went quiet") {
		t.Fatalf("load: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			rctx, cancel := w.commandContext(snapshotTimeout)
			w.measureReadability(rctx, snapshotTimeout)
			cancel()
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("readability measurement with reloading cross-site frames did not finish: deadlock")
	}
	if err := w.Reset(); err != nil {
		t.Errorf("reset after reloading frames: %v", err)
	}
	checkPlain(t, w.Inspect(ctx, plainURL("afterreload"), hostileOpts), "afterreload", "reloading-frames")
}

// TestManyTargetsAlternatingHostileAndPlainStayIsolated is the isolation
// proof at scale: every hostile case, many times, each followed by a plain
// page, on two workers; every plain target's jar must be exactly its own.
func TestManyTargetsAlternatingHostileAndPlainStayIsolated(t *testing.T) {
	b := needBrowser(t)
	hostile := []string{"/hostile/dialog?kind=alert", "/hostile/dialog?kind=confirm", "/hostile/dialog?kind=prompt",
		"/hostile/beforeunload", "/hostile/popups?n=3", "/hostile/replace?n=10", "/hostile/worker-fetch",
		"/hostile/late", "/hostile/unload", "/hostile/reloading-frames"}
	// The pages that stop answering cost seconds each: once each, first.
	stopping := []string{"/hostile/spin", "/hostile/alert-storm", "/hostile/oom"}
	var urls []string
	for i := range 50 + len(stopping) {
		page := hostile[i%len(hostile)]
		if i < len(stopping) {
			page = stopping[i]
		}
		urls = append(urls, testLab.URL(true, lab.AppHost, page), plainURL(fmt.Sprintf("n%d", i)))
	}
	targets, complete, err := b.InspectURLs(context.Background(), urls, 2, LoadOptions{Timeout: 5 * time.Second}, nil)
	if err != nil || !complete || len(targets) != len(urls) {
		t.Fatalf("run: complete %v, %d of %d targets, err %v", complete, len(targets), len(urls), err)
	}
	for i, target := range targets {
		if i%2 == 1 {
			checkPlain(t, target, fmt.Sprintf("n%d", i/2), urls[i-1])
		}
	}
}

func TestARendererCrashEndsTheTargetWithWhatItWrote(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/never" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		fmt.Fprint(w, `<script>document.cookie = "before_crash=1"</script><img src="/never">`)
	}))
	defer srv.Close()
	defer close(release)
	w := newTestWorker(t)
	crashed := make(chan error, 1)
	go func() {
		// The page never loads (its image never answers); crash its
		// renderer once its write is in.
		for range 100 {
			if jar, err := w.Jar(); err == nil && len(jar) > 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		ctx, cancel := w.commandContext(5 * time.Second)
		defer cancel()
		_, err := chromedp.Call(ctx, page.Crash, cdp.Empty{})
		crashed <- err
	}()
	target := w.Inspect(context.Background(), srv.URL, LoadOptions{Timeout: time.Minute})
	if err := <-crashed; err != nil && !strings.Contains(err.Error(), "crash") {
		t.Logf("Page.crash answered %v", err)
	}
	if !strings.Contains(target.Error, "renderer crashed") {
		t.Errorf("target error %q, want the renderer crash named", target.Error)
	}
	c := findCookie(t, target, "before_crash")
	if len(c.SetBy) == 0 {
		t.Errorf("the write before the crash was lost")
	}
	// Nothing was measured after the crash: unknown, never "not readable".
	if c.Readability != inspect.ReadabilityUnknown || !c.NotMeasured || !strings.Contains(c.UnknownReason, "renderer crashed") {
		t.Errorf("before_crash: readability %s (not measured %v, reason %q), want unknown because the renderer crashed", c.Readability, c.NotMeasured, c.UnknownReason)
	}
	checkPlain(t, w.Inspect(context.Background(), plainURL("aftercrash"), LoadOptions{}), "aftercrash", "a renderer crash")
}

func TestWritesRightAfterLoadAreReadWithoutAQuietPeriod(t *testing.T) {
	w := newTestWorker(t)
	target := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, "/hostile/after-load"), LoadOptions{Timeout: 10 * time.Second})
	if target.Error != "" {
		t.Fatalf("after-load failed: %s", target.Error)
	}
	for _, name := range []string{"after_load_microtask", "after_load_timers", "after_load_fetch", "after_load_store", "after_load_after_store"} {
		if !hasCookie(target, name) {
			t.Errorf("%s was written before the page settled but is not in the jar read: %v", name, cookieNames(target))
			continue
		}
		// Readability is read when the page has settled, so that these
		// script-visible cookies are measured readable, not reported
		// written after the measurement.
		if c := findCookie(t, target, name); c.Readability != inspect.Readable || !c.ScriptReadable {
			t.Errorf("%s: readability %s (script-readable %v), want readable: the page was read before it settled", name, c.Readability, c.ScriptReadable)
		}
	}
	checkPlain(t, w.Inspect(context.Background(), plainURL("afterload"), hostileOpts), "afterload", "after-load")
}

// A popup that, as it is closed, gives its opener a pagehide handler must
// not reach the next target: the handler is script of this target, run
// (and its cookie cleared) before the next one starts, or never.
func TestAPopupThatTampersWithItsOpenerStaysWithItsTarget(t *testing.T) {
	w := newTestWorker(t)
	for i := range 5 {
		target := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, "/hostile/popup-tamper"), hostileOpts)
		if target.Error != "" {
			t.Fatalf("popup-tamper failed: %s", target.Error)
		}
		if len(target.Popups) != 1 {
			t.Fatalf("popups recorded: %+v, want 1", target.Popups)
		}
		checkPlain(t, w.Inspect(context.Background(), plainURL(fmt.Sprintf("tamper%d", i)), hostileOpts), fmt.Sprintf("tamper%d", i), "popup-tamper")
	}
}

func TestABusyPageIsReadAsItStands(t *testing.T) {
	w := newTestWorker(t)
	target := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, "/hostile/busy?ms=8000"), hostileOpts)
	if strings.Contains(target.Error, "timed out") {
		t.Errorf("a busy page held the target until its timeout: %s", target.Error)
	}
	if target.Isolation == "" {
		t.Errorf("a page that did not leave in time may still write: its context must be replaced, but Isolation is empty")
	}
	if !hasCookie(target, "busy_page") {
		t.Errorf("busy_page, written before the page went busy, is lost: %v, error %q", cookieNames(target), target.Error)
	}
	checkPlain(t, w.Inspect(context.Background(), plainURL("afterbusy"), hostileOpts), "afterbusy", "busy")
}

// An endless alert() loop used to abort Chrome at the target's clean-up
// ("bad_variant_access was thrown in -fno-exceptions mode"): the browser
// navigated the page held by its dialog, then detached from it. The storm
// ends in bounded time with its cookies, on the same browser process, and
// the targets of both workers beside it and after it hold exactly their own
// cookies.
func TestAnAlertStormEndsInTimeAndDoesNotAbortChrome(t *testing.T) {
	b := launchOwnBrowser(t, labOptions())
	pid := b.Process().Pid
	opts := LoadOptions{Timeout: 3 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(urls []string, workers int) []inspect.Target {
		t.Helper()
		targets, complete, err := b.InspectURLs(ctx, urls, workers, opts, nil)
		if err != nil || !complete || len(targets) != len(urls) {
			t.Fatalf("run: complete %v, %d of %d targets, err %v", complete, len(targets), len(urls), err)
		}
		return targets
	}
	urls := []string{testLab.URL(true, lab.AppHost, "/hostile/alert-storm")}
	for i := range 4 {
		urls = append(urls, plainURL(fmt.Sprintf("storm%d", i)))
	}
	targets := run(urls, 2)
	// A run after it: a browser that died meanwhile is relaunched for it.
	after := run([]string{plainURL("afterstorm")}, 1)[0]

	storm := targets[0]
	if strings.Contains(storm.Error, "browser") {
		t.Errorf("the storm's target failed with the browser: %s", storm.Error)
	}
	for _, name := range []string{"alert_storm_hdr", "alert_storm_page"} {
		if !hasCookie(storm, name) {
			t.Errorf("%s missing from the storm's jar %v (error %q)", name, cookieNames(storm), storm.Error)
		}
	}
	if len(storm.Dialogs) < 2 {
		t.Errorf("dialogs recorded: %d, want the storm's many", len(storm.Dialogs))
	}
	if limit := opts.Timeout + TargetMargin; time.Duration(storm.DurationMS)*time.Millisecond > limit {
		t.Errorf("the storm took %dms, more than its bound %s", storm.DurationMS, limit)
	}
	for i, target := range targets[1:] {
		checkPlain(t, target, fmt.Sprintf("storm%d", i), "an alert storm")
	}
	checkPlain(t, after, "afterstorm", "an alert storm")
	if n := b.Relaunches(); n != 0 {
		t.Errorf("Chrome was relaunched %d times: the alert storm aborted it", n)
	}
	if got := b.Process().Pid; got != pid {
		t.Errorf("the browser process changed from %d to %d: the alert storm aborted it", pid, got)
	}
}

// A page that stops answering (its main thread spins, or an alert storm
// holds it) cannot be measured: its cookies' readability is unknown, not
// "not readable", with why, and the target says the page stopped answering,
// with the final URL the engine knows.
func TestAPageThatStopsAnsweringLeavesReadabilityUnknownAndSaysSo(t *testing.T) {
	for _, tc := range []struct{ path, prefix string }{{"/hostile/spin", "spin_"}, {"/hostile/alert-storm", "alert_storm_"}} {
		t.Run(tc.path, func(t *testing.T) {
			w := newTestWorker(t)
			u := testLab.URL(true, lab.AppHost, tc.path)
			target := w.Inspect(context.Background(), u, LoadOptions{Timeout: 3 * time.Second})
			if !strings.Contains(target.Error, "the page at "+u+" stopped answering") {
				t.Errorf("error %q does not say the page at %s stopped answering", target.Error, u)
			}
			if target.FinalURL != u {
				t.Errorf("final URL %q, want %q", target.FinalURL, u)
			}
			if len(target.Unmeasured) == 0 {
				t.Errorf("no unmeasured document listed")
			}
			if len(target.Cookies) != 2 {
				t.Errorf("jar %v, want the page's two cookies", cookieNames(target))
			}
			for _, c := range target.Cookies {
				if !strings.HasPrefix(c.Name, tc.prefix) {
					t.Errorf("foreign cookie %s", c.Name)
				}
				if c.Readability != inspect.ReadabilityUnknown || !c.NotMeasured || c.ScriptReadable || !strings.Contains(c.UnknownReason, "did not answer") {
					t.Errorf("%s: readability %s (not measured %v, script-readable %v, reason %q), want unknown: not measured because the page did not answer", c.Name, c.Readability, c.NotMeasured, c.ScriptReadable, c.UnknownReason)
				}
			}
			checkPlain(t, w.Inspect(context.Background(), plainURL("afterstop"), hostileOpts), "afterstop", tc.path)
		})
	}
}

// TestARendererOutOfMemoryKeepsWhatItWroteAndClaimsNothingUnmeasured loads
// a page that, once loaded, allocates until its renderer dies. Whether the
// readability read comes before the allocation starts or after, the page's
// two cookies are kept, none is called not readable (neither is
// HttpOnly), one not measured is unknown and the target says why, and the
// next page holds exactly its own cookies.
func TestARendererOutOfMemoryKeepsWhatItWroteAndClaimsNothingUnmeasured(t *testing.T) {
	w := newTestWorker(t)
	u := testLab.URL(true, lab.AppHost, "/hostile/oom")
	target := w.Inspect(context.Background(), u, LoadOptions{Timeout: 30 * time.Second})
	if len(target.Cookies) != 2 {
		t.Errorf("jar %v, want the page's two cookies", cookieNames(target))
	}
	for _, c := range target.Cookies {
		switch {
		case !strings.HasPrefix(c.Name, "oom_"):
			t.Errorf("foreign cookie %s", c.Name)
		case c.NotMeasured && (c.Readability != inspect.ReadabilityUnknown || target.Error == ""):
			t.Errorf("%s not measured: readability %s, target error %q; want unknown, and the target saying why", c.Name, c.Readability, target.Error)
		case !c.NotMeasured && c.Readability != inspect.Readable:
			t.Errorf("%s measured %s, want readable (it is not HttpOnly)", c.Name, c.Readability)
		}
	}
	checkPlain(t, w.Inspect(context.Background(), plainURL("afteroom"), hostileOpts), "afteroom", "a renderer out of memory")
}
