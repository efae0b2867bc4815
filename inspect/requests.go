package inspect

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// Request is one request a target made (one hop of a redirect chain is one
// Request), with Chrome's decision for every cookie that could have gone
// with it: the cookies it attached (Sent) and those it kept from the
// request, with its reasons (Withheld). Values are never recorded.
type Request struct {
	URL          string `json:"url"`
	Method       string `json:"method"`
	ResourceType string `json:"resourceType"`
	// Initiator says what started the request, as Chrome reports it: its
	// initiator type (parser, script, preload, other, ...), followed by the
	// URL and line of the document or script where Chrome gives them.
	Initiator string `json:"initiator"`
	// Context is where the request came from: ContextPage, ContextIframe,
	// ContextPopup or ContextWorker. Frame is the URL of the frame's document
	// when the request was made (for a navigation, the document it leaves);
	// empty for a worker or a new frame.
	Context string `json:"context"`
	Frame   string `json:"frame,omitempty"`
	// TopLevel is the top-level page the request is judged against, and
	// Relation is the request's relation to it (RelationSameOrigin,
	// RelationSameSite, RelationCrossSite). For a top-level navigation that a
	// page started (a link, a form, window.open), TopLevel is the page that
	// started it, as Chrome judges SameSite for it; for one cookiescope
	// started, the navigation's own URL.
	TopLevel string `json:"topLevel"`
	Relation string `json:"relation"`
	// Navigation is true for a top-level navigation: the document request
	// of the page's or a popup's main frame.
	Navigation bool `json:"navigation"`
	// Sent lists the cookies Chrome attached, Withheld those it kept from
	// the request, each with Chrome's reasons.
	Sent     []RequestCookie `json:"sent"`
	Withheld []RequestCookie `json:"withheld"`
	// CookiesReported is false when Chrome reported no cookie decision for
	// the request: it never reached the network (blocked, answered from a
	// service worker or by cookiescope's emulation, failed to connect).
	CookiesReported bool `json:"cookiesReported"`
	// At is when the request was made.
	At time.Time `json:"-"`
}

// RequestCookie is one cookie Chrome attached to a request or withheld
// from it. It holds no value.
type RequestCookie struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// PartitionKey is the top-level site of a partitioned cookie.
	PartitionKey string `json:"partitionKey,omitempty"`
	// Reasons are Chrome's reasons for withholding it (empty when sent):
	// see ExplainSendReason.
	Reasons []string `json:"reasons,omitempty"`
	// Exemption is Chrome's reason for sending a cookie that third-party
	// cookie rules would have blocked (UserSetting, StorageAccess, ...).
	Exemption string `json:"exemption,omitempty"`
	// AgeMS is, for a sent cookie, how long before the request it was
	// set, in milliseconds, when a recorded write (or the probe's copy of
	// the jar) says so; zero when unknown.
	AgeMS int64 `json:"ageMs,omitempty"`
}

// Where a request came from, in Request.Context.
const (
	ContextPage   = "page"
	ContextIframe = "iframe"
	ContextPopup  = "popup"
	ContextWorker = "worker"
)

// A request's relation to the top-level page, in Request.Relation.
const (
	RelationSameOrigin = "same-origin"
	RelationSameSite   = "same-site"
	RelationCrossSite  = "cross-site"
)

// Relation returns the relation of requestURL to topLevelURL: same-origin
// (scheme, host and port alike), same-site (scheme and registrable domain
// alike: the schemeful site that SameSite compares), or cross-site. A URL
// that is not http(s) is cross-site to everything.
func Relation(requestURL, topLevelURL string) string {
	a, errA := url.Parse(requestURL)
	b, errB := url.Parse(topLevelURL)
	if errA != nil || errB != nil || !webScheme(a.Scheme) || !webScheme(b.Scheme) {
		return RelationCrossSite
	}
	if a.Scheme == b.Scheme && strings.EqualFold(a.Host, b.Host) {
		return RelationSameOrigin
	}
	if a.Scheme == b.Scheme && site(requestURL) == site(topLevelURL) {
		return RelationSameSite
	}
	return RelationCrossSite
}

func webScheme(s string) bool { return s == "http" || s == "https" }

// Traffic sums up where one cookie went during a target, from
// Target.Requests.
type Traffic struct {
	// Sent counts the requests that carried the cookie, SentCrossSite those
	// of them that were cross-site to their top-level page.
	Sent          int `json:"sent"`
	SentCrossSite int `json:"sentCrossSite"`
	// Withheld counts the requests Chrome kept it from, and WithheldBy
	// counts them by reason (a request with two reasons counts under each).
	Withheld   int            `json:"withheld"`
	WithheldBy map[string]int `json:"withheldBy,omitempty"`
}

// Matches reports whether rc names cookie c: same name, domain, path and
// partition.
func (rc RequestCookie) Matches(c Cookie) bool {
	return rc.Key() == c.Key()
}

// Key is the identity of the cookie in the jar.
func (rc RequestCookie) Key() CookieKey {
	return CookieKey{Name: rc.Name, Domain: trimDot(rc.Domain), HostOnly: !strings.HasPrefix(rc.Domain, "."), Path: rc.Path, PartitionKey: rc.PartitionKey}
}

// TrafficOf sums up the requests that carried c or were kept from it.
func TrafficOf(c Cookie, requests []Request) Traffic {
	var t Traffic
	for _, r := range requests {
		for _, s := range r.Sent {
			if s.Matches(c) {
				t.Sent++
				if r.Relation == RelationCrossSite {
					t.SentCrossSite++
				}
				break
			}
		}
		for _, wh := range r.Withheld {
			if !wh.Matches(c) {
				continue
			}
			t.Withheld++
			if t.WithheldBy == nil {
				t.WithheldBy = make(map[string]int)
			}
			for _, reason := range wh.Reasons {
				t.WithheldBy[reason]++
			}
			break
		}
	}
	return t
}

// Reasons returns the reasons of WithheldBy, the most frequent first.
func (t Traffic) Reasons() []string {
	out := make([]string, 0, len(t.WithheldBy))
	for r := range t.WithheldBy {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if t.WithheldBy[out[i]] != t.WithheldBy[out[j]] {
			return t.WithheldBy[out[i]] > t.WithheldBy[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// sendReasonText says each of Chrome's reasons for withholding a cookie
// from a request (Network.CookieBlockedReason) in plain words. Chrome 156
// gives the Schemeful variants for any cross-site request, https to https
// included (measured), not only across schemes.
var sendReasonText = map[string]string{
	"SecureOnly":                               "the cookie is Secure and the request went over plain http",
	"NotOnPath":                                "the request's path is outside the cookie's Path",
	"DomainMismatch":                           "the request's host is not the cookie's host (host-only) or under its Domain",
	"SameSiteStrict":                           "SameSite=Strict, and the request was cross-site",
	"SameSiteLax":                              "SameSite=Lax, and the cross-site request was not a top-level navigation with a safe method (GET)",
	"SameSiteUnspecifiedTreatedAsLax":          "no SameSite attribute, so Chrome treated it as Lax, and the request was cross-site and not a top-level GET",
	"SameSiteNoneInsecure":                     "SameSite=None without Secure",
	"UserPreferences":                          "the browser's third-party cookie setting blocked it: the request was made in a cross-site context",
	"ThirdPartyPhaseout":                       "third-party cookies are blocked: the request was made in a cross-site context and the cookie is not Partitioned",
	"UnknownError":                             "Chrome withheld it for an unknown reason",
	"SchemefulSameSiteStrict":                  "SameSite=Strict, and the request was cross-site (by schemeful site: scheme and registrable domain)",
	"SchemefulSameSiteLax":                     "SameSite=Lax, and the cross-site request (by schemeful site) was not a top-level GET",
	"SchemefulSameSiteUnspecifiedTreatedAsLax": "no SameSite attribute, so Chrome treated it as Lax, and the cross-site request (by schemeful site) was not a top-level GET",
	"NameValuePairExceedsMaxSize":              "name plus value exceed 4096 bytes",
	"PortMismatch":                             "the cookie is bound to another port",
	"SchemeMismatch":                           "the cookie is bound to another scheme",
	"AnonymousContext":                         "the request was made in an anonymous (credentialless) context",
}

// ExplainSendReasons says Chrome's reasons for withholding a cookie from a
// request in plain words, joined by "; ". An unknown reason is passed
// through as it is.
func ExplainSendReasons(reasons []string) string {
	parts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		if text, ok := sendReasonText[r]; ok {
			parts = append(parts, text)
		} else {
			parts = append(parts, r)
		}
	}
	return strings.Join(parts, "; ")
}

// CrossSite is what the cross-site probe found for one target: the
// requests a CSRF attacker's page on another site made to the target, one
// per kind, with the cookies Chrome attached to each and those it withheld.
type CrossSite struct {
	// Attacker is the attacker page's origin.
	Attacker string `json:"attacker"`
	// Live is true when the requests reached the target's server
	// (--live-requests); otherwise cookiescope's emulated network answered
	// them once Chrome had decided their cookies.
	Live bool `json:"live"`
	// Requests holds one entry per kind, in CrossSiteKinds order.
	Requests []CrossSiteRequest `json:"requests"`
	// Step says where in a scenario the probe ran, empty for `cookiescope
	// probe`.
	Step string `json:"step,omitempty"`
}

// CrossSiteRequest is one kind of cross-site request and what Chrome did
// with it.
type CrossSiteRequest struct {
	// Kind names the request (see CrossSiteKinds) and Description says it
	// in words.
	Kind        string `json:"kind"`
	Description string `json:"description"`
	// Request is the request Chrome made to the target, with its cookie
	// decisions; nil when Chrome made none (Error then says why).
	Request *Request `json:"request,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// The kinds of cross-site request, in CrossSiteRequest.Kind.
const (
	KindLink       = "link"
	KindFormPost   = "form-post"
	KindIframePost = "iframe-post"
	KindIframe     = "iframe"
	KindImage      = "img"
	KindFetch      = "fetch"
	KindWindowOpen = "window-open"
)

// CrossSiteKinds lists the kinds of request the cross-site probe makes, in
// order, with what each is.
var CrossSiteKinds = []struct{ Kind, Description string }{
	{KindLink, "top-level link (GET)"},
	{KindFormPost, "top-level form POST"},
	{KindIframePost, "form POST into an iframe"},
	{KindIframe, "iframe (GET)"},
	{KindImage, "<img> (GET)"},
	{KindFetch, `fetch with credentials: "include"`},
	{KindWindowOpen, "window.open (GET)"},
}

// SafeTopLevel reports whether a request is a top-level navigation with a
// safe method (GET, HEAD): the only cross-site request SameSite=Lax lets
// cookies go with.
func (r Request) SafeTopLevel() bool {
	return r.Navigation && (r.Method == "GET" || r.Method == "HEAD")
}
