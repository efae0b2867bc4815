package browser

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// A target's page life, in the order it happens: the worker loads the URL
// (load), waits until nothing can still write a cookie (settle.go), reads
// what script can read (readability.go), and assembles the jar and the
// recording into a target (snapshot). Clearing up after it is cleanup.go's.

// Inspect loads rawURL in the worker's tab and returns what happened to
// cookies, then clears the context for the next target. A load that fails
// or times out still returns everything captured until then, with
// Target.Error set. When ctx ends, the jar is still read (for a few seconds
// at most) so an interrupted run keeps what it saw. Inspect takes at most
// opts.Timeout plus TargetMargin.
func (w *Worker) Inspect(ctx context.Context, rawURL string, opts LoadOptions) inspect.Target {
	start := time.Now()
	t := w.Visit(ctx, rawURL, opts)
	w.cleanUp(&t, start)
	return t
}

// Visit is Inspect without the clean-up: the context keeps the target's
// cookies and storage, so probes can attack them. Call Reset before the
// next target. The target's Timings are set, its clean-up's excepted.
func (w *Worker) Visit(ctx context.Context, rawURL string, opts LoadOptions) inspect.Target {
	start := time.Now()
	w.startRecording()
	read, loadErr := w.gotoAndRead(ctx, rawURL, opts)
	settled := time.Now()
	t, took := w.snapshot(rawURL, read)
	if took.unanswered {
		t.Error = strings.TrimPrefix(t.Error+"\n"+stoppedAnswering(t.FinalURL), "\n")
	}
	if loadErr != nil {
		t.Error = strings.TrimSuffix(loadErr.Error()+"\n"+t.Error, "\n")
	}
	t.Timings = w.visitTimings(start, settled, took)
	t.DurationMS = time.Since(start).Milliseconds()
	return t
}

// visitTimings are the Timings of a target visited from start that settled
// at settled, its clean-up's excepted.
func (w *Worker) visitTimings(start, settled time.Time, took snapshotTimes) *inspect.Timings {
	t := &inspect.Timings{ReadabilityMS: inspect.Milliseconds(took.readability), JarMS: inspect.Milliseconds(took.jar)}
	if loaded, ok := w.current().LoadedAt(); ok && loaded.Before(settled) {
		t.NavigateMS = inspect.Milliseconds(loaded.Sub(start))
		t.SettleMS = inspect.Milliseconds(settled.Sub(loaded))
	} else {
		t.NavigateMS = inspect.Milliseconds(settled.Sub(start))
	}
	return t
}

// stoppedAnswering is a target's error when its page did not answer the
// readability read: what it did until then is kept, what it does later is
// not seen.
func stoppedAnswering(finalURL string) string {
	page := "the page"
	if finalURL != "" {
		page = "the page at " + finalURL
	}
	return fmt.Sprintf("%s stopped answering: %s; what it did until then is kept, and script readability is unknown where it was not measured", page, notAnswered(snapshotTimeout/2))
}

// Jar returns every cookie of the worker's browser context now.
func (w *Worker) Jar() ([]inspect.Cookie, error) {
	ctx, cancel := w.commandContext(snapshotTimeout)
	defer cancel()
	return w.readJar(ctx)
}

// load navigates and waits for the load event and then for quiet. It
// returns what the documents' script could read once the page settled (see
// settle).
func (w *Worker) load(ctx context.Context, rawURL string, rec *record.Recording, opts LoadOptions) (*settledRead, error) {
	// Commands need the tab's chromedp context; the caller's ctx only says
	// when to stop.
	lctx, cancel := w.commandContext(opts.Timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	ctx = lctx
	rec.ExpectNavigation()
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: rawURL})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", rawURL, explainContext(err, opts.Timeout, opts.TimeoutHint))
	}
	if res.IsDownload {
		// The page stays as it was: nothing of rawURL is shown to read.
		return nil, fmt.Errorf("load %s: %w", rawURL, errDownload)
	}
	if res.ErrorText != "" {
		return nil, fmt.Errorf("load %s: %s%s", rawURL, res.ErrorText, hintFor(res.ErrorText))
	}
	rec.ExpectLoad(string(res.LoaderID))
	read, err := w.settle(ctx, rec, opts.Quiet, opts.withLinks)
	if err != nil {
		if errors.Is(err, record.ErrRendererCrashed) {
			return nil, fmt.Errorf("load %s: %w", rawURL, err)
		}
		if !rec.IsLoaded() {
			return nil, fmt.Errorf("load %s: the page did not finish loading: %w", rawURL, explainContext(err, opts.Timeout, opts.TimeoutHint))
		}
		return nil, fmt.Errorf("load %s: the page loaded but never went quiet (requests still in flight: %s): %w", rawURL, rec.InflightSummary(), explainContext(err, opts.Timeout, opts.TimeoutHint))
	}
	return read, nil
}

func explainContext(err error, timeout time.Duration, hint string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &TimeoutError{After: timeout, Hint: hint}
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
	w.mu.Lock()
	tab := w.page
	w.mu.Unlock()
	if tab == nil {
		return ""
	}
	info, err := chromedp.CallBrowser(ctx, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: tab.TargetID})
	if err != nil || info.TargetInfo == nil {
		return ""
	}
	return info.TargetInfo.URL
}

// readJar returns every cookie of the worker's browser context.
func (w *Worker) readJar(ctx context.Context) ([]inspect.Cookie, error) {
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: w.browserContext()})
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
		out.PartitionCrossSite = c.PartitionKey.HasCrossSiteAncestor
	}
	return out
}

// gotoAndRead is Goto that also returns what the documents' script could
// read when the page settled (nil when it did not).
func (w *Worker) gotoAndRead(ctx context.Context, rawURL string, opts LoadOptions) (*settledRead, error) {
	if err := inspect.CheckURL(rawURL); err != nil {
		return nil, err
	}
	return w.load(ctx, rawURL, w.current(), opts.withDefaults())
}

// Snapshot assembles what the current recording holds with the jar and the
// readability of the documents open now: a target as it stands. It reads
// for a few seconds at most, also after ctx of the load has ended.
func (w *Worker) Snapshot(rawURL string) inspect.Target {
	t, _ := w.snapshot(rawURL, nil)
	return t
}

// snapshotTimes says how long a snapshot's two phases took: measuring
// readability in every document, and reading the jar and assembling the
// evidence; and whether a document did not answer the readability read.
type snapshotTimes struct {
	readability, jar time.Duration
	unanswered       bool
}

// noDocumentRead is why a target whose jar holds cookies had no document
// read at all (and nothing else explains it).
const noDocumentRead = "no document of the target was read (the page never showed an http(s) document: it did not load, or the run was interrupted)"

// snapshot is Snapshot, timed.
//
// settled, when not nil, is the read settling made just before, with no
// event since: it is the readability, and the documents are not read again.
func (w *Worker) snapshot(rawURL string, settled *settledRead) (inspect.Target, snapshotTimes) {
	var took snapshotTimes
	start := time.Now()
	cctx, cancel := w.commandContext(snapshotTimeout)
	defer cancel()
	rec := w.current()
	t := inspect.Target{URL: rawURL}
	t.Dialogs, t.Popups, _ = rec.Evidence()
	var read readabilityRead
	if settled != nil {
		read.frames, read.finalURL, read.unmeasured = settled.frames, settled.finalURL, settled.unmeasured
	} else {
		// Readability gets half the time at most, so that the jar is read.
		read = w.measureReadability(cctx, snapshotTimeout/2)
	}
	took.unanswered = read.unanswered
	// The engine knows the page's URL when its documents do not answer.
	t.FinalURL = read.finalURL
	if t.FinalURL == "" {
		t.FinalURL = w.currentURL(cctx)
	}
	jarStart := time.Now()
	took.readability = jarStart.Sub(start)
	jar, err := w.readJar(cctx)
	if len(read.frames) == 0 && len(read.unmeasured) == 0 && len(jar) > 0 {
		read.unmeasured = []inspect.Unmeasured{{Why: noDocumentRead}}
	}
	writes := append(rec.AllWrites(), w.plantedWrites()...)
	sort.SliceStable(writes, func(i, j int) bool { return writes[i].At.Before(writes[j].At) })
	topLevel, cleared := rec.Context()
	requests, dropped := rec.RequestList()
	inspect.Assemble(&t, inspect.Evidence{Jar: jar, Writes: writes, Frames: read.frames, Unmeasured: read.unmeasured, Now: time.Now(), TopLevel: topLevel, Cleared: cleared, SiteDataCleared: rec.SiteDataClearList(), Requests: requests, ThirdPartyCookies: w.b.opts.ThirdPartyCookies})
	t.RequestsDropped = dropped
	t.HSTS = rec.DocumentHSTS()
	t.Scripts = rec.ScriptURLs()
	t.Notes = rec.Notes()
	if err != nil {
		t.Error = "read the cookie jar: " + err.Error()
	}
	took.jar = time.Since(jarStart)
	return t, took
}
