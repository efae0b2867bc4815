package record

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// What the worker waits for, read from the recording: the awaited load,
// quiet (no request, frame, iframe session or service worker pending and
// no event for a while), the requests draining after a target, the main
// document leaving, service workers gone.

// serviceWorkerWait bounds how long settling waits, counted from the first
// sign of a service worker in the target (a register() call the hook
// reports, a version Chrome reports that is not yet activated, or a service
// worker's request), for every reported version to be activated (or
// redundant) and for the requests of service workers to end: a
// service worker writes cookies when it installs and activates, and its
// requests' Set-Cookie headers are the target's; Chrome 156 stored both
// about 0.6 s after the page's load event on the lab's /storage/sw-cookies.
// A worker that takes longer is read as it stands, and the target says so
// (a note); raise --wait to see more of it.
const serviceWorkerWait = 2 * time.Second

// bodyGrace is how long a request whose response headers arrived still
// counts as in flight when Chrome reports no end for it (it does not for
// keepalive fetches). After its headers a request can set no cookie itself;
// the grace covers script that acts on its body.
const bodyGrace = 2 * time.Second

// InflightSummary names a few of the requests in flight, for errors.
func (r *Recording) InflightSummary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var urls []string
	for _, q := range r.inflight {
		urls = append(urls, q.url)
	}
	sort.Strings(urls)
	if len(urls) > 3 {
		urls = append(urls[:3], fmt.Sprintf("and %d more", len(urls)-3))
	}
	return strings.Join(urls, ", ")
}

// WaitMainURL waits until the page's main document is at u, or returns
// ctx's error.
func (r *Recording) WaitMainURL(ctx context.Context, u string) error {
	for {
		r.mu.Lock()
		at := r.mainURL
		r.mu.Unlock()
		if at == u {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.changed:
		}
	}
}

// WaitDrained waits until no request that can still set a cookie (one
// whose response headers have not arrived) is in flight, or returns ctx's
// error.
func (r *Recording) WaitDrained(ctx context.Context) error {
	for {
		r.mu.Lock()
		n := 0
		for _, q := range r.inflight {
			if q.responded.IsZero() {
				n++
			}
		}
		r.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.changed:
		}
	}
}

// quiet reports whether the page has loaded, no frame is loading, nothing
// is in flight and no event came for d; when not, it also returns how long
// until it could be (at most idlePoll: waiters also wake on every event).
func (r *Recording) quiet(d time.Duration) (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, loaded := r.loads[r.loader]; !loaded || r.adopting > 0 || len(r.loadingFrames) > 0 {
		return false, max(d, idlePoll)
	}
	now := time.Now()
	if left := r.workersPending(now); left > 0 {
		return false, min(max(d, idlePoll), left)
	}
	for _, q := range r.inflight {
		if q.responded.IsZero() {
			return false, max(d, idlePoll)
		}
		if left := bodyGrace - now.Sub(q.responded); left > 0 {
			return false, min(max(d, idlePoll), left)
		}
	}
	since := time.Since(r.lastEvent)
	if since >= d {
		return true, 0
	}
	return false, d - since
}

// startWorkerClock starts the service worker wait, once. r.mu must be held.
func (r *Recording) startWorkerClock() {
	if r.workerDeadline.IsZero() {
		r.workerDeadline = time.Now().Add(serviceWorkerWait)
	}
}

// workersPending returns how long settling may still wait for service
// workers and their requests (see serviceWorkerWait): 0 when none is
// pending or the wait ran out, which is noted once. r.mu must be held.
func (r *Recording) workersPending(now time.Time) time.Duration {
	var pending []string
	if r.registering && len(r.serviceWorkers) == 0 {
		pending = append(pending, "a service worker the page registered was not yet reported by Chrome")
	}
	for _, v := range r.serviceWorkers {
		if v.settling() {
			pending = append(pending, fmt.Sprintf("the service worker %s was still %s", inspect.BoundURL(v.script), v.status))
		}
	}
	for _, u := range r.workerInflight {
		pending = append(pending, "a service worker's request to "+inspect.BoundURL(u)+" was still in flight")
	}
	if len(pending) == 0 {
		return 0
	}
	if left := r.workerDeadline.Sub(now); left > 0 {
		return left
	}
	if r.workerNotes == nil {
		sort.Strings(pending)
		for _, p := range pending {
			r.workerNotes = append(r.workerNotes, fmt.Sprintf("%s when cookiescope stopped waiting for it, %s after the target's first service worker activity; what it did later is not seen (raise --wait to see more)", p, serviceWorkerWait))
		}
	}
	return 0
}

// ServiceWorkerScripts returns the scripts of the service worker versions
// that were on their way to being active during the recording.
func (r *Recording) ServiceWorkerScripts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var scripts []string
	for _, v := range r.serviceWorkers {
		scripts = append(scripts, v.script)
	}
	sort.Strings(scripts)
	return scripts
}

// HadServiceWorker reports whether a service worker registered or ran
// during the recording.
func (r *Recording) HadServiceWorker() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.serviceWorkers) > 0 || r.registering
}

// WaitServiceWorkersGone waits until every service worker version of the
// recording is redundant and stopped, and returns nil, or what is left when
// ctx ends. A registration the page made whose version Chrome never
// reported counts as left.
func (r *Recording) WaitServiceWorkersGone(ctx context.Context) error {
	for {
		r.mu.Lock()
		var left []string
		for _, v := range r.serviceWorkers {
			if !v.gone() {
				left = append(left, fmt.Sprintf("%s (%s, %s)", inspect.BoundURL(v.script), v.status, v.running))
			}
		}
		if r.registering && len(r.serviceWorkers) == 0 {
			left = append(left, "a registration Chrome never reported")
		}
		r.mu.Unlock()
		if len(left) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			sort.Strings(left)
			return fmt.Errorf("service workers of the target still there after clearing: %s", strings.Join(left, ", "))
		case <-r.changed:
		}
	}
}

// idlePoll is how often a waiter looks again when nothing it waits for has
// a time of its own (every event wakes it anyway).
const idlePoll = 50 * time.Millisecond

// EventCount returns how many events the recording has had so far.
func (r *Recording) EventCount() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events
}

// ExpectNavigation notes that cookiescope is about to navigate the page.
func (r *Recording) ExpectNavigation() {
	r.mu.Lock()
	r.navigating = true
	r.mu.Unlock()
}

// ExpectLoad names the main-frame document whose load the target waits for.
func (r *Recording) ExpectLoad(loaderID string) {
	r.mu.Lock()
	r.loader, r.navigated = loaderID, loaderID
	r.mu.Unlock()
}

// WaitQuiet waits until quiet(d) holds, or returns ctx's error, or
// ErrRendererCrashed.
func (r *Recording) WaitQuiet(ctx context.Context, d time.Duration) error {
	for {
		if r.HasCrashed() {
			return ErrRendererCrashed
		}
		ok, wait := r.quiet(d)
		if ok {
			return nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-r.changed:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// HasCrashed reports whether the page's renderer crashed.
func (r *Recording) HasCrashed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.crashed
}

// IsLoaded reports whether the awaited main document fired its load event.
func (r *Recording) IsLoaded() bool {
	_, loaded := r.LoadedAt()
	return loaded
}

// LoadedAt returns when the awaited main document fired its load event.
func (r *Recording) LoadedAt() (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, loaded := r.loads[r.loader]
	return at, loaded
}

// AdoptStarted notes that an iframe session is being set up: settling
// waits for it (AdoptDone).
func (r *Recording) AdoptStarted() {
	r.mu.Lock()
	r.adopting++
	r.mu.Unlock()
}

// AdoptDone notes that an iframe session is set up, as an event.
func (r *Recording) AdoptDone() {
	r.mu.Lock()
	r.adopting--
	r.touch()
	r.mu.Unlock()
}
