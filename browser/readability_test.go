package browser

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// visitLab loads a lab page on app.test in a fresh worker and returns the
// worker with the page still open (call w.Reset when done with it).
func visitLab(t *testing.T, secure bool, path string) (*Worker, inspect.Target) {
	t.Helper()
	w := newTestWorker(t)
	target := w.Visit(context.Background(), testLab.URL(secure, lab.AppHost, path), LoadOptions{})
	if target.Error != "" {
		t.Fatalf("visit %s: %s", path, target.Error)
	}
	return w, target
}

// topFrame returns the target's page frame.
func topFrame(t *testing.T, target inspect.Target) inspect.Frame {
	t.Helper()
	for _, f := range target.Frames {
		if f.TopLevel {
			return f
		}
	}
	t.Fatalf("no top-level frame measured: %+v", target.Frames)
	return inspect.Frame{}
}

// wantReadability checks a cookie's verdict and, for readable ones, the APIs
// that returned it.
func wantReadability(t *testing.T, target inspect.Target, name string, want inspect.Readability, via ...string) inspect.Cookie {
	t.Helper()
	c := findCookie(t, target, name)
	if c.Readability != want || c.ScriptReadable != (want == inspect.Readable) {
		t.Errorf("%s: readability %q (scriptReadable %v, reason %q), want %q", name, c.Readability, c.ScriptReadable, c.UnknownReason, want)
	}
	if want == inspect.Readable && !slices.Equal(c.ReadableVia, via) {
		t.Errorf("%s readable via %v, want %v", name, c.ReadableVia, via)
	}
	return c
}

func TestLoneSurrogateCookieLeavesTheOthersReadableThroughCookieStore(t *testing.T) {
	w, target := visitLab(t, true, "/tamper/surrogate")
	defer w.Reset()
	// The page itself shows what its script sees: nothing.
	if got, err := w.EvaluateInPage(context.Background(), "document.cookie"); err != nil || string(got) != `""` {
		t.Fatalf("document.cookie in the page = %s (%v), want \"\": the lone surrogate no longer hides the cookies; re-measure", got, err)
	}
	for _, name := range []string{"tamper_sur_hdr", "tamper_sur_js"} {
		wantReadability(t, target, name, inspect.Readable, inspect.APICookieStore)
	}
	wantReadability(t, target, "tamper_sur_httponly", inspect.NotReadable)
	// cookieStore returns the surrogate's cookie with an empty value, the
	// jar (through CDP) with U+FFFD: which cookie it was is not proven.
	if c := wantReadability(t, target, "tamper_surrogate", inspect.ReadabilityUnknown); !strings.Contains(c.UnknownReason, "document.cookie returned nothing") {
		t.Errorf("tamper_surrogate unknown because %q", c.UnknownReason)
	}
	f := topFrame(t, target)
	if !strings.HasPrefix(f.Error, "document.cookie returned nothing while 3 cookies in scope are not HttpOnly") || f.DocumentCookie.Status != inspect.APIOK || f.CookieStore.Count != 3 {
		t.Errorf("top frame: error %q, document.cookie %+v, cookieStore %+v", f.Error, f.DocumentCookie, f.CookieStore)
	}
}

func TestLoneSurrogateCookieOverHTTPMakesReadabilityUnknownNotNo(t *testing.T) {
	w, target := visitLab(t, false, "/tamper/surrogate")
	defer w.Reset()
	for _, name := range []string{"tamper_sur_hdr", "tamper_sur_js", "tamper_surrogate"} {
		c := wantReadability(t, target, name, inspect.ReadabilityUnknown)
		if !strings.Contains(c.UnknownReason, "cookieStore unavailable (not a secure context)") {
			t.Errorf("%s unknown because %q", name, c.UnknownReason)
		}
	}
	wantReadability(t, target, "tamper_sur_httponly", inspect.NotReadable)
	f := topFrame(t, target)
	want := "document.cookie returned nothing while 3 cookies in scope are not HttpOnly; cookieStore unavailable (not a secure context)"
	if f.Error != want || f.CookieStore.Status != inspect.APIUnavailable {
		t.Errorf("top frame error %q (cookieStore %+v), want %q", f.Error, f.CookieStore, want)
	}
}

func TestMainWorldOverridesDoNotReachTheMeasurement(t *testing.T) {
	for _, secure := range []bool{true, false} {
		w, target := visitLab(t, secure, "/tamper/overrides")
		// The page's own script is fooled: it sees no cookie at all.
		got, err := w.EvaluateInPage(context.Background(), `(async () => [document.cookie, self.cookieStore ? (await cookieStore.getAll()).length : -1])()`)
		if want := map[bool]string{true: `["",0]`, false: `["",-1]`}[secure]; err != nil || string(got) != want {
			t.Errorf("secure=%v: page script sees %s (%v), want %s: the overrides did not take", secure, got, err, want)
		}
		via := []string{inspect.APIDocumentCookie, inspect.APICookieStore}
		if !secure {
			via = via[:1]
		}
		for _, name := range []string{"tamper_ovr_hdr", "tamper_ovr_js"} {
			wantReadability(t, target, name, inspect.Readable, via...)
		}
		wantReadability(t, target, "tamper_ovr_httponly", inspect.NotReadable)
		if f := topFrame(t, target); f.Error != "" {
			t.Errorf("secure=%v: top frame error %q", secure, f.Error)
		}
		if err := w.Reset(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSandboxedFrameReadsNothingAndIsNoError(t *testing.T) {
	w, target := visitLab(t, true, "/tamper/sandboxed")
	defer w.Reset()
	frameURL := testLab.URL(true, lab.AppHost, "/tamper/sandboxed/frame")
	var sandboxed *inspect.Frame
	for i, f := range target.Frames {
		if f.URL == frameURL {
			sandboxed = &target.Frames[i]
		}
	}
	if sandboxed == nil || !sandboxed.Opaque || sandboxed.Error != "" || len(sandboxed.Readable) != 0 || sandboxed.DocumentCookie.Status != inspect.APIFailed {
		t.Fatalf("sandboxed frame measured as %+v, want opaque, failed by design, no error", sandboxed)
	}
	// Only the sandboxed frame is in its path: script there cannot read it.
	wantReadability(t, target, "tamper_sbx_frame", inspect.NotReadable)
	wantReadability(t, target, "tamper_sbx_hdr", inspect.Readable, inspect.APIDocumentCookie, inspect.APICookieStore)
}

// TestOrdinaryPagesRaiseNoReadabilityAlarm guards against the opposite
// error: cookies Chrome legitimately hides from a frame (SameSite, third-party
// blocking, partitions, paths) must not be taken for a broken measurement.
func TestOrdinaryPagesRaiseNoReadabilityAlarm(t *testing.T) {
	for _, path := range []string{"/headers", "/scripts", "/frames"} {
		target := inspectLab(t, path, LoadOptions{})
		for _, f := range target.Frames {
			if f.Error != "" {
				t.Errorf("%s: frame %s: %s", path, f.URL, f.Error)
			}
		}
		for _, c := range target.Cookies {
			if c.Readability == inspect.ReadabilityUnknown {
				t.Errorf("%s: %s unknown: %s", path, c.Name, c.UnknownReason)
			}
		}
	}
}
