//go:build !unix

package main

import (
	"testing"

	"github.com/cookiescope/cookiescope/internal/ci"
)

// makeFIFO skips: FIFOs are a Unix file kind.
func makeFIFO(t *testing.T, path string) {
	t.Helper()
	ci.Skip(t, "FIFOs exist on Unix only")
}

// releaseFIFO has nothing to release where there are no FIFOs.
func releaseFIFO(path string) {}
