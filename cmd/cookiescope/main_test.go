package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cookiescope/cookiescope/internal/browsertest"
	"github.com/cookiescope/cookiescope/lab"
)

// The tests share one lab and one browser; commands reach it with --remote,
// so no test launches a Chrome of its own (but the interrupt test, whose
// point is that a launched Chrome is cleaned up).
var (
	env        browsertest.Env
	testLab    *lab.Lab
	testRemote string
)

func TestMain(m *testing.M) {
	os.Exit(browsertest.Main(&setup{m}, &env))
}

// setup fills the shortcuts the tests use once the environment is up.
type setup struct{ m *testing.M }

// Run satisfies what browsertest.Main needs of a *testing.M.
func (s *setup) Run() int {
	testLab = env.Lab
	if env.Browser != nil {
		testRemote = env.Browser.DevToolsURL
	}
	defer func() {
		if built.dir != "" {
			os.RemoveAll(built.dir)
		}
	}()
	return s.m.Run()
}

// built is the cookiescope binary that tests of signals and of the process's
// own descriptors run, built once per test binary.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildCookiescope returns the path of the built binary.
func buildCookiescope(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "cookiescope-test-bin"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "cookiescope")
		if out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// needBrowser skips when Chrome is missing on a developer machine; in CI
// (CI=true) TestMain has already failed.
func needBrowser(t *testing.T) {
	t.Helper()
	env.Need(t)
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

// trapBrowser writes a stand-in for Chrome that records that it was run
// and fails at once, and returns its path for --browser. A test that must
// launch nothing passes it and checks trapLaunched: unlike a path to no
// file, it passes the check of --browser, so the run gets as far as it
// would with a real browser.
func trapBrowser(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chrome")
	script := "#!/bin/sh\ntouch '" + path + ".launched'\nexit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// trapLaunched reports whether the trap browser at path was run.
func trapLaunched(path string) bool {
	_, err := os.Stat(path + ".launched")
	return err == nil
}
