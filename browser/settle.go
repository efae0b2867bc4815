package browser

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
)

// A target is read when nothing that can still write a cookie is pending,
// on evidence rather than after a fixed quiet period: the main document has
// fired its load event, no frame is loading, no request that can still set a
// cookie is in flight, no iframe session is being set up, and every
// document has run one turn of its event loop (a zero-delay timer of ours,
// in our isolated world, see yieldScript) with no new event meanwhile. A
// timer's turn comes after every promise callback and every zero-delay timer
// the page queued before it, so the writes they make, the requests they
// start and the navigations they begin are seen first; when any is, the wait
// starts over. Timers with a delay, animation frames and idle callbacks are
// not waited for: an extra quiet period (LoadOptions.Quiet, --wait) covers
// pages that write from them.

// yieldScript resolves once the document's event loop has run
// yieldTurns zero-delay timers of ours one after the other, so that a chain
// of that many zero-delay timers the page queued has run; then, where
// cookieStore exists, once the cookieStore writes the page made have
// settled (our call goes to the same store, which answers in order) and the
// timers their callbacks queued have run.
var yieldScript = strings.ReplaceAll(`(async () => {
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 0; i < __TURNS__; i++) await turn();
  if (typeof cookieStore === "object" && cookieStore !== null) {
    try { await cookieStore.getAll(); } catch (e) {}
    await turn();
  }
})()`, "__TURNS__", strconv.Itoa(yieldTurns))

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

// settle waits until the recording has settled (see above) and, when quiet
// is positive, also until no event has come for quiet. It returns ctx's
// error, or errRendererCrashed, when it cannot.
func (w *Worker) settle(ctx context.Context, rec *recording, quiet time.Duration) error {
	for {
		if err := rec.waitQuiet(ctx, quiet); err != nil {
			return err
		}
		before := rec.eventCount()
		if err := w.yieldDocuments(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A busy page is read as it stands.
			return nil
		}
		if rec.eventCount() == before {
			return nil
		}
	}
}

// yieldDocuments waits until every live document of the target (the page,
// its frames, its popups) has run one turn of its event loop; documents
// that went away meanwhile are skipped. It returns errBusyPage when one did
// not within yieldTimeout.
func (w *Worker) yieldDocuments(ctx context.Context) error {
	yctx, cancel := context.WithTimeout(ctx, yieldTimeout)
	defer cancel()
	worlds := w.liveWorlds()
	busy := make([]bool, len(worlds))
	var wg sync.WaitGroup
	for i, wd := range worlds {
		wg.Go(func() {
			_, err := cdp.Call(yctx, wd.session, runtime.Evaluate, runtime.EvaluateParams{Expression: yieldScript, ContextID: wd.id, AwaitPromise: ptr(true)})
			busy[i] = err != nil && yctx.Err() != nil
		})
	}
	wg.Wait()
	for _, b := range busy {
		if b {
			return errBusyPage
		}
	}
	return nil
}

// isolatedWorld is our isolated world in one live document.
type isolatedWorld struct {
	session cdp.Session
	id      runtime.ExecutionContextID
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
	for s, ids := range w.worlds {
		for _, id := range ids {
			worlds = append(worlds, isolatedWorld{s, id, popups[s]})
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
