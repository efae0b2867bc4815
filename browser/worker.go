package browser

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/debugger"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/inspect"
)

//go:embed hook.js
var hookSource string

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
	rec       *recording
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
	w := &Worker{b: b, rec: newRecording(b.hookSecret)}
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
	w := &Worker{b: b, rec: newRecording(b.hookSecret), proxy: p, direct: direct}
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

// installRecorder prepares a session (the page's or an iframe's) so that
// every cookie event of its documents reaches us: the binding and the hook
// before any page script, network events with raw headers, and auto-attach
// that pauses each new cross-site iframe until it is prepared the same way.
func installRecorder(ctx context.Context, s cdp.Session, hookScript string) error {
	steps := []func() error{
		func() error { _, err := cdp.Call(ctx, s, runtime.Enable, cdp.Empty{}); return err },
		func() error {
			_, err := cdp.Call(ctx, s, runtime.AddBinding, runtime.AddBindingParams{Name: bindingName})
			return err
		},
		// A write's stack goes on past timers and promises to the code
		// that scheduled it.
		func() error {
			_, err := cdp.Call(ctx, s, setAsyncCallStackDepth, asyncCallStackDepthParams{MaxDepth: asyncStackDepth})
			return err
		},
		func() error { _, err := cdp.Call(ctx, s, page.Enable, page.EnableParams{}); return err },
		func() error {
			_, err := cdp.Call(ctx, s, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: hookScript})
			return err
		},
		// An empty script in a named world makes Chrome create our isolated
		// world in every document: readability is measured there, where
		// page script cannot tamper with document.cookie.
		func() error {
			_, err := cdp.Call(ctx, s, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: "", WorldName: isolatedWorldName})
			return err
		},
		func() error { _, err := cdp.Call(ctx, s, network.Enable, network.EnableParams{}); return err },
		// No HTTP cache: every target fetches (and so reports) every
		// response, and nothing cached carries over to the next target.
		func() error {
			_, err := cdp.Call(ctx, s, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
			return err
		},
		func() error {
			_, err := cdp.Call(ctx, s, target.SetAutoAttach, target.SetAutoAttachParams{AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: ptr(true)})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// setAsyncCallStackDepth is the Runtime domain's command (cdproto has only
// the Debugger domain's, which needs the debugger on).
var setAsyncCallStackDepth = cdp.Command[asyncCallStackDepthParams, cdp.Empty]{Method: "Runtime.setAsyncCallStackDepth"}

// asyncCallStackDepthParams are setAsyncCallStackDepth's parameters.
type asyncCallStackDepthParams struct {
	MaxDepth int `json:"maxDepth"`
}

// asyncStackDepth is how many asynchronous parents (timers, promises) a
// write's stack keeps.
const asyncStackDepth = 8

// isolatedWorldName names the isolated world readability is measured in.
const isolatedWorldName = "cookiescope"

// worldRef is our isolated world in one document: its execution context,
// and the frame that shows the document (empty when Chrome did not say).
type worldRef struct {
	id    runtime.ExecutionContextID
	frame cdp.FrameID
}

// noteWorld tracks our isolated world's execution contexts in a session.
func (w *Worker) noteWorld(s cdp.Session, ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExecutionContextCreated:
		if ev.Context == nil || ev.Context.Name != isolatedWorldName {
			return
		}
		var aux struct {
			FrameID cdp.FrameID `json:"frameId"`
		}
		_ = jsonv2.Unmarshal(ev.Context.AuxData, &aux)
		w.mu.Lock()
		if w.worlds[s] == nil {
			w.worlds[s] = make(map[string]worldRef)
		}
		w.worlds[s][ev.Context.UniqueID] = worldRef{id: ev.Context.ID, frame: aux.FrameID}
		w.mu.Unlock()
	case *runtime.EventExecutionContextDestroyed:
		w.mu.Lock()
		delete(w.worlds[s], ev.ExecutionContextUniqueID)
		w.mu.Unlock()
	case *runtime.EventExecutionContextsCleared:
		w.mu.Lock()
		delete(w.worlds, s)
		w.mu.Unlock()
	}
}

// startRecording sends the events from now on to a new recording.
func (w *Worker) startRecording() {
	rec := newRecording(w.b.hookSecret)
	w.mu.Lock()
	if w.page != nil {
		// A page's main frame has the page's target ID.
		rec.mainFrame = cdp.FrameID(w.page.TargetID)
	}
	w.rec = rec
	w.mu.Unlock()
}

// current returns the recording events go to.
func (w *Worker) current() *recording {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rec
}

// onPageEvent receives the tab's events on chromedp's reading goroutine.
func (w *Worker) onPageEvent(ev any) {
	w.mu.Lock()
	tab, a, g := w.page, w.attacker, w.gate
	w.mu.Unlock()
	if paused, ok := ev.(*fetch.EventRequestPaused); ok {
		switch {
		case a != nil:
			a.paused(paused)
			return
		case g != nil:
			g.paused(paused)
			return
		}
	}
	if tab == nil {
		return
	}
	w.onEvent(tab, "page", true, ev)
}

// onEvent handles one event of a session of the worker's (its tab, an
// iframe's or a popup's) on the reading goroutine: it notes our isolated
// worlds, answers dialogs, and records the event in the current recording.
func (w *Worker) onEvent(s cdp.Session, label string, topLevel bool, ev any) {
	w.noteWorld(s, ev)
	rec := w.current()
	if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
		accept := w.b.opts.AcceptDialogs || d.Type == page.DialogTypeBeforeunload
		rec.noteDialog(d, accept)
		go answerDialog(s, d, accept)
	}
	rec.handle(label, topLevel, ev)
}

// answerDialog answers a JavaScript dialog at once, so that it never holds
// the page. A beforeunload dialog is always answered "leave": staying would
// keep the target's page alive after the target ended.
func answerDialog(s cdp.Session, d *page.EventJavascriptDialogOpening, accept bool) {
	ctx, cancel := context.WithTimeout(context.Background(), resumeTimeout)
	defer cancel()
	_, _ = cdp.Call(ctx, s, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept, PromptText: d.DefaultPrompt})
}

// watch sends the events of an adopted session to onEvent under label. It
// runs on the reading goroutine (from an adopt func).
func (w *Worker) watch(child *childSession, label string) {
	child.setEventHandler(func(method string, params jsonv2.Value) {
		ev, err := cdproto.UnmarshalMessage(&cdproto.Message{Method: cdproto.MethodType(method), Params: params}, chromedp.DefaultUnmarshalOptions)
		if err != nil {
			return
		}
		w.onEvent(child, label, false, ev)
	})
}

// adopt takes a cross-site iframe's paused session: it runs on the reading
// goroutine, so the setup happens in a goroutine of its own, and the page is
// not quiet until it is done.
func (w *Worker) adopt(child *childSession, info *target.Info) {
	if info.Type == "iframe" {
		w.prepare(child, "frame:"+string(child.id), false)
		return
	}
	if info.Type == "service_worker" {
		w.adoptServiceWorker(child)
		return
	}
	// A dedicated or shared worker: its requests can set cookies, so its
	// network events are recorded, but the page must not notice us, so it
	// runs as soon as they are on.
	w.watch(child, workerLabelPrefix+string(child.id))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), resumeTimeout)
		defer cancel()
		_, _ = cdp.Call(ctx, child, network.Enable, network.EnableParams{})
		child.resume()
	}()
}

// adoptServiceWorker takes a service worker's session, paused before its
// script runs, and lets it run only once its requests are recorded and its
// cookieStore is hooked, so that a write in its first run of script (an
// install or activate handler) is attributed to the worker's script like
// any other. It runs on the reading goroutine; the setup runs in a
// goroutine of its own, and the target is not quiet until it is done.
//
// What Chrome 156 does with a paused service worker (measured): a command
// sent alone and awaited (Network.enable) gets no reply while it is paused,
// but commands sent one after another and then Runtime.runIfWaitingForDebugger,
// without waiting in between, are all answered, in order, before it runs.
// Its global scope is not ready while it is paused: typeof CookieStore is
// "undefined" there, and evaluating location or cookieStore crashes the
// renderer (the page's too, which shares its process). So the hook is
// evaluated at a Debugger instrumentation breakpoint set before the worker's
// first script runs: there the scope is ready and the script has not run.
func (w *Worker) adoptServiceWorker(child *childSession) {
	rec := w.current()
	rec.adoptStarted()
	paused := make(chan struct{}, 1)
	label := serviceWorkerLabelPrefix + string(child.id)
	var first sync.Once
	child.setEventHandler(func(method string, params jsonv2.Value) {
		if method == "Debugger.paused" {
			handled := false
			first.Do(func() { handled = true; paused <- struct{}{} })
			if !handled {
				// Only the first pause is ours: any other (a debugger
				// statement before the debugger is off) goes on at once.
				go resumeDebugger(child)
			}
			return
		}
		ev, err := cdproto.UnmarshalMessage(&cdproto.Message{Method: cdproto.MethodType(method), Params: params}, chromedp.DefaultUnmarshalOptions)
		if err != nil {
			return
		}
		w.onEvent(child, label, false, ev)
	})
	go func() {
		defer rec.adoptDone()
		ctx, cancel := context.WithTimeout(context.Background(), resumeTimeout)
		defer cancel()
		w.hookServiceWorker(ctx, child, paused)
	}()
}

// hookServiceWorker prepares a service worker's session (see
// adoptServiceWorker) and lets the worker run. A worker that was not paused
// (Chrome attached it already running) is hooked as it stands: what its
// script did before is then past the hook, and a cookie it wrote is reported
// unrecorded (CS019), never explained.
func (w *Worker) hookServiceWorker(ctx context.Context, s *childSession, paused <-chan struct{}) {
	type command struct {
		method string
		params any
	}
	commands := []command{
		{network.Enable.Method, network.EnableParams{}},
		{network.SetCacheDisabled.Method, network.SetCacheDisabledParams{CacheDisabled: true}},
		{runtime.AddBinding.Method, runtime.AddBindingParams{Name: bindingName}},
		{runtime.Enable.Method, cdp.Empty{}},
		{setAsyncCallStackDepth.Method, asyncCallStackDepthParams{MaxDepth: asyncStackDepth}},
	}
	if !s.waiting {
		commands = append(commands, command{runtime.Evaluate.Method, runtime.EvaluateParams{Expression: w.b.hookScript}})
	} else {
		commands = append(commands,
			command{debugger.Enable.Method, debugger.EnableParams{}},
			command{debugger.SetInstrumentationBreakpoint.Method, debugger.SetInstrumentationBreakpointParams{Instrumentation: debugger.SetInstrumentationBreakpointInstrumentationBeforeScriptExecution}},
			command{runtime.RunIfWaitingForDebugger.Method, cdp.Empty{}})
	}
	// Sent in order without waiting: a paused worker answers them only
	// once the command that lets it run has come too.
	var waits []func(any) error
	for _, c := range commands {
		wait, err := s.send(ctx, c.method, c.params)
		if err != nil {
			return
		}
		waits = append(waits, wait)
	}
	for _, wait := range waits {
		_ = wait(nil)
	}
	if !s.waiting {
		return
	}
	select {
	case <-paused:
	case <-ctx.Done():
		// No pause came in time: the debugger goes off all the same, so
		// that a late one cannot hold the worker (unhooked, then).
		dctx, cancel := context.WithTimeout(context.Background(), resumeTimeout)
		defer cancel()
		_, _ = cdp.Call(dctx, s, debugger.Disable, cdp.Empty{})
		return
	}
	_, _ = cdp.Call(ctx, s, runtime.Evaluate, runtime.EvaluateParams{Expression: w.b.hookScript})
	// Turning the debugger off lets the worker go on (measured: a
	// Debugger.resume after it is answered "Can only perform operation
	// while paused"), and no later pause can hold it.
	_, _ = cdp.Call(ctx, s, debugger.Disable, cdp.Empty{})
}

// resumeDebugger lets a worker paused in the debugger go on.
func resumeDebugger(s *childSession) {
	ctx, cancel := context.WithTimeout(context.Background(), resumeTimeout)
	defer cancel()
	_, _ = cdp.Call(ctx, s, debugger.Resume, debugger.ResumeParams{})
}

// workerLabelPrefix starts the label of a worker's session. A dedicated or
// shared worker's requests are recorded but never hold the page's quiet: a
// worker can keep a request open for ever without the page being any less
// loaded.
const workerLabelPrefix = "worker:"

// serviceWorkerLabelPrefix starts the label of a service worker's session
// (which starts with workerLabelPrefix too). Its requests hold settling for
// serviceWorkerWait at most: a service worker's requests are the site's own
// (a login or caching worker answering the page), while a dedicated worker
// may hold a request open for ever (an event stream) and costs nothing.
const serviceWorkerLabelPrefix = workerLabelPrefix + "service:"

// adoptPopup takes a page the target opened (window.open, a link with
// target=_blank): it belongs to the target, is recorded like the tab from
// its first byte, and is closed when the target ends.
func (w *Worker) adoptPopup(child *childSession, info *target.Info) {
	w.mu.Lock()
	w.popups[info.TargetID] = child
	w.mu.Unlock()
	w.current().notePopup(info)
	w.prepare(child, "popup:"+string(info.TargetID), true)
}

// prepare records an adopted session under label and lets it run once the
// recorder is installed in it (and, for a page, the third-party cookie
// setting applied).
func (w *Worker) prepare(child *childSession, label string, isPage bool) {
	rec := w.current()
	rec.adoptStarted()
	w.watch(child, label)
	_, inst := w.tab()
	if inst != nil {
		inst.mux.adoptIframesOf(child.id, w.adopt)
	}
	go func() {
		defer rec.adoptDone()
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		// A target that detaches during setup has nothing left to record.
		if isPage {
			_ = w.b.restrictThirdPartyCookies(ctx, child)
			_ = emulateViewport(ctx, child, w.viewportOf())
		}
		_ = installRecorder(ctx, child, w.b.hookScript)
		child.resume()
	}()
}

// Inspect loads rawURL in the worker's tab and returns what happened to
// cookies, then clears the context for the next target. A load that fails
// or times out still returns everything captured until then, with
// Target.Error set. When ctx ends, the jar is still read (for a few seconds
// at most) so an interrupted run keeps what it saw. Inspect takes at most
// opts.Timeout plus TargetMargin.
func (w *Worker) Inspect(ctx context.Context, rawURL string, opts LoadOptions) inspect.Target {
	start := time.Now()
	t := w.Visit(ctx, rawURL, opts)
	w.cleanUp(&t, start)
	return t
}

// cleanUp leaves the context clean after target t, which started at start,
// and says so in t: an error when it could not, the clean-up's time, what
// was found when the context had to be replaced, and the whole duration.
func (w *Worker) cleanUp(t *inspect.Target, start time.Time) {
	rec := w.current()
	cleanup := time.Now()
	if err := w.Reset(); err != nil && t.Error == "" {
		t.Error = fmt.Sprintf("clear the browser context after the target: %v", err)
	}
	t.Timings.CleanupMS = inspect.Milliseconds(time.Since(cleanup))
	_, _, t.Isolation = rec.evidence()
	t.DurationMS = time.Since(start).Milliseconds()
}

// Visit is Inspect without the clean-up: the context keeps the target's
// cookies and storage, so probes can attack them. Call Reset before the
// next target. The target's Timings are set, its clean-up's excepted.
func (w *Worker) Visit(ctx context.Context, rawURL string, opts LoadOptions) inspect.Target {
	start := time.Now()
	w.startRecording()
	read, loadErr := w.gotoAndRead(ctx, rawURL, opts)
	settled := time.Now()
	t, took := w.snapshot(rawURL, read)
	if took.unanswered {
		t.Error = strings.TrimPrefix(t.Error+"\n"+stoppedAnswering(t.FinalURL), "\n")
	}
	if loadErr != nil {
		t.Error = strings.TrimSuffix(loadErr.Error()+"\n"+t.Error, "\n")
	}
	t.Timings = w.visitTimings(start, settled, took)
	t.DurationMS = time.Since(start).Milliseconds()
	return t
}

// visitTimings are the Timings of a target visited from start that settled
// at settled, its clean-up's excepted.
func (w *Worker) visitTimings(start, settled time.Time, took snapshotTimes) *inspect.Timings {
	t := &inspect.Timings{ReadabilityMS: inspect.Milliseconds(took.readability), JarMS: inspect.Milliseconds(took.jar)}
	if loaded, ok := w.current().loadedAt(); ok && loaded.Before(settled) {
		t.NavigateMS = inspect.Milliseconds(loaded.Sub(start))
		t.SettleMS = inspect.Milliseconds(settled.Sub(loaded))
	} else {
		t.NavigateMS = inspect.Milliseconds(settled.Sub(start))
	}
	return t
}

// stoppedAnswering is a target's error when its page did not answer the
// readability read: what it did until then is kept, what it does later is
// not seen.
func stoppedAnswering(finalURL string) string {
	page := "the page"
	if finalURL != "" {
		page = "the page at " + finalURL
	}
	return fmt.Sprintf("%s stopped answering: %s; what it did until then is kept, and script readability is unknown where it was not measured", page, notAnswered(snapshotTimeout/2))
}

// commandContext returns a context for commands on the tab, bounded by d.
func (w *Worker) commandContext(d time.Duration) (context.Context, context.CancelFunc) {
	tabCtx, _ := w.tab()
	return context.WithTimeout(tabCtx, d)
}

// Jar returns every cookie of the worker's browser context now.
func (w *Worker) Jar() ([]inspect.Cookie, error) {
	ctx, cancel := w.commandContext(snapshotTimeout)
	defer cancel()
	return w.readJar(ctx)
}

// Reset leaves the worker's context as new for the next target (see
// reset); it takes cleanupTimeout at most.
func (w *Worker) Reset() error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	w.mu.Lock()
	w.planted = nil
	w.mu.Unlock()
	return w.reset(ctx, w.current())
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

// CheckURL rejects what cannot be a target before the browser sees it.
func CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("malformed URL %q: %v", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("malformed URL %q: want an http:// or https:// URL", rawURL)
	}
	if u.Host == "" {
		return fmt.Errorf("malformed URL %q: no host", rawURL)
	}
	return nil
}

// load navigates and waits for the load event and then for quiet. It
// returns what the documents' script could read once the page settled (see
// settle).
func (w *Worker) load(ctx context.Context, rawURL string, rec *recording, opts LoadOptions) (*settledRead, error) {
	// Commands need the tab's chromedp context; the caller's ctx only says
	// when to stop.
	lctx, cancel := w.commandContext(opts.Timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	ctx = lctx
	rec.expectNavigation()
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: rawURL})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", rawURL, explainContext(err, opts.Timeout, opts.TimeoutHint))
	}
	if res.IsDownload {
		// The page stays as it was: nothing of rawURL is shown to read.
		return nil, fmt.Errorf("load %s: %w", rawURL, errDownload)
	}
	if res.ErrorText != "" {
		return nil, fmt.Errorf("load %s: %s%s", rawURL, res.ErrorText, hintFor(res.ErrorText))
	}
	rec.expectLoad(string(res.LoaderID))
	read, err := w.settle(ctx, rec, opts.Quiet)
	if err != nil {
		if errors.Is(err, errRendererCrashed) {
			return nil, fmt.Errorf("load %s: %w", rawURL, err)
		}
		if !rec.isLoaded() {
			return nil, fmt.Errorf("load %s: the page did not finish loading: %w", rawURL, explainContext(err, opts.Timeout, opts.TimeoutHint))
		}
		return nil, fmt.Errorf("load %s: the page loaded but never went quiet (requests still in flight: %s): %w", rawURL, rec.inflightSummary(), explainContext(err, opts.Timeout, opts.TimeoutHint))
	}
	return read, nil
}

func explainContext(err error, timeout time.Duration, hint string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &TimeoutError{After: timeout, Hint: hint}
	}
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted")
	}
	return err
}

// hintFor adds what the user can do about a Chrome network error.
func hintFor(errorText string) string {
	switch {
	case strings.Contains(errorText, "ERR_CERT"):
		return " (the certificate is not trusted; pass --insecure to accept it)"
	case strings.Contains(errorText, "ERR_NAME_NOT_RESOLVED"):
		return " (the host name does not resolve; --resolve HOST:IP maps it)"
	case strings.Contains(errorText, "ERR_CONNECTION_REFUSED"):
		return " (nothing listens there)"
	}
	return ""
}

func (w *Worker) currentURL(ctx context.Context) string {
	w.mu.Lock()
	tab := w.page
	w.mu.Unlock()
	if tab == nil {
		return ""
	}
	info, err := chromedp.CallBrowser(ctx, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: tab.TargetID})
	if err != nil || info.TargetInfo == nil {
		return ""
	}
	return info.TargetInfo.URL
}

// readJar returns every cookie of the worker's browser context.
func (w *Worker) readJar(ctx context.Context) ([]inspect.Cookie, error) {
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: w.browserContext()})
	if err != nil {
		return nil, err
	}
	out := make([]inspect.Cookie, 0, len(res.Cookies))
	for _, c := range res.Cookies {
		out = append(out, convertCookie(c))
	}
	return out, nil
}

// browserContext returns the ID of the worker's browser context.
func (w *Worker) browserContext() cdp.BrowserContextID {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.contextID
}

// convertCookie turns Chrome's cookie into ours.
func convertCookie(c *network.Cookie) inspect.Cookie {
	out := inspect.Cookie{
		Name:         c.Name,
		Value:        c.Value,
		Domain:       c.Domain,
		Path:         c.Path,
		HostOnly:     !strings.HasPrefix(c.Domain, "."),
		Secure:       c.Secure,
		HttpOnly:     c.HTTPOnly,
		SameSite:     string(c.SameSite),
		Session:      c.Session,
		Size:         int(c.Size),
		SourceScheme: string(c.SourceScheme),
		SourcePort:   int(c.SourcePort),
		Priority:     string(c.Priority),
	}
	if !c.Session && c.Expires > 0 {
		t := time.Unix(0, int64(c.Expires*float64(time.Second))).UTC()
		out.Expires = &t
	}
	if c.PartitionKey != nil {
		out.Partitioned = true
		out.PartitionKey = c.PartitionKey.TopLevelSite
		out.PartitionCrossSite = c.PartitionKey.HasCrossSiteAncestor
	}
	return out
}

// originStorageTypes is every kind of storage a page can write for an
// origin but cookies, which clearJar clears for the whole context (clearing
// them for each origin as well took the origin's clearing from 1.6 to 2.0
// ms a call, in one measured run). ("all" also clears the shader cache and
// more and costs 25 ms a call; the HTTP cache is disabled for the worker
// instead of cleared.)
const originStorageTypes = "local_storage,indexeddb,websql,file_systems,cache_storage,service_workers"

// reset leaves the worker's context as new for the next target, and proves
// it: the page is stopped and frozen (no script, timer or request of it
// runs again) rather than replaced by about:blank, since leaving the site
// would tear down its renderer process, which costs more than the rest of a
// target; every page the target opened is closed; the target's requests
// still in flight are waited for; the jar and every kind of storage of the
// origins the target touched are cleared. Then the context must hold no
// cookie and no page but the tab. When any of that fails, the context is
// disposed of and replaced by a new one, so that nothing of this target can
// reach the next. The next navigation discards the frozen document.
func (w *Worker) reset(ctx context.Context, rec *recording) error {
	tabCtx, inst := w.tab()
	if inst != nil && inst.deathCause() != nil {
		return inst.deathCause()
	}
	cctx, cancel := context.WithCancel(tabCtx)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	dirty := w.settleAfterTarget(cctx, rec)
	if err := w.clearContext(cctx, rec); err != nil {
		dirty = append(dirty, err.Error())
	}
	if err := w.stopServiceWorkers(cctx, rec); err != nil {
		dirty = append(dirty, err.Error())
	}
	if len(dirty) == 0 {
		dirty = w.proveClean(cctx)
	}
	if len(dirty) == 0 {
		return nil
	}
	rec.noteReplaced(dirty)
	return w.replaceContext(ctx)
}

// settleAfterTarget stops the target from doing anything more: its popups
// are closed and its page is stopped (see closePopupsAndStopPage), so that
// no handler of it runs when the next target's navigation replaces it; then
// its requests still in flight are waited for. It returns what it could not
// do.
func (w *Worker) settleAfterTarget(ctx context.Context, rec *recording) []string {
	var dirty []string
	for _, err := range w.closePopupsAndStopPage(ctx, rec) {
		if err != nil {
			dirty = append(dirty, err.Error())
		}
	}
	dctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	if err := rec.waitDrained(dctx); err != nil {
		dirty = append(dirty, "requests of the target still in flight: "+rec.inflightSummary())
	}
	return dirty
}

// leaveTimeout bounds the wait for the page to leave for about:blank.
const leaveTimeout = time.Second

// leavePage replaces the page's document by about:blank. The navigation
// starts from the document itself (in our isolated world), so Chrome keeps
// the renderer process for the next target; a navigation from the browser
// would tear it down, which costs more than the rest of a target. A page
// that does not leave in time is not navigated by the browser: its context
// is replaced, which ends it. (A browser navigation of a page that keeps a
// JavaScript dialog open, followed by the detach that replacing the context
// does, aborted Chrome 156: "bad_variant_access was thrown in
// -fno-exceptions mode"; see closeTab.)
func (w *Worker) leavePage(ctx context.Context, rec *recording) error {
	w.mu.Lock()
	tab := w.page
	w.mu.Unlock()
	if tab == nil {
		return errors.New("no tab")
	}
	_, _ = chromedp.Call(ctx, page.StopLoading, cdp.Empty{})
	lctx, cancel := context.WithTimeout(ctx, leaveTimeout)
	defer cancel()
	world, err := chromedp.Call(lctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: cdp.FrameID(tab.TargetID), WorldName: isolatedWorldName})
	if err == nil {
		_, err = chromedp.Call(lctx, runtime.Evaluate, runtime.EvaluateParams{Expression: `location.replace("about:blank")`, ContextID: world.ExecutionContextID})
	}
	if err == nil {
		err = rec.waitMainURL(lctx, "about:blank")
	}
	if err == nil {
		return nil
	}
	// The document did not leave by itself (its script keeps the event loop
	// busy, or a dialog open, say): it may go on running and write cookies
	// after the jar is cleared, so the context cannot be proven clean, and
	// the caller replaces it.
	return fmt.Errorf("the page did not leave within %s (%v): its script may still run", leaveTimeout, err)
}

// closePopups closes every page of the worker's context but its tab: the
// target's popups, and any page opened some other way. It returns how many
// it found.
func (w *Worker) closePopups(ctx context.Context) (int, error) {
	w.mu.Lock()
	tab, contextID := w.page, w.contextID
	w.popups = make(map[target.ID]*childSession)
	w.mu.Unlock()
	pages, err := w.contextPages(ctx, contextID)
	if err != nil {
		return 0, fmt.Errorf("list the pages of the context: %w", err)
	}
	found := 0
	var errs []error
	for _, id := range pages {
		if tab != nil && id == tab.TargetID {
			continue
		}
		found++
		if _, err := chromedp.CallBrowser(ctx, target.CloseTarget, target.CloseTargetParams{TargetID: id}); err != nil {
			errs = append(errs, fmt.Errorf("close popup: %w", err))
		}
	}
	return found, errors.Join(errs...)
}

// contextPages lists the page targets of a browser context.
func (w *Worker) contextPages(ctx context.Context, contextID cdp.BrowserContextID) ([]target.ID, error) {
	res, err := chromedp.CallBrowser(ctx, target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		return nil, err
	}
	var ids []target.ID
	for _, info := range res.TargetInfos {
		if info.BrowserContextID == contextID && info.Type == "page" {
			ids = append(ids, info.TargetID)
		}
	}
	return ids, nil
}

// clearContext clears the jar and every kind of storage of the origins the
// target touched; the commands are independent, so they go together.
func (w *Worker) clearContext(ctx context.Context, rec *recording) error {
	clears := []func() error{func() error { return w.clearJar(ctx) }}
	for _, origin := range rec.originList() {
		clears = append(clears, func() error {
			if _, err := chromedp.Call(ctx, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: origin, StorageTypes: originStorageTypes}); err != nil {
				return fmt.Errorf("%s: %w", origin, err)
			}
			return nil
		})
	}
	results := make(chan error, len(clears))
	for _, clear := range clears {
		go func() { results <- clear() }()
	}
	var errs []error
	for range clears {
		if err := <-results; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// stopServiceWorkers stops the service workers of a target that had any,
// once clearContext has unregistered them, and waits (serviceWorkerStop at
// most) until Chrome reports each of them redundant and stopped: a
// redundant worker left running goes on running its script (timers,
// cookieStore writes) into the next target. Unstopped, Chrome stopped a
// redundant lab worker 0.4-0.7 s after it was unregistered (measured).
func (w *Worker) stopServiceWorkers(ctx context.Context, rec *recording) error {
	if !rec.hadServiceWorker() {
		return nil
	}
	if _, err := chromedp.Call(ctx, serviceworker.StopAllWorkers, cdp.Empty{}); err != nil {
		return fmt.Errorf("stop the service workers of the target: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, serviceWorkerStop)
	defer cancel()
	return rec.waitServiceWorkersGone(sctx)
}

// serviceWorkerStop bounds the wait for a target's service workers to be
// gone after clearing; a context where one is left is replaced.
const serviceWorkerStop = time.Second

// proveClean checks that the context holds no cookie and no page but the
// tab; it returns what it found otherwise. The jar and the pages are asked
// for at once.
func (w *Worker) proveClean(ctx context.Context) []string {
	w.mu.Lock()
	contextID := w.contextID
	w.mu.Unlock()
	var jar []inspect.Cookie
	var jarErr error
	var wg sync.WaitGroup
	wg.Go(func() { jar, jarErr = w.readJar(ctx) })
	pages, err := w.contextPages(ctx, contextID)
	wg.Wait()
	var dirty []string
	switch {
	case jarErr != nil:
		dirty = append(dirty, "read the jar after clearing: "+jarErr.Error())
	case len(jar) > 0:
		dirty = append(dirty, fmt.Sprintf("%d cookies in the jar after clearing (%s first)", len(jar), jar[0].Name))
	}
	switch {
	case err != nil:
		dirty = append(dirty, "list the pages of the context: "+err.Error())
	case len(pages) > 1:
		dirty = append(dirty, fmt.Sprintf("%d pages open after closing popups", len(pages)))
	}
	return dirty
}

// replaceContext disposes of the worker's browser context, with everything
// still running in it, and opens a new one.
func (w *Worker) replaceContext(ctx context.Context) error {
	_, inst := w.tab()
	w.closeTab()
	if err := w.open(ctx, inst); err != nil {
		return fmt.Errorf("replace the browser context: %w", err)
	}
	return nil
}

// clearJar deletes every cookie of the worker's context.
func (w *Worker) clearJar(ctx context.Context) error {
	_, err := chromedp.CallBrowser(ctx, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: w.browserContext()})
	return err
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
