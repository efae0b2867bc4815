package browser

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// LoadOptions says how long to wait for a target.
type LoadOptions struct {
	// Timeout bounds loading one target, quiet period included (default 30s).
	Timeout time.Duration
	// Quiet is how long the page must also stay idle, with no request in
	// flight and no cookie event, once it has settled, before the jar is
	// read (DefaultQuiet: none). Raise it for pages that set cookies from
	// timers.
	Quiet time.Duration
	// TimeoutHint says what the user can raise when Timeout runs out (the
	// command line's flag); it becomes a TimeoutError's Hint.
	TimeoutHint string

	// withLinks makes settling read the documents' links with their
	// readability (a crawl's load), which saves a round trip to every
	// document afterwards.
	withLinks bool
}

// DefaultQuiet is the extra quiet period after a target has settled: none.
// A target is read as soon as nothing that can still write a cookie is
// pending (see settle), which covers what pages do right after load
// (promise callbacks such as cookieStore.set, zero-delay timers, the
// requests they start); a quiet period is for pages that write from longer
// timers, and is paid on every target.
const DefaultQuiet = 0

func (o LoadOptions) withDefaults() LoadOptions {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return o
}

// The bound on a target's time after its load: reading the evidence
// (readability, the jar) gets snapshotTimeout, and proving the context clean
// for the next target gets cleanupTimeout, replacing it included when it
// cannot be proven clean. A target thus takes at most its load timeout plus
// TargetMargin.
const (
	snapshotTimeout = 2 * time.Second
	cleanupTimeout  = 4 * time.Second
	// TargetMargin is how much longer than LoadOptions.Timeout a target can
	// take in all: its evidence read and its clean-up.
	TargetMargin = snapshotTimeout + cleanupTimeout
)

// drainTimeout bounds the wait, after a target, for its requests still in
// flight to end; a context with requests that would not end is replaced.
const drainTimeout = time.Second

// Worker loads targets one after another in one browser context of its own,
// with one tab. Between targets it closes whatever the target opened, clears
// the context of every kind of storage the target touched, and proves it
// clean (no request of the target in flight, no page but its tab, an empty
// jar); a context that cannot be proven clean is replaced by a new one. A
// Worker must be used by one goroutine at a time.
type Worker struct {
	b *Browser

	// mu guards the fields below, which change when the tab is replaced
	// and are read by event handlers on the reading goroutine. It is a leaf
	// lock: no other lock is taken and no command is sent while it is held.
	mu        sync.Mutex
	inst      *instance
	ctx       context.Context // the tab's chromedp context
	cancel    context.CancelFunc
	contextID cdp.BrowserContextID
	session   target.SessionID
	page      *chromedp.Target
	rec       *record.Recording
	// worlds holds, per session, our isolated world's execution context in
	// each live document: where readability is measured.
	worlds map[cdp.Session]map[string]worldRef // by the context's unique ID
	// popups holds the sessions of the pages the current target opened.
	popups map[target.ID]*childSession
	// attacker answers intercepted requests while Forge runs, and gate
	// while a crawl loads a page; never both.
	attacker *attacker
	gate     *documentGate
	// proxy is the emulated network every request of the worker's context
	// goes to, for a worker made by NewEmulatedWorker; nil otherwise.
	proxy *proxy
	// direct lists the hosts an emulated worker's requests reach directly.
	direct []string
	// viewport is the worker's own viewport (SetViewport), nil for the
	// run's.
	viewport *inspect.Viewport
	// planted holds the cookie lines cookiescope forged as the emulated
	// attacker since the last reset: Chrome reports no network event for a
	// fulfilled response, so without them the jar would hold cookies no
	// recorded write explains. They outlive a recording (a plant, then a
	// visit) but not a reset.
	planted []inspect.Write
}

// NewWorker creates a browser context with one tab, installs the recording
// hook in it, and returns the Worker that owns them. With several browsers,
// each new worker opens on the next live one in turn.
func (b *Browser) NewWorker(ctx context.Context) (*Worker, error) {
	w := &Worker{b: b, rec: record.New(b.hookSecret, "")}
	if err := w.open(ctx, b.pick()); err != nil {
		return nil, err
	}
	return w, nil
}

// NewEmulatedWorker is NewWorker for a context that reaches no network:
// every request of its pages, popups, frames and workers goes to answer
// instead of its server, after Chrome has decided which cookies it carries
// (and reported it, as for any request). Requests to the hosts in direct
// go to their servers as usual. It needs a browser cookiescope launched.
func (b *Browser) NewEmulatedWorker(ctx context.Context, answer http.Handler, direct []string) (*Worker, error) {
	if b.network == nil {
		return nil, errNoNetwork
	}
	p, err := b.network.serve(answer)
	if err != nil {
		return nil, err
	}
	w := &Worker{b: b, rec: record.New(b.hookSecret, ""), proxy: p, direct: direct}
	if err := w.open(ctx, b.current()); err != nil {
		p.Close()
		return nil, err
	}
	return w, nil
}

// open gives the worker a new browser context with one prepared tab on inst.
func (w *Worker) open(ctx context.Context, inst *instance) error {
	var contextOptions []chromedp.CreateBrowserContextOption
	if w.proxy != nil {
		proxyURL := w.proxy.URL()
		// Nothing bypasses the emulated network, loopback included, but
		// the hosts asked for.
		bypass := strings.Join(append([]string{"<-loopback>"}, w.direct...), ",")
		contextOptions = append(contextOptions, func(p *target.CreateBrowserContextParams) {
			p.ProxyServer, p.ProxyBypassList = proxyURL, bypass
		})
	}
	tabCtx, cancel := chromedp.NewContext(inst.ctx, chromedp.WithNewBrowserContext(contextOptions...), chromedp.WithListener(w.onPageEvent))
	setup := func(ctx context.Context, t *chromedp.Target) error {
		contextID := chromedp.FromContext(ctx).BrowserContextID
		inst.mux.ownContext(contextID, t.TargetID, w.adoptPopup)
		inst.mux.adoptIframesOf(t.SessionID, w.adopt)
		w.mu.Lock()
		w.inst, w.ctx, w.cancel = inst, tabCtx, cancel
		w.contextID, w.session, w.page = contextID, t.SessionID, t
		w.worlds = make(map[cdp.Session]map[string]worldRef)
		w.popups = make(map[target.ID]*childSession)
		w.mu.Unlock()
		if err := w.b.restrictThirdPartyCookies(ctx, t); err != nil {
			return err
		}
		if err := emulateViewport(ctx, t, w.viewportOf()); err != nil {
			return err
		}
		if err := installRecorder(ctx, t, w.b.hookScript); err != nil {
			return err
		}
		// The service workers of the context, as they register, install
		// and activate: settling waits for them (see serviceWorkerWait).
		_, err := cdp.Call(ctx, t, serviceworker.Enable, cdp.Empty{})
		return err
	}
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(tabCtx, chromedp.Func(setup)) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
		cancel()
		<-done // the tab and its context are gone when open returns
	}
	if err != nil {
		cancel()
		return fmt.Errorf("open a tab: %w", err)
	}
	return nil
}

// tab returns the tab's chromedp context and the browser instance it is on.
func (w *Worker) tab() (context.Context, *instance) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ctx, w.inst
}

func ptr[T any](v T) *T { return &v }

// commandContext returns a context for commands on the tab, bounded by d.
func (w *Worker) commandContext(d time.Duration) (context.Context, context.CancelFunc) {
	tabCtx, _ := w.tab()
	return context.WithTimeout(tabCtx, d)
}

// EvaluateInPage runs a script in the page's main world, as page script
// would, and returns its result as JSON.
func (w *Worker) EvaluateInPage(ctx context.Context, script string) ([]byte, error) {
	lctx, cancel := w.commandContext(cleanupTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	res, err := chromedp.Call(lctx, runtime.Evaluate, runtime.EvaluateParams{Expression: script, ReturnByValue: ptr(true), AwaitPromise: ptr(true)})
	if err != nil {
		return nil, err
	}
	if res.ExceptionDetails != nil {
		return nil, fmt.Errorf("script failed: %s", res.ExceptionDetails.Text)
	}
	if res.Result == nil {
		return nil, nil
	}
	return res.Result.Value, nil
}

// browserContext returns the ID of the worker's browser context.
func (w *Worker) browserContext() cdp.BrowserContextID {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.contextID
}

// closeTab closes the worker's tab and disposes of its browser context.
//
// The context is disposed of first, which closes its pages, and only then
// is the tab's chromedp context cancelled, which detaches from the tab (and
// would close it and dispose of the context itself): detaching from a page
// while a navigation the browser started is held by a JavaScript dialog
// aborted Chrome 156 ("bad_variant_access was thrown in -fno-exceptions
// mode", every browser context with it); closing it never did (measured
// with /hostile/alert-storm). When the context was already gone, chromedp's
// own commands fail, and nothing needs them.
func (w *Worker) closeTab() {
	w.mu.Lock()
	inst, session, contextID, cancel := w.inst, w.session, w.contextID, w.cancel
	w.page, w.popups, w.worlds = nil, nil, nil
	w.mu.Unlock()
	if inst != nil {
		inst.mux.forget(session)
		inst.mux.forgetContext(contextID)
		if contextID != "" && inst.deathCause() == nil {
			ctx, dcancel := context.WithTimeout(inst.ctx, disposeTimeout)
			_, _ = chromedp.CallBrowser(ctx, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: contextID})
			dcancel()
		}
	}
	if cancel != nil {
		cancel()
	}
}

// disposeTimeout bounds disposing of a worker's browser context.
const disposeTimeout = 5 * time.Second

// Close closes the worker's tab and disposes of its browser context.
func (w *Worker) Close() {
	w.closeTab()
	if w.proxy != nil {
		w.proxy.Close()
	}
}
