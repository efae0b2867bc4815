package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// firstChildCommandID is where the IDs of the commands we send on child
// sessions start. chromedp numbers its own commands from 1, so the two ranges
// would meet only after a billion commands; Chrome rejects IDs that do not
// fit in 32 bits.
const firstChildCommandID = 1 << 30

// errChildDetached is returned by a command on a child session whose target
// went away before it replied.
var errChildDetached = errors.New("frame target detached")

// sessionMux wraps the connection to Chrome so that we can own CDP sessions
// that chromedp does not know: the sessions Chrome auto-attaches for
// out-of-process (cross-site) iframes. chromedp drops the messages of sessions
// it did not create, so without this a cross-site iframe's cookie writes and
// responses would be invisible.
//
// Messages of adopted sessions never reach chromedp; everything else passes
// through unchanged.
type sessionMux struct {
	inner  chromedp.Transport
	nextID atomic.Int64
	// address is the websocket address the connection was dialled at.
	address string

	// mu guards the maps below. It is a leaf lock: nothing else is locked,
	// and no func is called, while it is held.
	mu sync.Mutex
	// parents maps a session whose auto-attached iframes we adopt to the func
	// that takes each new child. The func runs on the reading goroutine and
	// must return fast.
	parents map[target.SessionID]func(*childSession, *target.Info)
	// children maps an adopted session to its state.
	children map[target.SessionID]*childSession
	// contexts maps a worker's browser context to its owner: every page
	// Chrome opens in it, other than the worker's own tab, is a popup of
	// the worker's target.
	contexts map[cdp.BrowserContextID]contextOwner
	// seenPages holds the pages already attached on the browser session.
	seenPages map[target.ID]bool
}

// contextOwner is the worker that owns a browser context: its own tab, and
// the func that takes each popup (on the reading goroutine; it must return
// fast and send no command itself).
type contextOwner struct {
	tab        target.ID
	adoptPopup func(*childSession, *target.Info)
}

func newSessionMux(inner chromedp.Transport, address string) *sessionMux {
	m := &sessionMux{
		inner:     inner,
		address:   address,
		parents:   make(map[target.SessionID]func(*childSession, *target.Info)),
		children:  make(map[target.SessionID]*childSession),
		contexts:  make(map[cdp.BrowserContextID]contextOwner),
		seenPages: make(map[target.ID]bool),
	}
	m.nextID.Store(firstChildCommandID)
	return m
}

// adoptIframesOf makes the mux take every target Chrome auto-attaches under
// the session parent (cross-site iframes, dedicated, shared and service
// workers) and hand it to adopt, which decides how each is recorded and
// let run. adopt runs on the goroutine that reads from Chrome: it must
// return fast and must not send commands itself (start a goroutine for
// that).
func (m *sessionMux) adoptIframesOf(parent target.SessionID, adopt func(*childSession, *target.Info)) {
	m.mu.Lock()
	m.parents[parent] = adopt
	m.mu.Unlock()
}

// ownContext hands every page Chrome opens in the browser context id, other
// than tab, to adoptPopup.
func (m *sessionMux) ownContext(id cdp.BrowserContextID, tab target.ID, adoptPopup func(*childSession, *target.Info)) {
	m.mu.Lock()
	m.contexts[id] = contextOwner{tab: tab, adoptPopup: adoptPopup}
	m.mu.Unlock()
}

// forgetContext stops handing the pages of a browser context to a worker.
func (m *sessionMux) forgetContext(id cdp.BrowserContextID) {
	m.mu.Lock()
	delete(m.contexts, id)
	m.mu.Unlock()
}

// forget stops adopting under parent.
func (m *sessionMux) forget(parent target.SessionID) {
	m.mu.Lock()
	delete(m.parents, parent)
	m.mu.Unlock()
}

// Read returns the next message for chromedp, after routing the messages of
// adopted sessions to their owners.
func (m *sessionMux) Read(ctx context.Context, msg *cdproto.Message) error {
	for {
		*msg = cdproto.Message{}
		if err := m.inner.Read(ctx, msg); err != nil {
			m.closeAll()
			return err
		}
		if msg.SessionID != "" {
			m.mu.Lock()
			child := m.children[msg.SessionID]
			m.mu.Unlock()
			if child != nil {
				m.noteTargets(msg)
				// msg is chromedp's buffer, reused by the next Read: hand
				// the child a copy it can keep.
				own := *msg
				own.Params = bytes.Clone(msg.Params)
				own.Result = bytes.Clone(msg.Result)
				child.deliver(&own)
				continue
			}
		}
		m.noteTargets(msg)
		return nil
	}
}

// noteTargets adopts and releases iframe sessions as Chrome attaches and
// detaches them, under chromedp's sessions and under adopted ones alike.
func (m *sessionMux) noteTargets(msg *cdproto.Message) {
	switch string(msg.Method) {
	case target.AttachedToTarget.Method:
		m.noteAttached(msg)
	case target.DetachedFromTarget.Method:
		m.noteDetached(msg)
	}
}

func (m *sessionMux) noteAttached(msg *cdproto.Message) {
	var ev target.EventAttachedToTarget
	if err := jsonv2.Unmarshal(msg.Params, &ev, chromedp.DefaultUnmarshalOptions); err != nil || ev.TargetInfo == nil {
		return
	}
	if msg.SessionID == "" {
		// On the browser session this is either the browser-wide
		// auto-attach of a new page (paused, and always the first attach
		// of that target) or chromedp attaching to a tab it created, which
		// comes later and must reach chromedp.
		m.mu.Lock()
		first := !m.seenPages[ev.TargetInfo.TargetID]
		m.seenPages[ev.TargetInfo.TargetID] = true
		m.mu.Unlock()
		if first && ev.WaitingForDebugger {
			m.notePage(&ev)
			return
		}
		return
	}
	m.mu.Lock()
	adopt := m.parents[msg.SessionID]
	m.mu.Unlock()
	if adopt == nil {
		return
	}
	// Iframes, workers and service workers: the adopt func records them
	// and lets them run.
	adopt(m.newChild(&ev), ev.TargetInfo)
}

// notePage handles a page that the browser-wide auto-attach paused: a popup
// of a worker's target goes to that worker; any other page (a worker's own
// new tab, a page of another client of a remote browser) runs at once and
// is let go.
func (m *sessionMux) notePage(ev *target.EventAttachedToTarget) {
	m.mu.Lock()
	owner, owned := m.contexts[ev.TargetInfo.BrowserContextID]
	m.mu.Unlock()
	child := m.newChild(ev)
	if owned && ev.TargetInfo.TargetID != owner.tab && ev.TargetInfo.Type == "page" {
		owner.adoptPopup(child, ev.TargetInfo)
		return
	}
	go func() {
		child.resume()
		ctx, cancel := context.WithTimeout(context.Background(), resumeTimeout)
		defer cancel()
		_ = m.callBrowser(ctx, target.DetachFromTarget.Method, target.DetachFromTargetParams{SessionID: ev.SessionID})
	}()
}

// newChild registers an attached session as ours.
func (m *sessionMux) newChild(ev *target.EventAttachedToTarget) *childSession {
	child := &childSession{mux: m, id: ev.SessionID, targetID: ev.TargetInfo.TargetID, pending: make(map[int64]chan *cdproto.Message), waiting: ev.WaitingForDebugger}
	m.mu.Lock()
	m.children[ev.SessionID] = child
	m.mu.Unlock()
	return child
}

// callBrowser sends a browser-level command without waiting for its reply
// (chromedp drops replies to IDs it did not send).
func (m *sessionMux) callBrowser(ctx context.Context, method string, params any) error {
	buf, err := jsonv2.Marshal(params, chromedp.DefaultMarshalOptions)
	if err != nil {
		return err
	}
	return m.inner.Write(ctx, &cdproto.Message{ID: m.nextID.Add(1), Method: cdproto.MethodType(method), Params: buf})
}

// resumeTimeout bounds the command that lets a paused worker run.
const resumeTimeout = 5 * time.Second

func (m *sessionMux) noteDetached(msg *cdproto.Message) {
	var ev target.EventDetachedFromTarget
	if err := jsonv2.Unmarshal(msg.Params, &ev, chromedp.DefaultUnmarshalOptions); err != nil {
		return
	}
	m.mu.Lock()
	child := m.children[ev.SessionID]
	delete(m.children, ev.SessionID)
	delete(m.parents, ev.SessionID)
	m.mu.Unlock()
	if child != nil {
		child.close()
	}
}

func (m *sessionMux) closeAll() {
	m.mu.Lock()
	children := m.children
	m.children = make(map[target.SessionID]*childSession)
	m.mu.Unlock()
	for _, c := range children {
		c.close()
	}
}

// Write sends a message to Chrome.
func (m *sessionMux) Write(ctx context.Context, msg *cdproto.Message) error {
	return m.inner.Write(ctx, msg)
}

// Close closes the connection.
func (m *sessionMux) Close() error {
	return m.inner.Close()
}

// childSession is a CDP session of a target we adopted: a cross-site
// iframe, a worker, or a popup of the worker's target. It satisfies
// cdp.Session, so cdproto commands run on it with cdp.Call.
type childSession struct {
	mux      *sessionMux
	id       target.SessionID
	targetID target.ID
	waiting  bool // Chrome paused the target until runIfWaitingForDebugger

	// mu guards the fields below. It is a leaf lock: the event handler is
	// never called while it is held (see deliver).
	mu      sync.Mutex
	pending map[int64]chan *cdproto.Message
	onEvent func(method string, params jsonv2.Value)
	early   []*cdproto.Message // events that arrived before onEvent was set
	closed  bool
}

// setEventHandler sets the func that receives every event of the session, in
// order; events that arrived earlier are replayed first. It must be called
// on the goroutine that reads from Chrome (from an adopt func), which is also
// the one that delivers events: that keeps them in order without holding a
// lock while fn runs. fn must return fast.
func (c *childSession) setEventHandler(fn func(method string, params jsonv2.Value)) {
	c.mu.Lock()
	c.onEvent = fn
	early := c.early
	c.early = nil
	c.mu.Unlock()
	for _, msg := range early {
		fn(string(msg.Method), msg.Params)
	}
}

// deliver routes one message of the session, on the reading goroutine:
// a reply to its waiting caller, an event to the handler. The handler runs
// with no lock held, so it may take the locks of its owner.
func (c *childSession) deliver(msg *cdproto.Message) {
	c.mu.Lock()
	if msg.ID != 0 {
		ch := c.pending[msg.ID]
		delete(c.pending, msg.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- msg
		}
		return
	}
	fn := c.onEvent
	if fn == nil {
		// Events of a session nobody listens to are kept until a handler
		// is set, but not without bound.
		if len(c.early) < maxEarlyEvents {
			c.early = append(c.early, msg)
		}
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	fn(string(msg.Method), msg.Params)
}

// maxEarlyEvents bounds the events kept for a session whose handler is not
// set yet.
const maxEarlyEvents = 10000

// resume lets a target that Chrome paused at attach run.
func (c *childSession) resume() {
	if !c.waiting {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), resumeTimeout)
	defer cancel()
	_, _ = cdp.Call(ctx, c, runtime.RunIfWaitingForDebugger, cdp.Empty{})
}

func (c *childSession) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
}

// isClosed reports whether the session's target went away.
func (c *childSession) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Call sends a command on the child session and waits for its reply.
func (c *childSession) Call(ctx context.Context, method string, params, res any) error {
	wait, err := c.send(ctx, method, params)
	if err != nil {
		return err
	}
	return wait(res)
}

// send sends a command on the child session and returns at once, with the
// func that waits for its reply (until ctx ends) and decodes it into res
// (which may be nil). Commands sent one after another reach Chrome in that
// order: a paused target's setup can be sent before the command that lets
// it run, without waiting for replies a paused target does not give.
func (c *childSession) send(ctx context.Context, method string, params any) (wait func(res any) error, err error) {
	var buf []byte
	if params != nil {
		var err error
		if buf, err = jsonv2.Marshal(params, chromedp.DefaultMarshalOptions); err != nil {
			return nil, err
		}
	}
	id := c.mux.nextID.Add(1)
	ch := make(chan *cdproto.Message, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errChildDetached
	}
	c.pending[id] = ch
	c.mu.Unlock()

	msg := &cdproto.Message{ID: id, SessionID: c.id, Method: cdproto.MethodType(method), Params: buf}
	if err := c.mux.Write(ctx, msg); err != nil {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return nil, err
	}
	return func(res any) error {
		select {
		case <-ctx.Done():
			c.mu.Lock()
			delete(c.pending, id)
			c.mu.Unlock()
			return ctx.Err()
		case reply, ok := <-ch:
			switch {
			case !ok:
				return errChildDetached
			case reply.Error != nil:
				return fmt.Errorf("%s: %w", method, reply.Error)
			case res != nil && len(reply.Result) > 0:
				return jsonv2.Unmarshal(reply.Result, res, chromedp.DefaultUnmarshalOptions)
			}
			return nil
		}
	}, nil
}

// Subscribe is not used for child sessions: their events go to the handler
// of setEventHandler. It returns a closed channel so that a caller never waits.
func (c *childSession) Subscribe(string) (<-chan jsonv2.Value, func()) {
	ch := make(chan jsonv2.Value)
	close(ch)
	return ch, func() {}
}
