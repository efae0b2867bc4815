//go:build !unix

package main

import "testing"

// makeFIFO skips: FIFOs are a Unix file kind.
func makeFIFO(t *testing.T, path string) {
	t.Helper()
	t.Skip("FIFOs exist on Unix only")
}

// releaseFIFO has nothing to release where there are no FIFOs.
func releaseFIFO(path string) {}
