package browser

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// launchedName names, in reports, the browser cookiescope launched itself.
const launchedName = "launched"

// ErrNoRemoteReachable means that none of the --remote endpoints could be
// reached at start; the error that wraps it names each with its reason.
var ErrNoRemoteReachable = errors.New("no --remote browser could be reached")

// member is one browser of a Browser: the one cookiescope launched, or one
// remote endpoint. Its fields, once the Browser is shared, are guarded by
// the Browser's mu.
type member struct {
	// name is what reports call it: launchedName, or the endpoint as given
	// without its secrets (EndpointName), numbered when given twice.
	name string
	// address is the endpoint as given, secrets included; "" when launched.
	address string
	// inst is the browser now, or the last one, dead; nil when it could not
	// be reached at start.
	inst *instance
	// lost says why a remote browser was dropped (unreachable at start, or
	// died during the run); it is never used again. A launched browser is
	// relaunched instead, and relaunches counts how often.
	lost       error
	relaunches int
	// reconnections are this remote member's losses and what trying it
	// again made of each, in order.
	reconnections []inspect.Reconnection
	// replacing is open while one worker replaces this member's dead
	// browser (relaunches it, or connects to it again), launch or dials
	// included, and closed when that is done: the workers that find the
	// browser dead meanwhile wait for it (or for their context to end)
	// instead of replacing it again. It is nil when no replacement is under
	// way. No lock is held while it is open.
	replacing chan struct{}
}

// Endpoint is one browser of a Browser, as the report and the progress
// lines name it.
type Endpoint struct {
	// Name is "launched" for the browser cookiescope started, or the
	// --remote endpoint as given without its user info and query values.
	Name string
	// Product is what the browser calls itself; empty when it was never
	// reached.
	Product string
	// Lost says why the browser was dropped: unreachable at start, or it
	// died during the run. It is nil while the browser serves targets.
	Lost error
}

// Endpoints returns the browsers of b in the order they were given, each
// with its state now.
func (b *Browser) Endpoints() []Endpoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Endpoint
	for _, m := range b.members {
		e := Endpoint{Name: m.name, Lost: m.lost}
		if m.inst != nil {
			e.Product = m.inst.product
			if e.Lost == nil && m.inst.remote && !m.inst.alive() {
				// Dead, but no worker has noticed yet.
				e.Lost = m.inst.deathCauseNow()
			}
		}
		out = append(out, e)
	}
	return out
}

// connectAll connects to every remote endpoint at once. Those that cannot be
// reached are kept as lost members; an error, naming each endpoint and its
// reason, comes only when none can be.
func (b *Browser) connectAll(ctx context.Context) error {
	seen := map[string]int{}
	for _, address := range b.opts.Remotes {
		name := EndpointName(address)
		seen[name]++
		if seen[name] > 1 {
			// The same endpoint twice is two connections: the report tells
			// them apart.
			name = fmt.Sprintf("%s (%d)", name, seen[name])
		}
		b.members = append(b.members, &member{name: name, address: address})
	}
	var wg sync.WaitGroup
	for _, m := range b.members {
		wg.Go(func() {
			// Each goroutine writes only its own member; b is not shared yet.
			inst, err := b.start(ctx, m)
			if err != nil {
				m.lost = fmt.Errorf("unreachable at start: %w", withoutAddress(err, m.address))
				return
			}
			m.inst = inst
		})
	}
	wg.Wait()
	var errs []error
	for _, m := range b.members {
		if m.lost == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("--remote %s: %w", m.name, m.lost))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w: %w", ErrNoRemoteReachable, errors.Join(errs...))
}

// alive reports, without waiting, whether the instance still serves: not
// closed, not found dead, its connection not lost.
func (inst *instance) alive() bool {
	select {
	case <-inst.dead:
		return false
	case <-inst.closing:
		return false
	default:
	}
	if c := chromedp.FromContext(inst.ctx); c != nil && c.Browser != nil {
		select {
		case <-c.Browser.LostConnection:
			return false
		default:
		}
	}
	return true
}

// deathCauseNow is deathCause without waiting for the health check to name
// a lost connection's cause.
func (inst *instance) deathCauseNow() error {
	select {
	case <-inst.dead:
		return inst.cause
	default:
	}
	if inst.alive() {
		return nil
	}
	return errors.New("browser connection lost")
}

// dropped returns why inst's remote browser was dropped for the rest of the
// run (its cause of death, and why it was not connected to again), or nil
// while it may still serve.
func (b *Browser) dropped(inst *instance) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return inst.member.lost
}

// usable reports whether new workers may open on m now.
func (m *member) usable() bool {
	return m.lost == nil && m.inst != nil && m.inst.alive()
}

// current returns the browser instance that stands for b: the first live
// one, else the first that was ever reached (dead: its workers fail with its
// cause).
func (b *Browser) current() *instance {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.currentLocked()
}

func (b *Browser) currentLocked() *instance {
	var first *instance
	for _, m := range b.members {
		if m.usable() {
			return m.inst
		}
		if first == nil {
			first = m.inst
		}
	}
	return first
}

// pick returns the live browser the next new worker opens on, taking them
// in turn, or current() when none lives.
func (b *Browser) pick() *instance {
	b.mu.Lock()
	defer b.mu.Unlock()
	if inst := b.pickLocked(); inst != nil {
		return inst
	}
	return b.currentLocked()
}

// pickLocked is pick without the fallback: nil when no browser lives.
func (b *Browser) pickLocked() *instance {
	n := len(b.members)
	for k := range n {
		m := b.members[(b.next+k)%n]
		if m.usable() {
			b.next = (b.next + k + 1) % n
			return m.inst
		}
	}
	return nil
}

// size is how many browsers b was given (one when it launched its own).
func (b *Browser) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.members)
}

// live returns the live browsers, in the order given.
func (b *Browser) live() []*instance {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*instance
	for _, m := range b.members {
		if m.usable() {
			out = append(out, m.inst)
		}
	}
	return out
}

// replacement returns a live instance for the workers of dead, replacing
// it once, by whichever worker asks first, while the others wait for that
// one (or for their ctx to end): a launched browser is relaunched with the
// same options; a remote one is connected to again (see reconnect), and
// only when that fails is it dropped for good and another live browser of
// the pool returned. When there is none (or the relaunch fails), the error
// is the cause of death. No lock is held while it launches or dials.
func (b *Browser) replacement(ctx context.Context, dead *instance) (*instance, error) {
	cause := dead.deathCause()
	if cause == nil {
		cause = dead.deathCauseNow()
	}
	m := dead.member
	done, current, err := b.claimReplacement(ctx, m, dead, cause)
	if done == nil {
		return current, err
	}
	defer done()
	if !dead.remote {
		inst, err := b.start(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("%v; relaunch failed: %w", cause, err)
		}
		return b.adopt(m, dead, inst, cause, func() { m.relaunches++ })
	}
	inst, err := b.reconnect(ctx, m, cause)
	if err == nil {
		return b.adopt(m, dead, inst, cause, func() {})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if m.lost == nil {
		m.lost = err
	}
	if ctx.Err() != nil {
		return nil, err
	}
	return b.liveOrLostLocked(m)
}

// claimReplacement waits until no other worker is replacing m's browser,
// then either makes the caller the one that replaces dead (done is then
// non-nil, and must be called once it is replaced or given up) or returns
// what an earlier replacement made of it: the browser that replaced dead,
// another live browser of the pool when m was dropped, or the error. It
// returns when ctx ends, with the cause.
func (b *Browser) claimReplacement(ctx context.Context, m *member, dead *instance, cause error) (done func(), current *instance, err error) {
	for {
		b.mu.Lock()
		busy := m.replacing
		switch {
		case busy != nil:
		case m.lost != nil:
			defer b.mu.Unlock()
			current, err = b.liveOrLostLocked(m)
			return nil, current, err
		case m.inst != dead:
			defer b.mu.Unlock()
			return nil, m.inst, nil // another worker replaced it meanwhile
		default:
			claim := make(chan struct{})
			m.replacing = claim
			b.mu.Unlock()
			return func() {
				b.mu.Lock()
				m.replacing = nil
				b.mu.Unlock()
				close(claim)
			}, nil, nil
		}
		b.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("%v; interrupted while it was replaced", cause)
		}
	}
}

// liveOrLostLocked returns, for the workers of m, which was dropped, the
// next live browser of the pool, or m's loss when none is left. b.mu is
// held.
func (b *Browser) liveOrLostLocked(m *member) (*instance, error) {
	if live := b.pickLocked(); live != nil {
		return live, nil
	}
	return nil, m.lost
}

// adopt makes inst, just started to replace dead, m's browser, and counts
// it with note (under b.mu); when b was closed meanwhile, inst is closed
// instead and the error says so.
func (b *Browser) adopt(m *member, dead, inst *instance, cause error, note func()) (*instance, error) {
	inst.restored = true
	dead.close()
	b.mu.Lock()
	closed := b.closed
	if !closed {
		m.inst = inst
		note()
	}
	b.mu.Unlock()
	if closed {
		_ = inst.close()
		<-inst.monitorDone
		return nil, fmt.Errorf("%v; the browser was closed while it was replaced", cause)
	}
	return inst, nil
}

// reconnectBound says how a lost remote browser is connected to again: the
// first try at once (a browser service hands out a new browser for every
// connection), then after waits that double from firstWait up to maxWait,
// each try given try at most, until total has passed since the loss was
// found. A try is given as long as the connection at start is (a service
// may start a browser for it, which takes seconds on a loaded machine). A
// plain browser restarted on the same port within total is found again
// through its http:// endpoint (which names the new browser); a ws://
// address of one browser names a browser that is gone for good, and is
// dropped after total.
type reconnectBound struct {
	total, try, firstWait, maxWait time.Duration
}

// defaultReconnectBound is the bound of every run; Options.reconnect
// replaces it in tests.
var defaultReconnectBound = reconnectBound{total: 30 * time.Second, try: 10 * time.Second, firstWait: 250 * time.Millisecond, maxWait: 4 * time.Second}

// reconnect connects to m's endpoint again after its browser was lost
// (cause), within b's reconnectBound, and notes the outcome in m's
// reconnections. It stops at once when ctx ends, in a wait or in a try. The
// error, when every try failed, says how often and how long it tried and
// why the last try failed, without the endpoint's secrets.
func (b *Browser) reconnect(ctx context.Context, m *member, cause error) (*instance, error) {
	bound := b.opts.reconnect
	if bound == (reconnectBound{}) {
		bound = defaultReconnectBound
	}
	began := time.Now()
	deadline := began.Add(bound.total)
	attempts := 0
	note := func(err error) {
		r := inspect.Reconnection{Endpoint: m.name, At: began, Cause: cause.Error(), Attempts: attempts, TookMS: time.Since(began).Milliseconds(), Reconnected: err == nil}
		if err != nil {
			r.Error = err.Error()
		}
		b.mu.Lock()
		m.reconnections = append(m.reconnections, r)
		b.mu.Unlock()
	}
	interrupted := func() (*instance, error) {
		err := fmt.Errorf("%v; not connected to again: interrupted", cause)
		note(err)
		return nil, err
	}
	var last error
	for wait := time.Duration(0); ; wait = min(max(2*wait, bound.firstWait), bound.maxWait) {
		if time.Now().Add(wait).After(deadline) {
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return interrupted()
		case <-timer.C:
		}
		attempts++
		given := min(bound.try, time.Until(deadline))
		tctx, cancel := context.WithTimeout(ctx, given)
		inst, err := b.start(tctx, m)
		cancel()
		if err == nil {
			note(nil)
			return inst, nil
		}
		if ctx.Err() != nil {
			return interrupted()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s", given.Round(100*time.Millisecond))
		}
		last = withoutAddress(err, m.address)
	}
	err := fmt.Errorf("%v; connecting to it again failed %d times in %s: %w", cause, attempts, time.Since(began).Round(100*time.Millisecond), last)
	note(err)
	return nil, err
}

// Reconnections returns every time a remote browser of b was lost and
// connected to again, or dropped when that failed, in the order of the
// endpoints.
func (b *Browser) Reconnections() []inspect.Reconnection {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []inspect.Reconnection
	for _, m := range b.members {
		out = append(out, m.reconnections...)
	}
	return out
}

// newWorkerOn opens a worker on inst.
func (b *Browser) newWorkerOn(ctx context.Context, inst *instance) (*Worker, error) {
	w := &Worker{b: b, rec: record.New(b.hookSecret, "")}
	if err := w.open(ctx, inst); err != nil {
		return nil, err
	}
	return w, nil
}

// NewSibling opens another worker (a browser context with one tab, as
// NewWorker does) on the browser w is on, for a second party of w's target
// such as a scenario's attacker: one target then has one browser, which its
// report names, and when that browser is lost the whole target runs again
// elsewhere (see Each).
//
// The sibling's pages get w's viewport.
func (w *Worker) NewSibling(ctx context.Context) (*Worker, error) {
	_, inst := w.tab()
	var sibling *Worker
	var err error
	if inst == nil {
		sibling, err = w.b.NewWorker(ctx)
	} else {
		sibling, err = w.b.newWorkerOn(ctx, inst)
	}
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	own := w.viewport
	w.mu.Unlock()
	if own != nil {
		if err := sibling.SetViewport(ctx, own); err != nil {
			sibling.Close()
			return nil, err
		}
	}
	return sibling, nil
}
