package browser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// browserlessDirEnv names the folder of an npm install of
// @browserless.io/browserless (node_modules/@browserless.io/browserless);
// the test below starts it from there.
const browserlessDirEnv = "COOKIESCOPE_BROWSERLESS_DIR"

// browserlessDir is where browserless is installed: browserlessDirEnv, else
// where scripts/install-browserless puts it, when it is there; "" when it
// is in neither.
func browserlessDir() string {
	if dir := os.Getenv(browserlessDirEnv); dir != "" {
		return dir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	dir := filepath.Join(cache, "cookiescope", "browserless", "node_modules", "@browserless.io", "browserless")
	if _, err := os.Stat(filepath.Join(dir, "build", "index.js")); err != nil {
		return ""
	}
	return dir
}

// startBrowserless starts the browserless service installed in dir on a
// loopback port, handing out this machine's Chrome (its own download of
// browsers is not installed: its Chromium path is pointed at ours, and
// only its Chromium routes are served), and returns its endpoint and the
// folder its Chromium path lies in, by which its browsers are found.
func startBrowserless(t *testing.T, dir string) (endpoint, chromiumDir string) {
	t.Helper()
	chrome, err := FindChrome("")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	pw := filepath.Join(work, "browsers")
	// browserless asks playwright-core where Chromium is; it looks for its
	// own copy beside itself.
	core := filepath.Join(dir, "node_modules", "playwright-core")
	if _, err := os.Stat(core); err != nil {
		if err := os.MkdirAll(filepath.Dir(core), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(dir, "..", "..", "playwright-core"), core); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("node", "-e", "process.env.PLAYWRIGHT_BROWSERS_PATH=process.argv[2]; console.log(require(process.argv[1]).chromium.executablePath())", core, pw)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ask playwright-core for Chromium's path: %v", err)
	}
	path := strings.TrimSpace(string(out))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(chrome, path); err != nil {
		t.Fatal(err)
	}
	routes := filepath.Join(work, "routes")
	for _, r := range []string{"chromium", "management"} {
		if err := os.MkdirAll(routes, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(dir, "build", "routes", r), filepath.Join(routes, r)); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	service := exec.Command("node", "build/index.js")
	service.Dir = dir
	service.Env = append(os.Environ(), "PLAYWRIGHT_BROWSERS_PATH="+pw, "ROUTES="+routes, "HOST=127.0.0.1", fmt.Sprintf("PORT=%d", port), "CONCURRENT=4", "TIMEOUT=600000")
	service.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := service.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-service.Process.Pid, syscall.SIGKILL)
		service.Wait()
		killCommandsUnder(pw)
	})
	// The lab's host names and certificate, passed as browserless takes a
	// connection's launch options.
	launch, err := json.Marshal(map[string][]string{"args": {"--host-resolver-rules=MAP *.test 127.0.0.1", "--ignore-certificate-errors-spki-list=" + testLab.SPKI}})
	if err != nil {
		t.Fatal(err)
	}
	endpoint = fmt.Sprintf("ws://127.0.0.1:%d/chromium?launch=%s", port, url.QueryEscape(string(launch)))
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := webSocketAddress(t.Context(), fmt.Sprintf("http://127.0.0.1:%d", port)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("browserless did not answer within 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return endpoint, pw
}

// killCommandsUnder kills the processes whose command line names a path
// under dir, and says how many it found.
func killCommandsUnder(dir string) int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.HasPrefix(string(cmdline), dir) {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err == nil && pid != os.Getpid() {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
	}
	return n
}

// The real browserless, started from its npm install, as the only --remote:
// its browser killed mid-run, the endpoint is connected to again, browserless
// hands out a new browser, and every target is served.
func TestBrowserlessWhoseBrowserDiesIsConnectedToAgain(t *testing.T) {
	needBrowser(t)
	dir := browserlessDir()
	if dir == "" {
		t.Skipf("browserless is not installed: run scripts/install-browserless, or npm install @browserless.io/browserless anywhere and set %s to its node_modules/@browserless.io/browserless (CI does not install it; TestABrowserServiceWhoseBrowserDiesIsConnectedToAgain runs the same reconnection against a stand-in service there)", browserlessDirEnv)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("browserless is installed in %s but node is missing: %v", dir, err)
	}
	endpoint, chromium := startBrowserless(t, dir)
	b := launchOwnBrowser(t, Options{Remotes: []string{endpoint}})
	targets := runBreakingTheBrowser(t, b, 6, func() {
		if killCommandsUnder(chromium) == 0 {
			t.Error("found no browser of browserless's to kill")
		}
	})
	for i, target := range targets {
		if target.Error != "" {
			t.Errorf("target %d failed: %s", i, target.Error)
			continue
		}
		checkPlain(t, target, fmt.Sprintf("r%d", i), "browserless's browser's death")
	}
	rc := b.Reconnections()
	if len(rc) != 1 || !rc[0].Reconnected {
		t.Fatalf("reconnections: %+v; want one, connected to again", rc)
	}
	t.Logf("browserless's browser was lost (%s) and connected to again after %d tries in %d ms", rc[0].Cause, rc[0].Attempts, rc[0].TookMS)
	for i, target := range targets {
		if target.Browser.Moved != "" {
			t.Logf("target %d: %s", i, target.Browser.Moved)
		}
	}
}
