package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/lab"
	"github.com/cookiescope/cookiescope/scenarios"
)

// demoComparedProbes are the probes the demo runs again with origin-bound
// cookies on: the three attacks over plain http that show what binding
// fixes, for about 10 s more on a 2-core machine; sibling-toss and
// jar-overflow would add about 5 s each (probe --compare-origin-bound runs
// them all).
var demoComparedProbes = []string{"http-overwrite", "path-shadow", "fixation-plant"}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newCommand("demo", "demo [flags]", "Starts the embedded lab on loopback, inspects its pages, probes its login app in a secure and\na flawed variant, and runs the built-in login scenarios: every way a cookie is set, blocked,\nread and attacked.", "", stdout)
	_, outs, err := cmd.parse(args)
	if err != nil {
		return err
	}
	c := cmd.c
	l, err := c.startLab("demo")
	if err != nil {
		return err
	}
	defer l.Close()
	var j job
	j.summary = true
	fmt.Fprintln(stderr, "cookiescope demo: the lab serves these pages on loopback:")
	for _, p := range lab.Pages {
		u := l.URL(true, lab.AppHost, p.Path)
		j.inspect = append(j.inspect, u)
		fmt.Fprintf(stderr, "  %s: %s\n", u, p.Shows)
	}
	fmt.Fprintln(stderr, "and a login app in two variants, probed as a network attacker would (loading the URL logs in):")
	for _, v := range lab.LoginVariants {
		u := l.URL(true, v.Host, lab.LoginFlowPath)
		j.probe = append(j.probe, u)
		fmt.Fprintf(stderr, "  %s (%s): %s\n", u, v.Name, v.Shows)
	}
	// What Chrome's coming origin-bound cookies would change, shown on the
	// flawed variant, whose cookies http can overwrite today.
	if !c.originBound {
		j.compare = []string{l.URL(true, lab.FlawedLoginHost, lab.LoginFlowPath)}
		j.compareProbes = demoComparedProbes
		fmt.Fprintf(stderr, "and, once the rest is done, the flawed variant probed again in a browser with origin-bound cookies on (%s), to show what they would change\n", strings.Join(demoComparedProbes, ", "))
	}
	if j.scenarios, err = scenarios.Builtin(""); err != nil {
		return err
	}
	j.labURL = l.VariantURL
	fmt.Fprintln(stderr, "and the built-in scenarios (cookiescope run builtin:): the login flow on both variants, session fixation end to end")
	fmt.Fprintln(stderr, "(the attacker plants its session id over http, the victim logs in, the attacker holds the account), a session")
	fmt.Fprintln(stderr, "measured by replay (which cookies the server needs), one that outlives its logout (CS030), and a single sign-on.")
	return inspectAndReport(ctx, c, outs, j, stdout, stderr)
}
