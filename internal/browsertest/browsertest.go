// Package browsertest starts what browser-driven tests share: one lab and
// one Chrome per test binary. In CI (CI=true) a missing Chrome fails the
// run; elsewhere the browser tests skip.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/internal/ci"
	"github.com/cookiescope/cookiescope/lab"
)

// Env is the shared lab and browser of a test binary.
type Env struct {
	// LabConfig is how Main starts the lab; set it before Main.
	LabConfig lab.Config
	Lab       *lab.Lab
	Browser   *browser.Browser
	// NoBrowser says why Browser is nil (outside CI only).
	NoBrowser error
}

// Runner runs the tests; *testing.M is one. A wrapper's Run can hand the
// started Env to what the tests read (see browser's TestMain).
type Runner interface{ Run() int }

// Main starts the lab and the browser, runs the tests, and stops both; use
// it as os.Exit(browsertest.Main(m, &env)) in TestMain.
func Main(m Runner, env *Env) int {
	l, err := lab.Start(env.LabConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start lab:", err)
		return 1
	}
	defer l.Close()
	env.Lab = l
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := browser.Launch(ctx, browser.Options{TrustedSPKI: []string{l.SPKI}, Resolve: l.ResolveRules()})
	switch {
	case errors.Is(err, browser.ErrNoBrowser) && !ci.Running():
		env.NoBrowser = err
	case err != nil:
		fmt.Fprintln(os.Stderr, "launch browser:", err)
		return 1
	default:
		env.Browser = b
		defer b.Close()
	}
	return m.Run()
}

// Need returns the browser, or skips the test when Chrome is missing on a
// developer machine (in CI, Main has already failed).
func (e *Env) Need(t testing.TB) *browser.Browser {
	t.Helper()
	if e.Browser == nil {
		t.Skipf("no browser outside CI: %v", e.NoBrowser)
	}
	return e.Browser
}

// NewWorker opens a worker of the shared browser for one test (skipping as
// Need does) and closes it when the test ends.
func (e *Env) NewWorker(t testing.TB) *browser.Worker {
	t.Helper()
	b := e.Need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := b.NewWorker(ctx)
	if err != nil {
		t.Fatalf("new worker: %v", err)
	}
	t.Cleanup(w.Close)
	return w
}
