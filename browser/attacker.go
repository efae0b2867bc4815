package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// ForgedResponse is what the emulated network attacker answers for one URL:
// Set-Cookie lines and an HTML body (which may hold a script).
type ForgedResponse struct {
	SetCookie []string
	Body      string
}

// attacker plays an active network attacker for one worker: with the Fetch
// domain it answers chosen URLs itself, so that Chrome applies the forged
// cookies exactly as it would under a real man-in-the-middle, with no
// server involved. Requests it was not told about are let through.
type attacker struct {
	// mu guards responses, upgraded and sawHSTS; no command is sent while
	// it is held.
	mu        sync.Mutex
	responses map[string]ForgedResponse
	// upgraded are https twins of http attack URLs: a request for one means
	// HSTS upgraded the attack before it left the browser.
	upgraded map[string]bool
	sawHSTS  bool
	// pending holds the paused requests serve has not answered yet.
	pending pausedQueue
}

func newAttacker() *attacker {
	return &attacker{responses: make(map[string]ForgedResponse), upgraded: make(map[string]bool)}
}

// paused queues a paused request; it runs on the reading goroutine.
func (a *attacker) paused(ev *fetch.EventRequestPaused) { a.pending.push(ev) }

// serve answers paused requests until ctx ends: forged ones are fulfilled,
// every other one is continued unchanged, so no page ever hangs.
func (a *attacker) serve(ctx context.Context) { a.pending.serve(ctx, a.answer) }

func (a *attacker) answer(ctx context.Context, ev *fetch.EventRequestPaused) {
	a.mu.Lock()
	forged, ok := a.responses[ev.Request.URL]
	if a.upgraded[ev.Request.URL] {
		// Answer the upgraded request with nothing: the attacker never saw it.
		a.sawHSTS, ok = true, true
	}
	a.mu.Unlock()
	if !ok {
		_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	headers := []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}, {Name: "Cache-Control", Value: "no-store"}}
	for _, line := range forged.SetCookie {
		headers = append(headers, &fetch.HeaderEntry{Name: "Set-Cookie", Value: line})
	}
	body := "<!doctype html><html><head><link rel=icon href=\"data:,\"></head><body>" + forged.Body + "</body></html>"
	_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200, ResponseHeaders: headers, Body: []byte(body)})
}

// Forge loads attackURL in the worker's tab, answered by the emulated
// attacker with forged, and waits until the page is quiet. Interception is
// on only for the duration of the call. upgraded reports that Chrome turned
// an http attackURL into https (HSTS) before sending it: then no forged
// cookie reached the browser.
func (w *Worker) Forge(ctx context.Context, attackURL string, forged ForgedResponse, opts LoadOptions) (upgraded bool, err error) {
	opts = opts.withDefaults()
	a := newAttacker()
	a.responses[attackURL] = forged
	patterns := []*fetch.RequestPattern{{URLPattern: escapePattern(attackURL), RequestStage: fetch.RequestStageRequest}}
	if twin, ok := strings.CutPrefix(attackURL, "http://"); ok {
		a.upgraded["https://"+twin] = true
		patterns = append(patterns, &fetch.RequestPattern{URLPattern: escapePattern("https://" + twin), RequestStage: fetch.RequestStageRequest})
	}
	w.mu.Lock()
	w.attacker = a
	w.mu.Unlock()
	// Interception must never outlive the attack.
	lctx, stop, err := w.intercept(ctx, opts.Timeout, patterns, a.serve, func() {
		w.mu.Lock()
		w.attacker = nil
		w.mu.Unlock()
	})
	defer stop()
	if err != nil {
		return false, fmt.Errorf("intercept %s: %w", attackURL, err)
	}
	w.notePlanted(attackURL, forged.SetCookie)
	_, err = w.load(lctx, attackURL, w.current(), opts)
	a.mu.Lock()
	upgraded = a.sawHSTS
	a.mu.Unlock()
	return upgraded, err
}

// notePlanted keeps the forged header lines as writes of the tool's own,
// for the jar to be explained by them (see Worker.planted).
func (w *Worker) notePlanted(attackURL string, lines []string) {
	at := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, line := range lines {
		w.planted = append(w.planted, inspect.Write{Via: inspect.ViaHeader, URL: attackURL, CookieLine: line, Status: 200, At: at, Emulated: true})
	}
}

// plantedWrites returns the forged writes since the last reset.
func (w *Worker) plantedWrites() []inspect.Write {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]inspect.Write(nil), w.planted...)
}

// escapePattern escapes Fetch's wildcards so the pattern matches url only.
func escapePattern(url string) string {
	out := make([]rune, 0, len(url))
	for _, r := range url {
		if r == '*' || r == '?' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// Delivery is what an origin got from Chrome with one page load: the
// Cookie header of the main document's request (its first hop, before any
// redirect), the cookies Chrome withheld from that request with its
// reasons, and what page script could read there afterwards. It holds
// values: it is evidence for an attack's verdict and never goes into a
// report as it is.
type Delivery struct {
	// URL is the page loaded.
	URL string
	// Header is the Cookie header, in the order the server receives it;
	// Reported is false when Chrome reported no cookie decision for the
	// request (it never reached the network).
	Header   string
	Reported bool
	// Withheld are the cookies Chrome kept from the request, each with
	// its reasons (SchemeMismatch, PortMismatch, NotOnPath, ...). Chrome
	// names no reason for every cookie it keeps back: with origin-bound
	// cookies, a Domain cookie that shares its name with a host-only cookie
	// of the host is neither sent nor listed (measured with Chromium 156).
	Withheld []WithheldCookie
	// DocumentCookie is what document.cookie returned in the page once it
	// had loaded (it may have moved on within the origin: a form that
	// submits itself); ScriptErr says why it could not be read.
	DocumentCookie string
	ScriptErr      error
}

// WithheldCookie is a cookie Chrome kept from a request, and why.
type WithheldCookie struct {
	Name, Value string
	Reasons     []string
}

// Delivered loads rawURL in the worker's tab, keeping the context's state,
// and returns what the origin got: what the server receives with the
// document request and what script can read there.
func (w *Worker) Delivered(ctx context.Context, rawURL string, opts LoadOptions) (Delivery, error) {
	if _, err := w.load(ctx, rawURL, w.current(), opts.withDefaults()); err != nil {
		return Delivery{URL: rawURL}, err
	}
	return w.LastDelivered(ctx, rawURL), nil
}

// LastDelivered returns the Delivery of the last page the worker loaded
// (Visit, Inspect before its clean-up, Delivered) as rawURL, without loading
// anything: the request's cookies as recorded, and document.cookie read now.
func (w *Worker) LastDelivered(ctx context.Context, rawURL string) Delivery {
	d := Delivery{URL: rawURL}
	var cookies []record.AssociatedCookie
	d.Header, cookies, d.Reported = w.current().DocumentRequest()
	for _, ac := range cookies {
		if len(ac.BlockedReasons) == 0 {
			continue
		}
		d.Withheld = append(d.Withheld, WithheldCookie{Name: ac.Name, Value: ac.Value, Reasons: ac.BlockedReasons})
	}
	raw, err := w.EvaluateInPage(ctx, "document.cookie")
	if err == nil {
		err = json.Unmarshal(raw, &d.DocumentCookie)
	}
	d.ScriptErr = err
	return d
}
