// Package browser drives Chrome for cookiescope: it finds or connects to a
// browser, runs each target in an isolated, reusable browser context, and
// records every cookie event Chrome reports. It is the only package that
// speaks the Chrome DevTools Protocol; everything it learns leaves it as the
// plain types of package inspect.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// ErrNoBrowser means no Chrome or Chromium binary was found.
var ErrNoBrowser = errors.New("no Chrome or Chromium found: install it (Debian/Ubuntu: apt-get install -y chromium), or pass --browser PATH, or set CHROME_PATH")

// Options says which browser to use and how to start it. The zero value
// finds a local Chrome and launches it headless.
type Options struct {
	// Path is the browser binary. Empty: $CHROME_PATH, then the usual names.
	Path string
	// Remote is the address of a running browser (ws://HOST:PORT/devtools/browser/ID,
	// or http://HOST:PORT to ask the browser for it). When set, nothing is
	// launched, and the flags below that need a command line are refused.
	Remote string
	// Insecure accepts every invalid certificate, like curl -k.
	Insecure bool
	// TrustedSPKI lists base64 SHA-256 hashes of public keys whose
	// certificates are accepted even though no CA vouches for them. It is the
	// narrow alternative to Insecure: the lab pins only its own key.
	TrustedSPKI []string
	// Resolve maps host names to addresses, as HOST:IP; HOST may be
	// "*.suffix". Like curl's --resolve, without the port.
	Resolve []string
	// Output receives the browser's own stdout and stderr (nil: discarded).
	// Chrome prints many harmless dbus errors there.
	Output io.Writer
}

// Browser is one running (or connected) Chrome. It is safe for concurrent
// use by several Workers.
type Browser struct {
	// Product is what Chrome calls itself, such as "Chrome/156.0.8078.79".
	Product string

	// DevToolsURL is the browser's websocket address; another cookiescope
	// can use it with --remote.
	DevToolsURL string

	ctx         context.Context // the first tab's chromedp context: owns the browser
	cancelCtx   context.CancelFunc
	cancelAlloc context.CancelFunc
	mux         *sessionMux
}

// Launch starts a headless Chrome (or connects to Options.Remote) and waits
// until it answers. Close must be called to stop it; Close also removes the
// temporary profile.
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	b := &Browser{}
	dial := func(ctx context.Context, wsURL string) (chromedp.Transport, error) {
		conn, err := remote.DialContext(ctx, wsURL)
		if err != nil {
			return nil, err
		}
		b.mux = newSessionMux(conn)
		b.DevToolsURL = wsURL
		return b.mux, nil
	}

	var allocCtx context.Context
	if opts.Remote != "" {
		if len(opts.Resolve) > 0 || len(opts.TrustedSPKI) > 0 || opts.Path != "" {
			return nil, errors.New("--resolve, --browser and the lab's certificate pin need a browser cookiescope launches; they cannot be used with --remote")
		}
		allocCtx, b.cancelAlloc = chromedp.NewAllocatorContext(context.Background(), &remoteAllocator{address: opts.Remote, dial: dial})
	} else {
		path, err := FindChrome(opts.Path)
		if err != nil {
			return nil, err
		}
		flags, err := launchFlags(opts)
		if err != nil {
			return nil, err
		}
		out := opts.Output
		if out == nil {
			out = io.Discard
		}
		flags = append(flags, chromedp.ExecPath(path), chromedp.CombinedOutput(out), chromedp.WithDialer(dial))
		allocCtx, b.cancelAlloc = chromedp.NewExecAllocator(context.Background(), flags...)
	}

	b.ctx, b.cancelCtx = chromedp.NewContext(allocCtx)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(b.ctx) }()
	select {
	case err := <-started:
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("start browser: %w", err)
		}
	case <-ctx.Done():
		b.Close()
		return nil, ctx.Err()
	}
	if opts.Remote != "" && opts.Insecure {
		if _, err := chromedp.CallBrowser(b.ctx, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
			b.Close()
			return nil, fmt.Errorf("accept invalid certificates on the remote browser: %w", err)
		}
	}
	version, err := chromedp.CallBrowser(b.ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("ask the browser its version: %w", err)
	}
	b.Product = version.Product
	return b, nil
}

// Close stops a launched browser, waits until its processes are gone and
// its temporary profile is removed, or disconnects from a remote one.
func (b *Browser) Close() error {
	var err error
	if b.ctx != nil {
		cctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err = chromedp.Cancel(cctx)
		cancel()
		b.cancelCtx()
	}
	if b.cancelAlloc != nil {
		b.cancelAlloc()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return err
}

// Process returns the browser's process, or nil for a remote browser.
func (b *Browser) Process() *os.Process {
	c := chromedp.FromContext(b.ctx)
	if c == nil || c.Browser == nil {
		return nil
	}
	return c.Browser.Process()
}

// FindChrome returns the browser binary to run: explicit if given (it must
// exist), else $CHROME_PATH, else the real Debian binary behind the
// /usr/bin/chromium wrapper script, else the usual names on $PATH.
func FindChrome(explicit string) (string, error) {
	if explicit != "" {
		path, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("--browser %s: %w", explicit, err)
		}
		return path, nil
	}
	if env := os.Getenv("CHROME_PATH"); env != "" {
		path, err := exec.LookPath(env)
		if err != nil {
			return "", fmt.Errorf("CHROME_PATH=%s: %w", env, err)
		}
		return path, nil
	}
	// The Debian package's /usr/bin/chromium is a shell script that prints
	// noise and execs this binary; running it directly is cleaner.
	if fi, err := os.Stat("/usr/lib/chromium/chromium"); err == nil && !fi.IsDir() {
		return "/usr/lib/chromium/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", ErrNoBrowser
}

// launchFlags builds the command line for a local Chrome.
func launchFlags(opts Options) ([]chromedp.ExecAllocatorOption, error) {
	flags := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	flags = append(flags,
		// The network here is closed; without these Chrome keeps trying to
		// reach the outside and slows every run.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("remote-debugging-address", "127.0.0.1"),
		chromedp.DisableGPU,
	)
	if os.Geteuid() == 0 {
		// Chrome refuses to start as root with its sandbox on.
		flags = append(flags, chromedp.NoSandbox)
	}
	if opts.Insecure {
		flags = append(flags, chromedp.IgnoreCertErrors)
	}
	if len(opts.TrustedSPKI) > 0 {
		flags = append(flags, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(opts.TrustedSPKI, ",")))
	}
	if len(opts.Resolve) > 0 {
		rules, err := HostResolverRules(opts.Resolve)
		if err != nil {
			return nil, err
		}
		flags = append(flags, chromedp.Flag("host-resolver-rules", rules))
	}
	return flags, nil
}

// HostResolverRules turns HOST:IP mappings (HOST may be "*.suffix", IP may
// be "[::1]") into Chrome's --host-resolver-rules value.
func HostResolverRules(mappings []string) (string, error) {
	var rules []string
	for _, m := range mappings {
		i := strings.Index(m, ":")
		if i <= 0 || i == len(m)-1 {
			return "", fmt.Errorf("--resolve %q: want HOST:IP, such as app.test:127.0.0.1 or '*.test:127.0.0.1'", m)
		}
		host, addr := m[:i], strings.Trim(m[i+1:], "[]")
		if net.ParseIP(addr) == nil {
			return "", fmt.Errorf("--resolve %q: %q is not an IP address", m, addr)
		}
		if strings.ContainsAny(host, " ,") {
			return "", fmt.Errorf("--resolve %q: %q is not a host name", m, host)
		}
		if strings.Contains(addr, ":") {
			addr = "[" + addr + "]"
		}
		rules = append(rules, "MAP "+host+" "+addr)
	}
	return strings.Join(rules, ", "), nil
}
