package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// A scripted flow (a scenario) drives one worker through several pages and
// actions while one recording collects everything. The methods below are its
// steps; each waits until the page is quiet again before it returns.

// settleQuiet is the least quiet period after an action: a click or a
// submit starts its navigation a few milliseconds after the input event.
const settleQuiet = 150 * time.Millisecond

// BeginFlow clears the context and starts the recording that the flow's
// snapshots read.
func (w *Worker) BeginFlow() error {
	if err := w.Reset(); err != nil {
		return err
	}
	w.startRecording()
	return nil
}

// Goto loads rawURL within the flow and waits for quiet.
func (w *Worker) Goto(ctx context.Context, rawURL string, opts LoadOptions) error {
	_, err := w.gotoAndRead(ctx, rawURL, opts)
	return err
}

// act runs a chromedp action on the tab, bounded by timeout and ctx, and
// then waits for the page to settle.
func (w *Worker) act(ctx context.Context, what string, timeout time.Duration, action chromedp.Action[chromedp.Void], opts LoadOptions) error {
	opts = opts.withDefaults()
	lctx, cancel := w.commandContext(timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	rec := w.current()
	rec.Touch()
	if err := chromedp.Do(lctx, action); err != nil {
		return fmt.Errorf("%s: %w", what, explainContext(err, timeout, opts.TimeoutHint))
	}
	return w.settleAfterAction(ctx, rec, opts)
}

// settleAfterAction waits until the page has settled and been quiet for
// settleQuiet at least, so that a navigation an action started is waited
// for.
func (w *Worker) settleAfterAction(ctx context.Context, rec *record.Recording, opts LoadOptions) error {
	lctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if _, err := w.settle(lctx, rec, max(opts.Quiet, settleQuiet), false); err != nil {
		if errors.Is(err, record.ErrRendererCrashed) {
			return err
		}
		return fmt.Errorf("the page did not settle: %w", explainContext(err, opts.Timeout, opts.TimeoutHint))
	}
	return nil
}

// Click clicks the first element matching the CSS selector, waiting up to
// timeout for it to be visible.
func (w *Worker) Click(ctx context.Context, selector string, timeout time.Duration, opts LoadOptions) error {
	return w.act(ctx, fmt.Sprintf("click %q", selector), timeout, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible), opts)
}

// Fill replaces the value of the input matching the selector by typing it.
func (w *Worker) Fill(ctx context.Context, selector, value string, timeout time.Duration, opts LoadOptions) error {
	fill := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Clear(chromedp.CSS(selector), chromedp.NodeVisible)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.SendKeys(chromedp.CSS(selector), value, chromedp.NodeVisible)(ctx, t)
	}
	// The value may be a secret: the error names the selector only.
	return w.act(ctx, fmt.Sprintf("fill %q", selector), timeout, fill, opts)
}

// keyNames maps the key names a scenario may press to what chromedp types.
var keyNames = map[string]string{"Enter": kb.Enter, "Tab": kb.Tab, "Escape": kb.Escape, "Backspace": kb.Backspace, "ArrowDown": kb.ArrowDown, "ArrowUp": kb.ArrowUp, "Space": " "}

// Press sends a key to the element matching the selector.
func (w *Worker) Press(ctx context.Context, selector, key string, timeout time.Duration, opts LoadOptions) error {
	k, ok := keyNames[key]
	if !ok {
		if len([]rune(key)) != 1 {
			return fmt.Errorf("press %q: unknown key (want a single character or one of Enter, Tab, Escape, Backspace, ArrowDown, ArrowUp, Space)", key)
		}
		k = key
	}
	return w.act(ctx, fmt.Sprintf("press %s in %q", key, selector), timeout, chromedp.SendKeys(chromedp.CSS(selector), k, chromedp.NodeVisible), opts)
}

// Submit submits the form matching the selector (or the form of the element).
func (w *Worker) Submit(ctx context.Context, selector string, timeout time.Duration, opts LoadOptions) error {
	return w.act(ctx, fmt.Sprintf("submit %q", selector), timeout, chromedp.Submit(chromedp.CSS(selector), chromedp.NodeReady), opts)
}

// WaitSelector waits until an element matches the selector and is visible.
func (w *Worker) WaitSelector(ctx context.Context, selector string, timeout time.Duration, opts LoadOptions) error {
	return w.act(ctx, fmt.Sprintf("wait for %q", selector), timeout, chromedp.WaitVisible(chromedp.CSS(selector)), opts)
}

// WaitURL waits until the tab's URL contains fragment.
func (w *Worker) WaitURL(ctx context.Context, fragment string, timeout time.Duration, opts LoadOptions) error {
	return w.poll(ctx, fmt.Sprintf("wait for a URL containing %q", fragment), timeout, opts.TimeoutHint, func() (bool, error) {
		cctx, cancel := w.commandContext(snapshotTimeout)
		defer cancel()
		return strings.Contains(w.currentURL(cctx), fragment), nil
	})
}

// WaitCookie waits until the jar holds a cookie of the name.
func (w *Worker) WaitCookie(ctx context.Context, name string, timeout time.Duration, opts LoadOptions) error {
	return w.poll(ctx, fmt.Sprintf("wait for the cookie %s", name), timeout, opts.TimeoutHint, func() (bool, error) {
		jar, err := w.Jar()
		if err != nil {
			return false, err
		}
		for _, c := range jar {
			if c.Name == name {
				return true, nil
			}
		}
		return false, nil
	})
}

// poll checks cond after every event of the recording (and at least every
// 100 ms) until it holds or timeout passes.
func (w *Worker) poll(ctx context.Context, what string, timeout time.Duration, hint string, cond func() (bool, error)) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	rec := w.current()
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		tick := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			tick.Stop()
			return fmt.Errorf("%s: %w", what, explainContext(ctx.Err(), timeout, hint))
		case <-deadline.C:
			tick.Stop()
			return fmt.Errorf("%s: timed out after %s", what, timeout)
		case <-rec.Changed():
		case <-tick.C:
		}
		tick.Stop()
	}
}

// Eval runs a script in the page's main world and waits for quiet.
func (w *Worker) Eval(ctx context.Context, script string, opts LoadOptions) error {
	if _, err := w.EvaluateInPage(ctx, script); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return w.settleAfterAction(ctx, w.current(), opts.withDefaults())
}

// ClearCookies empties the jar of the worker's context, keeping the page.
func (w *Worker) ClearCookies() error {
	ctx, cancel := w.commandContext(cleanupTimeout)
	defer cancel()
	if err := w.clearJar(ctx); err != nil {
		return errors.New("clear cookies: " + err.Error())
	}
	w.current().NoteCleared()
	return nil
}

// visibleScript answers whether a visible element matches the selector it
// is called with: one with a box, not display:none or visibility:hidden.
const visibleScript = `((selector) => {
	for (const el of document.querySelectorAll(selector)) {
		const style = getComputedStyle(el);
		if (el.getClientRects().length > 0 && style.visibility !== "hidden" && style.visibility !== "collapse" && style.display !== "none") return true;
	}
	return false;
})`

// PageShows reports whether the tab's page shows a visible element that
// matches the CSS selector now, and the page's URL. It looks from
// cookiescope's isolated world, so page script cannot answer for it by
// patching the DOM API; what the page shows is still the page's to decide.
// It does not wait: call it once the page is quiet. Its errors do not name
// the selector: the caller does.
func (w *Worker) PageShows(ctx context.Context, selector string) (visible bool, pageURL string, err error) {
	lctx, cancel := w.commandContext(snapshotTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	pageURL = w.currentURL(lctx)
	w.mu.Lock()
	tab := w.page
	w.mu.Unlock()
	if tab == nil {
		return false, pageURL, errors.New("no tab")
	}
	world, err := chromedp.Call(lctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: cdp.FrameID(tab.TargetID), WorldName: isolatedWorldName})
	if err != nil {
		return false, pageURL, fmt.Errorf("reach the page: %w", err)
	}
	arg, _ := json.Marshal(selector)
	res, err := chromedp.Call(lctx, runtime.Evaluate, runtime.EvaluateParams{Expression: visibleScript + "(" + string(arg) + ")", ContextID: world.ExecutionContextID, ReturnByValue: ptr(true)})
	if err != nil {
		return false, pageURL, err
	}
	if res.ExceptionDetails != nil {
		return false, pageURL, errors.New(exceptionText(res.ExceptionDetails))
	}
	if res.Result == nil || json.Unmarshal(res.Result.Value, &visible) != nil {
		return false, pageURL, errors.New("no answer from the page")
	}
	return visible, pageURL, nil
}

// exceptionText is an exception's message (such as an invalid selector's
// SyntaxError), or its text when it has none.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		first, _, _ := strings.Cut(d.Exception.Description, "\n")
		return first
	}
	return d.Text
}

// Where returns, for a scripted flow's record of a step, the URL the tab
// shows now (as the browser knows it, not as page script says) and the
// requests recorded so far, in order. It sends one command to the browser.
func (w *Worker) Where() (pageURL string, requests []inspect.Request) {
	requests, _ = w.current().RequestList()
	return inspect.BoundURL(w.CurrentURL()), requests
}
