package browser

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// The lab's /frames page embeds a cross-site iframe (widget.test) that sets
// widget_hdr and widget_js (SameSite=None; Secure, unpartitioned) and
// widget_hdr_part and widget_js_part (Partitioned), by header and by script.

func framesPage() string { return testLab.URL(true, lab.AppHost, "/frames") }

// inspectFrames loads /frames in w and fails the test when it did not load.
func inspectFrames(t *testing.T, w *Worker) inspect.Target {
	t.Helper()
	target := w.Inspect(context.Background(), framesPage(), LoadOptions{})
	if target.Error != "" {
		t.Fatalf("inspect /frames: %s", target.Error)
	}
	return target
}

// jarHolds reports whether the target's jar holds a cookie of that name.
func jarHolds(target inspect.Target, name string) bool {
	return slices.ContainsFunc(target.Cookies, func(c inspect.Cookie) bool { return c.Name == name })
}

// checkPartitionedStored checks that the widget's Partitioned cookies are in
// the jar, keyed by the top-level site and as set under a cross-site
// ancestor: so they are in either mode.
func checkPartitionedStored(t *testing.T, target inspect.Target) {
	t.Helper()
	for _, name := range []string{"widget_hdr_part", "widget_js_part"} {
		c := findCookie(t, target, name)
		if !c.Partitioned || c.PartitionKey != "https://app.test" || !c.PartitionCrossSite {
			t.Errorf("%s: partitioned=%v key=%q crossSite=%v, want partitioned under https://app.test, set in a cross-site frame", name, c.Partitioned, c.PartitionKey, c.PartitionCrossSite)
		}
		if got, want := c.Partition(), "partitioned under https://app.test, in a cross-site frame"; got != want {
			t.Errorf("%s: partition %q, want %q", name, got, want)
		}
	}
}

// checkThirdPartyBlocked checks that the widget's unpartitioned cookies
// are not in the jar: the header write blocked with Chrome's reason, the
// script write not stored as a third-party write.
func checkThirdPartyBlocked(t *testing.T, target inspect.Target) {
	t.Helper()
	for _, name := range []string{"widget_hdr", "widget_js"} {
		if jarHolds(target, name) {
			t.Errorf("%s is in the jar with third-party cookies blocked", name)
		}
	}
	hdr, ok := findBlocked(target, "widget_hdr")
	if !ok || hdr.Via != inspect.ViaHeader || !slices.Equal(hdr.Reasons, []string{"UserPreferences"}) || !strings.Contains(hdr.Explanation, "third-party cookies are blocked in this run") {
		t.Errorf("widget_hdr: blocked=%v %+v; want a header blocked with UserPreferences, explained by the run's block", ok, hdr)
	}
	js, ok := findBlocked(target, "widget_js")
	if !ok || js.Via != inspect.ViaDocumentCookie || !strings.Contains(js.Explanation, "third-party context") {
		t.Errorf("widget_js: blocked=%v %+v; want a script write not stored in a third-party context", ok, js)
	}
}

// checkThirdPartyAllowed checks that the widget's unpartitioned cookies are
// in the jar, unpartitioned, each set by its own write in the widget frame,
// and that no write of them was refused.
func checkThirdPartyAllowed(t *testing.T, target inspect.Target) {
	t.Helper()
	widgetFrame := testLab.URL(true, lab.WidgetHost, "/frame")
	for _, want := range []struct {
		name string
		via  inspect.Via
	}{{"widget_hdr", inspect.ViaHeader}, {"widget_js", inspect.ViaDocumentCookie}} {
		c := findCookie(t, target, want.name)
		if c.Partitioned || c.Partition() != "" {
			t.Errorf("%s: partitioned under %q, want an unpartitioned third-party cookie", want.name, c.PartitionKey)
		}
		if w := lastWrite(t, c); w.Via != want.via || w.URL != widgetFrame || c.Unrecorded {
			t.Errorf("%s: set by %s in %s (unrecorded %v), want %s in %s", want.name, w.Via, w.URL, c.Unrecorded, want.via, widgetFrame)
		}
		if b, blocked := findBlocked(target, want.name); blocked {
			t.Errorf("%s: a write was refused with third-party cookies allowed: %+v", want.name, b)
		}
	}
}

func TestThirdPartyCookiesAreBlockedByDefault(t *testing.T) {
	target := inspectFrames(t, newTestWorker(t))
	checkThirdPartyBlocked(t, target)
	checkPartitionedStored(t, target)
}

func TestAllowedThirdPartyCookiesAreStoredInEveryContextAndAfterARelaunch(t *testing.T) {
	opts := labOptions()
	opts.ThirdPartyCookies = inspect.ThirdPartyCookiesAllow
	b := launchOwnBrowser(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := b.NewWorker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { w.Close() }()

	target := inspectFrames(t, w)
	checkThirdPartyAllowed(t, target)
	checkPartitionedStored(t, target)

	// A context that could not be proven clean is replaced by a new one:
	// the mode holds there too.
	if err := w.replaceContext(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("replaced context", func(t *testing.T) { checkThirdPartyAllowed(t, inspectFrames(t, w)) })

	// A browser that dies is relaunched with the same options: kill it
	// after the first target; the second may fail for it (the death can be
	// noticed during it), and the last runs on the new browser.
	var once sync.Once
	kill := func(int, int, inspect.Target) {
		once.Do(func() {
			if err := b.Process().Kill(); err != nil {
				t.Errorf("kill the browser: %v", err)
			}
		})
	}
	targets, complete, err := b.InspectURLs(ctx, []string{framesPage(), framesPage(), framesPage()}, 1, LoadOptions{}, kill)
	if err != nil || !complete || len(targets) != 3 {
		t.Fatalf("run: complete %v, %d targets, err %v", complete, len(targets), err)
	}
	if b.Relaunches() != 1 {
		t.Fatalf("relaunched %d times, want 1", b.Relaunches())
	}
	t.Run("after the relaunch", func(t *testing.T) {
		last := targets[2]
		if last.Error != "" {
			t.Fatalf("error: %s", last.Error)
		}
		checkThirdPartyAllowed(t, last)
		checkPartitionedStored(t, last)
	})
}

func TestARemoteBrowserIsRefusedAllow(t *testing.T) {
	// Nothing listens there: the refusal must come before any connection.
	_, err := Launch(context.Background(), Options{Remotes: []string{"http://127.0.0.1:1"}, ThirdPartyCookies: inspect.ThirdPartyCookiesAllow})
	if !errors.Is(err, ErrRemoteAllowsNoThirdPartyCookies) {
		t.Errorf("Launch: %v, want ErrRemoteAllowsNoThirdPartyCookies", err)
	}
}

// remoteJarAfterFrames loads /frames in a new browser context of the remote
// browser at addr with chromedp alone (no cookiescope setting applied) and
// returns the cookie names of that context once the widget's partitioned
// cookie is in.
func remoteJarAfterFrames(t *testing.T, addr string) []string {
	t.Helper()
	dial := func(ctx context.Context, wsURL string) (chromedp.Transport, error) {
		return remote.DialContext(ctx, wsURL)
	}
	allocCtx, cancelAlloc := chromedp.NewAllocatorContext(context.Background(), &remoteAllocator{address: addr, dial: dial})
	defer cancelAlloc()
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithNewBrowserContext())
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tabCtx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: framesPage()}); err != nil {
		t.Fatal(err)
	}
	id := chromedp.FromContext(tabCtx).BrowserContextID
	var names []string
	waitFor(t, "the widget's partitioned cookie in the remote browser", func() bool {
		res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: id})
		if err != nil {
			return false
		}
		names = names[:0]
		for _, c := range res.Cookies {
			names = append(names, c.Name)
		}
		return slices.Contains(names, "widget_js_part")
	})
	return names
}

// waitFor polls cond until it holds, or fails the test after 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestARemoteBrowserIsMadeToBlockThirdPartyCookies(t *testing.T) {
	needBrowser(t)
	// A remote browser whose profile allows third-party cookies, as a
	// user's may.
	_, addr := startRemoteChromeWith(t, func(profile string) error {
		return prepareProfile(&exec.Cmd{Args: []string{"chrome", "--user-data-dir=" + profile}}, inspect.ThirdPartyCookiesAllow)
	})
	if jar := remoteJarAfterFrames(t, addr); !slices.Contains(jar, "widget_hdr") {
		t.Fatalf("control: the remote browser blocks third-party cookies by itself (jar %v); the test proves nothing", jar)
	}
	b := launchOwnBrowser(t, Options{Remotes: []string{addr}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := b.NewWorker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	target := inspectFrames(t, w)
	checkThirdPartyBlocked(t, target)
	checkPartitionedStored(t, target)

	// A popup is a page of its own, which the tab's setting does not reach
	// (measured): it gets the setting before it runs.
	if tg := w.Visit(ctx, testLab.URL(true, lab.AppHost, "/headers"), LoadOptions{}); tg.Error != "" {
		t.Fatal(tg.Error)
	}
	if err := w.ClearCookies(); err != nil {
		t.Fatal(err)
	}
	// As a click would: the remote browser's popup blocker is on.
	tabCtx, _ := w.tab()
	if _, err := chromedp.Call(tabCtx, runtime.Evaluate, runtime.EvaluateParams{Expression: fmt.Sprintf("window.open(%q), true", framesPage()), UserGesture: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	var jar []inspect.Cookie
	waitFor(t, "the popup's partitioned cookies", func() bool {
		jar, _ = w.Jar()
		return slices.ContainsFunc(jar, func(c inspect.Cookie) bool { return c.Name == "widget_js_part" }) &&
			slices.ContainsFunc(jar, func(c inspect.Cookie) bool { return c.Name == "widget_hdr_part" })
	})
	for _, c := range jar {
		if c.Name == "widget_hdr" || c.Name == "widget_js" {
			t.Errorf("the popup stored the third-party cookie %s on a remote browser told to block them", c.Name)
		}
	}
	if err := w.Reset(); err != nil {
		t.Errorf("reset after the popup: %v", err)
	}
}

// A copied jar (probes in a scenario attack a copy) keeps each partitioned
// cookie in its own partition, cross-site ancestor included.
func TestACopiedJarKeepsPartitions(t *testing.T) {
	from, to := newTestWorker(t), newTestWorker(t)
	ctx := context.Background()
	if tg := from.Visit(ctx, framesPage(), LoadOptions{}); tg.Error != "" {
		t.Fatal(tg.Error)
	}
	jar, err := from.Jar()
	if err != nil {
		t.Fatal(err)
	}
	if err := to.SetJar(ctx, jar); err != nil {
		t.Fatal(err)
	}
	copied, err := to.Jar()
	if err != nil {
		t.Fatal(err)
	}
	keys := func(cookies []inspect.Cookie) []string {
		var out []string
		for _, c := range cookies {
			out = append(out, fmt.Sprintf("%s %s %s", c.Name, c.Domain, c.Partition()))
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(keys(copied), keys(jar)) {
		t.Errorf("copied jar %q, want %q", keys(copied), keys(jar))
	}
	if !slices.ContainsFunc(jar, func(c inspect.Cookie) bool { return c.PartitionCrossSite }) {
		t.Errorf("the source jar %q has no cookie set in a cross-site frame; the test proves nothing", keys(jar))
	}
	_ = from.Reset()
	_ = to.Reset()
}
