package record

// The events a recording is told: what Chrome reported that the recorder
// records, as types of our own with only the fields it reads. Package
// browser converts Chrome's DevTools events into them (recordevents.go):
// this package knows nothing of the protocol, and is tested with canned
// sequences of them.

// Event is one of the event types below.
type Event interface{ isEvent() }

// RequestWillBeSent is Network.requestWillBeSent: a request, or a hop of
// one (a redirect is a new hop under the same RequestID).
type RequestWillBeSent struct {
	RequestID, LoaderID, FrameID string
	// Type is Chrome's resource type: "Document", "Script", ...
	Type string
	// URL and Method are the request's; HasRequest is false when Chrome
	// gave none.
	HasRequest  bool
	URL, Method string
	// Initiator says what started it, in one line ("parser
	// https://a.test/:3"); BrowserInitiated is true when nothing in a page
	// did (no initiator, or "other" without a URL).
	Initiator        string
	BrowserInitiated bool
	// Redirected is true for a hop that follows a redirect response.
	Redirected bool
}

// AssociatedCookie is one of Chrome's cookie decisions for a request: a
// cookie it sent, or withheld with BlockedReasons.
type AssociatedCookie struct {
	Name, Value, Domain, Path string
	// PartitionKey is the top-level site of a partitioned cookie.
	PartitionKey string
	// Exemption is why Chrome sent a cookie its rules would block ("" for
	// none).
	Exemption      string
	BlockedReasons []string
}

// RequestExtraInfo is Network.requestWillBeSentExtraInfo: the Cookie
// header a hop carried and Chrome's cookie decisions for it.
type RequestExtraInfo struct {
	RequestID    string
	CookieHeader string
	Cookies      []AssociatedCookie
}

// ResponseReceived is Network.responseReceived: a response's headers
// arrived.
type ResponseReceived struct{ RequestID string }

// LoadingFinished is Network.loadingFinished or Network.loadingFailed: a
// request ended.
type LoadingFinished struct{ RequestID string }

// BlockedSetCookie is a Set-Cookie line Chrome refused, with why.
type BlockedSetCookie struct {
	// Line is the raw line, as Chrome reports header bytes: one character
	// per byte (see decodeHeaderLine).
	Line    string
	Reasons []string
}

// ResponseExtraInfo is Network.responseReceivedExtraInfo: a response's
// raw headers (string-valued ones; repeated lines joined by newlines) and
// the Set-Cookie lines Chrome refused.
type ResponseExtraInfo struct {
	RequestID string
	Status    int
	Headers   map[string]string
	Blocked   []BlockedSetCookie
}

// ServiceWorkerVersion is one service worker version as Chrome reports it
// (ServiceWorker.workerVersionUpdated).
type ServiceWorkerVersion struct {
	ID, Script string
	// Status is "new", "installing", "installed", "activating",
	// "activated" or "redundant"; Running is "stopped", "starting",
	// "running" or "stopping".
	Status, Running string
}

// ServiceWorkerVersions is ServiceWorker.workerVersionUpdated.
type ServiceWorkerVersions struct{ Versions []ServiceWorkerVersion }

// FrameAttached is Page.frameAttached: a child frame and its parent.
type FrameAttached struct{ FrameID, ParentID string }

// FrameLoading is Page.frameStartedLoading (Started) and
// Page.frameStoppedLoading.
type FrameLoading struct {
	FrameID string
	Started bool
}

// FrameDetached is Page.frameDetached; Swapped is true when the frame
// moved to a process of its own, where it goes on.
type FrameDetached struct {
	FrameID string
	Swapped bool
}

// Lifecycle is Page.lifecycleEvent: a document's "load", among others.
type Lifecycle struct{ Name, LoaderID string }

// FrameNavigated is Page.frameNavigated: a frame shows a new document.
type FrameNavigated struct{ FrameID, ParentID, LoaderID, URL string }

// TargetCrashed is Inspector.targetCrashed: the renderer is gone.
type TargetCrashed struct{}

// StackFrame is a frame of the stack V8 captured at a console call.
type StackFrame struct {
	ScriptID, Function, URL string
	// Line and Column are 0-based, as V8 gives them.
	Line, Column int
}

// StackTrace is a stack V8 captured: its frames, innermost first, and
// the stack that scheduled it across an asynchronous boundary.
type StackTrace struct {
	Frames []StackFrame
	// Description names the boundary; Parent is nil at the end.
	Description string
	Parent      *StackTrace
}

// ConsoleCall is Runtime.consoleAPICalled. Only the hook's calls matter:
// a trace whose arguments are all strings, the first the run's secret.
type ConsoleCall struct {
	// Trace is true for console.trace, the call the hook makes.
	Trace bool
	// Args are the arguments' string values; Strings is false when one
	// was not a string.
	Args    []string
	Strings bool
	Stack   *StackTrace
}

func (RequestWillBeSent) isEvent()     {}
func (RequestExtraInfo) isEvent()      {}
func (ResponseReceived) isEvent()      {}
func (LoadingFinished) isEvent()       {}
func (ResponseExtraInfo) isEvent()     {}
func (ServiceWorkerVersions) isEvent() {}
func (FrameAttached) isEvent()         {}
func (FrameLoading) isEvent()          {}
func (FrameDetached) isEvent()         {}
func (Lifecycle) isEvent()             {}
func (FrameNavigated) isEvent()        {}
func (TargetCrashed) isEvent()         {}
func (ConsoleCall) isEvent()           {}
