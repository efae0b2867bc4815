package browser

import (
	"context"
	"net/url"
	"sort"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/runtime"

	"github.com/cookiescope/cookiescope/inspect"
)

// measureReadability evaluates document.cookie in every live document of
// the page and of its popups, cross-site iframes included, in our isolated
// world so that the page's own scripts cannot interfere. It also returns the
// top document's URL.
func (w *Worker) measureReadability(ctx context.Context) ([]inspect.Frame, string) {
	type world struct {
		session cdp.Session
		id      runtime.ExecutionContextID
		popup   bool
	}
	var worlds []world
	w.mu.Lock()
	popups := make(map[cdp.Session]bool, len(w.popups))
	for _, p := range w.popups {
		popups[p] = true
	}
	for s, ids := range w.worlds {
		for _, id := range ids {
			worlds = append(worlds, world{s, id, popups[s]})
		}
	}
	w.mu.Unlock()
	// Sessions whose target went away are dropped; isClosed takes the
	// session's own lock, so this happens outside w.mu.
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
	frames := make([]*inspect.Frame, len(live))
	var wg sync.WaitGroup
	for i, wd := range live {
		wg.Go(func() {
			frames[i] = readWorld(ctx, wd.session, wd.id)
			if frames[i] != nil && wd.popup {
				frames[i].Popup = true
				frames[i].TopLevel = false
			}
		})
	}
	wg.Wait()
	var out []inspect.Frame
	finalURL := ""
	for _, f := range frames {
		if f == nil {
			continue
		}
		if f.TopLevel {
			finalURL = f.URL
		}
		out = append(out, *f)
	}
	// Top first, then popups, then by URL, so reports are stable.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].TopLevel != out[j].TopLevel {
			return out[i].TopLevel
		}
		if out[i].Popup != out[j].Popup {
			return out[i].Popup
		}
		return out[i].URL < out[j].URL
	})
	if finalURL == "" {
		finalURL = w.currentURL(ctx)
	}
	return out, finalURL
}

// readWorldExpression returns the document's URL, document.cookie and
// whether the document is the top-level page.
const readWorldExpression = `[location.href, document.cookie, window === window.top]`

// readWorld measures one document; nil means it is not an http(s) document
// (about:blank, an error page) or went away.
func readWorld(ctx context.Context, s cdp.Session, id runtime.ExecutionContextID) *inspect.Frame {
	res, err := cdp.Call(ctx, s, runtime.Evaluate, runtime.EvaluateParams{Expression: readWorldExpression, ContextID: id, ReturnByValue: ptr(true)})
	if err != nil || res.ExceptionDetails != nil || res.Result == nil {
		return nil
	}
	var got [3]any
	if err := jsonv2.Unmarshal(res.Result.Value, &got); err != nil {
		return nil
	}
	href, _ := got[0].(string)
	cookieString, _ := got[1].(string)
	top, _ := got[2].(bool)
	if u, err := url.Parse(href); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	f := &inspect.Frame{URL: href, TopLevel: top, Readable: []string{}}
	f.Pairs = inspect.ParseDocumentCookie(cookieString)
	for _, p := range f.Pairs {
		f.Readable = append(f.Readable, p.Name)
	}
	return f
}
