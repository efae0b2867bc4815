package browser

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// A service worker writes cookies about 0.6 s after the page's load event
// (its cookieStore.set on activate, and the Set-Cookie of a response it
// fetches): settling waits for it, so that every visit sees both writes,
// attributed, and the next target on the same origin finds neither the
// worker nor its cookies.
func TestServiceWorkerCookiesAreCaughtAndAttributedEveryTime(t *testing.T) {
	w := newTestWorker(t)
	ctx := context.Background()
	// Over http on the loopback address: a secure context where a service
	// worker can register without a trusted certificate.
	origin := fmt.Sprintf("http://127.0.0.1:%d", testLab.HTTPPort)
	page, script, api := origin+"/storage/sw-cookies", origin+"/storage/sw-cookies.js", origin+"/storage/sw-api"
	line := markedLine(t, script, "/*W:sw_store*/")
	const runs = 12
	for run := range runs {
		target := w.Inspect(ctx, page, LoadOptions{})
		if target.Error != "" || target.Isolation != "" || len(target.Notes) > 0 {
			t.Fatalf("run %d: error %q, isolation %q, notes %q", run, target.Error, target.Isolation, target.Notes)
		}
		var names []string
		for _, c := range target.Cookies {
			names = append(names, c.Name)
			if c.Unrecorded {
				t.Errorf("run %d: %s is unrecorded", run, c.Name)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"sw_fetch", "sw_store"}) {
			for _, r := range target.Requests {
				t.Logf("request %s %s %s", r.Context, r.URL, r.Initiator)
			}
			for _, wr := range target.Writes {
				t.Logf("write %s %s %s at %s", wr.Parsed.Name, wr.Via, wr.Fate, wr.At.Format("15:04:05.000"))
			}
			t.Logf("timings %+v", *target.Timings)
			t.Fatalf("run %d: the jar holds %v, want sw_fetch and sw_store", run, names)
		}
		if c := findCookie(t, target, "sw_store"); c.Value != "worker" {
			t.Errorf("run %d: sw_store=%s, want the worker's value", run, c.Value)
		}
		store := lastWrite(t, findCookie(t, target, "sw_store"))
		if store.Via != inspect.ViaCookieStore || store.Script != script || store.Line != line || store.Inline {
			t.Errorf("run %d: sw_store set by %s in %s:%d (inline %v), want cookieStore in %s:%d", run, store.Via, store.Script, store.Line, store.Inline, script, line)
		}
		fetched := lastWrite(t, findCookie(t, target, "sw_fetch"))
		if fetched.Via != inspect.ViaHeader || fetched.URL != api {
			t.Errorf("run %d: sw_fetch set by %s from %s, want the header of %s", run, fetched.Via, fetched.URL, api)
		}
		var fates []string
		for _, wr := range target.Writes {
			fates = append(fates, fmt.Sprintf("%s %s %s", wr.Parsed.Name, wr.Via, wr.Fate))
		}
		want := []string{"sw_store document.cookie replaced", "sw_store cookieStore stored", "sw_fetch header stored"}
		if !slices.Equal(fates, want) {
			t.Errorf("run %d: writes %q, want %q", run, fates, want)
		}
		for _, f := range inspect.Judge(target, inspect.Config{}, time.Now()) {
			if f.RuleID == "CS019" {
				t.Errorf("run %d: CS019 for %s", run, f.Cookie)
			}
		}
	}

	// The next target on the same origin: no worker (as the engine and as
	// script see it), and a jar of its own cookie only. The check page
	// writes its cookie once its storage reads are done, which settling does
	// not wait for: the test waits for the cookie, with a deadline.
	check := w.Visit(ctx, origin+"/storage/check", LoadOptions{})
	if check.Error != "" {
		t.Fatalf("check: %s", check.Error)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	found, err := w.EvaluateInPage(wctx, `new Promise((resolve) => {
  const look = () => document.cookie.includes("found=") ? resolve(document.cookie) : setTimeout(look, 10);
  look();
})`)
	if err != nil {
		t.Fatalf("the check page wrote no result: %v", err)
	}
	regs, err := w.EvaluateInPage(ctx, `navigator.serviceWorker.getRegistrations().then((r) => r.length)`)
	if err != nil || string(regs) != "0" {
		t.Errorf("the next target sees %s service worker registrations (%v), want 0", regs, err)
	}
	if seen := w.current().ServiceWorkerScripts(); len(seen) > 0 {
		t.Errorf("the engine reported service workers during the next target: %v", seen)
	}
	jar, err := w.Jar()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Reset(); err != nil {
		t.Fatalf("reset: %v", err)
	}
	var cookies []string
	for _, c := range jar {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if !slices.Equal(cookies, []string{"found=none"}) {
		t.Errorf("the next target's jar is %q (its page read %s), want found=none alone", cookies, found)
	}
}

// A service worker that never finishes installing holds settling for its
// bound only, the target says so, and the next target on the origin finds
// no worker.
func TestAServiceWorkerThatNeverInstallsIsNoted(t *testing.T) {
	w := newTestWorker(t)
	ctx := context.Background()
	origin := fmt.Sprintf("http://127.0.0.1:%d", testLab.HTTPPort)
	target := w.Inspect(ctx, origin+"/storage/sw-slow", LoadOptions{})
	if target.Error != "" {
		t.Fatalf("error %q", target.Error)
	}
	if len(target.Notes) != 1 || !strings.Contains(target.Notes[0], "/storage/sw-slow.js was still installing") {
		t.Errorf("notes %q, want one saying the worker was still installing", target.Notes)
	}
	findCookie(t, target, "slow_page")
	check := w.Visit(ctx, origin+"/storage/check", LoadOptions{})
	if check.Error != "" {
		t.Fatalf("check: %s", check.Error)
	}
	regs, err := w.EvaluateInPage(ctx, `navigator.serviceWorker.getRegistrations().then((r) => r.length)`)
	if err != nil || string(regs) != "0" {
		t.Errorf("the next target sees %s service worker registrations (%v), want 0", regs, err)
	}
	if err := w.Reset(); err != nil {
		t.Fatalf("reset: %v", err)
	}
	t.Logf("notes %q; isolation after the slow worker: %q", target.Notes, target.Isolation)
}
