package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBaselineFailsOnlyOnRegressions(t *testing.T) {
	needBrowser(t)
	var httpOnly atomic.Bool
	httpOnly.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := "sid=abc123; Path=/; SameSite=Lax"
		if httpOnly.Load() {
			line += "; HttpOnly"
		}
		w.Header().Add("Set-Cookie", line)
		w.Write([]byte("<p>app</p>"))
	}))
	defer srv.Close()
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	inspectIt := func(extra ...string) (int, string) {
		args := append([]string{"inspect", "--remote", testRemote, "--fail-on", "low"}, extra...)
		code, stdout, stderr := cookiescope(t, append(args, srv.URL+"/")...)
		return code, stdout + stderr
	}
	if code, out := inspectIt("--baseline", baseline, "--update-baseline"); code != exitFindings || !strings.Contains(out, "baseline written") {
		// The session cookie over plain http draws findings at low: without a
		// baseline comparison, --fail-on decides.
		t.Fatalf("update: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(baseline); err != nil {
		t.Fatal(err)
	}
	if code, out := inspectIt("--baseline", baseline); code != exitOK || !strings.Contains(out, "0 regressions") {
		t.Errorf("unchanged site against its baseline: exit %d, want 0 (known findings are not regressions)\n%s", code, out)
	}
	httpOnly.Store(false)
	code, out := inspectIt("--baseline", baseline)
	if code != exitFindings || !strings.Contains(out, "REGRESSION") || !strings.Contains(out, "sid lost HttpOnly") {
		t.Errorf("the session lost HttpOnly: exit %d, want %d with the regression\n%s", code, exitFindings, out)
	}
}
