// Package ci tells tests whether they run in the project's CI, where
// everything a test needs is installed: a test that lacks something there
// fails instead of skipping, so that CI never passes by running less.
package ci

import (
	"os"
	"testing"
)

// Running reports whether the tests run in CI (CI=true, as .ci/run and
// most CI services set it).
func Running() bool { return os.Getenv("CI") == "true" }

// Skip skips t, saying why, outside CI; in CI it fails t instead, since
// CI's machine must have what the test needs.
func Skip(t testing.TB, why string) {
	t.Helper()
	if Running() {
		t.Fatalf("%s: in CI (CI=true) this test must run, not skip", why)
		return
	}
	t.Skip(why)
}
