package browser

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/inspect"
)

// launchOwnBrowser starts a browser for one test, which may kill it.
func launchOwnBrowser(t *testing.T, opts Options) *Browser {
	t.Helper()
	needBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Launch(ctx, opts)
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func labOptions() Options {
	return Options{TrustedSPKI: []string{testLab.SPKI}, Resolve: testLab.ResolveRules()}
}

// runBreakingTheBrowser inspects plain pages and calls hurt once after the
// second one; it returns the targets in order.
func runBreakingTheBrowser(t *testing.T, b *Browser, n int, hurt func()) []inspect.Target {
	t.Helper()
	var urls []string
	for i := range n {
		urls = append(urls, plainURL(fmt.Sprintf("r%d", i)))
	}
	var once sync.Once
	progress := func(done, _ int, _ inspect.Target) {
		if done == 2 {
			once.Do(hurt)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	targets, complete, err := b.InspectURLs(ctx, urls, 1, LoadOptions{Timeout: 20 * time.Second}, progress)
	if err != nil || !complete || len(targets) != n {
		t.Fatalf("run: complete %v, %d of %d targets, err %v", complete, len(targets), n, err)
	}
	return targets
}

// checkRecovered checks that at most one target failed, with the cause in
// its error, and that every other target is exactly its own.
func checkRecovered(t *testing.T, targets []inspect.Target, cause string) {
	t.Helper()
	failed := 0
	for i, target := range targets {
		if target.Error != "" {
			failed++
			if !strings.Contains(target.Error, cause) {
				t.Errorf("target %d failed with %q, want the cause %q", i, target.Error, cause)
			}
			continue
		}
		checkPlain(t, target, fmt.Sprintf("r%d", i), "the browser's death")
	}
	if failed > 1 {
		t.Errorf("%d targets failed, want at most the one in progress", failed)
	}
	if last := targets[len(targets)-1]; last.Error != "" {
		t.Errorf("the last target failed after the relaunch: %s", last.Error)
	}
}

func TestABrowserKilledMidRunIsRelaunchedAndTheRunGoesOn(t *testing.T) {
	b := launchOwnBrowser(t, labOptions())
	targets := runBreakingTheBrowser(t, b, 5, func() {
		if err := b.Process().Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill: %v", err)
		}
	})
	checkRecovered(t, targets, "browser crashed: signal: killed")
	if n := b.Relaunches(); n != 1 {
		t.Errorf("relaunched %d times, want 1", n)
	}
}

func TestAFrozenBrowserIsNoticedKilledAndRelaunched(t *testing.T) {
	b := launchOwnBrowser(t, labOptions())
	frozen := b.Process()
	targets := runBreakingTheBrowser(t, b, 5, func() {
		if err := frozen.Signal(syscall.SIGSTOP); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	// The frozen browser was killed, and a stopped process is killed too.
	checkRecovered(t, targets, "browser stopped answering")
	if n := b.Relaunches(); n != 1 {
		t.Errorf("relaunched %d times, want 1", n)
	}
	// The target the freeze caught ran again on the relaunched browser.
	failed, moved := 0, 0
	for _, target := range targets {
		if target.Error != "" {
			failed++
		}
		if strings.Contains(target.Browser.Moved, "browser stopped answering") {
			moved++
		}
	}
	if failed != 0 || moved != 1 {
		t.Errorf("%d targets failed and %d ran again, want none failed and the one the freeze caught run again", failed, moved)
	}
}

// With two workers, a launched browser that dies under both workers'
// targets loses neither: each runs again, alone, on the relaunched browser,
// and holds exactly its own cookie; the run goes on after them.
func TestABrowserCrashUnderTwoWorkersLosesNeithersTarget(t *testing.T) {
	b := launchOwnBrowser(t, labOptions())
	var (
		mu     sync.Mutex
		served = map[string]int{}
	)
	inFlight := make(chan string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		if id == "" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		served[id]++
		n := served[id]
		mu.Unlock()
		first := n == 1
		http.SetCookie(w, &http.Cookie{Name: "crash_" + id, Value: fmt.Sprint(n), Path: "/"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><p>target "+id+"</p>")
		if first && id != "after" {
			// The first load of each worker's target never ends: both
			// are in flight when the browser is killed.
			w.(http.Flusher).Flush()
			inFlight <- id
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	killed := make(chan error, 1)
	go func() {
		deadline := time.After(time.Minute)
		for range 2 {
			select {
			case <-inFlight:
			case <-deadline:
				killed <- fmt.Errorf("the two targets were never in flight together")
				return
			}
		}
		killed <- b.Process().Signal(syscall.SIGKILL)
	}()
	urls := []string{srv.URL + "/?id=a", srv.URL + "/?id=b", srv.URL + "/?id=after"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	targets, complete, err := b.InspectURLs(ctx, urls, 2, LoadOptions{Timeout: 20 * time.Second}, nil)
	if kerr := <-killed; kerr != nil {
		t.Fatal(kerr)
	}
	if err != nil || !complete || len(targets) != len(urls) {
		t.Fatalf("run: complete %v, %d of %d targets, err %v", complete, len(targets), len(urls), err)
	}
	for i, id := range []string{"a", "b", "after"} {
		target := targets[i]
		if target.Error != "" {
			t.Errorf("target %s failed: %s", id, target.Error)
		}
		if got := cookieNames(target); fmt.Sprint(got) != "[crash_"+id+"]" {
			t.Errorf("target %s holds %v, want exactly crash_%s", id, got, id)
		}
		if id != "after" && !strings.Contains(target.Browser.Moved, "browser crashed") {
			t.Errorf("target %s: browser.moved %q, want the crash and the run again", id, target.Browser.Moved)
		}
	}
	if n := b.Relaunches(); n != 1 {
		t.Errorf("relaunched %d times, want 1", n)
	}
}

// startRemoteChrome starts a Chrome that only the test owns, as a remote
// browser elsewhere would be, and returns its process and DevTools address.
func startRemoteChrome(t *testing.T) (*os.Process, string) {
	t.Helper()
	return startRemoteChromeWith(t, nil)
}

// startRemoteChromeWith is startRemoteChrome with prepare (when not nil)
// run on the new profile folder before Chrome starts.
func startRemoteChromeWith(t *testing.T, prepare func(profile string) error) (*os.Process, string) {
	t.Helper()
	return startRemoteChromeArgs(t, prepare)
}

// startRemoteChromeArgs is startRemoteChromeWith with more switches on
// Chrome's command line, after cookiescope's own.
func startRemoteChromeArgs(t *testing.T, prepare func(profile string) error, extra ...string) (*os.Process, string) {
	t.Helper()
	path, err := FindChrome("")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: Chrome's children outlive its main process for a
	// moment and write in the profile, so it is removed with retries.
	profile, err := os.MkdirTemp("", "cookiescope-remote-")
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		if err := prepare(profile); err != nil {
			os.RemoveAll(profile)
			t.Fatal(err)
		}
	}
	cmd := exec.Command(path, remoteChromeArgs(profile, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
		killProfileUsers(profile)
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Errorf("the remote Chrome's profile %s could not be removed", profile)
	})
	addr, err := devToolsAddress(stderr)
	if err != nil {
		t.Fatal(err)
	}
	return cmd.Process, addr
}

// devToolsAddress returns the browser endpoint a Chrome started with
// --remote-debugging-port says on stderr that it listens on, within 30 s.
func devToolsAddress(stderr io.Reader) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, addr, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
				found <- addr
			}
		}
	}()
	select {
	case addr := <-found:
		return addr, nil
	case <-time.After(30 * time.Second):
		return "", errors.New("the remote Chrome did not say its DevTools address within 30 s")
	}
}

func TestARemoteBrowserThatFreezesFailsTheRestAtOnce(t *testing.T) {
	needBrowser(t)
	proc, addr := startRemoteChrome(t)
	b := launchOwnBrowser(t, Options{Remotes: []string{addr}, reconnect: shortReconnect})
	start := time.Now()
	targets := runBreakingTheBrowser(t, b, 6, func() {
		if err := proc.Signal(syscall.SIGSTOP); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	for i, target := range targets[2:] {
		if !strings.Contains(target.Error, "browser stopped answering") {
			t.Errorf("target %d after the freeze: error %q, want the browser's cause", i+2, target.Error)
		}
	}
	// The remaining targets fail at once once the browser is dropped, not
	// after a timeout each: far less than the 4 × 20 s their timeouts
	// would add up to (the tries to connect to it again take the bound).
	if elapsed := time.Since(start); elapsed > 40*time.Second {
		t.Errorf("the run took %s after a remote browser froze", elapsed)
	}
	// A frozen browser still takes connections but never answers: every
	// try to connect to it again times out, and it is dropped.
	rc := b.Reconnections()
	if len(rc) != 1 || rc[0].Reconnected || rc[0].Attempts < 2 || !strings.Contains(rc[0].Error, "connecting to it again failed") {
		t.Errorf("reconnections: %+v; want one that tried more than once and dropped the browser", rc)
	}
	if n := b.Relaunches(); n != 0 {
		t.Errorf("a remote browser was relaunched %d times", n)
	}
}

// remoteChromeArgs is the command line of a Chrome that a test starts to
// serve as a --remote browser, listening on a port of its choice unless
// extra sets one, with extra after cookiescope's own flags.
func remoteChromeArgs(profile string, extra ...string) []string {
	args := []string{"--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-quic", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
		"--user-data-dir=" + profile, "--host-resolver-rules=MAP *.test 127.0.0.1",
		"--ignore-certificate-errors-spki-list=" + testLab.SPKI}
	args = append(append(args, extra...), "about:blank")
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox")
	}
	return args
}

// killProfileUsers kills the processes whose command line names the
// profile: the children of a Chrome whose main process is gone.
func killProfileUsers(profile string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(cmdline), "--user-data-dir="+profile) {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err == nil && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// A launched browser that dies when no target runs (no worker is left to
// find it dead) is relaunched for the next run, which opens its workers on
// the new browser instead of failing to.
func TestALaunchedBrowserThatDiedBetweenRunsIsRelaunchedForTheNext(t *testing.T) {
	b := launchOwnBrowser(t, labOptions())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst := b.current()
	if err := b.Process().Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-chromedp.FromContext(inst.ctx).Browser.LostConnection:
	case <-ctx.Done():
		t.Fatal("the killed browser's connection never dropped")
	}
	targets, complete, err := b.InspectURLs(ctx, []string{plainURL("between")}, 1, LoadOptions{Timeout: 20 * time.Second}, nil)
	if err != nil || !complete || len(targets) != 1 {
		t.Fatalf("run after the browser died: complete %v, %d targets, err %v", complete, len(targets), err)
	}
	checkPlain(t, targets[0], "between", "a browser that died between runs")
	if n := b.Relaunches(); n != 1 {
		t.Errorf("relaunched %d times, want 1", n)
	}
}
