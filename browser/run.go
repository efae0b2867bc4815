package browser

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cookiescope/cookiescope/inspect"
)

// DefaultWorkers is how many targets load at once by default on one
// browser. On the 2-core machines we measured, one warm tab was fastest (see
// the README's benchmark); more workers only add contention. With several
// remote browsers the default is one worker per browser.
const DefaultWorkers = 1

// Progress is told about each finished target, from the goroutine of the
// worker that inspected it; calls are serialised.
type Progress func(done, total int, t inspect.Target)

// InspectURLs inspects every URL with up to workers warm workers and returns
// the targets in the order of urls. When ctx ends, targets already started
// finish with what they captured so far, targets not started are left out,
// and complete is false. No result is ever lost to the number of workers:
// each URL has its own slot.
func (b *Browser) InspectURLs(ctx context.Context, urls []string, workers int, opts LoadOptions, progress Progress) (targets []inspect.Target, complete bool, err error) {
	return Each(ctx, b, urls, workers, progress, func(w *Worker, u string) inspect.Target { return w.Inspect(ctx, u, opts) })
}

// Each runs do for every item on up to workers warm workers of b, and
// returns the targets in the order of items (each item has its own slot, so
// the number of workers never loses a result); see InspectURLs for what
// happens when ctx ends. Workers below 1 means one per live browser.
//
// With several browsers, worker i opens on browser i mod n. A remote browser
// that dies is connected to again (see Browser.reconnect): a browser
// service hands out a new browser, a browser restarted on the same port is
// found again. When that fails, it is dropped: the targets it was serving
// run again from the start on a live browser, their Browser.Moved saying
// why, their workers move there too, and no target runs on the dead browser
// again; only when no browser is left do the remaining targets fail with the
// cause of death. A launched browser that dies is relaunched instead. Every
// target a relaunched or reconnected browser was serving (one per worker:
// the one that killed it, and those of the other workers) runs again once
// on the new browser. A target that runs again runs alone: no other target
// runs meanwhile, so a target that kills the browser again fails with the
// cause by itself and takes no other with it. Every target names the
// browser that served it.
func Each[T any](ctx context.Context, b *Browser, items []T, workers int, progress Progress, do func(*Worker, T) inspect.Target) (targets []inspect.Target, complete bool, err error) {
	live := b.live()
	if workers < 1 {
		workers = max(len(live), DefaultWorkers)
	}
	if workers > len(items) {
		workers = len(items)
	}
	slots := make([]*inspect.Target, len(items))
	next := make(chan int)
	var (
		wg sync.WaitGroup
		// mu guards slots and done, and is held across progress, whose
		// calls it serialises as Progress promises (progress only notes or
		// prints a line; it never waits for the run).
		mu   sync.Mutex
		done int
	)
	opened, werr := b.openWorkers(ctx, live, workers)
	if werr != nil {
		if ctx.Err() != nil {
			return nil, false, nil // interrupted before any item
		}
		return nil, false, werr
	}
	for _, w := range opened {
		wg.Go(func() {
			defer func() { w.Close() }()
			for i := range next {
				var t inspect.Target
				t, w = b.runItem(ctx, w, func(w *Worker) inspect.Target { return do(w, items[i]) })
				mu.Lock()
				slots[i] = &t
				done++
				if progress != nil {
					progress(done, len(items), t)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range items {
		select {
		case <-ctx.Done():
			break feed
		case next <- i:
		}
	}
	close(next)
	wg.Wait()
	complete = true
	for _, s := range slots {
		if s == nil {
			complete = false
			continue
		}
		targets = append(targets, *s)
	}
	return targets, complete, nil
}

// openWorkers opens n workers of a run on the live browsers (see
// openWorker); fewer when some cannot be opened, as fewer workers still do
// every item. It fails only when none can be.
func (b *Browser) openWorkers(ctx context.Context, live []*instance, n int) ([]*Worker, error) {
	var opened []*Worker
	for i := range n {
		w, err := b.openWorker(ctx, live, i)
		if err != nil {
			if len(opened) == 0 {
				return nil, fmt.Errorf("open a browser context: %w", err)
			}
			break
		}
		opened = append(opened, w)
	}
	return opened, nil
}

// openWorker opens worker i of a run on browser i mod len(live), or, when
// that fails, on the next live browser that takes it; a browser found dead,
// before or while the worker opens, is relaunched or connected to again.
func (b *Browser) openWorker(ctx context.Context, live []*instance, i int) (*Worker, error) {
	if len(live) == 0 {
		// A browser that died after the last target of a run (no worker
		// was left to find it dead) is relaunched or connected to again
		// now.
		if dead := b.current(); dead != nil && !dead.alive() {
			inst, err := b.replacement(ctx, dead)
			if err != nil {
				return nil, err
			}
			return b.newWorkerOn(ctx, inst)
		}
		return b.NewWorker(ctx)
	}
	var errs []error
	for k := range live {
		inst := live[(i+k)%len(live)]
		w, err := b.newWorkerOn(ctx, inst)
		if err != nil && !inst.alive() {
			// A browser that died as the run began is relaunched or
			// connected to again now, as one that died between runs.
			var next *instance
			if next, err = b.replacement(ctx, inst); err == nil {
				w, err = b.newWorkerOn(ctx, next)
			}
		}
		if err == nil {
			return w, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", inst.name, err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// runItem runs one target on w, or on the worker that replaces it when its
// browser died, and returns the target, named after the browser that
// served it, with the worker to use next. A target during which its browser
// died runs again, alone (see Each), on a live browser: on a relaunched or
// reconnected one once, on another remote browser of the pool at most once
// per browser. A target whose last run the browser died under fails with
// the cause.
func (b *Browser) runItem(ctx context.Context, w *Worker, run func(*Worker) inspect.Target) (inspect.Target, *Worker) {
	w = b.reviveWorker(ctx, w)
	var moves []string
	alone := false
	for {
		t := b.runTarget(ctx, w, alone, run)
		_, inst := w.tab()
		if inst == nil {
			return t, w
		}
		t.Browser = inspect.TargetBrowser{Endpoint: inst.name, Product: inst.product, Moved: strings.Join(moves, "; ")}
		cause := inst.deathCause()
		if cause == nil {
			return t, w
		}
		// A target during which the browser died failed for that reason,
		// whatever its own error says.
		t.Error = cause.Error()
		if ctx.Err() != nil || alone && inst.restored {
			// A relaunched or reconnected browser died under the target
			// again, while it ran alone: it is the cause, and it is not
			// run a third time.
			return t, w
		}
		nw := b.reviveWorker(ctx, w)
		_, ninst := nw.tab()
		if nw == w || ninst == inst {
			// No browser left: the target fails with the cause, and, for
			// a remote browser, why it was not connected to again.
			if lost := b.dropped(inst); lost != nil {
				t.Error = lost.Error()
			}
			return t, w
		}
		switch {
		case inst.remote && ninst.member == inst.member:
			moves = append(moves, fmt.Sprintf("browser %s lost: %v; connected to again; run again, alone, on it", inst.name, cause))
		case inst.remote:
			moves = append(moves, fmt.Sprintf("browser %s lost: %v; run again on %s", inst.name, cause, ninst.name))
		default:
			moves = append(moves, fmt.Sprintf("the launched browser died (%v); run again, alone, on the relaunched browser", cause))
		}
		w, alone = nw, true
	}
}

// runTarget runs one target on w: alone (no other target of any worker
// runs meanwhile) when alone is set, else beside the other workers' targets.
// When ctx ends while it waits its turn, the target runs at once: it ends
// at once too, with what an interrupted target says.
func (b *Browser) runTarget(ctx context.Context, w *Worker, alone bool, run func(*Worker) inspect.Target) inspect.Target {
	if leave, ok := b.targets.enter(ctx, alone); ok {
		defer leave()
	}
	return run(w)
}

// reviveWorker returns w when its browser lives, or else a new worker on a
// live browser: a launched browser relaunched (once per death, whichever
// worker finds it first), or another remote browser of the pool. When there
// is none (a single remote browser, or a launch that fails), it returns w:
// every target given to it then fails at once with the browser's cause of
// death.
func (b *Browser) reviveWorker(ctx context.Context, w *Worker) *Worker {
	_, dead := w.tab()
	if dead == nil || ctx.Err() != nil || dead.deathCause() == nil {
		return w
	}
	// Each try either opens a worker or finds one more browser dead (or a
	// relaunched one dead again), so a few tries per browser end it.
	for range 2 * b.size() {
		live, err := b.replacement(ctx, dead)
		if err != nil {
			return w
		}
		nw, err := b.newWorkerOn(ctx, live)
		if err == nil {
			w.Close()
			return nw
		}
		if ctx.Err() != nil || live.deathCause() == nil {
			// It lives but would not open a context: keep w, which fails
			// with its own browser's cause.
			return w
		}
		dead = live
	}
	return w
}
