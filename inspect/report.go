// Package inspect is cookiescope's model of cookies and what happened to
// them: the Set-Cookie parser, the Report that every output renders, and the
// joining of Chrome's cookie jar with the writes that produced each cookie.
// It never talks to a browser: package browser converts what Chrome reports
// into these types, so everything here is tested with plain values.
package inspect

import (
	"time"
)

// SchemaVersion is the version of the JSON report format (docs/report.md).
// It changes only when a field changes meaning or disappears.
const SchemaVersion = 2

// Redacted replaces cookie values in every output unless values are shown.
const Redacted = "[redacted]"

// Via says how a cookie write reached the browser.
type Via string

// The ways a cookie can be written.
const (
	ViaHeader         Via = "header"
	ViaDocumentCookie Via = "document.cookie"
	ViaCookieStore    Via = "cookieStore"
)

// Report is the result of one run: one Target per URL or scenario. Every
// output format renders a Report.
type Report struct {
	SchemaVersion int       `json:"schemaVersion"`
	Tool          string    `json:"tool"`
	Browser       Browser   `json:"browser"`
	Started       time.Time `json:"started"`
	// Interrupted is set when the run was stopped (Ctrl-C) before every
	// target finished; the targets hold what was captured until then.
	Interrupted bool     `json:"interrupted"`
	Targets     []Target `json:"targets"`
	// Baseline is the file compared against with --baseline, and
	// Regressions what got worse since it.
	Baseline    string       `json:"baseline,omitempty"`
	Regressions []Regression `json:"regressions,omitempty"`

	// ThirdPartyCookies is the browser's third-party cookie setting for
	// the run (--third-party-cookies): what cross-site frames and requests
	// could store and send decides much of what the targets show.
	ThirdPartyCookies ThirdPartyCookies `json:"thirdPartyCookies,omitempty"`
	// Viewport is what every page of the run was shown on (--viewport,
	// --device; a scenario's own viewport: is on its target); nil in a
	// report written before viewports were stated.
	Viewport *Viewport `json:"viewport,omitempty"`

	// OriginBoundCookies says the run's browser had origin-bound cookies
	// on (--origin-bound-cookies): each cookie went only to the scheme that
	// set it, and a host-only cookie only to its port. Chromium 156 has them
	// off by default, so false is what users' browsers do today.
	OriginBoundCookies bool `json:"originBoundCookies"`
	// OriginBoundComparison is what --compare-origin-bound found: the
	// probed targets' attacks run again with origin-bound cookies on, beside
	// the run's own verdicts; nil without the comparison.
	OriginBoundComparison *OriginBoundComparison `json:"originBoundComparison,omitempty"`
	// Crawl is what `inspect --crawl` did: the targets are the pages it
	// loaded, in crawl order; nil without --crawl.
	Crawl *Crawl `json:"crawl,omitempty"`
}

// Browser names the browser that produced the evidence.
type Browser struct {
	Product string `json:"product"`
	// Reconnections lists every time a --remote browser was lost during
	// the run and connected to again, or dropped when that failed.
	Reconnections []Reconnection `json:"reconnections,omitempty"`
}

// Target is what happened while loading one URL: every cookie in the jar
// afterwards with its story, and every write Chrome refused.
type Target struct {
	URL      string `json:"url"`
	FinalURL string `json:"finalURL"`
	// DiscoveredFrom is, for a page `inspect --crawl` found, the URL of the
	// page that linked it; empty for a start URL (and outside a crawl).
	DiscoveredFrom string `json:"discoveredFrom,omitempty"`
	// Status is, for a page of a crawl, the HTTP status of its document
	// response (0 when none arrived); 0 outside a crawl.
	Status int `json:"status,omitempty"`
	// Skipped says why a crawled page was not shown and its links not
	// read: "not HTML (application/pdf)", "a download (attachment)",
	// "redirects off the site to URL". The page was still requested in
	// its clean context, so the cookies its response set are reported.
	Skipped string `json:"skipped,omitempty"`
	// Error says why the target did not load completely; what was captured
	// before the error is still reported.
	Error      string `json:"error"`
	DurationMS int64  `json:"durationMs"`
	// Timings says where an inspected target's time went, from
	// cookiescope's own clock; nil for scenarios and probes.
	Timings *Timings `json:"timings,omitempty"`
	// Cookies is the jar at the end: after the page went quiet, or after
	// a scenario's last step.
	Cookies []Cookie `json:"cookies"`
	// EarlierCookies are, for a scenario, the cookies seen at an earlier
	// capture or expect step that are gone from the final jar or differ
	// there (value, attributes, readability, or the write that set them):
	// one per name, domain and path, the latest version seen, each with its
	// SeenAt. The cookie rules judge them as they judge Cookies, so a
	// session that a logout deleted is still judged.
	EarlierCookies []Cookie       `json:"earlierCookies,omitempty"`
	Blocked        []BlockedWrite `json:"blocked"`
	// Frames lists each document the target showed (the page and its
	// iframes), with the cookie names script could read there.
	Frames []Frame `json:"frames"`
	// Unmeasured lists the documents whose readability was not measured,
	// and why (the page did not answer, its renderer crashed, no document
	// was read at all): the cookies script could have read there are
	// ReadabilityUnknown, never NotReadable.
	Unmeasured []Unmeasured `json:"unmeasured,omitempty"`
	// Writes is every cookie write seen, in order, accepted or not.
	Writes []Write `json:"writes"`
	// Requests is every request the target made, in order, with the
	// cookies Chrome sent with each and those it withheld, and why;
	// RequestsDropped counts the requests past the recorder's bound, not
	// kept.
	Requests        []Request `json:"requests"`
	RequestsDropped int       `json:"requestsDropped,omitempty"`
	// Probes are the attacks `cookiescope probe` attempted, in order.
	Probes []Probe `json:"probes,omitempty"`
	// CrossSite holds what each cross-site probe found: the requests a
	// CSRF attacker's page made to the target and the cookies each carried.
	CrossSite []CrossSite `json:"crossSite,omitempty"`
	// Plants are the cookies a scenario's plant steps had the emulated
	// network attacker write into the victim's jar, with Chrome's verdict.
	Plants []Plant `json:"plants,omitempty"`
	// Viewport is the scenario's own viewport (its viewport: or device:),
	// when it differs from the run's (Report.Viewport); nil otherwise.
	Viewport *Viewport `json:"viewport,omitempty"`
	// Flow is, for a scenario, every step as it ran, in order: where its
	// browser ended up and what happened to cookies at it.
	Flow []FlowStep `json:"flow,omitempty"`
	// Session is what a scenario's session step measured: the cookies the
	// server needs to show a logged-in page, and whether logout ended the
	// session; nil without a session step.
	Session *Session `json:"session,omitempty"`
	// Crawl lists what a scenario's crawl steps did, one per step, each
	// with the pages it loaded in the victim's browser.
	Crawl []Crawl `json:"crawl,omitempty"`
	// FlowState lists the cookies of a redirect login (OAuth or OpenID
	// Connect state, nonce, PKCE verifier) recognised by their life, with
	// what showed it: they are never judged as session credentials.
	FlowState []FlowStateCookie `json:"flowState,omitempty"`
	// HSTS is the Strict-Transport-Security header of the page's document
	// response, empty when there was none.
	HSTS string `json:"hsts"`
	// Scripts lists the URLs of the scripts the page and its frames loaded.
	Scripts []string `json:"scripts"`
	// Findings are what the rules found, most severe first.
	Findings []Finding `json:"findings"`
	// Scenario, File and Line name the scenario a `cookiescope run` target
	// comes from; Expectations are its checked expectations, in order.
	// Dialogs lists the JavaScript dialogs the target opened, each answered
	// at once; Popups the pages it opened, recorded with it and closed when
	// it ended.
	Dialogs []Dialog `json:"dialogs,omitempty"`
	Popups  []Popup  `json:"popups,omitempty"`
	// Isolation is set when the browser context could not be proven clean
	// after the target and was replaced, with what was found.
	Isolation string `json:"isolation,omitempty"`
	// Notes says what cookiescope stopped waiting for before it read the
	// target (a service worker still installing, a worker's request still
	// in flight): what it did later is not in the report.
	Notes        []string            `json:"notes,omitempty"`
	Scenario     string              `json:"scenario,omitempty"`
	File         string              `json:"file,omitempty"`
	Line         int                 `json:"line,omitempty"`
	Expectations []ExpectationResult `json:"expectations,omitempty"`
	// Browser names the browser that served the target, and says when the
	// target ran again on it because the browser it started on was lost.
	Browser TargetBrowser `json:"browser,omitzero"`
}

// TargetBrowser names the browser that served a target.
type TargetBrowser struct {
	// Endpoint is "launched" for the browser cookiescope started, or the
	// --remote endpoint as given, without its user info and query values.
	Endpoint string `json:"endpoint"`
	// Product is what that browser calls itself ("Chrome/156.0.8078.79").
	Product string `json:"product"`
	// Moved says why the target ran again on this browser, one clause per
	// move: "browser X lost: CAUSE; run again on Y". Empty when it ran once.
	Moved string `json:"moved,omitempty"`
}

// Timings splits an inspected target's time into its phases, in
// milliseconds: navigating until the main document's load event, settling
// until nothing that can still write a cookie is pending (the documents are
// read in settling's last round trip to them), measuring readability again
// when settling could not (0 when it did), reading the jar and assembling
// the evidence, and leaving the browser context clean for the next target.
type Timings struct {
	NavigateMS    float64 `json:"navigateMs"`
	SettleMS      float64 `json:"settleMs"`
	ReadabilityMS float64 `json:"readabilityMs"`
	JarMS         float64 `json:"jarMs"`
	CleanupMS     float64 `json:"cleanupMs"`
}

// Milliseconds turns d into the milliseconds Timings holds, to a tenth.
func Milliseconds(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Millisecond)
}

// Dialog is a JavaScript dialog a target opened, and its answer.
type Dialog struct {
	// Kind is alert, confirm, prompt or beforeunload.
	Kind string `json:"kind"`
	// Message is the page's text: untrusted, escape it before showing it.
	Message string `json:"message"`
	// URL is the document that opened the dialog.
	URL string `json:"url"`
	// Answer is "accepted" or "dismissed".
	Answer string `json:"answer"`
}

// Popup is a page a target opened (window.open, a link with a target).
type Popup struct {
	// URL is the last document the popup showed.
	URL string `json:"url"`
	// OpenedBy is the URL of the page that opened it.
	OpenedBy string `json:"openedBy"`
}

// ExpectationResult is one checked expectation of a scenario.
type ExpectationResult struct {
	// Expectation says what was expected, in one line; File and Line locate
	// it in the scenario file.
	Expectation string `json:"expectation"`
	// Cookie is the cookie's name; empty for an expectation on the page.
	Cookie string `json:"cookie"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Passed bool   `json:"passed"`
	// Failures lists each mismatch as "what: expected X, got Y".
	Failures []string `json:"failures"`
	// SessionBehaviour is set when the expectation showed the cookie
	// behaving as a session does ("rotated since before-login", "issued
	// since planted", "cleared"): the rules then judge it as session-like.
	SessionBehaviour string `json:"sessionBehaviour,omitempty"`
	// Browser is BrowserAttacker when the expectation was checked in the
	// attacker's browser (a scenario's attacker block), empty for the
	// victim's (the scenario's own).
	Browser string `json:"browser,omitempty"`
	// Rotated is the checkpoint a rotated check compared against, and
	// RotatedLine the line of the step that took it (a capture or a plant);
	// Rotation is what the comparison found (RotationChanged,
	// RotationIssued, RotationUnchanged, RotationMissing).
	Rotated     string `json:"rotated,omitempty"`
	RotatedLine int    `json:"rotatedLine,omitempty"`
	Rotation    string `json:"rotation,omitempty"`
	// Page is the CSS selector of an expectation on the page (expect page);
	// Absent says the cookie or element was expected absent. PageURL is the
	// page checked and Seen what was seen there, in one line.
	Page    string `json:"page,omitempty"`
	Absent  bool   `json:"absent,omitempty"`
	PageURL string `json:"pageURL,omitempty"`
	Seen    string `json:"seen,omitempty"`
	// PageVisible is what the page check found: a visible element matched
	// or not; nil when the page could not be looked at, so that a failure
	// to look is never read as the account being shown.
	PageVisible *bool `json:"pageVisible,omitempty"`
	// Session is "ended" for `expect: {session: ended}`: the expectation is
	// on the session the scenario measured (Target.Session.Logout holds
	// what it found), not on a cookie or the page.
	Session string `json:"session,omitempty"`
}

// BrowserAttacker names the attacker's browser in ExpectationResult.Browser.
const BrowserAttacker = "attacker"

// What a rotated check found, in ExpectationResult.Rotation.
const (
	// RotationChanged: the value differs from the checkpoint's.
	RotationChanged = "changed"
	// RotationIssued: the cookie was absent at the checkpoint and is
	// present now: newly issued, so it cannot be the one from before.
	RotationIssued = "issued"
	// RotationUnchanged: the value is the one the checkpoint held (fixation).
	RotationUnchanged = "unchanged"
	// RotationMissing: the cookie is absent now, nothing was compared.
	RotationMissing = "missing"
)

// Plant is one plant step of a scenario: the emulated network attacker
// answered URL with a Set-Cookie line for Cookie, and Chrome stored it in
// the victim's jar (Planted) or refused it. Evidence says what Chrome
// decided, in one line; it never holds the cookie's value.
type Plant struct {
	Cookie string `json:"cookie"`
	// Over is the channel: PlantOverHTTP (the victim's host over plain
	// http) or PlantOverSibling (a sibling subdomain, Domain=parent).
	Over string `json:"over"`
	// From is the checkpoint whose value was planted, empty for a literal.
	From    string `json:"from,omitempty"`
	URL     string `json:"url"`
	Planted bool   `json:"planted"`
	// Received says whether the victim's https page then got the planted
	// value: Chrome sent it with the page's request or page script could
	// read it there, measured in a copy of the victim's jar. With
	// origin-bound cookies a value planted over http is stored but bound to
	// http, and the https page never gets it. Nil when not measured (Chrome
	// refused the plant).
	Received *bool  `json:"received,omitempty"`
	Evidence string `json:"evidence"`
	// Step describes the step; File and Line locate it.
	Step string `json:"step"`
	File string `json:"file"`
	Line int    `json:"line"`
}

// The channels of a plant.
const (
	PlantOverHTTP    = "http"
	PlantOverSibling = "sibling"
)

// Cookie is one cookie of the jar after the target loaded, with its story.
type Cookie struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// HostOnly is true when no Domain attribute was given: the cookie goes to
	// this exact host only.
	HostOnly bool   `json:"hostOnly"`
	Secure   bool   `json:"secure"`
	HttpOnly bool   `json:"httpOnly"`
	SameSite string `json:"sameSite"` // "Strict", "Lax", "None", or "" when the attribute was absent
	Session  bool   `json:"session"`
	// Expires is nil for a session cookie.
	Expires      *time.Time `json:"expires"`
	Size         int        `json:"size"`
	Partitioned  bool       `json:"partitioned"`
	PartitionKey string     `json:"partitionKey,omitempty"` // the top-level site of a partitioned cookie
	SourceScheme string     `json:"sourceScheme"`           // "Secure", "NonSecure" or "Unset", as Chrome records it
	SourcePort   int        `json:"sourcePort"`
	Priority     string     `json:"priority"`

	// PartitionCrossSite is the partition key's other half: the cookie was
	// set in a frame with a cross-site ancestor (an embedded third party),
	// and Chrome keeps it apart from the same top-level site's own
	// partitioned cookie of that name. See Cookie.Partition.
	PartitionCrossSite bool `json:"partitionCrossSite,omitempty"`

	// SetBy lists the accepted writes that match this cookie, oldest first:
	// the last one produced the value in the jar.
	SetBy []Write `json:"setBy"`
	// ScriptReadable is measured: document.cookie or cookieStore.getAll()
	// returned this cookie in at least one visited page or frame.
	// ReadableOn lists those documents' URLs and ReadableVia the APIs
	// (APIDocumentCookie, APICookieStore) that returned it.
	ScriptReadable bool     `json:"scriptReadable"`
	ReadableOn     []string `json:"readableOn"`
	ReadableVia    []string `json:"readableVia,omitempty"`
	// Readability is the verdict: Readable when measured readable,
	// ReadabilityUnknown when no document returned it but the page broke
	// the measurement in a document where script should see it (then
	// UnknownReason says where and how), NotReadable otherwise. Unknown
	// is never "not readable": treat it as possibly readable.
	Readability   Readability `json:"readability"`
	UnknownReason string      `json:"unknownReason,omitempty"`
	// NotMeasured is set with ReadabilityUnknown when the cookie is unknown
	// because a document where script could read it was not measured at all
	// (see Target.Unmeasured), rather than because the page broke the
	// measurement; UnknownReason then starts with "not measured".
	NotMeasured bool `json:"-"`
	// Traffic sums up the requests that carried the cookie and those Chrome
	// withheld it from (from Target.Requests).
	Traffic Traffic `json:"traffic"`
	// Unrecorded is set when no recorded write explains the cookie: none
	// stored it with the value the jar holds. Page script or a worker wrote
	// it past the recorder (or it was there before the recording began).
	Unrecorded bool `json:"unrecorded"`
	// SeenAt names the scenario step whose jar held this version of the
	// cookie, as "step 9 (login.yaml:23)"; set only on a Target's
	// EarlierCookies.
	SeenAt string `json:"seenAt,omitempty"`
}

// Readability says whether page script can read a cookie, as measured.
type Readability string

// The readability verdicts.
const (
	Readable           Readability = "readable"
	NotReadable        Readability = "not-readable"
	ReadabilityUnknown Readability = "unknown"
)

// Verdict returns c.Readability, or for a cookie that was never assembled
// (Readability empty) the verdict ScriptReadable implies.
func (c Cookie) Verdict() Readability {
	switch {
	case c.Readability != "":
		return c.Readability
	case c.ScriptReadable:
		return Readable
	}
	return NotReadable
}

// Key identifies a cookie in a jar: two cookies with the same key cannot
// coexist.
func (c Cookie) Key() CookieKey {
	return CookieKey{Name: c.Name, Domain: trimDot(c.Domain), HostOnly: c.HostOnly, Path: c.Path, PartitionKey: c.PartitionKey, PartitionCrossSite: c.PartitionCrossSite}
}

// CookieKey is the identity of a cookie in the jar.
type CookieKey struct {
	Name, Domain string
	HostOnly     bool
	Path         string
	PartitionKey string

	PartitionCrossSite bool
}

// Write is one attempt to set (or delete) a cookie.
type Write struct {
	Via Via `json:"via"`
	// URL is the response that carried the header, or the document whose
	// script wrote the cookie.
	URL string `json:"url"`
	// Script is the URL of the script that wrote the cookie (the document's
	// URL for an inline script); empty for headers.
	Script string `json:"script,omitempty"`
	// Line and Column locate the write in Script; zero for headers.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Inline is true when the writing script is inline in the document.
	Inline bool `json:"inline,omitempty"`
	// CookieLine is the Set-Cookie line or the string assigned to
	// document.cookie (for cookieStore, an equivalent line). Its value is
	// redacted unless values are shown.
	CookieLine string `json:"cookieLine"`
	// Stack is the script stack of a script write, innermost first, as V8
	// captured it (page script cannot format or shorten it); frames past an
	// asynchronous boundary (a timer, a promise) follow with Async set.
	Stack []StackFrame `json:"stack,omitempty"`
	// Status is the HTTP status of the response (headers only).
	Status int `json:"status,omitempty"`
	// Parsed is CookieLine parsed; not part of the JSON.
	Parsed SetCookie `json:"-"`
	// At is when the write was seen.
	At time.Time `json:"-"`
	// Blocked holds Chrome's reasons when it refused the write.
	Blocked []string `json:"-"`
	// Fate says what became of the write (stored, replaced, deleted,
	// evicted, blocked, not-stored, cleared, cleared-by-site); FateReason
	// says why, in plain words, where it is known. Assemble sets both.
	Fate       Fate   `json:"fate"`
	FateReason string `json:"fateReason,omitempty"`
	// ReplacedBy is the index in Target.Writes of the later write that
	// replaced or deleted this one's cookie; set with FateReplaced only
	// (zero when the replacing write was not recorded).
	ReplacedBy int `json:"replacedBy,omitempty"`
	// ClearedBy is the URL of the response whose Clear-Site-Data header
	// cleared this write's cookie; set with FateClearedBySite only.
	ClearedBy string `json:"clearedBy,omitempty"`
	// Encoding is "latin1" when the header line's bytes are not valid UTF-8:
	// CookieLine then shows each byte as the Latin-1 character of that code,
	// as Chrome reported it. Empty for UTF-8 lines and script writes.
	Encoding string `json:"encoding,omitempty"`
	// Emulated is set for a header of a response that cookiescope forged
	// as the emulated network attacker (probes): the tool itself planted
	// the cookie, and Chrome reports no blocked reasons for such responses.
	Emulated bool `json:"emulated,omitempty"`
}

// StackFrame is one call frame of a script write's stack.
type StackFrame struct {
	// Function is the function's name, empty for top-level code.
	Function string `json:"function,omitempty"`
	// URL is the script's URL: the document's for an inline script, empty
	// for code from eval or new Function.
	URL string `json:"url"`
	// Line and Column are 1-based.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Async names the asynchronous boundary ("setTimeout", "Promise.then",
	// "await") crossed between the frame before this one and this one.
	Async string `json:"async,omitempty"`
}

// Caller returns where the writing script was called from: the first frame
// of the stack, past the writer's own, in another script. A library's write
// (js.cookie.min.js) is thus traced to the page that called it. ok is false
// when the whole stack is in the writer's script.
func (w Write) Caller() (f StackFrame, ok bool) {
	if len(w.Stack) == 0 {
		return StackFrame{}, false
	}
	writer := w.Stack[0].URL
	for _, f := range w.Stack[1:] {
		if f.URL != writer && f.URL != "" {
			return f, true
		}
	}
	return StackFrame{}, false
}

// BlockedWrite is a write Chrome refused, with its reasons.
type BlockedWrite struct {
	Name string `json:"name"`
	Write
	// Reasons are Chrome's blocked reasons (such as "SameSiteNoneInsecure"),
	// or, for a write Chrome silently ignored (Fate not-stored), "NotStored";
	// Explanation then gives the inferred reason. Writes that were stored
	// and later replaced, deleted or evicted are not blocked.
	Reasons []string `json:"reasons"`
	// Explanation says the reasons in plain words.
	Explanation string `json:"explanation"`
}

// Unmeasured is a document whose readability was not measured.
type Unmeasured struct {
	// URL is the document's, or empty when it is not known: every cookie
	// is then in its scope.
	URL string `json:"url,omitempty"`
	// Why says why, for people: "the page did not answer within 1s", "the
	// page's renderer crashed", ...
	Why string `json:"why"`
}

// Frame is a document the target showed, with what its script could read.
type Frame struct {
	URL string `json:"url"`
	// TopLevel is true for the page itself.
	TopLevel bool `json:"topLevel"`
	// Popup is true for a page the target opened, and for its frames.
	Popup bool `json:"popup,omitempty"`
	// Opaque is true for a document with an opaque origin (an iframe
	// sandboxed without allow-same-origin): its script can read no cookie,
	// and both APIs throw there by design.
	Opaque bool `json:"opaque,omitempty"`
	// Readable lists the cookie names document.cookie or
	// cookieStore.getAll() returned there.
	Readable []string `json:"readable"`
	// DocumentCookie and CookieStore say how each API fared there; zero
	// when it was not measured.
	DocumentCookie APIRead `json:"documentCookie,omitzero"`
	CookieStore    APIRead `json:"cookieStore,omitzero"`
	// Error says how the measurement failed or was broken by the page there
	// (an API threw, or returned less than the cookies in scope that are
	// not HttpOnly); Assemble sets it. Cookies no API returned that script
	// should see there are then reported with ReadabilityUnknown.
	Error string `json:"error,omitempty"`
	// Ancestors are the origins of the frames that contain the document,
	// innermost first (location.ancestorOrigins); empty for a top-level
	// document. They decide which SameSite and partitioned cookies its
	// script should see.
	Ancestors []string `json:"-"`
	// MeasuredAt is when the measurement started: a cookie written later
	// was not measured there.
	MeasuredAt time.Time `json:"-"`
}

// The cookie-reading APIs of page script, as named in reports.
const (
	APIDocumentCookie = "document.cookie"
	APICookieStore    = "cookieStore"
)

// APIStatus says whether a cookie-reading API gave a result in a document.
type APIStatus string

// The outcomes of one API in one document.
const (
	// APIOK: the API returned a list (possibly empty).
	APIOK APIStatus = "ok"
	// APIUnavailable: the API does not exist there (cookieStore outside
	// secure contexts, such as plain-http pages).
	APIUnavailable APIStatus = "unavailable"
	// APIFailed: it threw, or did not answer in time.
	APIFailed APIStatus = "failed"
)

// APIRead is what one cookie-reading API returned in one document.
type APIRead struct {
	Status APIStatus `json:"status"`
	// Count is how many cookies it returned.
	Count int `json:"count"`
	// Error is the exception or why the API was unavailable.
	Error string `json:"error,omitempty"`
	// Pairs is what it returned, values included; it is used to tell apart
	// cookies of one name and never leaves the process.
	Pairs []NameValue `json:"-"`
}

// NameValue is one pair of a document.cookie string.
type NameValue struct{ Name, Value string }

// JudgeAll fills every target's findings with the rules and cfg.
func (r *Report) JudgeAll(cfg Config, now time.Time) {
	for i := range r.Targets {
		r.Targets[i].Findings = Judge(r.Targets[i], cfg, now)
	}
}

// Reconnection is one time a --remote browser was lost during a run and
// connected to again, or dropped when that failed.
type Reconnection struct {
	// Endpoint is the --remote endpoint as reports name it (no secrets).
	Endpoint string `json:"endpoint"`
	// At is when the loss was found; Cause why the browser was lost.
	At    time.Time `json:"at"`
	Cause string    `json:"cause"`
	// Attempts counts the connections tried; TookMS is how long the
	// reconnection took, waits included.
	Attempts int   `json:"attempts"`
	TookMS   int64 `json:"tookMs"`
	// Reconnected is true when a try succeeded; Error otherwise says why
	// the endpoint was dropped for the rest of the run.
	Reconnected bool   `json:"reconnected"`
	Error       string `json:"error,omitempty"`
}
