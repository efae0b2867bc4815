package browser

import (
	"context"
	"fmt"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"

	"github.com/cookiescope/cookiescope/inspect"
)

// maxTouchPoints is what an emulated touch screen reports.
const maxTouchPoints = 5

// viewportOf is the viewport the worker's pages get: its own, set by
// SetViewport, or the run's (Options.Viewport), or DefaultViewport.
func (w *Worker) viewportOf() inspect.Viewport {
	w.mu.Lock()
	own := w.viewport
	w.mu.Unlock()
	if own != nil {
		return own.OrDefault()
	}
	return w.b.opts.Viewport.OrDefault()
}

// SetViewport gives the worker's pages (the tab now, every popup from now
// on, and the pages of the contexts that replace this one) the viewport v
// instead of the run's (nil: the run's again): how a scenario's own
// `viewport:` applies. The tab is laid out anew at once.
func (w *Worker) SetViewport(ctx context.Context, v *inspect.Viewport) error {
	w.mu.Lock()
	w.viewport = v
	tab := w.page
	w.mu.Unlock()
	if tab == nil {
		return nil
	}
	cctx, cancel := w.commandContext(cleanupTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	return emulateViewport(cctx, tab, w.viewportOf())
}

// emulateViewport shows a page session's documents on the viewport v: its
// size, pixel ratio and mobile layout, touch when v has it, and v's user
// agent when it names one. Sent to the tab and to each popup before it
// runs, as the emulation is a page's own (a new page starts with the
// browser window's 800×600).
func emulateViewport(ctx context.Context, s cdp.Session, v inspect.Viewport) error {
	v = v.OrDefault()
	if _, err := cdp.Call(ctx, s, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(v.Width), Height: int64(v.Height), DeviceScaleFactor: v.DeviceScaleFactor, Mobile: v.Mobile}); err != nil {
		return fmt.Errorf("set the viewport %s: %w", v.Describe(), err)
	}
	if v.Touch {
		if _, err := cdp.Call(ctx, s, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: maxTouchPoints}); err != nil {
			return fmt.Errorf("emulate touch: %w", err)
		}
	}
	if v.UserAgent != "" {
		if _, err := cdp.Call(ctx, s, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: v.UserAgent}); err != nil {
			return fmt.Errorf("set the user agent of %s: %w", v.Describe(), err)
		}
	}
	return nil
}
