package browser

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/inspect"
)

//go:embed hook.js
var hookSource string

// hookScript is the hook with the binding's name filled in.
var hookScript = strings.ReplaceAll(hookSource, "__BINDING__", bindingName)

// LoadOptions says how long to wait for a target.
type LoadOptions struct {
	// Timeout bounds loading one target, quiet period included (default 30s).
	Timeout time.Duration
	// Quiet is how long the page must stay idle after its load event, with no
	// request in flight and no cookie event, before the jar is read
	// (DefaultQuiet). Raise it for pages that set cookies from timers.
	Quiet time.Duration
}

// DefaultQuiet is the quiet period after the load event. It covers what
// pages do right after load (promise callbacks such as cookieStore.set,
// zero-delay timers); requests in flight extend the wait on their own. It
// is short because it is paid on every target: at 50 ms it was 40% of the
// time per page in our benchmark (see the README).
const DefaultQuiet = 20 * time.Millisecond

func (o LoadOptions) withDefaults() LoadOptions {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	return o
}

// cleanupTimeout bounds the commands that read the jar and clear storage
// after a target, also when the run was interrupted.
const cleanupTimeout = 5 * time.Second

// Worker loads targets one after another in one browser context of its own,
// with one tab. Between targets it clears the context of every kind of
// storage the target touched, so each target starts from an empty jar at the
// cost of a few commands instead of a new context. A Worker must be used by
// one goroutine at a time.
type Worker struct {
	b         *Browser
	ctx       context.Context
	cancel    context.CancelFunc
	contextID cdp.BrowserContextID
	session   target.SessionID

	mu  sync.Mutex
	rec *recording
	// worlds holds, per session, our isolated world's execution context in
	// each live document: where readability is measured.
	worlds map[cdp.Session]map[string]runtime.ExecutionContextID // by the context's unique ID
	page   *chromedp.Target
	// attacker answers intercepted requests while Forge runs.
	attacker *attacker
}

// NewWorker creates a browser context with one tab, installs the recording
// hook in it, and returns the Worker that owns them.
func (b *Browser) NewWorker(ctx context.Context) (*Worker, error) {
	w := &Worker{b: b, rec: newRecording(), worlds: make(map[cdp.Session]map[string]runtime.ExecutionContextID)}
	w.ctx, w.cancel = chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(w.onPageEvent))
	setup := func(ctx context.Context, t *chromedp.Target) error {
		w.session = t.SessionID
		w.contextID = chromedp.FromContext(ctx).BrowserContextID
		b.mux.adoptIframesOf(t.SessionID, w.adopt)
		w.mu.Lock()
		w.page = t
		w.mu.Unlock()
		return installRecorder(ctx, t)
	}
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(w.ctx, chromedp.Func(setup)) }()
	select {
	case err := <-done:
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open a tab: %w", err)
		}
	case <-ctx.Done():
		w.Close()
		return nil, ctx.Err()
	}
	return w, nil
}

// installRecorder prepares a session (the page's or an iframe's) so that
// every cookie event of its documents reaches us: the binding and the hook
// before any page script, network events with raw headers, and auto-attach
// that pauses each new cross-site iframe until it is prepared the same way.
func installRecorder(ctx context.Context, s cdp.Session) error {
	steps := []func() error{
		func() error { _, err := cdp.Call(ctx, s, runtime.Enable, cdp.Empty{}); return err },
		func() error {
			_, err := cdp.Call(ctx, s, runtime.AddBinding, runtime.AddBindingParams{Name: bindingName})
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

// isolatedWorldName names the isolated world readability is measured in.
const isolatedWorldName = "cookiescope"

// noteWorld tracks our isolated world's execution contexts in a session.
func (w *Worker) noteWorld(s cdp.Session, ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExecutionContextCreated:
		if ev.Context == nil || ev.Context.Name != isolatedWorldName {
			return
		}
		w.mu.Lock()
		if w.worlds[s] == nil {
			w.worlds[s] = make(map[string]runtime.ExecutionContextID)
		}
		w.worlds[s][ev.Context.UniqueID] = ev.Context.ID
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
	rec := newRecording()
	w.mu.Lock()
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
	tab, a := w.page, w.attacker
	w.mu.Unlock()
	if paused, ok := ev.(*fetch.EventRequestPaused); ok && a != nil {
		a.paused(paused)
		return
	}
	if tab != nil {
		w.noteWorld(tab, ev)
	}
	w.current().handle("page", true, ev)
}

// adopt takes a cross-site iframe's paused session: it runs on the reading
// goroutine, so the setup happens in a goroutine of its own, and the page is
// not quiet until it is done.
func (w *Worker) adopt(child *childSession, info *target.Info) {
	rec := w.current()
	rec.adoptStarted()
	label := "frame:" + string(child.id)
	child.setEventHandler(func(method string, params jsonv2.Value) {
		ev, err := cdproto.UnmarshalMessage(&cdproto.Message{Method: cdproto.MethodType(method), Params: params}, chromedp.DefaultUnmarshalOptions)
		if err != nil {
			return
		}
		w.noteWorld(child, ev)
		w.current().handle(label, false, ev)
	})
	w.b.mux.adoptIframesOf(child.id, w.adopt)
	go func() {
		defer rec.adoptDone()
		ctx, cancel := context.WithTimeout(w.ctx, cleanupTimeout)
		defer cancel()
		// A frame that detaches during setup has nothing left to record.
		// A frame that detaches during setup has nothing left to record.
		_ = installRecorder(ctx, child)
		if child.waiting {
			_, _ = cdp.Call(ctx, child, runtime.RunIfWaitingForDebugger, cdp.Empty{})
		}
	}()
}

// Inspect loads rawURL in the worker's tab and returns what happened to
// cookies, then clears the context for the next target. A load that fails
// or times out still returns everything captured until then, with
// Target.Error set. When ctx ends, the jar is still read (for a few seconds
// at most) so an interrupted run keeps what it saw.
func (w *Worker) Inspect(ctx context.Context, rawURL string, opts LoadOptions) inspect.Target {
	start := time.Now()
	t := w.Visit(ctx, rawURL, opts)
	if err := w.Reset(); err != nil && t.Error == "" {
		t.Error = fmt.Sprintf("clear the browser context after the target: %v", err)
	}
	t.DurationMS = time.Since(start).Milliseconds()
	return t
}

// Visit is Inspect without the clean-up: the context keeps the target's
// cookies and storage, so probes can attack them. Call Reset before the
// next target.
func (w *Worker) Visit(ctx context.Context, rawURL string, opts LoadOptions) inspect.Target {
	start := time.Now()
	w.startRecording()
	loadErr := w.Goto(ctx, rawURL, opts)
	t := w.Snapshot(rawURL)
	if loadErr != nil {
		t.Error = strings.TrimSuffix(loadErr.Error()+"\n"+t.Error, "\n")
	}
	t.DurationMS = time.Since(start).Milliseconds()
	return t
}

// Jar returns every cookie of the worker's browser context now.
func (w *Worker) Jar() ([]inspect.Cookie, error) {
	ctx, cancel := context.WithTimeout(w.ctx, cleanupTimeout)
	defer cancel()
	return w.readJar(ctx)
}

// Reset clears the worker's context of everything the targets since the
// last Reset touched.
func (w *Worker) Reset() error {
	ctx, cancel := context.WithTimeout(w.ctx, cleanupTimeout)
	defer cancel()
	return w.reset(ctx, w.current())
}

// EvaluateInPage runs a script in the page's main world, as page script
// would, and returns its result as JSON.
func (w *Worker) EvaluateInPage(ctx context.Context, script string) ([]byte, error) {
	lctx, cancel := context.WithTimeout(w.ctx, cleanupTimeout)
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

// load navigates and waits for the load event and then for quiet.
func (w *Worker) load(ctx context.Context, rawURL string, rec *recording, opts LoadOptions) error {
	// Commands need the tab's chromedp context; the caller's ctx only says
	// when to stop.
	lctx, cancel := context.WithTimeout(w.ctx, opts.Timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	ctx = lctx
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: rawURL})
	if err != nil {
		return fmt.Errorf("load %s: %w", rawURL, explainContext(err, opts.Timeout))
	}
	if res.ErrorText != "" {
		return fmt.Errorf("load %s: %s%s", rawURL, res.ErrorText, hintFor(res.ErrorText))
	}
	rec.expectLoad(string(res.LoaderID))
	if err := rec.waitQuiet(ctx, opts.Quiet); err != nil {
		if !rec.isLoaded() {
			return fmt.Errorf("load %s: the page did not finish loading: %w", rawURL, explainContext(err, opts.Timeout))
		}
		return fmt.Errorf("load %s: the page loaded but never went quiet (requests still in flight): %w", rawURL, explainContext(err, opts.Timeout))
	}
	return nil
}

func explainContext(err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s (raise --timeout)", timeout)
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
	info, err := chromedp.CallBrowser(ctx, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: chromedp.FromContext(w.ctx).Target.TargetID})
	if err != nil || info.TargetInfo == nil {
		return ""
	}
	return info.TargetInfo.URL
}

// measureReadability evaluates document.cookie in every live document of
// the page, cross-site iframes included, in our isolated world so that the
// page's own scripts cannot interfere. It also returns the top document's URL.
func (w *Worker) measureReadability(ctx context.Context) ([]inspect.Frame, string) {
	type world struct {
		session cdp.Session
		id      runtime.ExecutionContextID
	}
	var worlds []world
	w.mu.Lock()
	for s, ids := range w.worlds {
		if child, ok := s.(*childSession); ok && child.isClosed() {
			delete(w.worlds, s) // the frame is gone
			continue
		}
		for _, id := range ids {
			worlds = append(worlds, world{s, id})
		}
	}
	w.mu.Unlock()
	frames := make([]*inspect.Frame, len(worlds))
	var wg sync.WaitGroup
	for i, wd := range worlds {
		wg.Go(func() { frames[i] = readWorld(ctx, wd.session, wd.id) })
	}
	wg.Wait()
	var out []inspect.Frame
	finalURL := ""
	for _, f := range frames {
		if f == nil {
			continue
		}
		if f.TopLevel {
			finalURL = f.URL
		}
		out = append(out, *f)
	}
	// Top first, then by URL, so reports are stable.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].TopLevel != out[j].TopLevel {
			return out[i].TopLevel
		}
		return out[i].URL < out[j].URL
	})
	if finalURL == "" {
		finalURL = w.currentURL(ctx)
	}
	return out, finalURL
}

// readWorldExpression returns the document's URL, document.cookie and
// whether the document is the top-level page.
const readWorldExpression = `[location.href, document.cookie, window === window.top]`

// readWorld measures one document; nil means it is not an http(s) document
// (about:blank, an error page) or went away.
func readWorld(ctx context.Context, s cdp.Session, id runtime.ExecutionContextID) *inspect.Frame {
	res, err := cdp.Call(ctx, s, runtime.Evaluate, runtime.EvaluateParams{Expression: readWorldExpression, ContextID: id, ReturnByValue: ptr(true)})
	if err != nil || res.ExceptionDetails != nil || res.Result == nil {
		return nil
	}
	var got [3]any
	if err := jsonv2.Unmarshal(res.Result.Value, &got); err != nil {
		return nil
	}
	href, _ := got[0].(string)
	cookieString, _ := got[1].(string)
	top, _ := got[2].(bool)
	if u, err := url.Parse(href); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	f := &inspect.Frame{URL: href, TopLevel: top, Readable: []string{}}
	f.Pairs = inspect.ParseDocumentCookie(cookieString)
	for _, p := range f.Pairs {
		f.Readable = append(f.Readable, p.Name)
	}
	return f
}

// readJar returns every cookie of the worker's browser context.
func (w *Worker) readJar(ctx context.Context) ([]inspect.Cookie, error) {
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: w.contextID})
	if err != nil {
		return nil, err
	}
	out := make([]inspect.Cookie, 0, len(res.Cookies))
	for _, c := range res.Cookies {
		out = append(out, convertCookie(c))
	}
	return out, nil
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
	}
	return out
}

// originStorageTypes is every kind of storage a page can write for an
// origin. ("all" also clears the shader cache and more and costs 25 ms a
// call; the HTTP cache is disabled for the worker instead of cleared.)
const originStorageTypes = "cookies,local_storage,indexeddb,websql,file_systems,cache_storage,service_workers"

// reset leaves the worker's context as new for the next target: no
// cookies, and no storage, cache or service worker for any origin the target
// touched. The page is frozen first (no script, timer or request of it runs
// again) rather than replaced by about:blank: leaving the site would tear
// down its renderer process, which costs more than the rest of a target.
// The next navigation discards the frozen document.
func (w *Worker) reset(ctx context.Context, rec *recording) error {
	var errs []error
	if _, err := chromedp.Call(ctx, page.StopLoading, cdp.Empty{}); err != nil {
		errs = append(errs, err)
	}
	if _, err := chromedp.Call(ctx, page.SetWebLifecycleState, page.SetWebLifecycleStateParams{State: page.SetWebLifecycleStateStateFrozen}); err != nil {
		// A page that cannot be frozen is left instead.
		if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: "about:blank"}); err != nil {
			errs = append(errs, err)
		}
	}
	// The clearing commands are independent: send them together.
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
	for range clears {
		if err := <-results; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// clearJar deletes every cookie of the worker's context.
func (w *Worker) clearJar(ctx context.Context) error {
	_, err := chromedp.CallBrowser(ctx, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: w.contextID})
	return err
}

// Close closes the worker's tab and disposes of its browser context.
func (w *Worker) Close() {
	if w.session != "" {
		w.b.mux.forget(w.session)
	}
	w.cancel()
}
