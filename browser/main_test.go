package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/lab"
)

// One lab and one browser serve every test of this package: launching
// Chrome per test would make the suite several times slower.
var (
	testLab     *lab.Lab
	testBrowser *Browser
	// noBrowser is set when Chrome is missing outside CI: browser tests skip.
	noBrowser error
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	l, err := lab.Start(lab.Config{SecondHTTPS: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start lab:", err)
		return 1
	}
	defer l.Close()
	testLab = l
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Launch(ctx, Options{TrustedSPKI: []string{l.SPKI}, Resolve: l.ResolveRules()})
	switch {
	case errors.Is(err, ErrNoBrowser) && os.Getenv("CI") == "" && os.Getenv("CI") != "true":
		noBrowser = err
	case err != nil:
		fmt.Fprintln(os.Stderr, "launch browser:", err)
		return 1
	default:
		testBrowser = b
		defer b.Close()
	}
	defer closeOriginBound()
	return m.Run()
}

// needBrowser skips the test when Chrome is missing on a developer machine;
// in CI (CI=true) a missing browser already failed TestMain.
func needBrowser(t testing.TB) *Browser {
	t.Helper()
	if testBrowser == nil {
		t.Skipf("no browser outside CI: %v", noBrowser)
	}
	return testBrowser
}

// newTestWorker opens a worker for one test and closes it after.
func newTestWorker(t testing.TB) *Worker {
	t.Helper()
	b := needBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := b.NewWorker(ctx)
	if err != nil {
		t.Fatalf("new worker: %v", err)
	}
	t.Cleanup(w.Close)
	return w
}
