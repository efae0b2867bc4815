package browser

import (
	"context"
	"fmt"
	"sync"

	"github.com/cookiescope/cookiescope/inspect"
)

// DefaultWorkers is how many targets load at once by default. On the 2-core
// machines we measured, one warm tab was fastest (see the README's
// benchmark); more workers only add contention.
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
// happens when ctx ends.
func Each[T any](ctx context.Context, b *Browser, items []T, workers int, progress Progress, do func(*Worker, T) inspect.Target) (targets []inspect.Target, complete bool, err error) {
	if workers < 1 {
		workers = DefaultWorkers
	}
	if workers > len(items) {
		workers = len(items)
	}
	slots := make([]*inspect.Target, len(items))
	next := make(chan int)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		done   int
		opened int
	)
	for range workers {
		w, werr := b.NewWorker(ctx)
		if werr != nil {
			if opened == 0 {
				close(next)
				if ctx.Err() != nil {
					return nil, false, nil // interrupted before any item
				}
				return nil, false, fmt.Errorf("open a browser context: %w", werr)
			}
			break // fewer workers than asked still do every item
		}
		opened++
		wg.Go(func() {
			defer func() { w.Close() }()
			for i := range next {
				w = b.reviveWorker(ctx, w)
				t := do(w, items[i])
				// A target during which the browser died failed for
				// that reason, whatever its own error says.
				if _, inst := w.tab(); inst != nil {
					if cause := inst.deathCause(); cause != nil {
						t.Error = cause.Error()
					}
				}
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

// reviveWorker returns w when its browser lives, or else a new worker on a
// relaunched browser (once per death, whichever worker finds it first). When
// the browser cannot be relaunched (a remote one, or a launch that fails),
// it returns w: every target given to it then fails at once with the
// browser's cause of death.
func (b *Browser) reviveWorker(ctx context.Context, w *Worker) *Worker {
	_, inst := w.tab()
	if inst == nil || inst.deathCause() == nil || ctx.Err() != nil {
		return w
	}
	live, err := b.revive(ctx, inst)
	if err != nil {
		return w
	}
	nw := &Worker{b: b, rec: newRecording(b.hookSecret)}
	if err := nw.open(ctx, live); err != nil {
		return w
	}
	w.Close()
	return nw
}
