package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

func TestBadUsageExitsTwo(t *testing.T) {
	tests := []struct {
		description string
		args        []string
		mentions    string
	}{
		{"no command", nil, "Usage"},
		{"an unknown command", []string{"frobnicate"}, "unknown command"},
		{"inspect without a URL", []string{"inspect"}, "at least one URL"},
		{"an unknown format", []string{"inspect", "--format", "xml", "https://app.test/"}, "--format"},
		{"a --resolve without an address", []string{"inspect", "--resolve", "app.test", "https://app.test/"}, "HOST:IP"},
		{"a --resolve to a name", []string{"inspect", "--resolve", "app.test:localhost", "https://app.test/"}, "not an IP"},
		{"zero workers", []string{"inspect", "--workers", "0", "https://app.test/"}, "--workers"},
		{"an unknown flag", []string{"inspect", "--frobnicate", "https://app.test/"}, "frobnicate"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			code, _, stderr := cookiescope(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.mentions) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, exitUsage, tt.mentions)
			}
		})
	}
}

// labToken matches the random values the lab gives its cookies.
var labToken = regexp.MustCompile(`[0-9a-f]{16}`)

func TestJSONReportIsValidAndRedacted(t *testing.T) {
	code, stdout, stderr := labInspect(t, []string{"--format", "json"}, "/headers", "/scripts", "/frames")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
	if leak := labToken.FindString(stdout); leak != "" {
		t.Errorf("a cookie value leaked into the redacted report: %s", leak)
	}
	doc := decodeReport(t, stdout)
	targets := doc["targets"].([]any)
	if len(targets) != 3 {
		t.Fatalf("%d targets, want 3", len(targets))
	}
	cookies := 0
	for _, tg := range targets {
		for _, c := range tg.(map[string]any)["cookies"].([]any) {
			cookies++
			if v := c.(map[string]any)["value"]; v != "[redacted]" {
				t.Errorf("cookie value %q not redacted", v)
			}
		}
	}
	if cookies < 15 {
		t.Errorf("only %d cookies in the lab's three pages", cookies)
	}
	if !strings.Contains(stderr, "[3/3]") {
		t.Errorf("no progress on stderr:\n%s", stderr)
	}
}

func TestShowValuesShowsValues(t *testing.T) {
	code, stdout, stderr := labInspect(t, []string{"--format", "json", "--show-values"}, "/headers")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
	if strings.Contains(stdout, "[redacted]") || !labToken.MatchString(stdout) {
		t.Errorf("--show-values did not show the values:\n%.2000s", stdout)
	}
}

func TestTableShowsEveryCapturePath(t *testing.T) {
	code, stdout, stderr := labInspect(t, nil, "/headers", "/scripts", "/frames")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"header from /headers", "document.cookie inline in /scripts", "analytics.js", "cookieStore", "widget.test", "SameSiteNoneInsecure", "InvalidPrefix", "NotStored"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if labToken.MatchString(stdout) {
		t.Errorf("the table shows a cookie value")
	}
}

func TestOutputFileAndFailedTargetExitThree(t *testing.T) {
	needBrowser(t)
	out := filepath.Join(t.TempDir(), "report.json")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	code, stdout, stderr := cookiescope(t, "inspect", "--remote", testRemote, "--format", "json", "--output", out,
		closed.URL+"/", testLab.URL(true, lab.AppHost, "/headers"))
	if code != exitRuntime {
		t.Errorf("exit %d, want %d for an unreachable target; stderr:\n%s", code, exitRuntime, stderr)
	}
	if stdout != "" {
		t.Errorf("with --output, stdout got %q", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Check(t, data)
	targets := decodeReport(t, string(data))["targets"].([]any)
	if len(targets) != 2 || !strings.Contains(targets[0].(map[string]any)["error"].(string), "ERR_CONNECTION_REFUSED") || len(targets[1].(map[string]any)["cookies"].([]any)) == 0 {
		t.Errorf("the report does not hold the failed target's error and the good target's cookies:\n%s", data)
	}
}

// TestInterruptLeavesNothingBehind runs the real binary, which launches its
// own Chrome, and stops it with SIGINT while a page hangs: the report must
// hold what was captured, and no Chrome process or profile may remain.
func TestInterruptLeavesNothingBehind(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	bin := buildCookiescope(t)
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.json")
	cmd := exec.Command(bin, "inspect", "--format", "json", "--output", report, "--timeout", "2m",
		"--resolve", "*.test:127.0.0.1", "--trust-spki", testLab.SPKI,
		testLab.URL(true, lab.AppHost, "/headers"), testLab.URL(true, lab.AppHost, "/hang"), testLab.URL(true, lab.AppHost, "/scripts"))
	// Chrome's temporary profile goes under TMPDIR: a clean exit leaves it empty.
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	stderr := &watchWriter{want: "[1/3]", seen: make(chan struct{})}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the first target is done and the hanging one has begun.
	select {
	case <-stderr.seen:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the first target never finished; stderr:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit %d (%v), want %d; stderr:\n%s", code, err, exitInterrupted, stderr.String())
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("no report after the interrupt: %v", err)
	}
	schematest.Check(t, data)
	doc := decodeReport(t, string(data))
	if doc["interrupted"] != true {
		t.Errorf("the report does not say it was interrupted")
	}
	targets := doc["targets"].([]any)
	if len(targets) != 2 {
		t.Fatalf("%d targets in the report, want the finished one and the interrupted one", len(targets))
	}
	hang := targets[1].(map[string]any)
	if !strings.Contains(hang["error"].(string), "interrupted") || !strings.Contains(string(data), "before_hang") {
		t.Errorf("the interrupted target lost what it captured: %v", hang)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if pids := processesMentioning(tmp); len(pids) != 0 {
		t.Errorf("Chrome processes still running: %v", pids)
	}
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(s string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// watchWriter collects what is written and closes seen once want appears.
type watchWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
