package main

import (
	"bytes"
	"context"
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

func TestABadBaselineExitsTwoBeforeTheBrowserStarts(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "notes.txt")
	os.WriteFile(notJSON, []byte("not a report"), 0o644)
	tests := []struct {
		description, file, mentions string
	}{
		{"a baseline that does not exist", filepath.Join(dir, "missing.json"), "missing.json does not exist; create it with --update-baseline"},
		{"a baseline that is not a report", notJSON, "notes.txt: not a cookiescope JSON report"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			// The trap browser fails: reaching the launch would exit 3.
			code, _, stderr := cookiescope(t, "inspect", "--browser", trapBrowser(t), "--baseline", tt.file, "https://app.test/")
			if code != exitUsage || !strings.Contains(stderr, tt.mentions) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, exitUsage, tt.mentions)
			}
		})
	}
}

func TestAnInterruptedRunDoesNotUpdateTheBaseline(t *testing.T) {
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"inspect", "--browser", trapBrowser(t), "--baseline", baseline, "--update-baseline", "https://app.test/"}, &stdout, &stderr)
	if code != exitInterrupted || !strings.Contains(stderr.String(), "not updated: the run was interrupted") {
		t.Errorf("exit %d, stderr %q; want %d saying the baseline was not updated", code, stderr.String(), exitInterrupted)
	}
	if _, err := os.Stat(baseline); err == nil {
		t.Errorf("an interrupted run wrote the baseline")
	}
}
