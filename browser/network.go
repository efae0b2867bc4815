package browser

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cookiescope/cookiescope/internal/certs"
)

// emulatedNetwork is a proxy on loopback that stands in for the whole
// network of a browser context created to use it: it answers every
// request itself, over http and, through CONNECT, over https with a
// certificate made on the fly for the requested host. Chrome sends such a
// request exactly as it would to the real server (the same cookie
// decisions, reported in Network.requestWillBeSentExtraInfo), but no real
// server ever receives it. Chrome trusts the certificates because the
// browser was launched with the network's key in
// --ignore-certificate-errors-spki-list; a remote browser does not, so its
// https requests fail before they are sent.
type emulatedNetwork struct {
	key  *certs.Key
	spki string

	// mu guards certs.
	mu sync.Mutex
	// certs caches a certificate per host name.
	certs map[string]*tls.Certificate
}

// newEmulatedNetwork makes the network's key. The key lives in memory only.
func newEmulatedNetwork() (*emulatedNetwork, error) {
	key, err := certs.NewKey()
	if err != nil {
		return nil, err
	}
	return &emulatedNetwork{key: key, spki: key.SPKI, certs: make(map[string]*tls.Certificate)}, nil
}

// certificate returns a certificate for host, signed by the network's key.
func (n *emulatedNetwork) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := hello.ServerName
	if host == "" {
		host = "localhost"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.certs[host]; ok {
		return c, nil
	}
	c, err := n.key.Certificate([]string{host}, "cookiescope emulated network", 24*time.Hour)
	if err != nil {
		return nil, err
	}
	n.certs[host] = &c
	return &c, nil
}

// proxy is one running instance of the network: a listener on loopback
// whose every request, plain or tunnelled, goes to handler with an
// absolute URL (scheme and host set).
type proxy struct {
	ln      net.Listener
	plain   *http.Server
	tunnel  *http.Server
	tunnels *connQueue
}

// serve starts a proxy of the network that answers with handler. Close
// stops it.
func (n *emulatedNetwork) serve(handler http.Handler) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("emulated network: %w", err)
	}
	p := &proxy{ln: ln, tunnels: newConnQueue(ln.Addr())}
	p.tunnel = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Scheme, r.URL.Host = "https", r.Host
		handler.ServeHTTP(w, r)
	})}
	p.plain = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			if r.URL.Host == "" {
				http.Error(w, "cookiescope's emulated network answers proxy requests only", http.StatusBadRequest)
				return
			}
			r.URL.Scheme = "http"
			handler.ServeHTTP(w, r)
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
			conn.Close()
			return
		}
		p.tunnels.push(tls.Server(conn, &tls.Config{GetCertificate: n.certificate, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}))
	})}
	go func() { _ = p.plain.Serve(ln) }()
	go func() { _ = p.tunnel.Serve(p.tunnels) }()
	return p, nil
}

// URL is the proxy's address, for a browser context's proxyServer.
func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Close stops the proxy and every connection to it.
func (p *proxy) Close() {
	p.plain.Close()
	p.tunnel.Close()
	p.tunnels.Close()
}

// connQueue is a net.Listener whose connections are pushed to it: the
// tunnels the proxy opened, served by an http.Server.
type connQueue struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newConnQueue(addr net.Addr) *connQueue {
	return &connQueue{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (q *connQueue) push(c net.Conn) {
	select {
	case q.conns <- c:
	case <-q.closed:
		c.Close()
	}
}

// Accept returns the next pushed connection.
func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.closed:
		return nil, net.ErrClosed
	}
}

// Close stops Accept.
func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.closed) })
	return nil
}

// Addr is the proxy's address.
func (q *connQueue) Addr() net.Addr { return q.addr }

var errNoNetwork = errors.New("the emulated network needs a browser cookiescope launched (its certificates are trusted by a command-line flag)")
