package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/scenarios"
)

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newCommand("run", "run [flags] FILE|FOLDER|builtin:[NAME]...", "Runs YAML scenarios (scripted login flows with cookie expectations) in headless Chrome.\nA scenario with `lab:` runs against the embedded lab, started here. See scenarios/README.md.", "scenario file or folder (or builtin:)", stdout)
	cmd.c.defaultFailOn = severity(inspect.High)
	aliasFlag(cmd.fs, "parallel", "workers", stderr)
	shard := cmd.fs.String("shard", "", "run shard `I/N` of the scenarios (a stable subset, for CI matrices)")
	paths, outs, err := cmd.parse(args)
	if err != nil {
		return err
	}
	c := cmd.c
	// Every file is read and checked before a browser starts.
	scs, err := scenarios.Load(paths, os.LookupEnv)
	if err != nil {
		return usageError{err}
	}
	if *shard != "" {
		i, n, err := parseShard(*shard)
		if err != nil {
			return usageError{err}
		}
		all := len(scs)
		if scs = scenarios.Shard(scs, i, n); len(scs) == 0 {
			// Nothing launches for an empty job; the reports asked for are
			// still written, so that a CI matrix finds every file it expects.
			fmt.Fprintf(stderr, "cookiescope: shard %d/%d holds none of the %d scenarios; nothing to run\n", i, n, all)
		}
	}
	j := job{scenarios: scs}
	needLab := false
	for _, s := range scs {
		j.secrets = append(j.secrets, s.Secrets...)
		needLab = needLab || s.Lab != ""
	}
	if needLab {
		l, err := c.startLab("a scenario with lab:")
		if err != nil {
			return err
		}
		defer l.Close()
		j.labURL = l.VariantURL
	}
	return inspectAndReport(ctx, c, outs, j, stdout, stderr)
}

// parseShard reads --shard I/N.
func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("--shard %q: want I/N with 1 <= I <= N, such as 1/3", s)
	}
	return i, n, nil
}
