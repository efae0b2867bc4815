package browser

import (
	"context"
	"encoding/json"
	"errors"
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
	// address is the endpoint as given, secrets included; no error names it
	// (the caller names the endpoint).
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
		return nil, withoutAddress(err, a.address, wsURL)
	}
	return chromedp.NewBrowserTransport(connCtx, tr, opts...)
}

// Wait blocks until the connection is closed.
func (a *remoteAllocator) Wait() { a.wg.Wait() }

// Attaches tells chromedp that this browser is not ours to stop.
func (a *remoteAllocator) Attaches() bool { return true }

// remoteForm is what CheckRemote and webSocketAddress say a --remote must be.
const remoteForm = "want ws://HOST:PORT/devtools/browser/ID, another ws:// or wss:// endpoint, or http://HOST:PORT"

// CheckRemote checks that address can be a DevTools endpoint, without
// connecting: a ws://, wss://, http:// or https:// URL with a host. The
// error names the endpoint without its secrets.
func CheckRemote(address string) error {
	u, err := url.Parse(address)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--remote %q: %s", EndpointName(address), remoteForm)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
		return nil
	}
	return fmt.Errorf("--remote %q: %s", EndpointName(address), remoteForm)
}

// EndpointName is how reports and errors name a remote endpoint: as the user
// gave it, but without what may be a secret, the user info and the query's
// values (a browserless ?token=). It is not the address to connect to.
func EndpointName(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		// Unparsable: keep only what precedes anything secret-bearing.
		if i := strings.IndexAny(address, "@?#"); i >= 0 {
			return address[:i]
		}
		return address
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		var keys []string
		for _, kv := range strings.Split(u.RawQuery, "&") {
			key, _, _ := strings.Cut(kv, "=")
			keys = append(keys, key+"=redacted")
		}
		u.RawQuery = strings.Join(keys, "&")
	}
	return u.String()
}

// withoutAddress keeps an error about an endpoint from repeating the
// endpoint itself, which may hold a secret: a *url.Error (which quotes the
// URL) gives its cause, and any other text loses the addresses.
func withoutAddress(err error, addresses ...string) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	msg := err.Error()
	clean := msg
	for _, a := range addresses {
		if a != "" {
			clean = strings.ReplaceAll(clean, a, EndpointName(a))
		}
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// webSocketAddress returns the browser's DevTools websocket address; its
// errors do not name the endpoint, which may hold a secret. A
// ws:// or wss:// URL is used as given (Chrome's /devtools/browser/ID, a
// browserless service, a Selenium Grid node's /session/ID/se/cdp), except a
// bare ws://HOST:PORT, where Chrome's debugging port has no websocket: that,
// and http://HOST:PORT, are asked for it at /json/version.
func webSocketAddress(ctx context.Context, address string) (string, error) {
	if err := CheckRemote(address); err != nil {
		return "", err
	}
	u, _ := url.Parse(address)
	if u.Scheme == "ws" || u.Scheme == "wss" {
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return address, nil
		}
		u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	}
	u.Path = "/json/version"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", withoutAddress(err, address, u.String())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", withoutAddress(err, address, u.String())
	}
	defer resp.Body.Close()
	var version struct {
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&version); err != nil || version.WebSocketDebuggerURL == "" {
		return "", fmt.Errorf("%s did not name the browser's websocket address (%s)", EndpointName(u.String()), resp.Status)
	}
	return version.WebSocketDebuggerURL, nil
}
