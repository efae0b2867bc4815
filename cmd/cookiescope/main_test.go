package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/lab"
)

// The tests share one lab and one browser; commands reach it with --remote,
// so no test launches a Chrome of its own (but the interrupt test, whose
// point is that a launched Chrome is cleaned up).
var (
	testLab    *lab.Lab
	testRemote string
	noBrowser  error
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	l, err := lab.Start(lab.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start lab:", err)
		return 1
	}
	defer l.Close()
	testLab = l
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := browser.Launch(ctx, browser.Options{TrustedSPKI: []string{l.SPKI}, Resolve: l.ResolveRules()})
	switch {
	case errors.Is(err, browser.ErrNoBrowser) && os.Getenv("CI") != "true":
		noBrowser = err
	case err != nil:
		fmt.Fprintln(os.Stderr, "launch browser:", err)
		return 1
	default:
		testRemote = b.DevToolsURL
		defer b.Close()
	}
	return m.Run()
}

// needBrowser skips when Chrome is missing on a developer machine; in CI
// (CI=true) TestMain has already failed.
func needBrowser(t *testing.T) {
	t.Helper()
	if testRemote == "" {
		t.Skipf("no browser outside CI: %v", noBrowser)
	}
}

// cookiescope runs the command in-process and returns its exit code, stdout
// and stderr.
func cookiescope(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// labInspect runs inspect against lab pages through the shared browser.
func labInspect(t *testing.T, extra []string, paths ...string) (int, string, string) {
	t.Helper()
	needBrowser(t)
	args := append([]string{"inspect", "--remote", testRemote}, extra...)
	for _, p := range paths {
		args = append(args, testLab.URL(true, lab.AppHost, p))
	}
	return cookiescope(t, args...)
}

// decodeReport parses a JSON report.
func decodeReport(t *testing.T, data string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, data)
	}
	return doc
}
