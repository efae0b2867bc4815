package browser

import (
	"context"
	"sync"
)

// targetGate lets the targets of a run load side by side, or one alone (a
// target that runs again because its browser died under it, see runItem):
// a target that is to run alone waits until those running have finished,
// and none starts while it waits or runs. Unlike a sync.RWMutex it holds no
// lock while a target runs, and waiting for it ends with the waiter's
// context. The zero value is an open gate.
type targetGate struct {
	// mu guards the fields below. It is held only to read or change them,
	// never while a target runs or while waiting.
	mu sync.Mutex
	// beside counts the targets running side by side; alone is set while
	// one runs alone; queued counts the targets waiting to run alone, which
	// new side-by-side targets wait behind.
	beside int
	alone  bool
	queued int
	// changed, when not nil, is closed (and cleared) at the next change of
	// the fields above, so that the waiters look again.
	changed chan struct{}
}

// enter waits until a target may run, alone or beside the others, and
// returns the function that ends its run, to be called once. ok is false,
// and leave nil, when ctx ended first.
func (g *targetGate) enter(ctx context.Context, alone bool) (leave func(), ok bool) {
	g.mu.Lock()
	if alone {
		g.queued++
	}
	for {
		if !g.alone && (alone && g.beside == 0 || !alone && g.queued == 0) {
			if alone {
				g.queued--
				g.alone = true
			} else {
				g.beside++
			}
			g.mu.Unlock()
			return func() { g.leave(alone) }, true
		}
		if g.changed == nil {
			g.changed = make(chan struct{})
		}
		changed := g.changed
		g.mu.Unlock()
		select {
		case <-changed:
			g.mu.Lock()
		case <-ctx.Done():
			if alone {
				g.mu.Lock()
				g.queued--
				g.changedLocked()
				g.mu.Unlock()
			}
			return nil, false
		}
	}
}

// leave ends the run of a target that entered alone or beside the others.
func (g *targetGate) leave(alone bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if alone {
		g.alone = false
	} else {
		g.beside--
	}
	g.changedLocked()
}

// changedLocked wakes the waiters; g.mu is held.
func (g *targetGate) changedLocked() {
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
}
