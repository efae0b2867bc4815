package record

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// Recording collects the events of one target, from the page's session and
// from every adopted iframe session. Its handle method runs on the reading
// goroutine: it only appends under the lock.
type Recording struct {
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
	mainFrame string
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
	frameURLs   map[string]string
	frameParent map[string]string
	// loadingFrames holds the frames (of every session: a frame keeps its
	// ID when it moves to a process of its own) that Chrome reported
	// started loading and not yet stopped: a loading document can still
	// run script that writes cookies.
	loadingFrames map[string]bool
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
	script, status, running string
}

// gone reports whether a version can run no more script: redundant and
// stopped.
func (v serviceWorkerVersion) gone() bool {
	return v.status == "redundant" && v.running == "stopped"
}

// settling reports whether a version is on its way to being the active
// worker: its script can still run its install or activate handler.
func (v serviceWorkerVersion) settling() bool {
	switch v.status {
	case "new", "installing", "installed", "activating":
		return true
	}
	return false
}

// maxRequests bounds the requests a recording traces: a page can make them
// without end.
const maxRequests = 5000

// ErrRendererCrashed ends the wait for a page whose renderer crashed.
var ErrRendererCrashed = errors.New("the page's renderer crashed (Chrome reported Inspector.targetCrashed); what it did before is kept")

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
	blocked    []BlockedSetCookie
	at         time.Time
}

// pendingSiteDataClear is a response's Clear-Site-Data header.
type pendingSiteDataClear struct {
	requestKey string
	hop        int
	header     string
	at         time.Time
}

// New starts a recording of one target: secret tells the hook's console
// calls from the page's, and mainFrame is the ID of the page's main frame
// (its target's ID; "" when not known yet).
func New(secret, mainFrame string) *Recording {
	return &Recording{
		secret:      secret,
		mainFrame:   mainFrame,
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
		frameURLs:   make(map[string]string),
		frameParent: make(map[string]string),

		loadingFrames:  make(map[string]bool),
		serviceWorkers: make(map[string]serviceWorkerVersion),
		workerInflight: make(map[string]string),
	}
}

// Touch notes that something happened that the waits must see (an
// action of ours on the page), as an event does.
func (r *Recording) Touch() {
	r.mu.Lock()
	r.touch()
	r.mu.Unlock()
}

// Changed returns the channel that holds a token once an event came since
// a waiter last took it (see the field changed).
func (r *Recording) Changed() <-chan struct{} { return r.changed }

// touch counts an event and leaves a token in changed. r.mu is held.
func (r *Recording) touch() {
	r.lastEvent = time.Now()
	r.events++
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// Handle records one event of a session, labelled as labels.go says.
// topLevel is true for the page's own session, whose main-frame load ends
// the wait. It runs on the connection's reading goroutine, and only
// appends under the lock.
func (r *Recording) Handle(session string, topLevel bool, ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var recorded bool
	switch ev := ev.(type) {
	case RequestWillBeSent:
		recorded = r.requestWillBeSent(session, topLevel, ev)
	case RequestExtraInfo:
		r.traceCookies(session, ev)
		recorded = true
	case ResponseReceived:
		if q, ok := r.inflight[ev.RequestID]; ok {
			q.responded = time.Now()
			r.inflight[ev.RequestID] = q
		}
		recorded = true
	case LoadingFinished:
		delete(r.inflight, ev.RequestID)
		delete(r.workerInflight, ev.RequestID)
		recorded = true
	case ServiceWorkerVersions:
		r.serviceWorkerVersions(ev)
		recorded = true
	case ResponseExtraInfo:
		r.responseExtraInfo(ev)
		recorded = true
	case FrameAttached:
		r.frameParent[ev.FrameID] = ev.ParentID
		recorded = true
	case FrameLoading:
		if ev.Started {
			r.loadingFrames[ev.FrameID] = true
		} else {
			delete(r.loadingFrames, ev.FrameID)
		}
		recorded = true
	case FrameDetached:
		// A frame that moved to a process of its own is detached here and
		// goes on loading there, in a session that reports it.
		if !ev.Swapped {
			delete(r.loadingFrames, ev.FrameID)
		}
		recorded = true
	case Lifecycle:
		if _, seen := r.loads[ev.LoaderID]; topLevel && ev.Name == "load" && !seen {
			r.loads[ev.LoaderID] = time.Now()
		}
		recorded = true
	case FrameNavigated:
		r.frameNavigated(session, topLevel, ev)
		recorded = true
	case TargetCrashed:
		if topLevel {
			r.crashed = true
			r.inflight = make(map[string]inflightRequest)
			r.loadingFrames = make(map[string]bool)
		}
		recorded = true
	case ConsoleCall:
		recorded = r.consoleCall(session, ev)
	}
	if recorded {
		r.touch()
	}
}

// requestWillBeSent records a request's hop: in flight (a service
// worker's apart), its origin, a script's URL, and its trace. r.mu is held.
func (r *Recording) requestWillBeSent(session string, topLevel bool, ev RequestWillBeSent) bool {
	key := ev.RequestID
	req := inflightRequest{session: session, loader: ev.LoaderID}
	if ev.HasRequest {
		req.url = ev.URL
		r.requestURLs[key] = append(r.requestURLs[key], ev.URL)
		r.noteOrigin(ev.URL)
		if ev.Type == "Script" && !r.scriptSeen[ev.URL] {
			r.scriptSeen[ev.URL] = true
			r.scripts = append(r.scripts, inspect.BoundURL(ev.URL))
		}
	}
	req.navigation = topLevel && ev.Type == "Document" && ev.RequestID == ev.LoaderID && ev.FrameID == r.mainFrame
	if req.navigation {
		// A new navigation of the page supersedes any other: Chrome
		// cancels it without always saying so.
		r.dropInflight(func(q inflightRequest) bool { return q.navigation })
	}
	switch {
	case !strings.HasPrefix(session, WorkerLabelPrefix):
		r.inflight[key] = req
	case strings.HasPrefix(session, ServiceWorkerLabelPrefix):
		r.workerInflight[key] = req.url
		r.startWorkerClock()
	}
	r.traceRequest(session, ev)
	return true
}

// serviceWorkerVersions records the versions of service workers Chrome
// reported that are the target's. r.mu is held.
func (r *Recording) serviceWorkerVersions(ev ServiceWorkerVersions) {
	for _, v := range ev.Versions {
		version := serviceWorkerVersion{script: v.Script, status: v.Status, running: v.Running}
		if _, seen := r.serviceWorkers[v.ID]; !seen && !version.settling() {
			// A version that was already done when the target began (one
			// the previous target's clean-up made redundant, say) is none
			// of its business.
			continue
		}
		r.serviceWorkers[v.ID] = version
		if version.settling() {
			r.startWorkerClock()
		}
	}
}

// responseExtraInfo records a response's raw headers: its
// Strict-Transport-Security, its Clear-Site-Data, and its Set-Cookie lines
// with those Chrome refused, waiting for their request's URL. r.mu is held.
func (r *Recording) responseExtraInfo(ev ResponseExtraInfo) {
	key := ev.RequestID
	hop := r.extraSeen[key]
	r.extraSeen[key]++
	var lines []string
	for name, v := range ev.Headers {
		switch {
		case strings.EqualFold(name, "strict-transport-security"):
			r.hsts[key] = v
		case strings.EqualFold(name, "clear-site-data"):
			// Repeated header lines arrive joined by newlines: one list,
			// as HTTP reads them.
			header := strings.ReplaceAll(v, "\n", ",")
			r.siteDataClears = append(r.siteDataClears, pendingSiteDataClear{requestKey: key, hop: hop, header: header, at: time.Now()})
		case strings.EqualFold(name, "set-cookie"):
			lines = append(lines, setCookieLines(v)...)
		}
	}
	if len(lines) > 0 || len(ev.Blocked) > 0 {
		r.pending = append(r.pending, pendingHeaderWrite{requestKey: key, hop: hop, status: ev.Status, lines: lines, blocked: ev.Blocked, at: time.Now()})
	}
}

// frameNavigated records a frame's new document: its origin and URL, and
// for the page's main frame, the document whose load the target now
// waits for. r.mu is held.
func (r *Recording) frameNavigated(session string, topLevel bool, ev FrameNavigated) {
	r.noteOrigin(ev.URL)
	r.frameURLs[ev.FrameID] = ev.URL
	if ev.ParentID != "" {
		r.frameParent[ev.FrameID] = ev.ParentID
	}
	if topLevel && ev.ParentID == "" {
		r.mainFrame, r.mainURL = ev.FrameID, ev.URL
		// The page moved on by itself (a form post, a script redirect):
		// wait for the new document's load instead. The requests of the
		// documents it left are cancelled, whether or not Chrome reports
		// it.
		if r.loader != "" {
			r.loader = ev.LoaderID
		}
		loader := ev.LoaderID
		r.dropInflight(func(q inflightRequest) bool { return q.session == session && q.loader != "" && q.loader != loader })
	}
	if ev.ParentID == "" {
		r.notePopupURL(session, ev.URL)
		if (topLevel || strings.HasPrefix(session, PopupLabelPrefix)) && !slices.Contains(r.topLevel, ev.URL) {
			r.topLevel = append(r.topLevel, ev.URL)
		}
	}
}

// consoleCall records the hook's reports: a service worker registration,
// or a script's cookie write. The page's own console calls, which lack the
// secret, are no event of ours (false). r.mu is held.
func (r *Recording) consoleCall(session string, ev ConsoleCall) bool {
	if hookRegistersServiceWorker(ev, r.secret) {
		r.registering = true
		r.startWorkerClock()
		return true
	}
	w, ok := hookWrite(ev, r.secret, time.Now())
	if !ok {
		return false
	}
	// A service worker's write is no document's inline script.
	if strings.HasPrefix(session, WorkerLabelPrefix) {
		w.Inline = false
	}
	// An about:blank or srcdoc document writes cookies for the page that
	// made it: its cookie URL is its creator's.
	if !strings.HasPrefix(w.URL, "http:") && !strings.HasPrefix(w.URL, "https:") && r.mainURL != "" {
		w.URL = r.mainURL
	}
	r.writes = append(r.writes, w)
	return true
}

func (r *Recording) noteOrigin(raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return
	}
	r.origins[u.Scheme+"://"+u.Host] = true
}

// dropInflight forgets the requests in flight that match.
func (r *Recording) dropInflight(match func(inflightRequest) bool) {
	for id, q := range r.inflight {
		if match(q) {
			delete(r.inflight, id)
		}
	}
}

// NoteDialog records a dialog the target opened, and its answer.
func (r *Recording) NoteDialog(kind, message, url string, accepted bool) {
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
	r.dialogs = append(r.dialogs, inspect.Dialog{Kind: kind, Message: inspect.BoundMessage(message), URL: inspect.BoundURL(url), Answer: answer})
}

// NotePopup records a page the target opened.
func (r *Recording) NotePopup(targetID, url string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.popups = append(r.popups, popupRecord{label: PopupLabelPrefix + targetID, Popup: inspect.Popup{URL: url, OpenedBy: r.mainURL}})
	r.touch()
}

// notePopupURL keeps the URL of a popup's main document up to date.
func (r *Recording) notePopupURL(label, u string) {
	for i := range r.popups {
		if r.popups[i].label == label {
			r.popups[i].URL = u
		}
	}
}

// Evidence returns what the recording holds beyond writes: the dialogs
// (with a last line counting those dropped), the popups, and why the
// Context was replaced.
func (r *Recording) Evidence() (dialogs []inspect.Dialog, popups []inspect.Popup, replaced string) {
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

// NoteCleared records that cookiescope emptied the jar now.
func (r *Recording) NoteCleared() {
	r.mu.Lock()
	r.cleared = append(r.cleared, time.Now())
	r.mu.Unlock()
}

// Context returns the top-level document URLs and the times the jar was
// cleared, for judging the writes.
func (r *Recording) Context() (topLevel []string, cleared []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.topLevel...), append([]time.Time(nil), r.cleared...)
}

// NoteReplaced records why the context was replaced after the target.
func (r *Recording) NoteReplaced(why []string) {
	r.mu.Lock()
	r.replaced = append(r.replaced, why...)
	r.mu.Unlock()
}

// Notes returns what settling stopped waiting for.
func (r *Recording) Notes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.workerNotes)
}

// SingleDocumentAtRest reports whether the page has been one document all
// along (no iframe was attached during the recording) with no request in
// flight that has not had its response.
func (r *Recording) SingleDocumentAtRest() bool {
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

// HadPopups reports whether the target opened a page.
func (r *Recording) HadPopups() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.popups) > 0
}

// HasCookieStoreWrite reports whether the recording holds a cookieStore
// write (of a document or a worker).
func (r *Recording) HasCookieStoreWrite() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.writes {
		if w.Via == inspect.ViaCookieStore {
			return true
		}
	}
	return false
}

// DocumentRequest returns what Chrome decided for the first hop of the
// document request of the navigation cookiescope started last (a
// navigation's request ID is its loader ID), before any redirect or any
// navigation of the page's own: the Cookie header it carried and the
// cookies Chrome associated with it, values included. ok is false when
// Chrome reported no decision.
func (r *Recording) DocumentRequest() (header string, cookies []AssociatedCookie, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tr := r.requests[r.navigated]
	if tr == nil || len(tr.cookies) == 0 {
		return "", nil, false
	}
	return tr.headers[0], tr.cookies[0], true
}

// DocumentHSTS returns the Strict-Transport-Security header of the awaited
// main document's response.
func (r *Recording) DocumentHSTS() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hsts[r.loader]
}

// ScriptURLs returns the script URLs requested so far.
func (r *Recording) ScriptURLs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.scripts...)
}

// FrameURL returns the URL of the document frame last showed, or "".
func (r *Recording) FrameURL(frame string) string {
	if frame == "" {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frameURLs[frame]
}

// OriginList returns the origins touched, sorted.
func (r *Recording) OriginList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.origins))
	for o := range r.origins {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}
