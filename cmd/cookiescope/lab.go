package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/lab"
)

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newSubcommand("lab", "lab [flags]", "Serves the embedded lab on loopback until interrupted, and prints the commands that reach it.", stdout)
	var cfg lab.Config
	cmd.fs.IntVar(&cfg.HTTPPort, "http-port", 0, "HTTP `PORT` on 127.0.0.1 (default: any free port)")
	cmd.fs.IntVar(&cfg.HTTPSPort, "https-port", 0, "HTTPS `PORT` on 127.0.0.1 (default: any free port)")
	positional, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageError{fmt.Errorf("lab takes no arguments, got %q", positional[0])}
	}
	for _, p := range []struct {
		flag string
		port int
	}{{"--http-port", cfg.HTTPPort}, {"--https-port", cfg.HTTPSPort}} {
		if p.port < 0 || p.port > 65535 {
			return usageError{fmt.Errorf("%s %d: want a port from 1 to 65535, or 0 for any free one", p.flag, p.port)}
		}
	}
	l, err := lab.Start(cfg)
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Fprintf(stdout, "cookiescope lab: http on 127.0.0.1:%d, https on 127.0.0.1:%d\n\n", l.HTTPPort, l.HTTPSPort)
	for _, p := range lab.Pages {
		fmt.Fprintf(stdout, "  %-45s %s\n", l.URL(true, lab.AppHost, p.Path), p.Shows)
	}
	for _, v := range lab.LoginVariants {
		fmt.Fprintf(stdout, "  %-45s login app, %s: %s\n", l.URL(true, v.Host, lab.LoginFlowPath), v.Name, v.Shows)
	}
	for _, t := range lab.Targets[len(lab.LoginVariants):] {
		fmt.Fprintf(stdout, "  %-45s %s (lab: %s in a scenario): %s\n", l.URL(true, t.Host, "/"), t.Name, t.Name, t.Shows)
	}
	fmt.Fprintf(stdout, "\nInspect a page:\n  cookiescope inspect %s %s\n", labFlags(l), l.URL(true, lab.AppHost, lab.Pages[0].Path))
	fmt.Fprintf(stdout, "Crawl the small site, 10 pages at most:\n  cookiescope inspect --crawl 10 %s %s\n", labFlags(l), l.URL(true, lab.AppHost, lab.SitePath))
	fmt.Fprintf(stdout, "Probe the flawed login app:\n  cookiescope probe %s %s\n", labFlags(l), l.URL(true, lab.FlawedLoginHost, lab.LoginFlowPath))
	fmt.Fprintf(stdout, "\nIn Chrome by hand: --host-resolver-rules='MAP *.test 127.0.0.1' --ignore-certificate-errors-spki-list=%s\n\nCtrl-C stops the lab.\n", l.SPKI)
	<-ctx.Done()
	return nil
}

// labFlags are the inspect flags that reach the lab from another process.
func labFlags(l *lab.Lab) string {
	var parts []string
	for _, r := range l.ResolveRules() {
		parts = append(parts, "--resolve '"+r+"'")
	}
	parts = append(parts, "--trust-spki "+l.SPKI)
	return strings.Join(parts, " ")
}
