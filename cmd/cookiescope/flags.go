package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
	"github.com/cookiescope/cookiescope/report"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// commonFlags are the flags every command that drives a browser takes.
type commonFlags struct {
	formats        stringList
	outputs        stringList
	showValues     bool
	verbose        bool
	resolve        stringList
	trustSPKI      stringList
	insecure       bool
	browser        string
	remotes        stringList
	timeout        time.Duration
	wait           time.Duration
	workers        int
	configFile     string
	failOn         string
	baseline       string
	updateBaseline bool
	dialogs        string
	// thirdParty is --third-party-cookies as given; thirdPartyCookies is
	// what check read from it.
	thirdParty        string
	thirdPartyCookies inspect.ThirdPartyCookies
	// viewportSize and device are --viewport and --device as given;
	// viewport is what check read from them.
	viewportSize, device string
	viewport             inspect.Viewport
	// originBound is --origin-bound-cookies: launch Chrome with origin-bound
	// cookies on.
	originBound bool
	// config and failOnSeverity are what check read from the two above.
	config         inspect.Config
	failOnSeverity *inspect.Severity
	// defaultFailOn is the command's failOn when neither --fail-on nor the
	// configuration gives one: none for inspect, medium for probe, high for
	// run.
	defaultFailOn *inspect.Severity
	// base is the --baseline report, read by check unless --update-baseline.
	base inspect.Report
	// sarifRoot is --sarif-root, made absolute (or found) by check.
	sarifRoot string
	// workersGiven says --workers (or its alias) was given; without it,
	// check leaves workers 0: one per browser.
	workersGiven bool
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.formats, "format", "output `FORMAT`: "+report.FormatNames()+" (default table); repeatable, each with its own --output")
	fs.Var(&c.outputs, "output", "write the report to `FILE` instead of stdout (- is stdout): a regular file is replaced atomically, a device, FIFO or /dev/stdout is written to; checked before the browser starts; the Nth --output takes the Nth --format")
	fs.BoolVar(&c.showValues, "show-values", false, "show cookie values (redacted by default: they are secrets)")
	fs.BoolVar(&c.verbose, "verbose", false, "table format: show everything (every finding's evidence, every probe attempt, every earlier write)")
	fs.Var(&c.resolve, "resolve", "map a host to an address, `HOST:IP` (repeatable; HOST may be '*.suffix'), like curl's --resolve")
	fs.Var(&c.trustSPKI, "trust-spki", "accept certificates with this public key `HASH` (base64 SHA-256; repeatable); narrower than --insecure")
	fs.BoolVar(&c.insecure, "insecure", false, "accept invalid TLS certificates, like curl -k")
	fs.StringVar(&c.browser, "browser", "", "the Chrome or Chromium binary to run, a `PATH` or a name on $PATH (default: $CHROME_PATH, then the usual names)")
	fs.Var(&c.remotes, "remote", "use a running browser at `URL` (ws://HOST:PORT/devtools/browser/ID, another ws:// endpoint such as browserless or a Grid node's CDP, or http://HOST:PORT) instead of launching one; repeatable: targets are spread over the browsers, and one that fails is dropped, its targets run again on the others")
	c.timeout, c.wait = 30*time.Second, browser.DefaultQuiet
	fs.Var((*durationValue)(&c.timeout), "timeout", "give up on a target that has not loaded and gone quiet within this `DURATION` (such as 30s, 2m)")
	fs.Var((*durationValue)(&c.wait), "wait", "once the page has settled, also wait until it has been quiet (no request in flight, no cookie event) this `DURATION`, for pages that write cookies from timers with a delay (default: none)")
	fs.IntVar(&c.workers, "workers", browser.DefaultWorkers, "`N` targets (URLs or scenarios) to load at once, each in its own browser context (with several --remote, default one per browser)")
	fs.StringVar(&c.configFile, "config", "", "rules configuration `FILE` (default: "+inspect.DefaultConfigFile+" when present)")
	fs.StringVar(&c.baseline, "baseline", "", "compare with the JSON report in `FILE` and fail only on regressions")
	fs.BoolVar(&c.updateBaseline, "update-baseline", false, "write this run's report to the --baseline file")
	fs.StringVar(&c.dialogs, "dialogs", "dismiss", "answer every JavaScript `ANSWER`: dismiss or accept (alert, confirm, prompt; beforeunload always leaves the page)")
	fs.StringVar(&c.sarifRoot, "sarif-root", "", "make SARIF file locations relative to `DIR`, the repository code scanning looks at (default: the git top level of the working directory, else the working directory)")
	fs.StringVar(&c.thirdParty, "third-party-cookies", string(inspect.ThirdPartyCookiesBlock), "third-party cookies `MODE`: block (the default, as a fresh Chromium profile does) or allow (as for a user who allowed them); Partitioned cookies are stored either way")
	fs.StringVar(&c.viewportSize, "viewport", "", "show every page on a viewport of `WxH` CSS pixels (default 1280x720, a desktop window); with --device, replaces the device's size")
	fs.StringVar(&c.device, "device", "", "emulate the phone or tablet `NAME` (viewport, pixel ratio, touch, mobile user agent): "+strings.Join(inspect.DeviceNames(), ", "))
	fs.BoolVar(&c.originBound, "origin-bound-cookies", false, "launch Chrome with origin-bound cookies on (scheme and port binding, off by default in Chromium 156): see what Chrome's coming rules would change; needs a browser cookiescope launches")
	fs.StringVar(&c.failOn, "fail-on", "", "exit 1 when a finding of this `SEVERITY` or higher is not accepted: info, low, medium, high, or none")
}

// stdoutPath is the --output value that means stdout.
const stdoutPath = "-"

// output is one rendering of the report: a format to a file, or to stdout
// when path is empty.
type output struct {
	format report.Format
	path   string
}

// check checks the common flags before any browser starts, in the order a
// user reads them (outputs, browsing, files, configuration, the browser),
// and returns the outputs; every error is a usage error (exit 2).
func (c *commonFlags) check() ([]output, error) {
	outs, err := c.checkOutputs()
	if err == nil {
		err = c.checkBrowsing()
	}
	if err == nil {
		err = c.checkFiles(outs)
	}
	if err == nil {
		err = c.loadConfig()
	}
	if err == nil {
		err = c.checkBrowser()
	}
	if err == nil {
		c.sarifRoot, err = sarifRoot(c.sarifRoot)
	}
	if err != nil {
		return nil, usageError{err}
	}
	return outs, nil
}

// checkOutputs pairs every --format with its --output (stdout when none),
// each format known and each file's name fitting its format.
func (c *commonFlags) checkOutputs() ([]output, error) {
	formats := c.formats
	if len(formats) == 0 {
		formats = stringList{string(report.FormatTable)}
	}
	if len(c.outputs) > 0 && len(c.outputs) != len(formats) {
		return nil, fmt.Errorf("%d --format and %d --output: give one --output per --format, or none", len(formats), len(c.outputs))
	}
	if len(formats) > 1 && len(c.outputs) == 0 {
		return nil, errors.New("several --format need one --output each (- for stdout)")
	}
	var outs []output
	toStdout := 0
	for i, name := range formats {
		f, err := report.ParseFormat(name)
		if err != nil {
			return nil, err
		}
		o := output{format: f}
		if len(c.outputs) > 0 && c.outputs[i] != stdoutPath {
			o.path = c.outputs[i]
			if err := report.CheckFileFor(f, o.path); err != nil {
				return nil, err
			}
		}
		if o.path == "" {
			toStdout++
		}
		outs = append(outs, o)
	}
	if toStdout > 1 {
		return nil, fmt.Errorf("--output - given %d times: only one format can go to stdout", toStdout)
	}
	return outs, nil
}

// checkBrowsing checks how pages are loaded: workers, timeouts, host
// mappings, dialogs, third-party cookies, the viewport, and what a
// --remote browser cannot do.
func (c *commonFlags) checkBrowsing() error {
	if c.workersGiven && c.workers < 1 {
		return fmt.Errorf("--workers %d: want 1 or more", c.workers)
	}
	if !c.workersGiven {
		c.workers = 0 // one per browser
	}
	if c.timeout <= 0 || c.wait < 0 {
		return errors.New("--timeout must be positive and --wait not negative")
	}
	if _, err := browser.HostResolverRules(c.resolve); err != nil {
		return err
	}
	if c.dialogs != "dismiss" && c.dialogs != "accept" {
		return fmt.Errorf("--dialogs %q: want dismiss or accept", c.dialogs)
	}
	mode, err := inspect.ParseThirdPartyCookies(c.thirdParty)
	if err != nil {
		return fmt.Errorf("--third-party-cookies %w", err)
	}
	if len(c.remotes) > 0 && mode.Allowed() {
		return browser.ErrRemoteAllowsNoThirdPartyCookies
	}
	c.thirdPartyCookies = mode
	if c.viewport, err = c.readViewport(); err != nil {
		return err
	}
	if len(c.remotes) > 0 && c.originBound {
		return browser.ErrRemoteOriginBound
	}
	return nil
}

// checkFiles checks every file the run will write or read now: a path
// that cannot be written must not cost minutes of browser work before it
// fails. It loads the baseline.
func (c *commonFlags) checkFiles(outs []output) error {
	if c.updateBaseline && c.baseline == "" {
		return errors.New("--update-baseline needs --baseline FILE")
	}
	for _, o := range outs {
		if o.path == "" {
			continue
		}
		if err := report.CheckWritable(o.path); err != nil {
			return fmt.Errorf("--output %w", err)
		}
	}
	if c.updateBaseline {
		if err := report.CheckWritable(c.baseline); err != nil {
			return fmt.Errorf("--baseline %w (with --update-baseline)", err)
		}
	} else if c.baseline != "" {
		base, err := inspect.LoadBaseline(c.baseline)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--baseline %s does not exist; create it with --update-baseline", c.baseline)
		}
		if err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
		c.base = base
	}
	return nil
}

// loadConfig reads --config (or cookiescope.yaml when present) and decides
// the severity that fails the run: --fail-on, else the configuration's,
// else the command's default.
func (c *commonFlags) loadConfig() error {
	path := c.configFile
	if path == "" {
		if _, err := os.Stat(inspect.DefaultConfigFile); err == nil {
			path = inspect.DefaultConfigFile
		}
	}
	if path != "" {
		cfg, err := inspect.LoadConfig(path)
		if err != nil {
			return fmt.Errorf("--config: %w", err)
		}
		c.config = cfg
		c.failOnSeverity = cfg.FailOn
	}
	switch c.failOn {
	case "":
		if c.config.FailOn == nil {
			c.failOnSeverity = c.defaultFailOn
		}
	case "none":
		c.failOnSeverity = nil
	default:
		s, err := inspect.ParseSeverity(c.failOn)
		if err != nil {
			return fmt.Errorf("--fail-on: %w (or none)", err)
		}
		c.failOnSeverity = &s
	}
	return nil
}

func (c *commonFlags) browserOptions(stderr io.Writer) browser.Options {
	return browser.Options{
		Path:        c.browser,
		Remotes:     c.remotes,
		Insecure:    c.insecure,
		TrustedSPKI: c.trustSPKI,
		Resolve:     c.resolve,
		// Every dialog is answered at once either way: none stalls a target.
		AcceptDialogs:      c.dialogs == "accept",
		ThirdPartyCookies:  c.thirdPartyCookies,
		OriginBoundCookies: c.originBound,
		Viewport:           c.viewport,
	}
}

// readViewport reads --device and --viewport: the device's viewport, its
// size replaced by --viewport when both are given; DefaultViewport when
// neither is.
func (c *commonFlags) readViewport() (inspect.Viewport, error) {
	v := inspect.DefaultViewport
	if c.device != "" {
		d, err := inspect.ParseDevice(c.device)
		if err != nil {
			return v, fmt.Errorf("--device %w", err)
		}
		v = d
	}
	if c.viewportSize != "" {
		size, err := inspect.ParseViewport(c.viewportSize)
		if err != nil {
			return v, fmt.Errorf("--viewport %w", err)
		}
		v.Width, v.Height = size.Width, size.Height
	}
	return v, nil
}

func (c *commonFlags) loadOptions() browser.LoadOptions {
	return browser.LoadOptions{Timeout: c.timeout, Quiet: c.wait, TimeoutHint: "raise --timeout"}
}

// command is a subcommand that drives a browser: its flags, the common
// ones registered, and its help.
type command struct {
	*subcommand
	c commonFlags
	// need names the positional arguments when at least one is required
	// ("URL"), or is empty when none are taken.
	need string
}

// newCommand sets up a subcommand; synopsis and about are its help, which
// -h and --help print to stdout.
func newCommand(name, synopsis, about, need string, stdout io.Writer) *command {
	cmd := &command{subcommand: newSubcommand(name, synopsis, about, stdout), need: need}
	cmd.c.register(cmd.fs)
	if name == "run" {
		// A scenario's steps run under its file's timeout: key;
		// --timeout bounds the pages its probe steps load.
		cmd.fs.Lookup("timeout").Usage = "give up on a page a scenario's probe step loads that has not loaded and gone quiet within this `DURATION` (such as 30s, 2m); every other step runs under the scenario file's timeout: key"
	}
	return cmd
}

// parse reads the arguments and checks the common flags; it returns the
// positional arguments and the outputs to write.
func (cmd *command) parse(args []string) ([]string, []output, error) {
	positional, err := cmd.subcommand.parse(args)
	if err != nil {
		return nil, nil, err
	}
	if cmd.need != "" && len(positional) == 0 {
		return nil, nil, usageError{fmt.Errorf("%s needs at least one %s (cookiescope %s -h shows how)", cmd.name(), cmd.need, cmd.name())}
	}
	cmd.fs.Visit(func(f *flag.Flag) {
		cmd.c.workersGiven = cmd.c.workersGiven || f.Name == "workers" || f.Name == "parallel"
	})
	outs, err := cmd.c.check()
	return positional, outs, err
}

// startLab starts the embedded lab for this run and points the browser
// options at it: its host names resolve to loopback and its key is
// trusted. It refuses --remote, whose browser cannot resolve the lab's
// names; who says which command needs the lab, for that error.
func (c *commonFlags) startLab(who string) (*lab.Lab, error) {
	if len(c.remotes) > 0 {
		return nil, usageError{fmt.Errorf("%s needs a browser cookiescope launches (the lab's host names resolve only there); drop --remote", who)}
	}
	l, err := lab.Start(lab.Config{})
	if err != nil {
		return nil, err
	}
	c.resolve = append(c.resolve, l.ResolveRules()...)
	c.trustSPKI = append(c.trustSPKI, l.SPKI)
	return l, nil
}
