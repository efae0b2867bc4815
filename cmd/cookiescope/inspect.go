package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/attack"
	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/crawl"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/report"
	"github.com/cookiescope/cookiescope/scenarios"
)

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newCommand("inspect", "inspect [flags] URL...", "Loads each URL in headless Chrome and reports every cookie: who set it, what Chrome refused, what page script can read.\nWith --crawl N, also the pages of the same site they link, breadth first, N pages in all.", "URL", stdout)
	pages := cmd.fs.Int("crawl", 0, "also inspect the pages of the same site (scheme and registrable domain) that the URLs link, breadth first, each in a clean context: `N` pages at most, the URLs given among them")
	var exclude stringList
	cmd.fs.Var(&exclude, "crawl-exclude", "with --crawl, follow no link whose absolute URL matches this `REGEX` (Go syntax, repeatable); the URLs given are loaded all the same")
	urls, outs, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if err := checkURLs(urls); err != nil {
		return usageError{err}
	}
	j := job{inspect: urls}
	if j.crawl, err = crawlOptions(cmd.fs, *pages, exclude, urls); err != nil {
		return usageError{err}
	}
	return inspectAndReport(ctx, cmd.c, outs, j, stdout, stderr)
}

// crawlOptions reads --crawl and --crawl-exclude: nil without --crawl.
func crawlOptions(fs *flag.FlagSet, pages int, exclude []string, urls []string) (*browser.CrawlOptions, error) {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "crawl" })
	if !given {
		if len(exclude) > 0 {
			return nil, errors.New("--crawl-exclude needs --crawl N")
		}
		return nil, nil
	}
	if pages < 1 {
		return nil, fmt.Errorf("--crawl %d: want the most pages to inspect, 1 or more", pages)
	}
	res, err := crawl.CompileExcludes(exclude)
	if err != nil {
		return nil, fmt.Errorf("--crawl-exclude %w", err)
	}
	if _, err := crawl.NewFrontier(urls, pages, res); err != nil {
		return nil, fmt.Errorf("--crawl %d: %w", pages, err)
	}
	return &browser.CrawlOptions{Max: pages, Exclude: res}, nil
}

// job is what one run loads: URLs to inspect, and URLs to probe with the
// named probes (nil: all).
type job struct {
	inspect []string
	probe   []string
	probes  []string
	// liveRequests lets the cross-site probe's requests reach the server.
	liveRequests bool
	// scenarios run after the URLs, against labURL's variants.
	scenarios []scenarios.Scenario
	labURL    func(variant string) string
	// secrets are values from the environment that no output may show.
	secrets []string
	// summary adds the probe summary table (the demo's last word).
	summary bool
	// compare are the probed URLs to probe again with origin-bound cookies
	// on (--compare-origin-bound), with compareProbes (nil: those of probes
	// that origin binding concerns).
	compare       []string
	compareProbes []string
	// crawl, when set, crawls from the inspect URLs instead of loading
	// them alone.
	crawl *browser.CrawlOptions
}

// inspectAndReport launches the browser, runs the job, closes the browser,
// and writes the report to every output, also when the run fails part-way
// or is interrupted at any moment: an interrupt before the browser is up
// gives an empty report that says interrupted. Only a browser that fails to
// start without an interrupt leaves no report (nothing ran). Once ctx has
// ended the outcome is errInterrupted (exit 130) whatever else went wrong;
// what else went wrong is said on stderr. Findings (attacks that worked
// among them) at the failOn severity make the run fail with errFindings
// unless it is the demo.
func inspectAndReport(ctx context.Context, c commonFlags, outs []output, j job, stdout, stderr io.Writer) error {
	rep := inspect.Report{SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", Started: time.Now().UTC(), ThirdPartyCookies: c.thirdPartyCookies.OrDefault(), OriginBoundCookies: c.originBound, Viewport: ptrTo(c.viewport.OrDefault())}
	complete, runErr, launchErr := runJob(ctx, c, j, &rep, stderr)
	if launchErr != nil && ctx.Err() == nil {
		return launchErr
	}
	if len(j.compare) > 0 && complete && runErr == nil && ctx.Err() == nil {
		compareOriginBound(ctx, c, j, &rep, stderr)
	}
	rep.Interrupted = !complete || ctx.Err() != nil
	rep.JudgeAll(c.config, time.Now())
	rep = rep.Scrub(j.secrets)
	compared := false
	if c.baseline != "" && !c.updateBaseline {
		rep.Baseline, rep.Regressions, compared = c.baseline, inspect.Regressions(c.base, rep, c.config), true
	}
	writeErr := writeReport(rep, c, outs, j.summary, stdout)
	if c.updateBaseline {
		if rep.Interrupted {
			// A baseline without the targets that never ran would hide their
			// regressions in every later run.
			fmt.Fprintf(stderr, "baseline %s not updated: the run was interrupted\n", c.baseline)
		} else if err := report.WriteFile(c.baseline, func(w io.Writer) error { return report.WriteJSON(w, rep.Redact()) }); err != nil {
			writeErr = errors.Join(writeErr, fmt.Errorf("--baseline %w", err))
		} else {
			fmt.Fprintf(stderr, "baseline written to %s\n", c.baseline)
		}
	}
	switch {
	case ctx.Err() != nil:
		return interrupted(ctx, writeErr, stderr)
	case writeErr != nil || runErr != nil:
		return errors.Join(runErr, writeErr)
	case rep.Interrupted:
		return errInterrupted
	}
	if compared {
		// With a baseline, only what got worse fails the run.
		for _, t := range rep.Targets {
			if t.Error != "" {
				return errTargetFailed
			}
		}
		if len(rep.Regressions) > 0 {
			return errFindings
		}
		return nil
	}
	return outcome(rep, c, j.summary)
}

// interrupted returns err, or errInterrupted once ctx has ended; then err,
// which exit code 130 cannot tell, is written to stderr.
func interrupted(ctx context.Context, err error, stderr io.Writer) error {
	if ctx.Err() == nil {
		return err
	}
	if err != nil {
		fmt.Fprintln(stderr, "cookiescope:", err)
	}
	return errInterrupted
}

// runJob launches the browser, runs the job's targets into rep and closes
// the browser before it returns, so that no Chrome outlives the run while
// the report is written (which can wait, for a FIFO's reader). It launches
// nothing once ctx has ended. launchErr says the browser did not start and
// nothing ran; runErr that the run stopped part-way; complete that every
// target ran.
func runJob(ctx context.Context, c commonFlags, j job, rep *inspect.Report, stderr io.Writer) (complete bool, runErr, launchErr error) {
	if ctx.Err() != nil {
		return false, nil, ctx.Err()
	}
	total := len(j.inspect) + len(j.probe) + len(j.scenarios)
	if total == 0 {
		// Nothing to load (a shard with no scenario): no browser either.
		return true, nil, nil
	}
	b, err := browser.Launch(ctx, c.browserOptions(stderr))
	if err != nil {
		if errors.Is(err, browser.ErrNoBrowser) {
			return false, nil, err
		}
		if errors.Is(err, browser.ErrNoRemoteReachable) {
			return false, nil, usageError{err}
		}
		return false, nil, fmt.Errorf("browser: %w", err)
	}
	defer b.Close()
	rep.Browser.Product = b.Product
	sayBrowsers(stderr, b.Endpoints())
	defer func() {
		rep.Browser.Reconnections = b.Reconnections()
		sayReconnections(stderr, rep.Browser.Reconnections)
	}()

	progress := newProgress(stderr, isTerminal(stderr), total, rep.Started)
	// However the run ends, the live counter's line is ended before the
	// report or anything else is written.
	defer progress.finish()
	counted := func(_, _ int, t inspect.Target) { progress.done(t) }
	complete = true
	switch {
	case len(j.inspect) > 0 && j.crawl != nil:
		var targets []inspect.Target
		var summary inspect.Crawl
		crawled := func(t inspect.Target, visited, found, left int) { progress.crawled(t, visited, found, left) }
		targets, summary, complete, runErr = b.CrawlURLs(ctx, j.inspect, c.workers, c.loadOptions(), *j.crawl, crawled)
		rep.Targets = append(rep.Targets, targets...)
		if summary.Start != nil {
			rep.Crawl = &summary
		}
	case len(j.inspect) > 0:
		var targets []inspect.Target
		targets, complete, runErr = b.InspectURLs(ctx, j.inspect, c.workers, c.loadOptions(), counted)
		rep.Targets = append(rep.Targets, targets...)
	}
	if len(j.probe) > 0 && runErr == nil && complete {
		var targets []inspect.Target
		targets, complete, runErr = attack.ProbeURLs(ctx, b, j.probe, j.probes, c.workers, attack.Options{Load: c.loadOptions(), Config: c.config, LiveRequests: j.liveRequests}, counted)
		rep.Targets = append(rep.Targets, targets...)
	}
	if len(j.scenarios) > 0 && runErr == nil && complete {
		var targets []inspect.Target
		targets, complete, runErr = scenarios.Run(ctx, b, j.scenarios, scenarios.RunOptions{Parallel: c.workers, Load: c.loadOptions(), LabURL: j.labURL, Progress: counted, Config: c.config})
		rep.Targets = append(rep.Targets, targets...)
	}
	return complete, runErr, nil
}

// sayBrowsers tells on stderr which browsers the run uses, and which
// --remote endpoints it goes on without.
func sayBrowsers(stderr io.Writer, endpoints []browser.Endpoint) {
	if len(endpoints) == 1 && endpoints[0].Lost == nil {
		fmt.Fprintf(stderr, "using %s\n", endpoints[0].Product)
		return
	}
	for _, e := range endpoints {
		if e.Lost != nil {
			fmt.Fprintf(stderr, "--remote %s: %v; going on without it\n", e.Name, e.Lost)
			continue
		}
		fmt.Fprintf(stderr, "using %s at %s\n", e.Product, e.Name)
	}
}

// sayReconnections tells on stderr, once the run is over, each time a
// --remote browser was lost and connected to again or dropped.
func sayReconnections(stderr io.Writer, rs []inspect.Reconnection) {
	for _, r := range rs {
		if r.Reconnected {
			tries := "attempts"
			if r.Attempts == 1 {
				tries = "attempt"
			}
			fmt.Fprintf(stderr, "--remote %s: lost (%s); connected to again after %d %s in %.1f s\n", report.Inert(r.Endpoint), report.Inert(r.Cause), r.Attempts, tries, float64(r.TookMS)/1000)
			continue
		}
		fmt.Fprintf(stderr, "--remote %s: dropped: %s\n", report.Inert(r.Endpoint), report.Inert(r.Error))
	}
}

// outcome maps a finished report to the run's error: a target or step that
// failed (exit 3), else a failed expectation or an unaccepted finding at
// --fail-on, attacks that worked among them (exit 1), unless the run is the
// demo. A probe row alone decides nothing: its finding does, so that accept
// and --fail-on apply to it.
func outcome(rep inspect.Report, c commonFlags, demo bool) error {
	failed := false
	for _, t := range rep.Targets {
		if t.Error != "" {
			return errTargetFailed
		}
		for _, f := range t.Findings {
			failed = failed || inspect.Fails(f, c.failOnSeverity)
		}
		for _, e := range t.Expectations {
			failed = failed || !e.Passed
		}
	}
	if failed && !demo {
		return errFindings
	}
	return nil
}

// writeReport renders the report, redacted unless --show-values, to every
// output: --output files, or stdout. One output that fails does not keep
// the others from being written.
func writeReport(rep inspect.Report, c commonFlags, outs []output, summary bool, stdout io.Writer) error {
	if !c.showValues {
		rep = rep.Redact()
	}
	var errs []error
	for _, o := range outs {
		opts := report.Options{FailOn: c.failOnSeverity, ToolVersion: thisBuild().Version, SARIFRoot: c.sarifRoot, SourcePath: scenarios.SourcePath, Verbose: c.verbose, Width: report.TerminalWidth(nil, os.Getenv)}
		if o.path == "" {
			opts.Width, opts.Color = report.TerminalWidth(stdout, os.Getenv), report.UseColor(stdout, os.Getenv)
		}
		render := func(w io.Writer) error {
			if err := report.Write(w, o.format, rep, opts); err != nil {
				return err
			}
			if summary && o.format == report.FormatTable {
				return report.WriteProbeSummary(w, rep, opts)
			}
			return nil
		}
		if o.path == "" {
			if err := render(stdout); err != nil {
				errs = append(errs, fmt.Errorf("stdout: %w", err))
			}
		} else if err := report.WriteFile(o.path, render); err != nil {
			errs = append(errs, fmt.Errorf("--output %w", err))
		}
	}
	return errors.Join(errs...)
}

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newCommand("probe", "probe [flags] URL...", "Plays an active network attacker against each https URL in headless Chrome and shows which\ncookie attacks Chrome accepted or blocked, probe by probe (all of them unless --probe names some):\n  "+strings.Join(attack.Summaries(), "\n  ")+"\nEvery attack that worked is a finding (CS020-CS025, CS027-CS029) whose severity follows the\ncookie: exit code 1 on an unaccepted one of --fail-on or higher (default medium).\nWith --compare-origin-bound the attacks run again in a browser with origin-bound cookies on,\nand the report ends with what Chrome's coming rules would change, attack by attack.", "URL", stdout)
	cmd.c.defaultFailOn = severity(inspect.Medium)
	var probes stringList
	cmd.fs.Var(&probes, "probe", "run only this `PROBE` (repeatable): "+strings.Join(attack.Names, ", "))
	live := cmd.fs.Bool("live-requests", false, "let the cross-site probe's requests reach the server (by default cookiescope's emulated network answers them once Chrome has attached their cookies)")
	compare := cmd.fs.Bool("compare-origin-bound", false, "then probe again in a second browser launched with origin-bound cookies on, and end with what they would change, attack by attack ("+strings.Join(attack.OriginBoundProbes, ", ")+"); needs a browser cookiescope launches")
	urls, outs, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if *compare {
		if err := checkCompare(cmd.c); err != nil {
			return err
		}
	}
	if err := checkURLs(urls); err != nil {
		return usageError{err}
	}
	if err := attack.CheckNames(probes); err != nil {
		return usageError{err}
	}
	j := job{probe: urls, probes: probes, liveRequests: *live}
	if *compare {
		j.compare = urls
	}
	return inspectAndReport(ctx, cmd.c, outs, j, stdout, stderr)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// severity returns a pointer to s, for the commands' default failOn.
func severity(s inspect.Severity) *inspect.Severity { return &s }

// ptrTo returns a pointer to a copy of v.
func ptrTo[T any](v T) *T { return &v }
