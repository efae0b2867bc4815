package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"

	"github.com/cookiescope/cookiescope/inspect"
)

// bindingName is the CDP binding whose presence lets the hook run, once per
// document (it reports through the console, not through the binding). The
// hook removes it from the page's global scope at once.
const bindingName = "__cookiescope_report"

// recording collects the events of one target, from the page's session and
// from every adopted iframe session. Its handle method runs on the reading
// goroutine: it only appends under the lock.
type recording struct {
	// secret tells the hook's console calls from the page's.
	secret string

	// mu guards every field below but changed: the events, writes,
	// requests, frames, dialogs and popups recorded so far and the state
	// of the target's loads. It is a leaf lock: handle takes it to append,
	// readers to copy, and nothing is called while it is held.
	mu sync.Mutex
	// changed holds one token once an event came since a waiter last took
	// it (buffered 1: many events make one token, and a token wakes one
	// waiter only). Its waiters (settling, polling, draining) run one after
	// the other for a target; to tell whether events came meanwhile, a
	// waiter compares events, which counts them, rather than the token.
	changed chan struct{}
	events  uint64

	// loads holds when each main-frame document (by loader ID) fired its
	// load event; loader says which one this target waits for (a late event
	// of the previous document must not count). navigated is the loader
	// of the navigation cookiescope started last: loader moves on with a
	// page that navigates by itself, navigated stays.
	loads     map[string]time.Time
	loader    string
	navigated string
	mainFrame cdp.FrameID
	lastEvent time.Time
	// Request IDs are unique across sessions: a cross-site iframe's document
	// request starts in the page's session and finishes in the frame's.
	inflight    map[string]inflightRequest // by request ID
	requestURLs map[string][]string        // request ID -> URL of each hop (redirects)
	extraSeen   map[string]int             // request ID -> responseReceivedExtraInfo count
	origins     map[string]bool            // every origin a request or frame touched
	adopting    int                        // iframe sessions still being set up
	writes      []inspect.Write
	pending     []pendingHeaderWrite
	// hsts holds the Strict-Transport-Security header of each response, by
	// request ID.
	hsts map[string]string
	// siteDataClears holds the responses that carried a Clear-Site-Data
	// header, in order, waiting like pending for their URL.
	siteDataClears []pendingSiteDataClear
	// scripts lists script URLs requested, in order, without repeats.
	scripts    []string
	scriptSeen map[string]bool
	// mainURL is the URL of the page's current main document.
	mainURL string
	dialogs []inspect.Dialog
	// dialogsDropped counts dialogs past maxDialogs.
	dialogsDropped int
	popups         []popupRecord
	// replaced says why the context was replaced after the target.
	replaced []string
	// crashed is set when the page's renderer crashed: nothing more will
	// come from it, so waits end at once.
	crashed bool
	// topLevel lists the URLs of the top-level documents of the page and
	// its popups, in order, without repeats.
	topLevel []string
	// cleared holds when cookiescope emptied the jar during the recording.
	cleared []time.Time
	// requests traces every request of the target by ID, and requestOrder
	// lists their IDs in the order they were first seen; requestsDropped
	// counts those past maxRequests.
	requests        map[string]*requestTrace
	requestOrder    []string
	requestsDropped int
	// navigating is set while cookiescope's own navigation of the page has
	// not made its request yet; ownNavigation is the request ID of the
	// last one that did, even when it then failed.
	navigating    bool
	ownNavigation string
	// frameURLs holds the URL of each frame's current document, and
	// frameParent the parent of each child frame.
	frameURLs   map[cdp.FrameID]string
	frameParent map[cdp.FrameID]cdp.FrameID
	// loadingFrames holds the frames (of every session: a frame keeps its
	// ID when it moves to a process of its own) that Chrome reported
	// started loading and not yet stopped: a loading document can still
	// run script that writes cookies.
	loadingFrames map[cdp.FrameID]bool
	// serviceWorkers holds the service worker versions Chrome reported
	// (ServiceWorker.workerVersionUpdated) during the recording, by version
	// ID; workerInflight the requests of service workers not yet finished,
	// by request ID, with their URLs. Settling waits for both, until
	// workerDeadline (see serviceWorkerWait).
	serviceWorkers map[string]serviceWorkerVersion
	workerInflight map[string]string
	// workerDeadline is when settling stops waiting for service workers and
	// worker requests: serviceWorkerWait after the first sign of either
	// (zero: none yet). workerNotes says what it stopped waiting for.
	workerDeadline time.Time
	workerNotes    []string
	// registering is set when the hook reported a call of
	// navigator.serviceWorker.register: settling waits for Chrome to report
	// a version (see serviceWorkerWait).
	registering bool
}

// serviceWorkerVersion is a service worker version as Chrome last reported
// it.
type serviceWorkerVersion struct {
	script  string
	status  serviceworker.VersionStatus
	running serviceworker.VersionRunningStatus
}

// gone reports whether a version can run no more script: redundant and
// stopped.
func (v serviceWorkerVersion) gone() bool {
	return v.status == serviceworker.VersionStatusRedundant && v.running == serviceworker.VersionRunningStatusStopped
}

// settling reports whether a version is on its way to being the active
// worker: its script can still run its install or activate handler.
func (v serviceWorkerVersion) settling() bool {
	switch v.status {
	case serviceworker.VersionStatusNew, serviceworker.VersionStatusInstalling, serviceworker.VersionStatusInstalled, serviceworker.VersionStatusActivating:
		return true
	}
	return false
}

// serviceWorkerWait bounds how long settling waits, counted from the first
// sign of a service worker in the target (a register() call the hook
// reports, a version Chrome reports that is not yet activated, or a service
// worker's request), for every reported version to be activated (or
// redundant) and for the requests of service workers to end: a
// service worker writes cookies when it installs and activates, and its
// requests' Set-Cookie headers are the target's; Chrome 156 stored both
// about 0.6 s after the page's load event on the lab's /storage/sw-cookies.
// A worker that takes longer is read as it stands, and the target says so
// (a note); raise --wait to see more of it.
const serviceWorkerWait = 2 * time.Second

// maxRequests bounds the requests a recording traces: a page can make them
// without end.
const maxRequests = 5000

// errRendererCrashed ends the wait for a page whose renderer crashed.
var errRendererCrashed = errors.New("the page's renderer crashed (Chrome reported Inspector.targetCrashed); what it did before is kept")

// inflightRequest is a request that has not finished yet.
type inflightRequest struct {
	session string // the label of the session that reported it
	loader  string
	url     string
	// navigation is true for a main-frame document request of the page.
	navigation bool
	// responded is when its response headers arrived (zero: not yet).
	responded time.Time
}

// bodyGrace is how long a request whose response headers arrived still
// counts as in flight when Chrome reports no end for it (it does not for
// keepalive fetches). After its headers a request can set no cookie itself;
// the grace covers script that acts on its body.
const bodyGrace = 2 * time.Second

// popupRecord is a page the target opened.
type popupRecord struct {
	label string
	inspect.Popup
}

// maxDialogs bounds the dialogs a recording keeps: a page can open them
// without end.
const maxDialogs = 50

// pendingHeaderWrite is a response's cookie lines, waiting for the request
// URL (the extra-info event can come before the request event).
type pendingHeaderWrite struct {
	requestKey string
	hop        int
	status     int
	lines      []string
	blocked    []*network.BlockedSetCookieWithReason
	at         time.Time
}

// pendingSiteDataClear is a response's Clear-Site-Data header.
type pendingSiteDataClear struct {
	requestKey string
	hop        int
	header     string
	at         time.Time
}

func newRecording(secret string) *recording {
	return &recording{
		secret:      secret,
		changed:     make(chan struct{}, 1),
		lastEvent:   time.Now(),
		inflight:    make(map[string]inflightRequest),
		requestURLs: make(map[string][]string),
		extraSeen:   make(map[string]int),
		origins:     make(map[string]bool),
		loads:       make(map[string]time.Time),
		hsts:        make(map[string]string),
		scriptSeen:  make(map[string]bool),
		requests:    make(map[string]*requestTrace),
		frameURLs:   make(map[cdp.FrameID]string),
		frameParent: make(map[cdp.FrameID]cdp.FrameID),

		loadingFrames:  make(map[cdp.FrameID]bool),
		serviceWorkers: make(map[string]serviceWorkerVersion),
		workerInflight: make(map[string]string),
	}
}

func (r *recording) touch() {
	r.lastEvent = time.Now()
	r.events++
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// handle records one event of a session. topLevel is true for the page's
// own session, whose main-frame load ends the wait.
func (r *recording) handle(session string, topLevel bool, ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		key := string(ev.RequestID)
		req := inflightRequest{session: session, loader: string(ev.LoaderID)}
		if ev.Request != nil {
			req.url = ev.Request.URL
			r.requestURLs[key] = append(r.requestURLs[key], ev.Request.URL)
			r.noteOrigin(ev.Request.URL)
			if ev.Type == network.ResourceTypeScript && !r.scriptSeen[ev.Request.URL] {
				r.scriptSeen[ev.Request.URL] = true
				r.scripts = append(r.scripts, inspect.BoundURL(ev.Request.URL))
			}
		}
		req.navigation = topLevel && ev.Type == network.ResourceTypeDocument && ev.RequestID == network.RequestID(ev.LoaderID) && ev.FrameID == r.mainFrame
		if req.navigation {
			// A new navigation of the page supersedes any other: Chrome
			// cancels it without always saying so.
			r.dropInflight(func(q inflightRequest) bool { return q.navigation })
		}
		switch {
		case !strings.HasPrefix(session, workerLabelPrefix):
			r.inflight[key] = req
		case strings.HasPrefix(session, serviceWorkerLabelPrefix):
			r.workerInflight[key] = req.url
			r.startWorkerClock()
		}
		r.traceRequest(session, ev)
	case *network.EventRequestWillBeSentExtraInfo:
		header := ""
		for name, v := range ev.Headers {
			if s, ok := v.(string); ok && strings.EqualFold(name, "cookie") {
				header = s
			}
		}
		r.traceCookies(session, ev, header)
	case *network.EventResponseReceived:
		if q, ok := r.inflight[string(ev.RequestID)]; ok {
			q.responded = time.Now()
			r.inflight[string(ev.RequestID)] = q
		}
	case *network.EventLoadingFinished:
		delete(r.inflight, string(ev.RequestID))
		delete(r.workerInflight, string(ev.RequestID))
	case *network.EventLoadingFailed:
		delete(r.inflight, string(ev.RequestID))
		delete(r.workerInflight, string(ev.RequestID))
	case *serviceworker.EventWorkerVersionUpdated:
		for _, v := range ev.Versions {
			if v == nil {
				continue
			}
			version := serviceWorkerVersion{script: v.ScriptURL, status: v.Status, running: v.RunningStatus}
			if _, seen := r.serviceWorkers[v.VersionID]; !seen && !version.settling() {
				// A version that was already done when the target began
				// (one the previous target's clean-up made redundant,
				// say) is none of its business.
				continue
			}
			r.serviceWorkers[v.VersionID] = version
			if version.settling() {
				r.startWorkerClock()
			}
		}
	case *network.EventResponseReceivedExtraInfo:
		key := string(ev.RequestID)
		hop := r.extraSeen[key]
		r.extraSeen[key]++
		for name, v := range ev.Headers {
			s, ok := v.(string)
			switch {
			case !ok:
			case strings.EqualFold(name, "strict-transport-security"):
				r.hsts[key] = s
			case strings.EqualFold(name, "clear-site-data"):
				// Repeated header lines arrive joined by newlines: one
				// list, as HTTP reads them.
				header := strings.ReplaceAll(s, "\n", ",")
				r.siteDataClears = append(r.siteDataClears, pendingSiteDataClear{requestKey: key, hop: hop, header: header, at: time.Now()})
			}
		}
		lines := setCookieLines(ev.Headers)
		if len(lines) > 0 || len(ev.BlockedCookies) > 0 {
			r.pending = append(r.pending, pendingHeaderWrite{requestKey: key, hop: hop, status: int(ev.StatusCode), lines: lines, blocked: ev.BlockedCookies, at: time.Now()})
		}
	case *page.EventFrameAttached:
		r.frameParent[ev.FrameID] = ev.ParentFrameID
	case *page.EventFrameStartedLoading:
		r.loadingFrames[ev.FrameID] = true
	case *page.EventFrameStoppedLoading:
		delete(r.loadingFrames, ev.FrameID)
	case *page.EventFrameDetached:
		// A frame that moved to a process of its own is detached here and
		// goes on loading there, in a session that reports it.
		if ev.Reason != page.FrameDetachedReasonSwap {
			delete(r.loadingFrames, ev.FrameID)
		}
	case *page.EventLifecycleEvent:
		if topLevel && ev.Name == "load" {
			if _, seen := r.loads[string(ev.LoaderID)]; !seen {
				r.loads[string(ev.LoaderID)] = time.Now()
			}
		}
	case *page.EventFrameNavigated:
		if ev.Frame != nil {
			r.noteOrigin(ev.Frame.URL)
			r.frameURLs[ev.Frame.ID] = ev.Frame.URL
			if ev.Frame.ParentID != "" {
				r.frameParent[ev.Frame.ID] = ev.Frame.ParentID
			}
			if topLevel && ev.Frame.ParentID == "" {
				r.mainFrame, r.mainURL = ev.Frame.ID, ev.Frame.URL
				// The page moved on by itself (a form post, a script
				// redirect): wait for the new document's load instead.
				// The requests of the documents it left are cancelled,
				// whether or not Chrome reports it.
				if r.loader != "" {
					r.loader = string(ev.Frame.LoaderID)
				}
				loader := string(ev.Frame.LoaderID)
				r.dropInflight(func(q inflightRequest) bool { return q.session == session && q.loader != "" && q.loader != loader })
			}
			if ev.Frame.ParentID == "" {
				r.notePopupURL(session, ev.Frame.URL)
				if (topLevel || strings.HasPrefix(session, "popup:")) && !slices.Contains(r.topLevel, ev.Frame.URL) {
					r.topLevel = append(r.topLevel, ev.Frame.URL)
				}
			}
		}

	case *inspector.EventTargetCrashed:
		if topLevel {
			r.crashed = true
			r.inflight = make(map[string]inflightRequest)
			r.loadingFrames = make(map[cdp.FrameID]bool)
		}
	case *runtime.EventConsoleAPICalled:
		// Only the hook's calls carry the secret; the page's own console
		// calls are no event of ours.
		if hookRegistersServiceWorker(ev, r.secret) {
			r.registering = true
			r.startWorkerClock()
			break
		}
		w, ok := hookWrite(ev, r.secret, time.Now())
		if !ok {
			return
		}
		// A service worker's write is no document's inline script.
		if strings.HasPrefix(session, workerLabelPrefix) {
			w.Inline = false
		}
		// An about:blank or srcdoc document writes cookies for the page
		// that made it: its cookie URL is its creator's.
		if !strings.HasPrefix(w.URL, "http:") && !strings.HasPrefix(w.URL, "https:") && r.mainURL != "" {
			w.URL = r.mainURL
		}
		r.writes = append(r.writes, w)
	default:
		return
	}
	r.touch()
}

func (r *recording) noteOrigin(raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return
	}
	r.origins[u.Scheme+"://"+u.Host] = true
}

// decodeHeaderLine turns a raw header line as CDP reports it back into the
// text the server sent. Chrome hands the header's bytes over one character
// per byte, decoded as Windows-1252 (measured: the UTF-8 name 春节回, bytes
// e6 98 a5 e8 8a 82 e5 9b 9e, arrives as "æ˜¥èŠ‚å›ž", where 0x98 became
// U+02DC "˜"), while Storage.getCookies returns the cookie's name as UTF-8,
// for header and document.cookie writes alike. So each character is mapped
// back to its byte; when every character has one and the bytes are valid
// UTF-8, that is the text. Otherwise the line is kept as Chrome gave it and
// latin1 is true: its bytes are not UTF-8, and each is shown as its
// Windows-1252 (Latin-1) character.
func decodeHeaderLine(line string) (text string, latin1 bool) {
	b := make([]byte, 0, len(line))
	ascii := true
	for _, r := range line {
		c, ok := windows1252Byte(r)
		if !ok {
			return line, false // already text: not one character per byte
		}
		if c >= 0x80 {
			ascii = false
		}
		b = append(b, c)
	}
	if ascii {
		return line, false
	}
	if utf8.Valid(b) {
		return string(b), false
	}
	return line, true
}

// windows1252High holds the characters Windows-1252 gives bytes 0x80 to
// 0x9f; the five bytes it leaves undefined decode to the C1 control of the
// same code.
var windows1252High = [32]rune{
	'\u20ac', '\u0081', '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021',
	'\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008d', '\u017d', '\u008f',
	'\u0090', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014',
	'\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', '\u009d', '\u017e', '\u0178',
}

// windows1252Byte returns the byte that Windows-1252 decodes to r.
func windows1252Byte(r rune) (byte, bool) {
	if r < 0x80 || (r >= 0xa0 && r < 0x100) {
		return byte(r), true
	}
	for i, h := range windows1252High {
		if h == r {
			return byte(0x80 + i), true
		}
	}
	// Chrome may also pass the C1 range through as itself.
	if r >= 0x80 && r < 0xa0 {
		return byte(r), true
	}
	return 0, false
}

// setCookieLines returns the Set-Cookie lines of raw response headers; Chrome
// joins repeated headers with "\n". The lines are still as CDP reports them:
// see decodeHeaderLine.
func setCookieLines(h network.Headers) []string {
	var lines []string
	for name, v := range h {
		if !strings.EqualFold(name, "set-cookie") {
			continue
		}
		s, ok := v.(string)
		if !ok {
			continue
		}
		for _, line := range strings.Split(s, "\n") {
			if strings.TrimSpace(line) != "" {
				lines = append(lines, line)
			}
		}
	}
	return lines
}

// dropInflight forgets the requests in flight that match.
func (r *recording) dropInflight(match func(inflightRequest) bool) {
	for id, q := range r.inflight {
		if match(q) {
			delete(r.inflight, id)
		}
	}
}

// noteDialog records a dialog the target opened, and its answer.
func (r *recording) noteDialog(d *page.EventJavascriptDialogOpening, accepted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.dialogs) >= maxDialogs {
		r.dialogsDropped++
		return
	}
	answer := "dismissed"
	if accepted {
		answer = "accepted"
	}
	r.dialogs = append(r.dialogs, inspect.Dialog{Kind: string(d.Type), Message: inspect.BoundMessage(d.Message), URL: inspect.BoundURL(d.URL), Answer: answer})
}

// notePopup records a page the target opened.
func (r *recording) notePopup(info *target.Info) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.popups = append(r.popups, popupRecord{label: "popup:" + string(info.TargetID), Popup: inspect.Popup{URL: info.URL, OpenedBy: r.mainURL}})
	r.touch()
}

// notePopupURL keeps the URL of a popup's main document up to date.
func (r *recording) notePopupURL(label, u string) {
	for i := range r.popups {
		if r.popups[i].label == label {
			r.popups[i].URL = u
		}
	}
}

// evidence returns what the recording holds beyond writes: the dialogs
// (with a last line counting those dropped), the popups, and why the
// context was replaced.
func (r *recording) evidence() (dialogs []inspect.Dialog, popups []inspect.Popup, replaced string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dialogs = append(dialogs, r.dialogs...)
	if r.dialogsDropped > 0 {
		dialogs = append(dialogs, inspect.Dialog{Kind: "more", Message: fmt.Sprintf("%d more dialogs, not kept", r.dialogsDropped)})
	}
	for _, p := range r.popups {
		popups = append(popups, inspect.Popup{URL: inspect.BoundURL(p.URL), OpenedBy: inspect.BoundURL(p.OpenedBy)})
	}
	return dialogs, popups, strings.Join(r.replaced, "; ")
}

// noteCleared records that cookiescope emptied the jar now.
func (r *recording) noteCleared() {
	r.mu.Lock()
	r.cleared = append(r.cleared, time.Now())
	r.mu.Unlock()
}

// context returns the top-level document URLs and the times the jar was
// cleared, for judging the writes.
func (r *recording) context() (topLevel []string, cleared []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.topLevel...), append([]time.Time(nil), r.cleared...)
}

// noteReplaced records why the context was replaced after the target.
func (r *recording) noteReplaced(why []string) {
	r.mu.Lock()
	r.replaced = append(r.replaced, why...)
	r.mu.Unlock()
}

// inflightSummary names a few of the requests in flight, for errors.
func (r *recording) inflightSummary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var urls []string
	for _, q := range r.inflight {
		urls = append(urls, q.url)
	}
	sort.Strings(urls)
	if len(urls) > 3 {
		urls = append(urls[:3], fmt.Sprintf("and %d more", len(urls)-3))
	}
	return strings.Join(urls, ", ")
}

// waitMainURL waits until the page's main document is at u, or returns
// ctx's error.
func (r *recording) waitMainURL(ctx context.Context, u string) error {
	for {
		r.mu.Lock()
		at := r.mainURL
		r.mu.Unlock()
		if at == u {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.changed:
		}
	}
}

// waitDrained waits until no request that can still set a cookie (one
// whose response headers have not arrived) is in flight, or returns ctx's
// error.
func (r *recording) waitDrained(ctx context.Context) error {
	for {
		r.mu.Lock()
		n := 0
		for _, q := range r.inflight {
			if q.responded.IsZero() {
				n++
			}
		}
		r.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.changed:
		}
	}
}

// quiet reports whether the page has loaded, no frame is loading, nothing
// is in flight and no event came for d; when not, it also returns how long
// until it could be (at most idlePoll: waiters also wake on every event).
func (r *recording) quiet(d time.Duration) (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, loaded := r.loads[r.loader]; !loaded || r.adopting > 0 || len(r.loadingFrames) > 0 {
		return false, max(d, idlePoll)
	}
	now := time.Now()
	if left := r.workersPending(now); left > 0 {
		return false, min(max(d, idlePoll), left)
	}
	for _, q := range r.inflight {
		if q.responded.IsZero() {
			return false, max(d, idlePoll)
		}
		if left := bodyGrace - now.Sub(q.responded); left > 0 {
			return false, min(max(d, idlePoll), left)
		}
	}
	since := time.Since(r.lastEvent)
	if since >= d {
		return true, 0
	}
	return false, d - since
}

// startWorkerClock starts the service worker wait, once. r.mu must be held.
func (r *recording) startWorkerClock() {
	if r.workerDeadline.IsZero() {
		r.workerDeadline = time.Now().Add(serviceWorkerWait)
	}
}

// workersPending returns how long settling may still wait for service
// workers and their requests (see serviceWorkerWait): 0 when none is
// pending or the wait ran out, which is noted once. r.mu must be held.
func (r *recording) workersPending(now time.Time) time.Duration {
	var pending []string
	if r.registering && len(r.serviceWorkers) == 0 {
		pending = append(pending, "a service worker the page registered was not yet reported by Chrome")
	}
	for _, v := range r.serviceWorkers {
		if v.settling() {
			pending = append(pending, fmt.Sprintf("the service worker %s was still %s", inspect.BoundURL(v.script), v.status))
		}
	}
	for _, u := range r.workerInflight {
		pending = append(pending, "a service worker's request to "+inspect.BoundURL(u)+" was still in flight")
	}
	if len(pending) == 0 {
		return 0
	}
	if left := r.workerDeadline.Sub(now); left > 0 {
		return left
	}
	if r.workerNotes == nil {
		sort.Strings(pending)
		for _, p := range pending {
			r.workerNotes = append(r.workerNotes, fmt.Sprintf("%s when cookiescope stopped waiting for it, %s after the target's first service worker activity; what it did later is not seen (raise --wait to see more)", p, serviceWorkerWait))
		}
	}
	return 0
}

// serviceWorkerScripts returns the scripts of the service worker versions
// that were on their way to being active during the recording.
func (r *recording) serviceWorkerScripts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var scripts []string
	for _, v := range r.serviceWorkers {
		scripts = append(scripts, v.script)
	}
	sort.Strings(scripts)
	return scripts
}

// hadServiceWorker reports whether a service worker registered or ran
// during the recording.
func (r *recording) hadServiceWorker() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.serviceWorkers) > 0 || r.registering
}

// waitServiceWorkersGone waits until every service worker version of the
// recording is redundant and stopped, and returns nil, or what is left when
// ctx ends. A registration the page made whose version Chrome never
// reported counts as left.
func (r *recording) waitServiceWorkersGone(ctx context.Context) error {
	for {
		r.mu.Lock()
		var left []string
		for _, v := range r.serviceWorkers {
			if !v.gone() {
				left = append(left, fmt.Sprintf("%s (%s, %s)", inspect.BoundURL(v.script), v.status, v.running))
			}
		}
		if r.registering && len(r.serviceWorkers) == 0 {
			left = append(left, "a registration Chrome never reported")
		}
		r.mu.Unlock()
		if len(left) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			sort.Strings(left)
			return fmt.Errorf("service workers of the target still there after clearing: %s", strings.Join(left, ", "))
		case <-r.changed:
		}
	}
}

// notes returns what settling stopped waiting for.
func (r *recording) notes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.workerNotes)
}

// singleDocumentAtRest reports whether the page has been one document all
// along (no iframe was attached during the recording) with no request in
// flight that has not had its response.
func (r *recording) singleDocumentAtRest() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.frameParent) > 0 || r.crashed {
		return false
	}
	for _, q := range r.inflight {
		if q.responded.IsZero() {
			return false
		}
	}
	return true
}

// hadPopups reports whether the target opened a page.
func (r *recording) hadPopups() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.popups) > 0
}

// hasCookieStoreWrite reports whether the recording holds a cookieStore
// write (of a document or a worker).
func (r *recording) hasCookieStoreWrite() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.writes {
		if w.Via == inspect.ViaCookieStore {
			return true
		}
	}
	return false
}

// idlePoll is how often a waiter looks again when nothing it waits for has
// a time of its own (every event wakes it anyway).
const idlePoll = 50 * time.Millisecond

// eventCount returns how many events the recording has had so far.
func (r *recording) eventCount() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events
}

// documentRequest returns what Chrome decided for the first hop of the
// document request of the navigation cookiescope started last (a
// navigation's request ID is its loader ID), before any redirect or any
// navigation of the page's own: the Cookie header it carried and the
// cookies Chrome associated with it, values included. ok is false when
// Chrome reported no decision.
func (r *recording) documentRequest() (header string, cookies []*network.AssociatedCookie, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tr := r.requests[r.navigated]
	if tr == nil || len(tr.cookies) == 0 {
		return "", nil, false
	}
	return tr.headers[0], tr.cookies[0], true
}

// documentHSTS returns the Strict-Transport-Security header of the awaited
// main document's response.
func (r *recording) documentHSTS() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hsts[r.loader]
}

// scriptURLs returns the script URLs requested so far.
func (r *recording) scriptURLs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.scripts...)
}

// expectNavigation notes that cookiescope is about to navigate the page.
func (r *recording) expectNavigation() {
	r.mu.Lock()
	r.navigating = true
	r.mu.Unlock()
}

// expectLoad names the main-frame document whose load the target waits for.
func (r *recording) expectLoad(loaderID string) {
	r.mu.Lock()
	r.loader, r.navigated = loaderID, loaderID
	r.mu.Unlock()
}

// waitQuiet waits until quiet(d) holds, or returns ctx's error, or
// errRendererCrashed.
func (r *recording) waitQuiet(ctx context.Context, d time.Duration) error {
	for {
		if r.hasCrashed() {
			return errRendererCrashed
		}
		ok, wait := r.quiet(d)
		if ok {
			return nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-r.changed:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// hasCrashed reports whether the page's renderer crashed.
func (r *recording) hasCrashed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.crashed
}

func (r *recording) isLoaded() bool {
	_, loaded := r.loadedAt()
	return loaded
}

// loadedAt returns when the awaited main document fired its load event.
func (r *recording) loadedAt() (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, loaded := r.loads[r.loader]
	return at, loaded
}

func (r *recording) adoptStarted() {
	r.mu.Lock()
	r.adopting++
	r.mu.Unlock()
}

func (r *recording) adoptDone() {
	r.mu.Lock()
	r.adopting--
	r.touch()
	r.mu.Unlock()
}

// responseURL returns the URL of a request's response: the URL of its hop
// (redirects make several), or its last one known. r.mu must be held.
func (r *recording) responseURL(requestKey string, hop int) string {
	urls := r.requestURLs[requestKey]
	switch {
	case hop < len(urls):
		return urls[hop]
	case len(urls) > 0:
		return urls[len(urls)-1]
	}
	return ""
}

// siteDataClearList returns the responses that carried a Clear-Site-Data
// header, in the order they arrived.
func (r *recording) siteDataClearList() []inspect.SiteDataClear {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]inspect.SiteDataClear, 0, len(r.siteDataClears))
	for _, c := range r.siteDataClears {
		out = append(out, inspect.SiteDataClear{URL: r.responseURL(c.requestKey, c.hop), Header: c.header, At: c.at})
	}
	return out
}

// allWrites returns every write in the order Chrome saw it: header writes
// are placed by the time their response arrived.
func (r *recording) allWrites() []inspect.Write {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]inspect.Write{}, r.writes...)
	for _, p := range r.pending {
		responseURL := r.responseURL(p.requestKey, p.hop)
		blocked := make(map[string][][]string)
		for _, b := range p.blocked {
			reasons := make([]string, len(b.BlockedReasons))
			for i, reason := range b.BlockedReasons {
				reasons[i] = string(reason)
			}
			line, _ := decodeHeaderLine(b.CookieLine)
			blocked[line] = append(blocked[line], reasons)
		}
		for _, raw := range p.lines {
			line, latin1 := decodeHeaderLine(raw)
			w := inspect.Write{Via: inspect.ViaHeader, URL: responseURL, CookieLine: line, Status: p.status, At: p.at}
			if latin1 {
				w.Encoding = "latin1"
			}
			if rs := blocked[line]; len(rs) > 0 {
				w.Blocked = rs[0]
				blocked[line] = rs[1:]
			}
			out = append(out, w)
		}
		// A blocked line missing from the raw headers (Chrome can normalise
		// it) is still reported.
		for line, rs := range blocked {
			for _, reasons := range rs {
				w := inspect.Write{Via: inspect.ViaHeader, URL: responseURL, CookieLine: line, Status: p.status, At: p.at, Blocked: reasons}
				if _, latin1 := decodeHeaderLine(line); latin1 {
					w.Encoding = "latin1"
				}
				out = append(out, w)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// frameURL returns the URL of the document frame last showed, or "".
func (r *recording) frameURL(frame cdp.FrameID) string {
	if frame == "" {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frameURLs[frame]
}

// originList returns the origins touched, sorted.
func (r *recording) originList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.origins))
	for o := range r.origins {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}
