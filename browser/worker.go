package browser

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
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
	// (default 50ms). Raise it for pages that set cookies from timers.
	Quiet time.Duration
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 50 * time.Millisecond
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

	mu       sync.Mutex
	rec      *recording
	children map[target.SessionID]*adoptedFrame
}

// adoptedFrame is a cross-site iframe's session.
type adoptedFrame struct {
	session  *childSession
	targetID target.ID
}

// NewWorker creates a browser context with one tab, installs the recording
// hook in it, and returns the Worker that owns them.
func (b *Browser) NewWorker(ctx context.Context) (*Worker, error) {
	w := &Worker{b: b, children: make(map[target.SessionID]*adoptedFrame), rec: newRecording()}
	w.ctx, w.cancel = chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(w.onPageEvent))
	setup := func(ctx context.Context, t *chromedp.Target) error {
		w.session = t.SessionID
		w.contextID = chromedp.FromContext(ctx).BrowserContextID
		b.mux.adoptIframesOf(t.SessionID, w.adopt)
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
		func() error { _, err := cdp.Call(ctx, s, network.Enable, network.EnableParams{}); return err },
		func() error { _, err := cdp.Call(ctx, s, audits.Enable, cdp.Empty{}); return err },
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

// current returns the recording events go to.
func (w *Worker) current() *recording {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rec
}

// onPageEvent receives the tab's events on chromedp's reading goroutine.
func (w *Worker) onPageEvent(ev any) {
	w.current().handle("page", true, ev)
}

// adopt takes a cross-site iframe's paused session: it runs on the reading
// goroutine, so the setup happens in a goroutine of its own, and the page is
// not quiet until it is done.
func (w *Worker) adopt(child *childSession, info *target.Info) {
	rec := w.current()
	rec.adoptStarted()
	w.mu.Lock()
	w.children[child.id] = &adoptedFrame{session: child, targetID: info.TargetID}
	w.mu.Unlock()
	label := "frame:" + string(child.id)
	child.setEventHandler(func(method string, params jsonv2.Value) {
		ev, err := cdproto.UnmarshalMessage(&cdproto.Message{Method: cdproto.MethodType(method), Params: params}, chromedp.DefaultUnmarshalOptions)
		if err != nil {
			return
		}
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

// liveFrames returns the adopted iframe sessions still attached.
func (w *Worker) liveFrames() []*adoptedFrame {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*adoptedFrame
	for id, f := range w.children {
		f.session.mu.Lock()
		closed := f.session.closed
		f.session.mu.Unlock()
		if closed {
			delete(w.children, id)
			continue
		}
		out = append(out, f)
	}
	return out
}

// Inspect loads rawURL in the worker's tab and returns what happened to
// cookies. A load that fails or times out still returns everything captured
// until then, with Target.Error set. When ctx ends, the jar is still read (for
// a few seconds at most) so an interrupted run keeps what it saw.
func (w *Worker) Inspect(ctx context.Context, rawURL string, opts LoadOptions) inspect.Target {
	opts = opts.withDefaults()
	start := time.Now()
	t := inspect.Target{URL: rawURL}
	rec := newRecording()
	w.mu.Lock()
	w.rec = rec
	w.mu.Unlock()

	var loadErr error
	if err := CheckURL(rawURL); err != nil {
		loadErr = err
	} else {
		loadErr = w.load(ctx, rawURL, rec, opts)
	}

	cctx, cancel := context.WithTimeout(w.ctx, cleanupTimeout)
	defer cancel()
	t.FinalURL = w.currentURL(cctx)
	frames := w.measureReadability(cctx)
	jar, jarErr := w.readJar(cctx)
	now := time.Now()
	inspect.Assemble(&t, inspect.Evidence{Jar: jar, Writes: rec.allWrites(), Frames: frames, Now: now})
	errs := []error{loadErr}
	if jarErr != nil {
		errs = append(errs, fmt.Errorf("read the cookie jar: %w", jarErr))
	}
	if err := errors.Join(errs...); err != nil {
		t.Error = err.Error()
	}
	if err := w.reset(cctx, rec); err != nil && t.Error == "" {
		t.Error = fmt.Sprintf("clear the browser context after the target: %v", err)
	}
	t.DurationMS = time.Since(start).Milliseconds()
	return t
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
	for {
		ok, wait := rec.quiet(opts.Quiet)
		if ok {
			return nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			if !rec.isLoaded() {
				return fmt.Errorf("load %s: the page did not finish loading: %w", rawURL, explainContext(ctx.Err(), opts.Timeout))
			}
			return fmt.Errorf("load %s: the page loaded but never went quiet (requests still in flight): %w", rawURL, explainContext(ctx.Err(), opts.Timeout))
		case <-rec.changed:
		case <-timer.C:
		}
		timer.Stop()
	}
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

// measureReadability evaluates document.cookie in every frame of the page,
// cross-site iframes included, in an isolated world so that the page's own
// scripts cannot interfere with the measurement.
func (w *Worker) measureReadability(ctx context.Context) []inspect.Frame {
	tab := chromedp.FromContext(w.ctx).Target
	oopif := make(map[cdp.FrameID]bool)
	children := w.liveFrames()
	for _, c := range children {
		oopif[cdp.FrameID(c.targetID)] = true
	}
	frames := readFrames(ctx, tab, true, oopif)
	for _, c := range children {
		frames = append(frames, readFrames(ctx, c.session, false, oopif)...)
	}
	return frames
}

// readFrames measures the frames a session owns. skip names frames owned by
// another session.
func readFrames(ctx context.Context, s cdp.Session, top bool, skip map[cdp.FrameID]bool) []inspect.Frame {
	tree, err := cdp.Call(ctx, s, page.GetFrameTree, cdp.Empty{})
	if err != nil || tree.FrameTree == nil {
		return nil
	}
	var out []inspect.Frame
	var walk func(ft *page.FrameTree, isRoot bool)
	walk = func(ft *page.FrameTree, isRoot bool) {
		if ft == nil || ft.Frame == nil {
			return
		}
		// An iframe session's root is the cross-site frame itself; below any
		// root, a frame in skip belongs to its own session.
		// Documents that are not http(s) (about:blank, error pages) hold
		// no cookies and are left out.
		if u, err := url.Parse(ft.Frame.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && (isRoot || !skip[ft.Frame.ID]) {
			out = append(out, readFrame(ctx, s, ft.Frame, top && isRoot))
		}
		for _, c := range ft.ChildFrames {
			walk(c, false)
		}
	}
	walk(tree.FrameTree, true)
	return out
}

func readFrame(ctx context.Context, s cdp.Session, f *cdp.Frame, top bool) inspect.Frame {
	frameURL := f.URL + f.URLFragment
	out := inspect.Frame{URL: frameURL, TopLevel: top, Readable: []string{}}
	world, err := cdp.Call(ctx, s, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: f.ID, WorldName: "cookiescope"})
	if err != nil {
		out.Error = err.Error()
		return out
	}
	res, err := cdp.Call(ctx, s, runtime.Evaluate, runtime.EvaluateParams{Expression: "document.cookie", ContextID: world.ExecutionContextID, ReturnByValue: ptr(true)})
	if err != nil {
		out.Error = err.Error()
		return out
	}
	if res.ExceptionDetails != nil {
		out.Error = res.ExceptionDetails.Text
		return out
	}
	var cookieString string
	if res.Result != nil && len(res.Result.Value) > 0 {
		_ = jsonv2.Unmarshal(res.Result.Value, &cookieString)
	}
	out.Pairs = inspect.ParseDocumentCookie(cookieString)
	for _, p := range out.Pairs {
		out.Readable = append(out.Readable, p.Name)
	}
	return out
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

// reset leaves the worker's context as new: the tab on about:blank, no
// cookies, and no storage, cache or service worker for any origin the target
// touched.
func (w *Worker) reset(ctx context.Context, rec *recording) error {
	var errs []error
	if _, err := chromedp.Call(ctx, page.StopLoading, cdp.Empty{}); err != nil {
		errs = append(errs, err)
	}
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: "about:blank"}); err != nil {
		errs = append(errs, err)
	}
	if _, err := chromedp.CallBrowser(ctx, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: w.contextID}); err != nil {
		errs = append(errs, err)
	}
	for _, origin := range rec.originList() {
		if _, err := chromedp.Call(ctx, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: origin, StorageTypes: "all"}); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", origin, err))
		}
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close closes the worker's tab and disposes of its browser context.
func (w *Worker) Close() {
	if w.session != "" {
		w.b.mux.forget(w.session)
	}
	w.cancel()
}
