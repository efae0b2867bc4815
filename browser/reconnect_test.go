package browser

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// freePort returns a loopback port that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A plain remote browser (--remote http://HOST:PORT) that is killed in the
// middle of a run and started again on the same port a moment later is
// connected to again: the run goes on on it, the target it was serving runs
// again there, and the report lists the reconnection with its tries.
func TestARemoteBrowserKilledAndRestartedOnItsPortIsConnectedToAgain(t *testing.T) {
	needBrowser(t)
	port := freePort(t)
	onPort := fmt.Sprintf("--remote-debugging-port=%d", port)
	first, _ := startRemoteChromeArgs(t, nil, onPort)
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	b := launchOwnBrowser(t, Options{Remotes: []string{endpoint}})
	path, err := FindChrome("")
	if err != nil {
		t.Fatal(err)
	}
	// mu guards second, the restarted browser, which the cleanup stops.
	var mu sync.Mutex
	var second *exec.Cmd
	profile, err := os.MkdirTemp("", "cookiescope-remote-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if second != nil {
			second.Process.Kill()
			second.Wait()
		}
		killProfileUsers(profile)
		os.RemoveAll(profile)
	})
	restarted := make(chan struct{})
	targets := runBreakingTheBrowser(t, b, 6, func() {
		if err := first.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill: %v", err)
		}
		// Started again after the first tries have found nothing there.
		go func() {
			defer close(restarted)
			time.Sleep(700 * time.Millisecond)
			cmd := exec.Command(path, remoteChromeArgs(profile, onPort)...)
			if err := cmd.Start(); err != nil {
				t.Errorf("start the browser again: %v", err)
				return
			}
			mu.Lock()
			second = cmd
			mu.Unlock()
		}()
	})
	<-restarted
	for i, target := range targets {
		if target.Error != "" {
			t.Errorf("target %d failed: %s", i, target.Error)
			continue
		}
		checkPlain(t, target, fmt.Sprintf("r%d", i), "a reconnection")
		if target.Browser.Endpoint != EndpointName(endpoint) {
			t.Errorf("target %d was served by %q, want %s", i, target.Browser.Endpoint, EndpointName(endpoint))
		}
	}
	moved := 0
	for _, target := range targets {
		if target.Browser.Moved != "" {
			moved++
			if !strings.Contains(target.Browser.Moved, "connected to again; run again, alone, on it") {
				t.Errorf("moved: %q, want it to say the browser was connected to again", target.Browser.Moved)
			}
		}
	}
	if moved > 1 {
		t.Errorf("%d targets ran again, want at most the one the browser died under", moved)
	}
	rc := b.Reconnections()
	if len(rc) != 1 {
		t.Fatalf("reconnections: %+v, want one", rc)
	}
	if !rc[0].Reconnected || rc[0].Attempts < 2 || rc[0].Endpoint != EndpointName(endpoint) || rc[0].Cause == "" {
		t.Errorf("reconnection %+v: want it reconnected after more than one try, naming the endpoint and the cause", rc[0])
	}
	if e := b.Endpoints(); len(e) != 1 || e[0].Lost != nil {
		t.Errorf("endpoints after the run: %+v; want the one serving", e)
	}
}
