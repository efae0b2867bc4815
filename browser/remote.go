package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// remoteAllocator connects chromedp to a browser that runs already, through
// our own dialer so that the session mux sees every message.
type remoteAllocator struct {
	address string
	dial    func(ctx context.Context, wsURL string) (chromedp.Transport, error)
	wg      sync.WaitGroup
}

// Allocate dials the browser and returns chromedp's handle on it.
func (a *remoteAllocator) Allocate(ctx context.Context, opts ...chromedp.BrowserOption) (*chromedp.Browser, error) {
	wsURL, err := webSocketAddress(ctx, a.address)
	if err != nil {
		return nil, err
	}
	// The connection outlives ctx by the time chromedp needs to close our tabs.
	connCtx, cancel := context.WithCancel(context.Background())
	a.wg.Go(func() {
		<-ctx.Done()
		chromedp.Cancel(ctx)
		cancel()
	})
	dialCtx, dialCancel := context.WithTimeout(connCtx, 10*time.Second)
	defer dialCancel()
	tr, err := a.dial(dialCtx, wsURL)
	if err != nil {
		return nil, fmt.Errorf("--remote %s: %w", a.address, err)
	}
	return chromedp.NewBrowserTransport(connCtx, tr, opts...)
}

// Wait blocks until the connection is closed.
func (a *remoteAllocator) Wait() { a.wg.Wait() }

// Attaches tells chromedp that this browser is not ours to stop.
func (a *remoteAllocator) Attaches() bool { return true }

// webSocketAddress returns the browser's DevTools websocket address: the
// address itself when it is one, else what http://HOST:PORT/json/version says.
func webSocketAddress(ctx context.Context, address string) (string, error) {
	u, err := url.Parse(address)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--remote %q: want ws://HOST:PORT/devtools/browser/ID or http://HOST:PORT", address)
	}
	switch u.Scheme {
	case "ws", "wss":
		if strings.Contains(u.Path, "/devtools/browser/") {
			return address, nil
		}
		u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	case "http", "https":
	default:
		return "", fmt.Errorf("--remote %q: want a ws:// or http:// address", address)
	}
	u.Path = "/json/version"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("--remote %s: %w", address, err)
	}
	defer resp.Body.Close()
	var version struct {
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&version); err != nil || version.WebSocketDebuggerURL == "" {
		return "", fmt.Errorf("--remote %s: %s did not name the browser's websocket address", address, u)
	}
	return version.WebSocketDebuggerURL, nil
}
