package browser

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/inspect"
)

// SetJar stores cookies, as another context's Jar returned them, in the
// worker's context: how a probe attacks a copy of a live session without
// touching the session itself. Each cookie keeps its scope (host-only or
// Domain), flags, expiry, priority and source scheme and port, so that
// Chrome judges the copy as it judged the original.
func (w *Worker) SetJar(ctx context.Context, cookies []inspect.Cookie) error {
	if len(cookies) == 0 {
		return nil
	}
	params := make([]*network.CookieParam, 0, len(cookies))
	for _, c := range cookies {
		params = append(params, cookieParam(c))
	}
	cctx, cancel := w.commandContext(cleanupTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	if _, err := chromedp.CallBrowser(cctx, storage.SetCookies, storage.SetCookiesParams{Cookies: params, BrowserContextID: w.browserContext()}); err != nil {
		return fmt.Errorf("copy %d cookies into the context: %w", len(cookies), err)
	}
	return nil
}

// cookieParam is the Storage.setCookies form of c. A host-only cookie is
// given by URL without Domain, which is how CDP keeps it host-only.
func cookieParam(c inspect.Cookie) *network.CookieParam {
	host := strings.TrimPrefix(c.Domain, ".")
	// Chrome makes a cookie Secure when its URL is https, whatever secure
	// says (measured): the URL's scheme follows the flag, and the source
	// scheme is given on its own.
	scheme := "http"
	if c.Secure {
		scheme = "https"
	}
	p := &network.CookieParam{
		Name: c.Name, Value: c.Value, Path: c.Path, Secure: c.Secure, HTTPOnly: c.HttpOnly,
		URL:          scheme + "://" + host + c.Path,
		SameSite:     network.CookieSameSite(c.SameSite),
		Priority:     network.CookiePriority(c.Priority),
		SourceScheme: network.CookieSourceScheme(c.SourceScheme),
	}
	if c.SourcePort != 0 {
		p.SourcePort = int64(c.SourcePort)
	}
	if !c.HostOnly {
		p.Domain = c.Domain
	}
	if !c.Session && c.Expires != nil {
		p.Expires = cdp.TimeSinceEpoch(float64(c.Expires.UnixNano()) / 1e9)
	}
	if c.Partitioned && c.PartitionKey != "" {
		// The cross-site bit is half of the key: without it a third-party
		// frame's cookie would land in the top-level site's own partition.
		p.PartitionKey = &network.CookiePartitionKey{TopLevelSite: c.PartitionKey, HasCrossSiteAncestor: c.PartitionCrossSite}
	}
	return p
}
