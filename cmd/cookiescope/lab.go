package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/lab"
)

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg lab.Config
	fs.IntVar(&cfg.HTTPPort, "http-port", 0, "HTTP port on 127.0.0.1 (0: any free port)")
	fs.IntVar(&cfg.HTTPSPort, "https-port", 0, "HTTPS port on 127.0.0.1 (0: any free port)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: cookiescope lab [flags]\n\nServes the embedded lab on loopback until interrupted.\n\nFlags:")
		fs.PrintDefaults()
	}
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
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
	fmt.Fprintf(stdout, "\nInspect a page:\n  cookiescope inspect %s %s\n", labFlags(l), l.URL(true, lab.AppHost, lab.Pages[0].Path))
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
