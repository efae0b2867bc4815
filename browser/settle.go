package browser

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"

	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// A target is read when nothing that can still write a cookie is pending,
// on evidence rather than after a fixed quiet period: the main document has
// fired its load event, no frame is loading, no request that can still set a
// cookie is in flight, no iframe session is being set up, and every
// document has run yieldTurns turns of its event loop (zero-delay timers of
// ours, in our isolated world, see yieldScript, which then reads what script
// can read there) with no new event meanwhile. A timer's turn comes after
// every promise callback and every zero-delay timer the page queued before
// it, so the writes they make, the requests they start and the navigations
// they begin are seen first; when any is, the wait starts over. Timers with a delay, animation frames and idle callbacks are
// not waited for: an extra quiet period (LoadOptions.Quiet, --wait) covers
// pages that write from them.

// yieldScript resolves once the document's event loop has run
// yieldTurns zero-delay timers of ours one after the other, so that a chain
// of that many zero-delay timers the page queued has run, and then reads
// the document as readWorldExpression does: when no event came meanwhile,
// that read is the target's readability, and no other round trip to the
// page is needed (a page answers its first one after the load event late:
// measured, 3.5 ms on the bare floor, against 0.75 ms for the next).
// yieldAfterStoreScript also waits, where cookieStore exists, until the
// cookieStore writes the page made have settled (our call goes to the same
// store, which answers in order) and the timers their callbacks queued have
// run; it is used once the recording holds a cookieStore write (the hook
// reports one when it is made, so a write made during a turn starts the
// wait over, with this script).
// yieldScripts[afterStore][withLinks] are the four variants: withLinks
// also returns the document's links (see linksReadScript), for a crawl.
var yieldScripts = [2][2]string{
	{yieldScriptFor(false, false), yieldScriptFor(false, true)},
	{yieldScriptFor(true, false), yieldScriptFor(true, true)},
}

func yieldScriptFor(cookieStore, withLinks bool) string {
	script := `(async () => {
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 0; i < __TURNS__; i++) await turn();
  if (__STORE__ && typeof cookieStore === "object" && cookieStore !== null) {
    try { await cookieStore.getAll(); } catch (e) {}
    await turn();
  }
  const read = await __READ__;
  if (__LINKS__) read.links = __LINKS_READ__;
  return read;
})()`
	return strings.NewReplacer("__TURNS__", strconv.Itoa(yieldTurns), "__STORE__", strconv.FormatBool(cookieStore),
		"__READ__", readWorldScript, "__LINKS__", strconv.FormatBool(withLinks), "__LINKS_READ__", linksReadScript).Replace(script)
}

// boolIndex is 1 for true and 0 for false, to pick among yieldScripts.
func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// yieldTurns is how deep a chain of zero-delay timers settling waits for.
// Chrome clamps a timer nested five deep to 4 ms; four turns stay below.
const yieldTurns = 4

// yieldTimeout bounds one document's turn: a page whose script keeps its
// event loop busy does not hold the target for its whole timeout; what it
// writes later is not seen, and its readability is then not measured.
const yieldTimeout = time.Second

// errBusyPage says that a document did not run a turn of its event loop
// within yieldTimeout.
var errBusyPage = errors.New("a document's script kept its event loop busy")

// settledRead is what script could read in the target's documents when it
// settled: the frames and the top document's URL, and their links when
// asked for (see linksOf).
type settledRead struct {
	frames   []inspect.Frame
	finalURL string
	links    []string
	// unmeasured says why no document was read, for a page that showed
	// none (a crawl's skipped page).
	unmeasured []inspect.Unmeasured
}

// settle waits until the recording has settled (see above) and, when quiet
// is positive, also until no event has come for quiet. It returns what the
// documents' script could read then (with their links when withLinks; nil
// when a document was busy: the page is then read as it stands), or ctx's
// error, or record.ErrRendererCrashed, when it cannot settle.
func (w *Worker) settle(ctx context.Context, rec *record.Recording, quiet time.Duration, withLinks bool) (*settledRead, error) {
	for {
		if err := rec.WaitQuiet(ctx, quiet); err != nil {
			return nil, err
		}
		before := rec.EventCount()
		script := yieldScripts[boolIndex(rec.HasCookieStoreWrite())][boolIndex(withLinks)]
		read, err := w.yieldDocuments(ctx, script)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// A busy page is read as it stands.
			return nil, nil
		}
		if rec.EventCount() == before {
			return read, nil
		}
	}
}

// yieldDocuments runs script (one of yieldScripts) in
// every live document of the target (the page, its frames, its popups) and
// returns what they read once each has run its turns; documents that went
// away meanwhile are skipped. It returns errBusyPage when one did not
// answer within yieldTimeout.
func (w *Worker) yieldDocuments(ctx context.Context, script string) (*settledRead, error) {
	yctx, cancel := context.WithTimeout(ctx, yieldTimeout)
	defer cancel()
	results := w.evaluateInWorlds(yctx, script)
	for _, r := range results {
		if r.err != nil && yctx.Err() != nil {
			return nil, errBusyPage
		}
	}
	read := &settledRead{}
	read.frames, read.finalURL = framesOf(results)
	read.links = w.linksOf(results)
	return read, nil
}

// isolatedWorld is our isolated world in one live document.
type isolatedWorld struct {
	session cdp.Session
	id      runtime.ExecutionContextID
	// frame is the frame that shows the document (empty: not known).
	frame cdp.FrameID
	// popup is true for a document of a page the target opened.
	popup bool
}

// liveWorlds returns our isolated world in every live document of the
// target; sessions whose target went away are forgotten.
func (w *Worker) liveWorlds() []isolatedWorld {
	var worlds []isolatedWorld
	w.mu.Lock()
	popups := make(map[cdp.Session]bool, len(w.popups))
	for _, p := range w.popups {
		popups[p] = true
	}
	for s, refs := range w.worlds {
		for _, ref := range refs {
			worlds = append(worlds, isolatedWorld{session: s, id: ref.id, frame: ref.frame, popup: popups[s]})
		}
	}
	w.mu.Unlock()
	// isClosed takes the session's own lock, so this happens outside w.mu.
	live := worlds[:0]
	var gone []cdp.Session
	for _, wd := range worlds {
		if child, ok := wd.session.(*childSession); ok && child.isClosed() {
			gone = append(gone, wd.session)
			continue
		}
		live = append(live, wd)
	}
	if len(gone) > 0 {
		w.mu.Lock()
		for _, s := range gone {
			delete(w.worlds, s)
		}
		w.mu.Unlock()
	}
	return live
}
