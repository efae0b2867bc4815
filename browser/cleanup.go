package browser

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/domdebugger"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// After a target, the worker leaves its context as new and proves it: the
// page is stopped, its popups are closed, its requests are waited for, the
// jar and every storage of the origins it touched are cleared, its service
// workers are stopped, and the context must then hold no cookie and no page
// but the tab; else it is replaced.

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
	_, _, t.Isolation = rec.Evidence()
	t.DurationMS = time.Since(start).Milliseconds()
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
func (w *Worker) reset(ctx context.Context, rec *record.Recording) error {
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
	rec.NoteReplaced(dirty)
	return w.replaceContext(ctx)
}

// settleAfterTarget stops the target from doing anything more: its popups
// are closed and its page is stopped (see closePopupsAndStopPage), so that
// no handler of it runs when the next target's navigation replaces it; then
// its requests still in flight are waited for. It returns what it could not
// do.
func (w *Worker) settleAfterTarget(ctx context.Context, rec *record.Recording) []string {
	var dirty []string
	for _, err := range w.closePopupsAndStopPage(ctx, rec) {
		if err != nil {
			dirty = append(dirty, err.Error())
		}
	}
	dctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	if err := rec.WaitDrained(dctx); err != nil {
		dirty = append(dirty, "requests of the target still in flight: "+rec.InflightSummary())
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
func (w *Worker) leavePage(ctx context.Context, rec *record.Recording) error {
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
		err = rec.WaitMainURL(lctx, "about:blank")
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
func (w *Worker) clearContext(ctx context.Context, rec *record.Recording) error {
	clears := []func() error{func() error { return w.clearJar(ctx) }}
	for _, origin := range rec.OriginList() {
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
func (w *Worker) stopServiceWorkers(ctx context.Context, rec *record.Recording) error {
	if !rec.HadServiceWorker() {
		return nil
	}
	if _, err := chromedp.Call(ctx, serviceworker.StopAllWorkers, cdp.Empty{}); err != nil {
		return fmt.Errorf("stop the service workers of the target: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, serviceWorkerStop)
	defer cancel()
	return rec.WaitServiceWorkersGone(sctx)
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

// closePopupsAndStopPage closes the target's popups (closePopups) and
// makes sure that nothing of the target's page runs again, now or when the
// next target's navigation replaces it. A page that being left would run no
// script of is frozen (see freezePage), which costs a fraction of leaving
// it; any other page is left for an empty document (leavePage), so that its
// unload handlers run now, recorded with this target and cleared with it.
// A same-origin popup can reach into the page (give it an unload handler,
// say) until it is gone, so a page that had another page beside it is
// always left, after that page is closed: the engine's list of its
// listeners could be out of date as soon as it is read. When the target
// opened no popup, the listing of the context's pages goes alongside the
// freeze, and a page found there after all has the frozen page thawed and
// left. It returns the error of each part.
func (w *Worker) closePopupsAndStopPage(ctx context.Context, rec *record.Recording) (errs [2]error) {
	if rec.HadPopups() {
		_, errs[0] = w.closePopups(ctx)
		errs[1] = w.leavePage(ctx, rec)
		return errs
	}
	var others int
	var frozen bool
	var wg sync.WaitGroup
	wg.Go(func() { others, errs[0] = w.closePopups(ctx) })
	wg.Go(func() { frozen = w.freezePage(ctx, rec) })
	wg.Wait()
	if frozen && others == 0 && errs[0] == nil {
		return errs
	}
	if frozen {
		w.thawPage(ctx)
	}
	errs[1] = w.leavePage(ctx, rec)
	return errs
}

// leaveEvents are the events Chrome can fire at a document, or its window,
// when a navigation replaces it: a listener for any of them is script that
// would run then.
var leaveEvents = []string{"beforeunload", "unload", "pagehide", "pageswap", "visibilitychange", "resume"}

// freezePage freezes the page (no timer, task or callback of it runs while
// it is frozen) and reports true when, frozen, the page is sure to run no
// script when it is replaced: it is one document (no iframe was ever
// attached during the recording), has no request in flight, and its window
// and document have no listener for a leaveEvent. The listeners are read
// from the engine once the page is frozen, so that the page cannot add one
// after the check; the window and the document themselves, which stay the
// same objects, are looked up while it freezes. When the page does not
// qualify, or does not answer within leaveTimeout, it is thawed and false is
// returned.
func (w *Worker) freezePage(ctx context.Context, rec *record.Recording) bool {
	if !rec.SingleDocumentAtRest() {
		return false
	}
	// A page whose script keeps its event loop busy answers late, if at
	// all: it is left (and then replaced) instead.
	ctx, cancel := context.WithTimeout(ctx, leaveTimeout)
	defer cancel()
	holders := []string{"window", "document"}
	objects := make([]runtime.RemoteObjectID, len(holders))
	var frozen error
	var wg sync.WaitGroup
	wg.Go(func() {
		_, frozen = chromedp.Call(ctx, page.SetWebLifecycleState, page.SetWebLifecycleStateParams{State: page.SetWebLifecycleStateStateFrozen})
	})
	for i, expr := range holders {
		wg.Go(func() { objects[i] = mainWorldObject(ctx, expr) })
	}
	wg.Wait()
	if frozen != nil {
		return false
	}
	if hasListeners(ctx, objects, leaveEvents) {
		w.thawPage(ctx)
		return false
	}
	return true
}

// thawPage makes a frozen page active again, so that it can be left.
func (w *Worker) thawPage(ctx context.Context) {
	_, _ = chromedp.Call(ctx, page.SetWebLifecycleState, page.SetWebLifecycleStateParams{State: page.SetWebLifecycleStateStateActive})
}

// mainWorldObject returns a handle on the object expr evaluates to in the
// page's main world, or "" when there is none. The handle is not released:
// it belongs to the page's document, which the next navigation (or the
// leave) discards with it. expr is "window" or "document", which page script
// cannot redefine.
func mainWorldObject(ctx context.Context, expr string) runtime.RemoteObjectID {
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr})
	if err != nil || res.ExceptionDetails != nil || res.Result == nil {
		return ""
	}
	return res.Result.ObjectID
}

// hasListeners reports whether one of objects has a listener for one of
// events, as the engine lists them, or whether that cannot be told (an
// object is missing, or its listeners could not be listed). The objects
// are asked about at once.
func hasListeners(ctx context.Context, objects []runtime.RemoteObjectID, events []string) bool {
	if slices.Contains(objects, "") {
		return true
	}
	found := make([]bool, len(objects))
	var wg sync.WaitGroup
	for i, id := range objects {
		wg.Go(func() {
			listeners, err := chromedp.Call(ctx, domdebugger.GetEventListeners, domdebugger.GetEventListenersParams{ObjectID: id})
			if err != nil {
				found[i] = true
				return
			}
			found[i] = slices.ContainsFunc(listeners.Listeners, func(l *domdebugger.EventListener) bool { return slices.Contains(events, l.Type) })
		})
	}
	wg.Wait()
	return slices.Contains(found, true)
}
