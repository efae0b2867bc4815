package record

import (
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// requestTrace is one request of a target: each hop (a redirect makes a
// new hop under the same request ID) and Chrome's cookie decisions for
// each hop, which may arrive before or after the hop itself.
type requestTrace struct {
	hops []inspect.Request
	// cookies holds the associated cookies of each requestWillBeSentExtraInfo,
	// in order; cookieSession is the session that reported the first one
	// (a request that moves from the page's session to an iframe's may be
	// reported by both: only one session's reports are counted).
	cookies       [][]AssociatedCookie
	cookieSession string
	// headers holds the Cookie header of each hop whose cookies are in
	// cookies, in the same order ("" for none).
	headers []string
}

// traceRequest records a hop of a request: where it came from and what it
// is judged against. It runs under r.mu.
func (r *Recording) traceRequest(session string, ev RequestWillBeSent) {
	if !ev.HasRequest {
		return
	}
	key := ev.RequestID
	tr := r.requests[key]
	if tr == nil {
		if len(r.requests) >= maxRequests {
			r.requestsDropped++
			return
		}
		tr = &requestTrace{}
		r.requests[key] = tr
		r.requestOrder = append(r.requestOrder, key)
	}
	hop := inspect.Request{
		URL:          ev.URL,
		Method:       ev.Method,
		ResourceType: ev.Type,
		Initiator:    ev.Initiator,
		Context:      sessionContext(session),
		Frame:        r.frameURLs[ev.FrameID],
	}
	hop.TopLevel = r.topLevelFor(session)
	if ev.Type == "Document" && ev.RequestID == ev.LoaderID && (hop.Context == inspect.ContextPage || hop.Context == inspect.ContextPopup) && r.isMainFrame(session, ev) && len(tr.hops) == 0 {
		hop.Navigation = true
		// A top-level navigation. One that cookiescope started is its own
		// top-level page (Chrome treats a browser-initiated navigation as
		// same-site); one a page started (a link, a form, a script, a
		// window.open) is judged against the page that started it.
		// cookiescope's own navigations are GETs: a form's POST whose
		// request is reported just after cookiescope began the next
		// navigation (Chrome reports it with no initiator either) stays the
		// page's.
		switch {
		case session == PageLabel && r.navigating && ev.Method == "GET" && ev.BrowserInitiated:
			r.navigating = false
			r.ownNavigation = key
			hop.TopLevel = ev.URL
		case hop.Context == inspect.ContextPopup:
			hop.TopLevel = r.popupOpener(session)
		case isWebURL(hop.Frame):
			hop.TopLevel = hop.Frame
		}
	}
	if hop.TopLevel == "" {
		hop.TopLevel = ev.URL
	}
	if len(tr.hops) > 0 && ev.Redirected {
		// A redirect keeps the first hop's top-level page.
		hop.TopLevel, hop.Navigation = tr.hops[0].TopLevel, tr.hops[0].Navigation
	}
	hop.At = time.Now()
	hop.Relation = inspect.Relation(hop.URL, hop.TopLevel)
	// A data: URL is the whole resource (a web font, an image): the report
	// keeps its media type and length, and bounds every other URL.
	hop.URL, hop.Frame, hop.TopLevel = inspect.BoundURL(hop.URL), inspect.BoundURL(hop.Frame), inspect.BoundURL(hop.TopLevel)
	tr.hops = append(tr.hops, hop)
}

// traceCookies records Chrome's cookie decisions for the next hop of a
// request, and the Cookie header it sent with it. It runs under r.mu.
func (r *Recording) traceCookies(session string, ev RequestExtraInfo) {
	key := ev.RequestID
	tr := r.requests[key]
	if tr == nil {
		// The extra info came first: trace the request now, its hop follows.
		if len(r.requests) >= maxRequests {
			return
		}
		tr = &requestTrace{}
		r.requests[key] = tr
		r.requestOrder = append(r.requestOrder, key)
	}
	if tr.cookieSession == "" {
		tr.cookieSession = session
	}
	if tr.cookieSession != session {
		return
	}
	tr.cookies = append(tr.cookies, ev.Cookies)
	tr.headers = append(tr.headers, ev.CookieHeader)
}

// popupOpener returns the URL of the page that opened the popup of session.
func (r *Recording) popupOpener(session string) string {
	for _, p := range r.popups {
		if p.label == session {
			return p.OpenedBy
		}
	}
	return ""
}

func isWebURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// isMainFrame reports whether a request of session is for its main frame.
func (r *Recording) isMainFrame(session string, ev RequestWillBeSent) bool {
	if session == PageLabel && r.mainFrame != "" {
		return ev.FrameID == r.mainFrame
	}
	// Chrome announces a child frame (Page.frameAttached, with its parent)
	// before its first request.
	_, child := r.frameParent[ev.FrameID]
	return ev.FrameID != "" && !child
}

// topLevelFor returns the URL of the top-level page that requests of
// session are judged against: a popup's own page, else the target's page.
func (r *Recording) topLevelFor(session string) string {
	if strings.HasPrefix(session, PopupLabelPrefix) {
		for _, p := range r.popups {
			if p.label == session && p.URL != "" && p.URL != "about:blank" {
				return p.URL
			}
		}
		return ""
	}
	return r.mainURL
}

// sessionContext names where requests of a session come from.
func sessionContext(session string) string {
	switch {
	case session == PageLabel:
		return inspect.ContextPage
	case strings.HasPrefix(session, PopupLabelPrefix):
		return inspect.ContextPopup
	case strings.HasPrefix(session, WorkerLabelPrefix):
		return inspect.ContextWorker
	}
	return inspect.ContextIframe
}

// RequestList returns the traced requests, one per hop, in order, with
// Chrome's cookie decisions joined to their hops, and how many requests
// were past the bound.
func (r *Recording) RequestList() ([]inspect.Request, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []inspect.Request
	for _, key := range r.requestOrder {
		tr := r.requests[key]
		for i, hop := range tr.hops {
			if i < len(tr.cookies) {
				hop.CookiesReported = true
				hop.Sent, hop.Withheld = splitAssociated(tr.cookies[i])
			}
			out = append(out, hop)
		}
	}
	return out, r.requestsDropped
}

// DocumentCookies returns Chrome's cookie decisions for cookiescope's last
// navigation of the page (every hop of its redirects), each cookie once:
// those it sent, and those it withheld with their reasons.
func (r *Recording) DocumentCookies() (sent, withheld []inspect.RequestCookie) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sent, withheld = []inspect.RequestCookie{}, []inspect.RequestCookie{}
	tr := r.requests[r.ownNavigation]
	if tr == nil {
		return sent, withheld
	}
	type key struct{ name, domain, path string }
	seen := map[key]bool{}
	for _, cookies := range tr.cookies {
		s, w := splitAssociated(cookies)
		for _, c := range s {
			if k := (key{c.Name, c.Domain, c.Path}); !seen[k] {
				seen[k] = true
				sent = append(sent, c)
			}
		}
		for _, c := range w {
			if k := (key{c.Name, c.Domain, c.Path}); !seen[k] {
				seen[k] = true
				withheld = append(withheld, c)
			}
		}
	}
	return sent, withheld
}

// splitAssociated divides Chrome's associated cookies of a request into
// those it sent and those it withheld.
func splitAssociated(cookies []AssociatedCookie) (sent, withheld []inspect.RequestCookie) {
	sent, withheld = []inspect.RequestCookie{}, []inspect.RequestCookie{}
	for _, ac := range cookies {
		rc := inspect.RequestCookie{Name: ac.Name, Domain: ac.Domain, Path: ac.Path, PartitionKey: ac.PartitionKey, Exemption: ac.Exemption}
		if len(ac.BlockedReasons) == 0 {
			sent = append(sent, rc)
			continue
		}
		rc.Reasons = append(rc.Reasons, ac.BlockedReasons...)
		withheld = append(withheld, rc)
	}
	return sent, withheld
}
