// Package lab is cookiescope's built-in target site: HTTP and HTTPS
// listeners on loopback that serve several *.test hosts, with one page per
// cookie behaviour, so every feature can be shown and tested with no network.
// It imports nothing else of cookiescope.
package lab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The lab's host names. A browser reaches them through a host resolver rule
// that maps *.test to 127.0.0.1 (Chrome: --host-resolver-rules).
const (
	AppHost    = "app.test"     // the application under test
	SubHost    = "sub.app.test" // a same-site subdomain of the app
	CDNHost    = "cdn.test"     // a third-party script host (analytics)
	WidgetHost = "widget.test"  // a cross-site embed
)

// Hosts lists every host the certificate covers.
// A wildcard covers each app's own domain, so that an https sibling
// subdomain (a probe's evil.portal.test) is trusted too.
var Hosts = []string{AppHost, SubHost, "*." + AppHost, CDNHost, WidgetHost, SecureLoginHost, "*.secure.test", FlawedLoginHost, "*.flawed.test",
	PortalHost, "*." + PortalHost, StatelessHost, "*." + StatelessHost, RPHost, "*." + RPHost, IdPHost, "*." + IdPHost}

// Config chooses the lab's ports; zero means a free port chosen by the OS.
type Config struct {
	HTTPPort, HTTPSPort int
	// SecondHTTPS also serves https on a second free port (Lab.SecondHTTPSPort),
	// with the same certificate, so that what a cookie does between two ports
	// of one host (origin-bound cookies bind a host-only cookie to its port)
	// can be seen in any browser that trusts the lab.
	SecondHTTPS bool
}

// Lab is a running lab. Its listeners are bound to 127.0.0.1 only.
type Lab struct {
	// HTTPPort and HTTPSPort are the ports actually bound; SecondHTTPSPort
	// is the second https port with Config.SecondHTTPS, else 0.
	HTTPPort, HTTPSPort, SecondHTTPSPort int
	// SPKI is the base64 SHA-256 of the certificate's public key, for
	// Chrome's --ignore-certificate-errors-spki-list: it trusts this lab's
	// key and nothing else.
	SPKI string

	servers []*http.Server
	wg      sync.WaitGroup
	// hang is closed by Close to release requests to the never-loading page.
	hang     chan struct{}
	hangOnce sync.Once
	// hangPagesSeen counts requests for the never-loading page's image.
	hangPagesSeen atomic.Int64
	// received logs what /where/echo received.
	received receivedLog
}

// Start starts the lab's HTTP and HTTPS listeners on 127.0.0.1.
func Start(cfg Config) (*Lab, error) {
	cert, spki, err := newCertificate(Hosts)
	if err != nil {
		return nil, fmt.Errorf("lab certificate: %w", err)
	}
	l := &Lab{SPKI: spki, hang: make(chan struct{})}
	httpLn, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.HTTPPort)))
	if err != nil {
		return nil, fmt.Errorf("lab http listener: %w", err)
	}
	httpsLn, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.HTTPSPort)))
	if err != nil {
		httpLn.Close()
		return nil, fmt.Errorf("lab https listener: %w", err)
	}
	l.HTTPPort = httpLn.Addr().(*net.TCPAddr).Port
	l.HTTPSPort = httpsLn.Addr().(*net.TCPAddr).Port

	handler := l.routes()
	plain := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	secure := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	l.servers = []*http.Server{plain, secure}
	l.serve(func() error { return plain.Serve(httpLn) })
	l.serve(func() error { return secure.ServeTLS(httpsLn, "", "") })
	if cfg.SecondHTTPS {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("lab second https listener: %w", err)
		}
		l.SecondHTTPSPort = ln.Addr().(*net.TCPAddr).Port
		// A TLS config of its own: serving one changes it (HTTP/2 adds
		// its protocols), so two servers must not share one.
		second := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
		l.servers = append(l.servers, second)
		l.serve(func() error { return second.ServeTLS(ln, "", "") })
	}
	return l, nil
}

func (l *Lab) serve(run func() error) {
	// Serve returns only when the server is shut down or its listener
	// breaks; either way requests then fail and name the URL, which is where
	// the user looks.
	l.wg.Go(func() { _ = run() })
}

// Close stops both listeners and waits for them.
func (l *Lab) Close() error {
	l.hangOnce.Do(func() { close(l.hang) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var errs []error
	for _, s := range l.servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, s.Close())
		}
	}
	l.wg.Wait()
	return errors.Join(errs...)
}

// URL returns the lab URL of path on host over https (secure true) or http.
func (l *Lab) URL(secure bool, host, path string) string {
	if secure {
		return "https://" + host + ":" + strconv.Itoa(l.HTTPSPort) + path
	}
	return "http://" + host + ":" + strconv.Itoa(l.HTTPPort) + path
}

// ResolveRules are the --resolve mappings a browser needs to reach the lab.
func (l *Lab) ResolveRules() []string {
	return []string{"*.test:127.0.0.1"}
}

// Target is an app of the lab that a scenario can name (lab: NAME).
type Target struct {
	Name string
	// Host is the host of the target's base URL: where its login starts.
	Host string
	// Shows says in one line what the target's cookies show.
	Shows string
}

// Targets lists every name VariantURL knows, the login variants first, so
// that a scenario's lab: can be checked before the lab runs.
var Targets = append(loginTargets(),
	Target{"portal", PortalHost, "credentials no name pattern knows, one path-scoped (pf_k on /admin), two redundant (pf_u or pf_legacy); auth_hint looks like a session but is never read"},
	Target{"stateless", StatelessHost, "logout deletes a signed session cookie (st_sess) the server still accepts when replayed"},
	Target{"sso", RPHost, "a cross-site form_post login through " + IdPHost + " with SameSite=None state cookies, then a server-side rp_session"},
)

func loginTargets() []Target {
	var ts []Target
	for _, v := range LoginVariants {
		ts = append(ts, Target{v.Name, v.Host, "login app: " + v.Shows})
	}
	return ts
}

// VariantURL returns the https base URL of a lab target named in Targets
// ("secure", "flawed", "portal", "stateless", "sso"; sso's is the relying
// party's), or "" for an unknown name. Every target's LoginFlowPath, under
// its base URL, logs the demo user in by itself.
func (l *Lab) VariantURL(variant string) string {
	for _, t := range Targets {
		if t.Name == variant {
			return l.URL(true, t.Host, "/")
		}
	}
	return ""
}
