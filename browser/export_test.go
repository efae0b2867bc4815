package browser

import (
	"context"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/lab"
)

// The lab and browser every test of this package shares, handed over by
// TestMain (main_test.go, package browser_test) before the tests run.
var (
	testLab     *lab.Lab
	testBrowser *Browser
	// noBrowser is set when Chrome is missing outside CI: browser tests skip.
	noBrowser error
)

// UseTestEnv hands the shared lab and browser to this package's tests.
func UseTestEnv(l *lab.Lab, b *Browser, missing error) {
	testLab, testBrowser, noBrowser = l, b, missing
}

// CloseTestOriginBound stops the shared origin-bound browser, if a test
// started one.
func CloseTestOriginBound() { closeOriginBound() }

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
