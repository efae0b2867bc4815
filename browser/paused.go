package browser

import (
	"context"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// pausedQueue hands the requests the Fetch domain paused from the reading
// goroutine, which must not send commands, to a goroutine that answers
// them: push queues, serve answers until its context ends. The zero value
// is ready to use.
type pausedQueue struct {
	// mu guards queue; it is a leaf lock, held for no command.
	mu    sync.Mutex
	queue []*fetch.EventRequestPaused
	// wake holds a token once a request was queued since serve last
	// looked; made on first use.
	wakeOnce sync.Once
	wake     chan struct{}
}

// wakeup is the queue's wake channel, made on first use.
func (q *pausedQueue) wakeup() chan struct{} {
	q.wakeOnce.Do(func() { q.wake = make(chan struct{}, 1) })
	return q.wake
}

// push queues a paused request; it runs on the reading goroutine.
func (q *pausedQueue) push(ev *fetch.EventRequestPaused) {
	q.mu.Lock()
	q.queue = append(q.queue, ev)
	q.mu.Unlock()
	select {
	case q.wakeup() <- struct{}{}:
	default:
	}
}

// serve calls answer for every request queued, in order, until ctx ends.
// answer must answer the request (continue, fulfil or fail it): a paused
// request left unanswered holds its page.
func (q *pausedQueue) serve(ctx context.Context, answer func(context.Context, *fetch.EventRequestPaused)) {
	wake := q.wakeup()
	for {
		q.mu.Lock()
		queue := q.queue
		q.queue = nil
		q.mu.Unlock()
		for _, ev := range queue {
			answer(ctx, ev)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
	}
}

// intercept has Chrome pause the tab's requests that match patterns, and
// runs serve (which must answer each one) on a goroutine of its own with
// the returned context, bounded by timeout and ended with ctx. The caller
// must call stop, also when err is set: it turns interception off, ends
// serve and waits for it, then calls done. Interception never outlives
// stop.
func (w *Worker) intercept(ctx context.Context, timeout time.Duration, patterns []*fetch.RequestPattern, serve func(context.Context), done func()) (lctx context.Context, stop func(), err error) {
	lctx, cancel := w.commandContext(timeout)
	stopAfter := context.AfterFunc(ctx, cancel)
	served := make(chan struct{})
	go func() { defer close(served); serve(lctx) }()
	stop = func() {
		dctx, dcancel := w.commandContext(cleanupTimeout)
		_, _ = chromedp.Call(dctx, fetch.Disable, cdp.Empty{})
		dcancel()
		stopAfter()
		cancel()
		<-served
		done()
	}
	_, err = chromedp.Call(lctx, fetch.Enable, fetch.EnableParams{Patterns: patterns})
	return lctx, stop, err
}
