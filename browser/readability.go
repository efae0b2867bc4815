package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/runtime"

	"github.com/cookiescope/cookiescope/inspect"
)

// Readability is measured in our isolated world ("cookiescope", created in
// every document by installRecorder), where the page's own scripts cannot
// replace the document.cookie getter or CookieStore.prototype.getAll: the
// world has its own prototypes (measured: overrides in the main world change
// nothing there). cookieStore exists in the isolated world wherever it
// exists in the page (secure contexts) and returns the same cookies.

// measureReadability reads cookies as page script can (settling's last
// round trip usually does it instead, see yieldScript; this serves a page
// that was busy or did not load, and a scenario's snapshots), through
// document.cookie and cookieStore.getAll(), in every live document of the
// page and of its popups, cross-site iframes included, in our isolated world
// so that the page's own scripts cannot interfere, waiting for timeout at
// most. What the results mean (readable, broken by the page) is decided by
// inspect.Assemble.
func (w *Worker) measureReadability(ctx context.Context, timeout time.Duration) readabilityRead {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	results := w.evaluateInWorlds(rctx, readWorldScript)
	var read readabilityRead
	read.frames, read.finalURL = framesOf(results)
	read.unmeasured, read.unanswered = w.unmeasured(results, rctx.Err() != nil, timeout)
	return read
}

// readabilityRead is what measureReadability found.
type readabilityRead struct {
	frames []inspect.Frame
	// finalURL is the top document's URL, if it was read.
	finalURL string
	// unmeasured lists the documents that could not be read, and why;
	// unanswered is set when one did not answer in time.
	unmeasured []inspect.Unmeasured
	unanswered bool
}

// unmeasured names the documents whose read failed because they did not
// answer before the deadline (timedOut: the read's context ended), by the
// URL their frame last showed (empty when it is not an http(s) URL the
// recording knows: about:blank and srcdoc documents read their creator's
// cookies), and the page itself when its renderer crashed. A document that
// went away meanwhile is no loss: it is not listed.
func (w *Worker) unmeasured(results []worldResult, timedOut bool, timeout time.Duration) (out []inspect.Unmeasured, unanswered bool) {
	rec := w.current()
	seen := map[inspect.Unmeasured]bool{}
	add := func(u inspect.Unmeasured) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	if rec.HasCrashed() {
		add(inspect.Unmeasured{Why: "the page's renderer crashed (Chrome reported Inspector.targetCrashed)"})
	}
	if !timedOut {
		return out, false
	}
	for _, r := range results {
		// A document that went away meanwhile failed at once, with
		// another error.
		if r.err == nil || !errors.Is(r.err, context.DeadlineExceeded) {
			continue
		}
		u := rec.FrameURL(string(r.world.frame))
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			u = ""
		}
		add(inspect.Unmeasured{URL: u, Why: notAnswered(timeout)})
		unanswered = true
	}
	return out, unanswered
}

// notAnswered says why a document that did not answer was not measured.
func notAnswered(timeout time.Duration) string {
	return fmt.Sprintf("the page did not answer within %s (its script kept its event loop busy, or a dialog held it)", timeout)
}

// worldResult is what a script returned in one document's isolated world.
type worldResult struct {
	world isolatedWorld
	// started is when the script was sent.
	started time.Time
	value   jsonv2.Value
	err     error
}

// evaluateInWorlds runs script, which must resolve to JSON, in every live
// document's isolated world at once, and returns each result in the order
// of liveWorlds.
func (w *Worker) evaluateInWorlds(ctx context.Context, script string) []worldResult {
	worlds := w.liveWorlds()
	results := make([]worldResult, len(worlds))
	var wg sync.WaitGroup
	for i, wd := range worlds {
		wg.Go(func() {
			r := worldResult{world: wd, started: time.Now()}
			res, err := cdp.Call(ctx, wd.session, runtime.Evaluate, runtime.EvaluateParams{Expression: script, ContextID: wd.id, ReturnByValue: ptr(true), AwaitPromise: ptr(true)})
			switch {
			case err != nil:
				r.err = err
			case res.ExceptionDetails != nil:
				r.err = fmt.Errorf("script failed: %s", res.ExceptionDetails.Text)
			case res.Result != nil:
				r.value = res.Result.Value
			}
			results[i] = r
		})
	}
	wg.Wait()
	return results
}

// frame returns the document a readWorldExpression result describes; nil
// means the script failed or the document is not an http(s) document
// (about:blank, an error page) or went away.
func (r worldResult) frame() *inspect.Frame {
	if r.err != nil || r.value == nil {
		return nil
	}
	f := frameFromRead(r.value, r.started)
	if f != nil && r.world.popup {
		f.Popup = true
		f.TopLevel = false
	}
	return f
}

// framesOf returns the documents that readWorldExpression results
// describe, those that were not read left out, in a stable order: top
// first, then popups, then by URL. It also returns the top document's URL,
// if one was read.
func framesOf(results []worldResult) ([]inspect.Frame, string) {
	var out []inspect.Frame
	finalURL := ""
	for _, r := range results {
		f := r.frame()
		if f == nil {
			continue
		}
		if f.TopLevel {
			finalURL = f.URL
		}
		out = append(out, *f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].TopLevel != out[j].TopLevel {
			return out[i].TopLevel
		}
		if out[i].Popup != out[j].Popup {
			return out[i].Popup
		}
		return out[i].URL < out[j].URL
	})
	return out, finalURL
}

// readWorldExpression reads one document as its script could: its URL,
// whether it is the top of its page, whether its origin is opaque (a
// sandboxed frame), its ancestors' origins, document.cookie, and
// cookieStore.getAll() where cookieStore exists, awaited for
// cookieStoreWait at most. Each API's exception is returned as text.
// Strings are made well-formed: a lone surrogate would make the result
// undecodable, and a page can put one in a cookie.
const readWorldExpression = `(async () => {
  const wf = (s) => String(s).toWellFormed();
  const r = {href: location.href, top: window === window.top, opaque: self.origin === "null",
    ancestors: Array.from(location.ancestorOrigins || [], wf), secure: isSecureContext};
  try { r.dc = wf(document.cookie); } catch (e) { r.dcError = wf(e); }
  if (typeof cookieStore !== "object" || cookieStore === null) {
    r.csUnavailable = true;
  } else {
    let timer;
    try {
      const wait = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("no answer within " + __WAIT__ + " ms")), __WAIT__); });
      const all = await Promise.race([cookieStore.getAll(), wait]);
      r.cs = all.map((c) => [wf(c.name), wf(c.value)]);
    } catch (e) {
      r.csError = wf(e);
    } finally {
      clearTimeout(timer);
    }
  }
  return r;
})()`

// cookieStoreWait bounds the wait for cookieStore.getAll(), which answers in
// well under a millisecond on a healthy page; it is far below the time a
// read gets (half of snapshotTimeout in measureReadability, yieldTimeout in
// settling), so a stuck call is reported as such.
const cookieStoreWait = 250 * time.Millisecond

var readWorldScript = strings.ReplaceAll(readWorldExpression, "__WAIT__", strconv.Itoa(int(cookieStoreWait.Milliseconds())))

// worldRead is what readWorldExpression returns.
type worldRead struct {
	Href         string      `json:"href"`
	Top          bool        `json:"top"`
	Opaque       bool        `json:"opaque"`
	Ancestors    []string    `json:"ancestors"`
	Secure       bool        `json:"secure"`
	DocCookie    string      `json:"dc"`
	DocCookieErr string      `json:"dcError"`
	StoreMissing bool        `json:"csUnavailable"`
	Store        [][2]string `json:"cs"`
	StoreErr     string      `json:"csError"`
}

// frameFromRead builds the frame a readWorldExpression result describes,
// measured from start; nil means it is not an http(s) document
// (about:blank, an error page).
func frameFromRead(value jsonv2.Value, start time.Time) *inspect.Frame {
	var got worldRead
	if err := jsonv2.Unmarshal(value, &got); err != nil {
		return nil
	}
	if u, err := url.Parse(got.Href); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	f := &inspect.Frame{URL: inspect.BoundURL(got.Href), TopLevel: got.Top, Opaque: got.Opaque, Ancestors: got.Ancestors, MeasuredAt: start, Readable: []string{}}
	if got.DocCookieErr != "" {
		f.DocumentCookie = inspect.APIRead{Status: inspect.APIFailed, Error: got.DocCookieErr}
	} else {
		pairs := inspect.ParseDocumentCookie(got.DocCookie)
		f.DocumentCookie = inspect.APIRead{Status: inspect.APIOK, Count: len(pairs), Pairs: pairs}
	}
	switch {
	case got.StoreMissing && !got.Secure:
		f.CookieStore = inspect.APIRead{Status: inspect.APIUnavailable, Error: "not a secure context"}
	case got.StoreMissing:
		f.CookieStore = inspect.APIRead{Status: inspect.APIUnavailable, Error: "not in this browser"}
	case got.StoreErr != "":
		f.CookieStore = inspect.APIRead{Status: inspect.APIFailed, Error: got.StoreErr}
	default:
		pairs := make([]inspect.NameValue, len(got.Store))
		for i, p := range got.Store {
			pairs[i] = inspect.NameValue{Name: p[0], Value: p[1]}
		}
		f.CookieStore = inspect.APIRead{Status: inspect.APIOK, Count: len(pairs), Pairs: pairs}
	}
	for _, p := range append(append([]inspect.NameValue(nil), f.DocumentCookie.Pairs...), f.CookieStore.Pairs...) {
		if !slices.Contains(f.Readable, p.Name) {
			f.Readable = append(f.Readable, p.Name)
		}
	}
	return f
}
