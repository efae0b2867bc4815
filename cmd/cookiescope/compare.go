package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/attack"
	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// compareOriginBound runs the job's comparison once the run's own browser
// is gone: a second browser, launched with origin-bound cookies on, probes
// j.compare with the probes origin binding concerns (j.compareProbes, or
// those of the run's), and rep gets each attack's verdicts in both modes. Two launches one
// after the other, not two browsers at once: on a small machine each
// browser gets the cores to itself. A failure is the comparison's error,
// not the run's: the run's own report stands.
func compareOriginBound(ctx context.Context, c commonFlags, j job, rep *inspect.Report, stderr io.Writer) {
	probes := j.compareProbes
	if probes == nil {
		probes = comparedProbes(j.probes)
	}
	cmp := &inspect.OriginBoundComparison{Probes: probes, Attacks: []inspect.AttackChange{}}
	rep.OriginBoundComparison = cmp
	if len(probes) == 0 {
		cmp.Error = "none of the probes run concerns origin binding (" + strings.Join(attack.OriginBoundProbes, ", ") + ")"
		return
	}
	start := time.Now()
	defer func() { cmp.DurationMS = time.Since(start).Milliseconds() }()
	fmt.Fprintf(stderr, "comparing with origin-bound cookies: %s again in a second browser\n", strings.Join(probes, ", "))
	opts := c.browserOptions(stderr)
	opts.OriginBoundCookies = true
	b, err := browser.Launch(ctx, opts)
	if err != nil {
		cmp.Error = "launch a browser with origin-bound cookies: " + err.Error()
		return
	}
	defer b.Close()
	cmp.Browser = b.Product
	progress := newProgress(stderr, isTerminal(stderr), len(j.compare), start)
	defer progress.finish()
	bound, complete, err := attack.ProbeURLs(ctx, b, j.compare, probes, c.workers, attack.Options{Load: c.loadOptions(), Config: c.config}, func(_, _ int, t inspect.Target) { progress.done(t) })
	var problems []string
	switch {
	case err != nil:
		problems = append(problems, err.Error())
	case !complete:
		problems = append(problems, "interrupted")
	}
	for _, t := range bound {
		if t.Error != "" {
			problems = append(problems, t.URL+": "+t.Error)
		}
	}
	cmp.Error = strings.Join(problems, "; ")
	cmp.Attacks = inspect.CompareOriginBound(rep.Targets, bound, probes)
}

// comparedProbes are the probes of asked (nil: all) that origin binding
// concerns, in the order they run.
func comparedProbes(asked []string) []string {
	var out []string
	for _, p := range attack.OriginBoundProbes {
		if len(asked) == 0 || slices.Contains(asked, p) {
			out = append(out, p)
		}
	}
	return out
}

// checkCompare refuses --compare-origin-bound where it cannot run: on a
// remote browser (its features are not ours to set) and with
// --origin-bound-cookies (the comparison runs both modes itself).
func checkCompare(c commonFlags) error {
	switch {
	case len(c.remotes) > 0:
		return usageError{errors.New("--compare-origin-bound launches a browser with origin-bound cookies, which a --remote browser cannot be made into; drop --remote")}
	case c.originBound:
		return usageError{errors.New("--compare-origin-bound runs the probes without and then with origin-bound cookies; drop --origin-bound-cookies")}
	}
	return nil
}
