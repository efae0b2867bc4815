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
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/cookiescope/cookiescope/inspect"
)

// ErrNoBrowser means no Chrome or Chromium binary was found.
var ErrNoBrowser = errors.New("no Chrome or Chromium found: install it (Debian/Ubuntu: apt-get install -y chromium), or pass --browser PATH, or set CHROME_PATH")

// ErrRemoteAllowsNoThirdPartyCookies means --third-party-cookies allow was
// asked of a remote browser: third-party cookies are a setting of the
// browser's profile, which only a browser cookiescope launches gets from it.
var ErrRemoteAllowsNoThirdPartyCookies = errors.New("--third-party-cookies allow needs a browser cookiescope launches (it is a setting of the browser's profile); a --remote browser can only be made to block them")

// ErrRemoteOriginBound means --origin-bound-cookies was asked of a remote
// browser: origin-bound cookies are Chrome features chosen on its command
// line, which only a browser cookiescope launches gets from it.
var ErrRemoteOriginBound = errors.New("--origin-bound-cookies needs a browser cookiescope launches (origin-bound cookies are features switched on in Chrome's command line, which a --remote browser was started without); drop --remote, or start that browser with --enable-features=" + originBoundFeatures)

// Options says which browser to use and how to start it. The zero value
// finds a local Chrome and launches it headless.
type Options struct {
	// Path is the browser binary. Empty: $CHROME_PATH, then the usual names.
	Path string
	// Remotes are the DevTools endpoints of running browsers, one per
	// browser: ws://HOST:PORT/devtools/browser/ID, any other ws:// or wss://
	// URL used as given (a browserless service, a Selenium Grid node's CDP
	// endpoint), or http://HOST:PORT to ask the browser for its address. When
	// set, nothing is launched, the flags below that need a command line are
	// refused, and the targets are spread over the browsers (see Each).
	Remotes []string
	// Insecure accepts every invalid certificate, like curl -k.
	Insecure bool
	// TrustedSPKI lists base64 SHA-256 hashes of public keys whose
	// certificates are accepted even though no CA vouches for them. It is the
	// narrow alternative to Insecure: the lab pins only its own key.
	TrustedSPKI []string
	// Resolve maps host names to addresses, as HOST:IP; HOST may be
	// "*.suffix". Like curl's --resolve, without the port.
	Resolve []string
	// AcceptDialogs accepts alert, confirm and prompt dialogs (prompt with
	// its default text) instead of dismissing them. Every dialog is
	// answered at once either way, and beforeunload is always answered
	// "leave".
	AcceptDialogs bool
	// ThirdPartyCookies is the browser's third-party cookie setting for
	// every browser context cookiescope opens (zero: block, what a fresh
	// desktop profile does). A launched browser gets it in its profile; a
	// remote browser can only be made to block them, per page, so allow is
	// refused with Remotes.
	ThirdPartyCookies inspect.ThirdPartyCookies
	// Viewport is what every page cookiescope opens is shown on: the tab
	// of each browser context and every popup (zero: DefaultViewport, a
	// 1280×720 desktop). A worker's SetViewport replaces it for its pages.
	Viewport inspect.Viewport
	// OriginBoundCookies launches Chrome with origin-bound cookies (scheme
	// and port binding, Chromium features that 156 leaves off): a cookie is
	// then sent only to the scheme that set it, and a host-only cookie only
	// to its port. A remote browser's features are not ours to choose, so
	// it is refused with Remotes.
	OriginBoundCookies bool
	// Output receives the browser's own stdout and stderr (nil: discarded).
	// Chrome prints many harmless dbus errors there.
	Output io.Writer

	// reconnect bounds the tries to connect to a lost remote browser again
	// (zero: defaultReconnectBound); tests make it short.
	reconnect reconnectBound
}

// Browser is the Chrome that cookiescope launched, or the pool of running
// browsers it connected to, kept for the whole run: a health check notices
// within seconds when one crashes or stops answering; a browser cookiescope
// launched is then relaunched with the same options, and a remote one is
// dropped, its work going to the others (see Each). It is safe for
// concurrent use by several Workers.
type Browser struct {
	// Product is what the first browser calls itself, such as
	// "Chrome/156.0.8078.79"; Endpoints names every browser's.
	Product string

	// DevToolsURL is the first browser's websocket address; another
	// cookiescope can use it with --remote.
	DevToolsURL string

	opts Options
	// hookSecret marks the hook's console calls; hookScript is the hook with
	// it. Both are fixed for the Browser's life.
	hookSecret, hookScript string
	// network is the emulated network whose certificates a launched browser
	// trusts; nil for a remote browser.
	network *emulatedNetwork

	// mu guards members (their fields included), next and closed. It is
	// held for reads and writes of them only: never across a launch, a dial
	// or any other I/O, nor while waiting for a member's replacement, and
	// never while an instance's own locks are taken.
	mu sync.Mutex
	// members are the browsers, in the order given: the launched one, or
	// one per remote endpoint. next is where the round-robin of new workers
	// over them goes on.
	members []*member
	next    int
	// closed is set by Close: a relaunch that ends after it closes what it
	// launched instead of keeping it.
	closed bool

	// targets lets every target a run's workers inspect run side by side,
	// except a target that runs again because its browser died under it
	// (see runItem), which has the browsers to itself. A worker enters it
	// after it is revived, never while mu is held, for one target's run.
	targets targetGate
}

// instance is one browser process (or one connection to a remote browser)
// and the chromedp context that owns it.
type instance struct {
	ctx         context.Context // the first tab's chromedp context: owns the browser
	cancelCtx   context.CancelFunc
	cancelAlloc context.CancelFunc
	mux         *sessionMux
	remote      bool
	// member is the browser of the pool this instance is (a relaunch is a
	// new instance of the same member); name and product say which, for
	// the targets it serves.
	member        *member
	name, product string
	// restored is set when the instance replaced a dead one of its member
	// (a relaunch, or a remote browser connected to again): a target that
	// runs again alone on it and kills it again is not run a third time.
	restored bool

	// closing is closed by Close: the health check stops, and a lost
	// connection is then no crash.
	closing   chan struct{}
	closeOnce sync.Once
	// dead is closed when the browser is found crashed or frozen; cause,
	// written before, says which.
	dead      chan struct{}
	deathOnce sync.Once
	cause     error
	// monitorDone is closed when the health check has returned.
	monitorDone chan struct{}
}

// Health-check timing: a browser that does not answer a trivial command
// within healthTimeout is taken for frozen. The timeout is generous because
// a loaded 2-core machine can delay a healthy answer by a second or more.
const (
	healthInterval = time.Second
	healthTimeout  = 5 * time.Second
)

// Launch starts a headless Chrome, or connects to every Options.Remotes
// endpoint at once, and waits until they answer. A remote endpoint that
// cannot be reached is left out (Endpoints says why) as long as one can;
// when none can, the error names each with its reason. Close must be
// called to stop the browsers; Close also removes a launched one's
// temporary profile.
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	if len(opts.Remotes) > 0 && (len(opts.Resolve) > 0 || len(opts.TrustedSPKI) > 0 || opts.Path != "") {
		return nil, errors.New("--resolve, --browser and the lab's certificate pin need a browser cookiescope launches; they cannot be used with --remote")
	}
	if len(opts.Remotes) > 0 && opts.ThirdPartyCookies.Allowed() {
		return nil, ErrRemoteAllowsNoThirdPartyCookies
	}
	if len(opts.Remotes) > 0 && opts.OriginBoundCookies {
		return nil, ErrRemoteOriginBound
	}
	for _, address := range opts.Remotes {
		if err := CheckRemote(address); err != nil {
			return nil, err
		}
	}
	secret := newHookSecret()
	b := &Browser{opts: opts, hookSecret: secret, hookScript: hookScriptFor(secret)}
	if len(opts.Remotes) == 0 {
		n, err := newEmulatedNetwork()
		if err != nil {
			return nil, err
		}
		b.network = n
		m := &member{name: launchedName}
		inst, err := b.start(ctx, m)
		if err != nil {
			return nil, err
		}
		m.inst = inst
		b.members = []*member{m}
	} else if err := b.connectAll(ctx); err != nil {
		return nil, err
	}
	first := b.current()
	b.Product, b.DevToolsURL = first.product, first.devToolsURL()
	return b, nil
}

// start launches one browser for m, or connects to m's remote endpoint, and
// starts its health check.
func (b *Browser) start(ctx context.Context, m *member) (*instance, error) {
	opts := b.opts
	// profileErr is set before the browser process starts, and read once
	// chromedp.Do has returned.
	var profileErr error
	inst := &instance{remote: m.address != "", member: m, name: m.name, closing: make(chan struct{}), dead: make(chan struct{}), monitorDone: make(chan struct{})}
	dial := func(ctx context.Context, wsURL string) (chromedp.Transport, error) {
		conn, err := remote.DialContext(ctx, wsURL)
		if err != nil {
			return nil, err
		}
		inst.mux = newSessionMux(conn, wsURL)
		return inst.mux, nil
	}

	var allocCtx context.Context
	if inst.remote {
		allocCtx, inst.cancelAlloc = chromedp.NewAllocatorContext(context.Background(), &remoteAllocator{address: m.address, dial: dial})
	} else {
		var err error
		if allocCtx, inst.cancelAlloc, err = b.launchAllocator(dial, &profileErr); err != nil {
			return nil, err
		}
	}

	// chromedp logs protocol oddities (events of sessions it does not own,
	// which the mux handles) with the log package: they belong with the
	// browser's own output, not the user's terminal.
	logf := func(format string, args ...any) {
		if opts.Output != nil {
			fmt.Fprintf(opts.Output, format+"\n", args...)
		}
	}
	inst.ctx, inst.cancelCtx = chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf), chromedp.WithLogf(logf))
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(inst.ctx) }()
	select {
	case err := <-started:
		if err != nil {
			inst.close()
			if inst.remote {
				return nil, err // the caller names the endpoint
			}
			return nil, fmt.Errorf("start browser: %w", err)
		}
	case <-ctx.Done():
		inst.close()
		// chromedp is still stopping the browser: wait, so that no process
		// or temporary profile outlives the return.
		<-started
		return nil, ctx.Err()
	}
	err := fmt.Errorf("set third-party cookies in the browser's profile: %w", profileErr)
	if profileErr == nil {
		err = inst.prepare(opts)
	}
	if err != nil {
		inst.close()
		return nil, err
	}
	go inst.monitor()
	return inst, nil
}

// launchAllocator is chromedp's allocator for a browser b launches, with
// our flags and dialer; the profile is written before Chrome starts, in the
// folder chromedp makes for it, and a failure to is left in *profileErr,
// reported once it has started.
func (b *Browser) launchAllocator(dial func(context.Context, string) (chromedp.Transport, error), profileErr *error) (context.Context, context.CancelFunc, error) {
	opts := b.opts
	path, err := FindChrome(opts.Path)
	if err != nil {
		return nil, nil, err
	}
	launch := opts
	if b.network != nil {
		launch.TrustedSPKI = append(append([]string(nil), opts.TrustedSPKI...), b.network.spki)
	}
	flags, err := launchFlags(launch)
	if err != nil {
		return nil, nil, err
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	prepared := func(cmd *exec.Cmd) {
		dieWithParent(cmd)
		*profileErr = prepareProfile(cmd, opts.ThirdPartyCookies)
	}
	flags = append(flags, chromedp.ExecPath(path), chromedp.CombinedOutput(out), chromedp.WithDialer(dial), chromedp.ModifyCmdFunc(prepared))
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), flags...)
	return ctx, cancel, nil
}

// prepare sets up a browser that has just started: invalid certificates
// accepted on a remote one when asked (a launched one has the flag), every
// new page attached paused, and its product asked.
func (inst *instance) prepare(opts Options) error {
	if inst.remote && opts.Insecure {
		if _, err := chromedp.CallBrowser(inst.ctx, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
			return fmt.Errorf("accept invalid certificates on the remote browser: %w", err)
		}
	}
	// Every new page of the browser is attached paused: the mux hands the
	// popups of a worker's context to that worker, which records them from
	// their first byte, and lets every other page run at once.
	if _, err := chromedp.CallBrowser(inst.ctx, target.SetAutoAttach, target.SetAutoAttachParams{
		AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: ptr(true),
		Filter: target.Filter{{Type: "page"}},
	}); err != nil {
		return fmt.Errorf("watch for new pages: %w", err)
	}
	version, err := chromedp.CallBrowser(inst.ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("ask the browser its version: %w", err)
	}
	inst.product = version.Product
	return nil
}

// devToolsURL returns the websocket address the instance was reached at.
func (inst *instance) devToolsURL() string {
	if inst.mux == nil {
		return ""
	}
	return inst.mux.address
}

// monitor is the instance's health check: it returns when the instance is
// closed, or after it has found the browser dead and said why.
func (inst *instance) monitor() {
	defer close(inst.monitorDone)
	c := chromedp.FromContext(inst.ctx)
	if c == nil || c.Browser == nil {
		return
	}
	lost := c.Browser.LostConnection
	tick := time.NewTicker(healthInterval)
	defer tick.Stop()
	// ended reports whether the instance was closed or its connection lost
	// (the instance is then dead, with the cause).
	ended := func() bool {
		select {
		case <-inst.closing:
			return true
		case <-lost:
			inst.die(inst.lostCause())
			return true
		default:
			return false
		}
	}
	for {
		select {
		case <-inst.closing:
		case <-lost:
		case <-tick.C:
		}
		if ended() {
			return
		}
		hctx, cancel := context.WithTimeout(inst.ctx, healthTimeout)
		_, err := chromedp.CallBrowser(hctx, browser.GetVersion, cdp.Empty{})
		timedOut := hctx.Err() != nil && inst.ctx.Err() == nil
		cancel()
		if err == nil {
			continue
		}
		if ended() {
			return
		}
		if timedOut {
			inst.die(fmt.Errorf("browser stopped answering (no reply to a health check within %s)", healthTimeout))
			return
		}
	}
}

// lostCause says why the connection to the browser dropped: the process's
// exit status when we launched it ("signal: killed").
func (inst *instance) lostCause() error {
	if inst.remote {
		return errors.New("browser connection lost (the remote browser closed it or went away)")
	}
	// After a loss chromedp's calls fail at once, with the process's exit
	// error once it has been reaped.
	_, err := chromedp.CallBrowser(inst.ctx, browser.GetVersion, cdp.Empty{})
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("browser crashed: %s", exit.ProcessState.String())
	}
	return errors.New("browser crashed: the connection to its process dropped")
}

// die records why the browser is dead and stops it: every command of its
// workers fails at once from now on, and a launched process (frozen, perhaps)
// is killed with its children and its temporary profile removed.
func (inst *instance) die(cause error) {
	inst.deathOnce.Do(func() {
		inst.cause = cause
		close(inst.dead)
		inst.cancelCtx()
		inst.cancelAlloc()
	})
}

// deathCause returns why the instance died, or nil while it lives. A lost
// connection counts at once: the health check may still be reading the
// process's exit status, and is waited for (briefly) to name the cause.
func (inst *instance) deathCause() error {
	select {
	case <-inst.dead:
		return inst.cause
	default:
	}
	c := chromedp.FromContext(inst.ctx)
	if c == nil || c.Browser == nil {
		return nil
	}
	select {
	case <-c.Browser.LostConnection:
	default:
		return nil
	}
	timer := time.NewTimer(healthTimeout)
	defer timer.Stop()
	select {
	case <-inst.dead:
		return inst.cause
	case <-inst.closing:
		return nil
	case <-timer.C:
		return errors.New("browser connection lost")
	}
}

// close stops the instance: a launched browser is stopped and its profile
// removed; a remote one is disconnected.
func (inst *instance) close() error {
	var err error
	inst.closeOnce.Do(func() {
		close(inst.closing)
		if inst.deathCause() == nil && inst.ctx != nil {
			cctx, cancel := context.WithTimeout(inst.ctx, 5*time.Second)
			err = chromedp.Cancel(cctx)
			cancel()
		}
		if inst.cancelCtx != nil {
			inst.cancelCtx()
		}
		if inst.cancelAlloc != nil {
			inst.cancelAlloc()
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			err = nil
		}
	})
	return err
}

// Relaunches says how many times a launched browser died and was launched
// again.
func (b *Browser) Relaunches() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.members {
		n += m.relaunches
	}
	return n
}

// Close stops a launched browser, waits until its processes are gone and
// its temporary profile is removed, or disconnects from the remote ones.
func (b *Browser) Close() error {
	b.mu.Lock()
	b.closed = true
	var insts []*instance
	for _, m := range b.members {
		if m.inst != nil {
			insts = append(insts, m.inst)
		}
	}
	b.mu.Unlock()
	var errs []error
	for _, inst := range insts {
		errs = append(errs, inst.close())
		<-inst.monitorDone
	}
	return errors.Join(errs...)
}

// Process returns the launched browser's current process, or nil for remote
// browsers.
func (b *Browser) Process() *os.Process {
	c := chromedp.FromContext(b.current().ctx)
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

// The Chrome features behind origin-bound cookies: scheme binding (a
// cookie goes only to the scheme that set it) and port binding (a host-only
// cookie goes only to the port that set it; Domain cookies to any port).
const originBoundFeatures = "EnableSchemeBoundCookies,EnablePortBoundCookies"

// chromedpEnabledFeatures is the --enable-features value of
// chromedp.DefaultExecAllocatorOptions. chromedp keeps one value per switch,
// so a second Flag("enable-features", ...) replaces it; and Chrome honours
// only the last of repeated --enable-features switches (measured with
// Chromium 156). Features of ours are therefore appended to this value in
// one switch. TestLaunchGivesChromeOneEnableFeaturesSwitch fails if chromedp
// changes its default.
const chromedpEnabledFeatures = "NetworkService,NetworkServiceInProcess"

// launchFlags builds the command line for a local Chrome.
func launchFlags(opts Options) ([]chromedp.ExecAllocatorOption, error) {
	flags := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	if opts.OriginBoundCookies {
		flags = append(flags, chromedp.Flag("enable-features", chromedpEnabledFeatures+","+originBoundFeatures))
	}
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
