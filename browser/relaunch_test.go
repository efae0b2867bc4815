package browser

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
	failed := 0
	for _, target := range targets {
		if target.Error != "" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d targets failed, want exactly the one the freeze caught", failed)
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
	args := []string{"--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-quic", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
		"--user-data-dir=" + profile, "--host-resolver-rules=MAP *.test 127.0.0.1",
		"--ignore-certificate-errors-spki-list=" + testLab.SPKI}
	args = append(append(args, extra...), "about:blank")
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox")
	}
	cmd := exec.Command(path, args...)
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
		return cmd.Process, addr
	case <-time.After(30 * time.Second):
		t.Fatal("the remote Chrome did not say its DevTools address")
	}
	return nil, ""
}

func TestARemoteBrowserThatFreezesFailsTheRestAtOnce(t *testing.T) {
	needBrowser(t)
	proc, addr := startRemoteChrome(t)
	b := launchOwnBrowser(t, Options{Remotes: []string{addr}})
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
	// The remaining targets fail at once, not after a timeout each: far
	// less than the 4 × 20 s their timeouts would add up to.
	if elapsed := time.Since(start); elapsed > 40*time.Second {
		t.Errorf("the run took %s after a remote browser froze", elapsed)
	}
	if n := b.Relaunches(); n != 0 {
		t.Errorf("a remote browser was relaunched %d times", n)
	}
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
