package browser

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
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

// shortReconnect drops a remote browser that does not come back within
// two seconds, so that the tests of what follows a drop are quick.
var shortReconnect = reconnectBound{total: 2 * time.Second, try: time.Second, firstWait: 100 * time.Millisecond, maxWait: 500 * time.Millisecond}

// A plain remote browser (--remote http://HOST:PORT), the only one, killed
// mid-run and never started again is tried again until the bound and then
// dropped: the run ends at once after it, every target from the one the
// browser died under on fails saying why it was not connected to again,
// and the report lists the tries.
func TestARemoteBrowserThatNeverComesBackIsDroppedAfterTheBound(t *testing.T) {
	needBrowser(t)
	port := freePort(t)
	proc, _ := startRemoteChromeArgs(t, nil, fmt.Sprintf("--remote-debugging-port=%d", port))
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	b := launchOwnBrowser(t, Options{Remotes: []string{endpoint}, reconnect: shortReconnect})
	var killed time.Time
	targets := runBreakingTheBrowser(t, b, 6, func() {
		killed = time.Now()
		if err := proc.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill: %v", err)
		}
	})
	// The bound, the time to notice the loss, and the targets that fail at
	// once: far less than the 20 s one target's timeout would take.
	if took := time.Since(killed); took > shortReconnect.total+15*time.Second {
		t.Errorf("the run went on for %s after the only browser was killed", took)
	}
	for i, target := range targets[:2] {
		checkPlain(t, target, fmt.Sprintf("r%d", i), "nothing")
	}
	for i, target := range targets[2:] {
		if !strings.Contains(target.Error, "browser connection lost") || !strings.Contains(target.Error, "connecting to it again failed") {
			t.Errorf("target %d after the kill: error %q, want the loss and why it was not connected to again", i+2, target.Error)
		}
	}
	rc := b.Reconnections()
	if len(rc) != 1 {
		t.Fatalf("reconnections: %+v, want one", rc)
	}
	if rc[0].Reconnected || rc[0].Attempts < 2 || rc[0].Endpoint != EndpointName(endpoint) || !strings.Contains(rc[0].Error, "connection refused") {
		t.Errorf("reconnection %+v: want it dropped after more than one refused try", rc[0])
	}
	if took := time.Duration(rc[0].TookMS) * time.Millisecond; took < shortReconnect.total-shortReconnect.maxWait || took > shortReconnect.total+shortReconnect.try {
		t.Errorf("tried for %s, want about the bound, %s", took, shortReconnect.total)
	}
	if e := b.Endpoints(); len(e) != 1 || e[0].Lost == nil {
		t.Errorf("endpoints after the run: %+v; want the one dropped", e)
	}
}

// TestNoLockIsHeldAcrossAReconnection holds a reconnection inside its try
// (the killed browser's port is taken by a listener that accepts and never
// answers) and meanwhile asks the browser what its bookkeeping lock guards,
// and asks for the same browser's replacement with a context that ends:
// were a lock held across the try, the questions would wait for the try
// (two minutes) and the test fails after one; the second asker must wait
// for the one reconnection under way, not start its own, and give up when
// its context ends. Then the run is interrupted, as Ctrl-C does: the
// reconnection stops at once and says so.
func TestNoLockIsHeldAcrossAReconnection(t *testing.T) {
	needBrowser(t)
	port := freePort(t)
	proc, _ := startRemoteChromeArgs(t, nil, fmt.Sprintf("--remote-debugging-port=%d", port))
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	long := reconnectBound{total: 2 * time.Minute, try: 2 * time.Minute, firstWait: 100 * time.Millisecond, maxWait: 500 * time.Millisecond}
	b := launchOwnBrowser(t, Options{Remotes: []string{endpoint}, reconnect: long})

	// mu guards held, the connections the listener took, which it keeps
	// open, unanswered, until the test ends.
	var mu sync.Mutex
	var held []net.Conn
	accepted := make(chan struct{}, 16)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	hurt := func() {
		if err := proc.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill: %v", err)
			return
		}
		l := listenOnceFree(t, fmt.Sprintf("127.0.0.1:%d", port), time.Minute)
		if l == nil {
			return
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
				accepted <- struct{}{}
			}
		}()
	}
	urls := []string{plainURL("r0"), plainURL("r1"), plainURL("r2"), plainURL("r3")}
	var once sync.Once
	progress := func(done, _ int, _ inspect.Target) {
		if done == 2 {
			once.Do(hurt)
		}
	}
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	type result struct {
		targets  []inspect.Target
		complete bool
		err      error
	}
	ran := make(chan result, 1)
	go func() {
		targets, complete, err := b.InspectURLs(ctx, urls, 1, LoadOptions{Timeout: 20 * time.Second}, progress)
		ran <- result{targets, complete, err}
	}()
	select {
	case <-accepted:
	case r := <-ran:
		t.Fatalf("the run ended before a try to connect again reached the listener: %+v", r)
	case <-time.After(2 * time.Minute):
		t.Fatal("no try to connect again reached the listener within two minutes")
	}

	answered := make(chan []Endpoint, 1)
	go func() {
		_ = b.Reconnections()
		_ = b.Relaunches()
		answered <- b.Endpoints()
	}()
	select {
	case e := <-answered:
		if len(e) != 1 || e[0].Lost == nil {
			t.Errorf("endpoints while it is connected to again: %+v; want the one, lost", e)
		}
	case <-time.After(time.Minute):
		t.Fatal("Endpoints, Reconnections and Relaunches waited for a try under way: a lock is held across the dial")
	}

	b.mu.Lock()
	dead := b.members[0].inst
	b.mu.Unlock()
	waitCtx, cancelWait := context.WithTimeout(context.Background(), time.Second)
	defer cancelWait()
	asked := time.Now()
	if inst, err := b.replacement(waitCtx, dead); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("a second replacement while one is under way: %v, %v; want it to give up when its context ends", inst, err)
	}
	if took := time.Since(asked); took > 30*time.Second {
		t.Errorf("the second replacement gave up %s after its context ended", took)
	}
	if n := len(accepted); n != 0 {
		t.Errorf("%d more tries reached the listener while one was under way: the second asker connected on its own", n)
	}

	interrupt()
	interrupted := time.Now()
	var r result
	select {
	case r = <-ran:
	case <-time.After(time.Minute):
		t.Fatal("the run went on for a minute after it was interrupted during a reconnection")
	}
	if took := time.Since(interrupted); took > 10*time.Second {
		t.Errorf("the run ended %s after it was interrupted, want at once", took)
	}
	if r.err != nil || r.complete {
		t.Errorf("interrupted run: complete %v, err %v; want it incomplete, without error", r.complete, r.err)
	}
	rc := b.Reconnections()
	if len(rc) != 1 || rc[0].Reconnected || !strings.Contains(rc[0].Error, "interrupted") {
		t.Errorf("reconnections: %+v; want one, interrupted", rc)
	}
}

// listenOnceFree listens on address as soon as it is free, for limit at
// most; it fails the test and returns nil after that.
func listenOnceFree(t *testing.T, address string, limit time.Duration) net.Listener {
	deadline := time.Now().Add(limit)
	for {
		l, err := net.Listen("tcp", address)
		if err == nil {
			return l
		}
		if time.Now().After(deadline) {
			t.Errorf("listen on %s: %v", address, err)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}
