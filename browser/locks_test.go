package browser

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestNoLockIsHeldAcrossARelaunch holds a relaunch inside its launch (a
// stand-in for Chrome that waits for the test before it starts the real
// one) and asks the browser what only its bookkeeping lock guards: how
// many relaunches, which endpoints. Were that lock held across the launch,
// the questions would wait for the launch, which waits for the test: the
// test would stall, and fails instead after a minute. Then the launch goes
// on and the target must be served.
func TestNoLockIsHeldAcrossARelaunch(t *testing.T) {
	needBrowser(t)
	chrome, err := FindChrome("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	count, started, release := filepath.Join(dir, "count"), filepath.Join(dir, "started"), filepath.Join(dir, "release")
	// The first launch starts Chrome at once; a later one says it started
	// and waits for the release file before it does.
	script := "#!/bin/sh\n" +
		"n=$(cat '" + count + "' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '" + count + "'\n" +
		"if [ $n -gt 1 ]; then touch '" + started + "'; while [ ! -e '" + release + "' ]; do sleep 0.05; done; fi\n" +
		"exec '" + chrome + "' \"$@\"\n"
	path := filepath.Join(dir, "chrome")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := labOptions()
	opts.Path = path
	b := launchOwnBrowser(t, opts)
	if err := b.Process().Kill(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type result struct {
		complete bool
		err      error
		errText  string
	}
	done := make(chan result, 1)
	go func() {
		targets, complete, err := b.InspectURLs(ctx, []string{plainURL("after-relaunch")}, 1, LoadOptions{Timeout: 20 * time.Second}, nil)
		r := result{complete: complete, err: err}
		if len(targets) == 1 {
			r.errText = targets[0].Error
		}
		done <- r
	}()
	if !fileAppears(started, time.Minute) {
		c, _ := os.ReadFile(count)
		select {
		case r := <-done:
			t.Fatalf("no relaunch started (launches: %q); the run: %+v: %v", c, r, r.err)
		default:
			t.Fatalf("no relaunch started within a minute (launches: %q)", c)
		}
	}

	answered := make(chan int, 1)
	go func() {
		_ = b.Endpoints()
		answered <- b.Relaunches()
	}()
	select {
	case n := <-answered:
		if n != 0 {
			t.Errorf("Relaunches() = %d while the relaunch is still launching, want 0", n)
		}
	case <-time.After(time.Minute):
		t.Fatal("Endpoints and Relaunches waited for a launch under way: a lock is held across the launch")
	}

	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || !r.complete || r.errText != "" {
		t.Fatalf("the target after the relaunch: complete %v, err %v, target error %q", r.complete, r.err, r.errText)
	}
	if n := b.Relaunches(); n != 1 {
		t.Errorf("relaunched %d times, want 1", n)
	}
}

// fileAppears waits until path exists, for limit at most.
func fileAppears(path string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
