package browser

import (
	"context"
	_ "embed"
	"sync"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/debugger"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/cookiescope/cookiescope/browser/record"
)

// A worker watches every session of its tab: the page's, its iframes', its
// popups' and its workers'. Each gets the recorder (Network on, the hook
// script, the dialog answerer) before it runs, and its events go to the
// current recording.

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
		defer w.mu.Unlock()
		if w.worlds == nil {
			// The tab was closed (closeTab): a session of its context
			// still delivering is of no live document.
			return
		}
		if w.worlds[s] == nil {
			w.worlds[s] = make(map[string]worldRef)
		}
		w.worlds[s][ev.Context.UniqueID] = worldRef{id: ev.Context.ID, frame: aux.FrameID}
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
	w.mu.Lock()
	mainFrame := ""
	if w.page != nil {
		// A page's main frame has the page's target ID.
		mainFrame = string(w.page.TargetID)
	}
	w.rec = record.New(w.b.hookSecret, mainFrame)
	w.mu.Unlock()
}

// current returns the recording events go to.
func (w *Worker) current() *record.Recording {
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
	w.onEvent(tab, record.PageLabel, true, ev)
}

// onEvent handles one event of a session of the worker's (its tab, an
// iframe's or a popup's) on the reading goroutine: it notes our isolated
// worlds, answers dialogs, and records the event in the current recording.
func (w *Worker) onEvent(s cdp.Session, label string, topLevel bool, ev any) {
	w.noteWorld(s, ev)
	rec := w.current()
	if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
		accept := w.b.opts.AcceptDialogs || d.Type == page.DialogTypeBeforeunload
		rec.NoteDialog(string(d.Type), d.Message, d.URL, accept)
		go answerDialog(s, d, accept)
	}
	if rev, ok := recordEvent(ev); ok {
		rec.Handle(label, topLevel, rev)
	}
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
		w.prepare(child, record.FrameLabelPrefix+string(child.id), false)
		return
	}
	if info.Type == "service_worker" {
		w.adoptServiceWorker(child)
		return
	}
	// A dedicated or shared worker: its requests can set cookies, so its
	// network events are recorded, but the page must not notice us, so it
	// runs as soon as they are on.
	w.watch(child, record.WorkerLabelPrefix+string(child.id))
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
	rec.AdoptStarted()
	paused := make(chan struct{}, 1)
	label := record.ServiceWorkerLabelPrefix + string(child.id)
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
		defer rec.AdoptDone()
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

// adoptPopup takes a page the target opened (window.open, a link with
// target=_blank): it belongs to the target, is recorded like the tab from
// its first byte, and is closed when the target ends.
func (w *Worker) adoptPopup(child *childSession, info *target.Info) {
	w.mu.Lock()
	w.popups[info.TargetID] = child
	w.mu.Unlock()
	w.current().NotePopup(string(info.TargetID), info.URL)
	w.prepare(child, record.PopupLabelPrefix+string(info.TargetID), true)
}

// prepare records an adopted session under label and lets it run once the
// recorder is installed in it (and, for a page, the third-party cookie
// setting applied).
func (w *Worker) prepare(child *childSession, label string, isPage bool) {
	rec := w.current()
	rec.AdoptStarted()
	w.watch(child, label)
	_, inst := w.tab()
	if inst != nil {
		inst.mux.adoptIframesOf(child.id, w.adopt)
	}
	go func() {
		defer rec.AdoptDone()
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
