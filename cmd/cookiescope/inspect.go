package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/report"
)

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: cookiescope inspect [flags] URL...\n\nLoads each URL in headless Chrome and reports every cookie: who set it, what Chrome refused, what page script can read.\n\nFlags:")
		fs.PrintDefaults()
	}
	urls, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(urls) == 0 {
		fs.Usage()
		return usageError{errors.New("inspect needs at least one URL")}
	}
	format, err := c.check()
	if err != nil {
		return err
	}
	return inspectAndReport(ctx, c, format, urls, stdout, stderr)
}

// inspectAndReport launches the browser, inspects urls, and writes the
// report, also when the run fails or is interrupted part-way.
func inspectAndReport(ctx context.Context, c commonFlags, format report.Format, urls []string, stdout, stderr io.Writer) error {
	rep := inspect.Report{SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", Started: time.Now().UTC()}
	b, err := browser.Launch(ctx, c.browserOptions(stderr))
	if err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		if errors.Is(err, browser.ErrNoBrowser) {
			return err
		}
		return fmt.Errorf("browser: %w", err)
	}
	defer b.Close()
	rep.Browser.Product = b.Product
	fmt.Fprintf(stderr, "using %s\n", b.Product)

	progress := func(done, total int, t inspect.Target) {
		status := fmt.Sprintf("%d cookies, %d blocked", len(t.Cookies), len(t.Blocked))
		if t.Error != "" {
			status = "ERROR: " + t.Error
		}
		fmt.Fprintf(stderr, "[%d/%d] %s: %s (%.2fs)\n", done, total, t.URL, status, float64(t.DurationMS)/1000)
	}
	targets, complete, runErr := b.InspectURLs(ctx, urls, c.workers, c.loadOptions(), progress)
	rep.Targets = targets
	rep.Interrupted = !complete || ctx.Err() != nil
	if err := writeReport(rep, c, format, stdout); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return runErr
	case rep.Interrupted:
		return errInterrupted
	}
	for _, t := range rep.Targets {
		if t.Error != "" {
			return errTargetFailed
		}
	}
	return nil
}

// writeReport renders the report, redacted unless --show-values, to
// --output or stdout.
func writeReport(rep inspect.Report, c commonFlags, format report.Format, stdout io.Writer) error {
	if !c.showValues {
		rep = rep.Redact()
	}
	render := func(w io.Writer) error {
		if format == report.FormatJSON {
			return report.WriteJSON(w, rep)
		}
		return report.WriteTable(w, rep)
	}
	if c.output != "" {
		return report.WriteAtomic(c.output, render)
	}
	return render(stdout)
}
