// Command cookiescope drives a real headless Chrome and tells the truth
// about cookies: who set each one, what Chrome refused and why, and which
// ones page script can actually read.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes; each means one thing.
const (
	exitOK          = 0
	exitFindings    = 1 // a finding at or above --fail-on, or an expectation failed
	exitUsage       = 2 // bad usage or bad input
	exitRuntime     = 3 // the browser or a target failed
	exitInterrupted = 130
)

const usage = `cookiescope drives a real headless Chrome and reports what happens to cookies.

Usage:
  cookiescope inspect [flags] URL...   load each URL, capture every cookie with its story
  cookiescope probe [flags] URL...     attack each URL's cookies as a network attacker would
  cookiescope run [flags] FILE...      run YAML scenarios (login flows with cookie expectations)
  cookiescope rules [--format F]       list the rules findings come from
  cookiescope demo [flags]             start the embedded lab, inspect and probe its pages
  cookiescope lab [flags]              serve the embedded lab for manual exploration
  cookiescope version                  print the version of this build (also --version)
  cookiescope help [COMMAND]           show this help, or a command's (also COMMAND -h)

Exit codes: 0 ok, 1 findings or failed expectations, 2 bad usage or bad input
(nothing launched), 3 browser or target failed, 130 interrupted (the report
still holds what was captured).
Run "cookiescope COMMAND -h" for a command's flags.
`

// usageError marks an error that is the user's input, for exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// errTargetFailed marks a finished run in which a target failed.
var errTargetFailed = errors.New("a target failed")

// errFindings marks a finished run that found a vulnerability.
var errFindings = errors.New("findings")

// errInterrupted marks a run stopped by a signal.
var errInterrupted = errors.New("interrupted")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run runs one command and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "inspect":
		err = runInspect(ctx, args[1:], stdout, stderr)
	case "probe":
		err = runProbe(ctx, args[1:], stdout, stderr)
	case "run":
		err = runRun(ctx, args[1:], stdout, stderr)
	case "rules":
		err = runRules(args[1:], stdout, stderr)
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr)
	case "lab":
		err = runLab(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		return help(args[1:], stdout, stderr, func(name string) int {
			// name is a command: its -h prints its help and ends there.
			return run(ctx, []string{name, "-h"}, stdout, stderr)
		})
	default:
		fmt.Fprintf(stderr, "cookiescope: unknown command %q (want one of %s; cookiescope help lists them)\n", args[0], strings.Join(commands, ", "))
		return exitUsage
	}
	return exitCode(err, stderr)
}

func exitCode(err error, stderr io.Writer) int {
	var uerr usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &uerr):
		fmt.Fprintln(stderr, "cookiescope:", err)
		return exitUsage
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "cookiescope: interrupted; the report holds what was captured")
		return exitInterrupted
	case errors.Is(err, errTargetFailed):
		return exitRuntime
	case errors.Is(err, errFindings):
		return exitFindings
	default:
		fmt.Fprintln(stderr, "cookiescope:", err)
		return exitRuntime
	}
}
