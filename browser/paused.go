package browser

import (
	"context"
	"sync"

	"github.com/chromedp/cdproto/fetch"
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
