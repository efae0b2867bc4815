package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// A crawl loads the pages a site links, one after another, and reads their
// links. Two things set its pages apart from a target given by hand:
//
//   - Only an HTML document is let into the tab's main frame. A PDF makes
//     headless Chrome 156 start its viewer, whose 220 requests (measured)
//     took seconds and kept the context from being proven clean; a
//     download does not replace the page at all, so the previous document
//     stays and would be read in its place. The main frame's document
//     response is held at the response stage (Fetch), after Chrome has
//     stored its cookies (measured: a response held there and then failed
//     still set its cookies, and its Set-Cookie lines were reported), and
//     one that is not HTML is failed: the page is skipped, and says why.
//   - A redirect to another site is failed before it is followed: a crawl
//     never leaves the site it started on.

// htmlTypes are the media types of documents a crawl shows and reads links
// from. Others (PDF, images, JSON, XML, plain text) are skipped.
var htmlTypes = []string{"text/html", "application/xhtml+xml"}

// documentGate holds the main frame's document responses of one load and
// lets in only HTML pages of the site. Its paused method runs on the
// reading goroutine and only queues.
type documentGate struct {
	mainFrame cdp.FrameID
	// onSite says whether a URL is on the crawl's site; nil: any URL is.
	onSite func(string) bool

	// pending holds the held responses serve has not answered yet.
	pending pausedQueue

	// mu guards the fields below; it is a leaf lock, held for no command.
	mu sync.Mutex
	// status is the HTTP status of the last main-frame response held;
	// skipped says why the document was not let in, and skippedURL which
	// response it was ("" when it was let in).
	status     int
	skipped    string
	skippedURL string
}

func newDocumentGate(mainFrame cdp.FrameID, onSite func(string) bool) *documentGate {
	return &documentGate{mainFrame: mainFrame, onSite: onSite}
}

// paused queues a held response; it runs on the reading goroutine.
func (g *documentGate) paused(ev *fetch.EventRequestPaused) { g.pending.push(ev) }

// serve answers held responses until ctx ends: every one is let through or
// failed, so that no page ever waits on the gate.
func (g *documentGate) serve(ctx context.Context) { g.pending.serve(ctx, g.answer) }

func (g *documentGate) answer(ctx context.Context, ev *fetch.EventRequestPaused) {
	why := ""
	if ev.FrameID == g.mainFrame && ev.Request != nil && ev.ResponseErrorReason == "" {
		why = g.judge(ev.Request.URL, int(ev.ResponseStatusCode), ev.ResponseHeaders)
	}
	if why == "" {
		_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonAborted})
}

// judge notes a main-frame response and says why it is not let in, or ""
// when it is: a redirect that stays on the site, an HTML page, or a
// response without a Content-Type (Chrome decides; a download is then
// noticed by the navigation).
func (g *documentGate) judge(rawURL string, status int, headers []*fetch.HeaderEntry) string {
	header := func(name string) string {
		for _, h := range headers {
			if strings.EqualFold(h.Name, name) {
				return h.Value
			}
		}
		return ""
	}
	why := ""
	switch location := header("Location"); {
	case status >= 300 && status < 400 && location != "":
		if to, err := url.Parse(rawURL); err == nil {
			if ref, err := to.Parse(location); err == nil && g.onSite != nil && !g.onSite(ref.String()) {
				why = "redirects off the site, to " + ref.String()
			}
		}
	case isAttachment(header("Content-Disposition")):
		why = "a download (Content-Disposition: attachment)"
	default:
		if mt := mediaType(header("Content-Type")); mt != "" && !slices.Contains(htmlTypes, mt) {
			why = "not HTML (" + mt + ")"
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status = status
	if why != "" {
		g.skipped, g.skippedURL = why, rawURL
	}
	return why
}

// mediaType is a Content-Type's media type in lower case, "" when there is
// none.
func mediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// isAttachment reports whether a Content-Disposition asks for a download.
func isAttachment(disposition string) bool {
	d, _, _ := strings.Cut(disposition, ";")
	return strings.EqualFold(strings.TrimSpace(d), "attachment")
}

// outcome returns what the gate saw: the last main-frame response's
// status, and why the document was skipped (and which URL) if it was.
func (g *documentGate) outcome() (status int, skipped, skippedURL string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.status, g.skipped, g.skippedURL
}

// errDownload says that a navigation ended in a download: Chrome did not
// replace the page.
var errDownload = errors.New("the response is a download, not a page (Chrome did not show it)")

// crawledLoad is what loading one page of a crawl found.
type crawledLoad struct {
	// finalURL is where the page ended up (the skipped response's URL for
	// a skipped page); status the HTTP status of its document response (0
	// when none arrived); skipped why it was not shown.
	finalURL string
	status   int
	skipped  string
}

// loadCrawled loads rawURL in the tab as load does, with the document gate
// on for the duration of the load (onSite bounds its redirects; nil lets
// them go anywhere). A page the gate (or a download) kept out is no error:
// read is nil and page.skipped says why. Interception never outlives the
// load.
func (w *Worker) loadCrawled(ctx context.Context, rawURL string, rec *record.Recording, opts LoadOptions, onSite func(string) bool) (page crawledLoad, read *settledRead, err error) {
	opts = opts.withDefaults()
	w.mu.Lock()
	var mainFrame cdp.FrameID
	if w.page != nil {
		mainFrame = cdp.FrameID(w.page.TargetID)
	}
	g := newDocumentGate(mainFrame, onSite)
	w.gate = g
	w.mu.Unlock()
	patterns := []*fetch.RequestPattern{{URLPattern: "*", ResourceType: network.ResourceTypeDocument, RequestStage: fetch.RequestStageResponse}}
	lctx, stop, err := w.intercept(ctx, opts.Timeout, patterns, g.serve, func() {
		w.mu.Lock()
		w.gate = nil
		w.mu.Unlock()
	})
	defer stop()
	if err != nil {
		return page, nil, fmt.Errorf("load %s: hold its document: %w", rawURL, explainContext(err, opts.Timeout, opts.TimeoutHint))
	}
	opts.withLinks = true
	read, err = w.load(lctx, rawURL, rec, opts)
	status, skipped, skippedURL := g.outcome()
	page.status = status
	switch {
	case skipped != "":
		// The gate failed the navigation: its error says nothing more.
		page.skipped, page.finalURL = skipped, skippedURL
		return page, nil, nil
	case errors.Is(err, errDownload):
		page.skipped, page.finalURL = "a download (Chrome did not show it)", rawURL
		return page, nil, nil
	case err != nil:
		return page, nil, err
	}
	if read != nil {
		page.finalURL = read.finalURL
	}
	if page.finalURL == "" {
		cctx, ccancel := w.commandContext(snapshotTimeout)
		page.finalURL = w.currentURL(cctx)
		ccancel()
	}
	return page, read, nil
}

// maxLinks bounds the links read from one document: a page can hold
// millions.
const maxLinks = 10000

// linksReadScript returns, as absolute URLs in document order, where the
// document's links lead: a[href] and area[href] (an SVG a's href too),
// and link rel=alternate of an HTML type or none (another language's
// version of the page). Frames (iframe[src]) are not among them: a frame
// is part of the page that embeds it, loaded and recorded with it, and as
// a page of its own it would be another visit than any user makes. Form
// actions are never submitted. It runs in our isolated world, where page
// script cannot replace querySelectorAll or the href getters.
// The settling read of a crawl's load runs it too (see yieldScriptFor).
var linksReadScript = strings.Replace(`(() => {
  const out = [];
  const add = (v) => { if (typeof v === "string" && v !== "" && out.length < __MAX__) out.push(v); };
  const resolve = (v) => { try { return new URL(v, document.baseURI).href; } catch (e) { return ""; } };
  for (const el of document.querySelectorAll("a[href], area[href]")) {
    const h = el.href;
    if (typeof h === "string") add(h);
    else if (h && typeof h.baseVal === "string") add(resolve(h.baseVal));
  }
  for (const el of document.querySelectorAll('link[href][rel~="alternate" i]')) {
    const type = (el.getAttribute("type") || "").trim().toLowerCase();
    if (type === "" || type === "text/html" || type === "application/xhtml+xml") add(el.href);
  }
  return out;
})()`, "__MAX__", strconv.Itoa(maxLinks), 1)

// readLinks returns the links of the page's documents (the page and its
// frames, not its popups), each document's in document order, the page's
// first; documents that do not answer within timeout are left out.
func (w *Worker) readLinks(ctx context.Context, timeout time.Duration) []string {
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return w.linksOf(w.evaluateInWorlds(lctx, "({links: "+linksReadScript+"})"))
}

// linksOf returns the links that results of a script returning {links}
// hold, as readLinks orders them: documents of popups and those that did
// not answer left out.
func (w *Worker) linksOf(results []worldResult) []string {
	var links []string
	for _, r := range results {
		if r.err != nil || r.world.popup || r.value == nil {
			continue
		}
		var found struct {
			Links []string `json:"links"`
		}
		if json.Unmarshal(r.value, &found) != nil {
			continue
		}
		if r.world.frame == "" || w.isMainFrame(r.world.frame) {
			links = append(found.Links, links...)
			continue
		}
		links = append(links, found.Links...)
	}
	return links
}

// isMainFrame reports whether frame is the tab's main frame.
func (w *Worker) isMainFrame(frame cdp.FrameID) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.page != nil && frame == cdp.FrameID(w.page.TargetID)
}

// InspectCrawled is Inspect for a page of a crawl: the page is loaded in
// the clean context and recorded exactly as Inspect does, except that a
// document that is not an HTML page is not shown (see documentGate; onSite
// keeps redirects on the crawl's site) and the target says so in Skipped,
// with the cookies its response set. It also returns the page's links,
// read once it settled and before the clean-up; none for a skipped page.
func (w *Worker) InspectCrawled(ctx context.Context, rawURL string, opts LoadOptions, onSite func(string) bool) (inspect.Target, []string) {
	start := time.Now()
	w.startRecording()
	page, read, loadErr := w.loadCrawled(ctx, rawURL, w.current(), opts, onSite)
	settled := time.Now()
	if page.skipped != "" {
		// No document was shown: the page in the tab is the previous
		// one, which must not be read for this target.
		read = &settledRead{unmeasured: []inspect.Unmeasured{{URL: page.finalURL, Why: "skipped: " + page.skipped + "; no document was shown to read"}}}
	}
	t, took := w.snapshot(rawURL, read)
	t.Status, t.Skipped = page.status, page.skipped
	if page.finalURL != "" {
		t.FinalURL = page.finalURL
	}
	if took.unanswered {
		t.Error = strings.TrimPrefix(t.Error+"\n"+stoppedAnswering(t.FinalURL), "\n")
	}
	if loadErr != nil {
		t.Error = strings.TrimSuffix(loadErr.Error()+"\n"+t.Error, "\n")
	}
	var links []string
	if page.skipped == "" && loadErr == nil {
		links = w.linksAfterLoad(ctx, read)
	}
	t.Timings = w.visitTimings(start, settled, took)
	w.cleanUp(&t, start)
	return t, links
}

// CrawledPage is what loading one page of a crawl in a flow found (see
// Worker.CrawlTo).
type CrawledPage struct {
	// FinalURL is where the page ended up; Status the HTTP status of its
	// document response (0 when none arrived); Skipped why it was not
	// shown (see documentGate).
	FinalURL string
	Status   int
	Skipped  string
	// Sent and Withheld are Chrome's cookie decisions for the page's
	// document request, every hop of its redirects.
	Sent, Withheld []inspect.RequestCookie
	// Links are the page's links once it settled (see linksReadScript); none
	// for a skipped page.
	Links []string
}

// CrawlTo loads rawURL within the flow, as Goto does (the context, its jar
// and the recording are kept), as a page of a crawl: a document that is not
// an HTML page is not shown (see documentGate), and onSite keeps redirects
// on the crawl's site. It returns what the page was and the links it
// holds. A page that was skipped is no error.
func (w *Worker) CrawlTo(ctx context.Context, rawURL string, opts LoadOptions, onSite func(string) bool) (CrawledPage, error) {
	if err := inspect.CheckURL(rawURL); err != nil {
		return CrawledPage{}, err
	}
	rec := w.current()
	page, read, err := w.loadCrawled(ctx, rawURL, rec, opts, onSite)
	out := CrawledPage{FinalURL: page.finalURL, Status: page.status, Skipped: page.skipped}
	out.Sent, out.Withheld = rec.DocumentCookies()
	if err != nil || page.skipped != "" {
		return out, err
	}
	out.Links = w.linksAfterLoad(ctx, read)
	return out, nil
}

// linksAfterLoad returns the links of a crawl's page that loaded: those
// settling read with its readability, or, for a page that was busy when it
// settled (read is nil), those read now.
func (w *Worker) linksAfterLoad(ctx context.Context, read *settledRead) []string {
	if read != nil {
		return read.links
	}
	return w.PageLinks(ctx)
}

// PageLinks returns the links of the tab's page as it is now (see
// linksReadScript), for a crawl that starts where a flow is.
func (w *Worker) PageLinks(ctx context.Context) []string {
	cctx, cancel := w.commandContext(snapshotTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	return w.readLinks(cctx, snapshotTimeout/2)
}

// CurrentURL returns the URL of the tab's page now, "" when the engine
// does not say.
func (w *Worker) CurrentURL() string {
	ctx, cancel := w.commandContext(snapshotTimeout)
	defer cancel()
	return w.currentURL(ctx)
}
