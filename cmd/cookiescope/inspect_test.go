package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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

	"github.com/cookiescope/cookiescope/inspect"
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
		{"an unknown dialog answer", []string{"inspect", "--dialogs", "maybe", "https://app.test/"}, "--dialogs"},
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
	for _, want := range []string{"header from /headers", "document.cookie inline in /scripts", "analytics.js", "cookieStore", "widget.test", "SameSiteNoneInsecure", "InvalidPrefix", "not-stored"} {
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
// own Chrome, and stops it with SIGINT at a moment of the run: the report
// must hold what was captured, and no Chrome process or profile may remain.
func TestInterruptLeavesNothingBehind(t *testing.T) {
	needBrowser(t)
	bin := buildCookiescope(t)
	tests := []struct {
		description string
		// signalOn is the stderr text after which SIGINT is sent.
		signalOn string
		// hangParsed makes SIGINT wait, after signalOn, until the browser
		// parsed the never-loading page: its response is then captured.
		hangParsed bool
		// check looks at the report beyond interrupted: true.
		check func(t *testing.T, data []byte, targets []any)
	}{
		{"while a page hangs, after one target finished", "[1/3]", true, func(t *testing.T, data []byte, targets []any) {
			if len(targets) != 2 {
				t.Fatalf("%d targets in the report, want the finished one and the interrupted one", len(targets))
			}
			hang := targets[1].(map[string]any)
			if !strings.Contains(hang["error"].(string), "interrupted") || !strings.Contains(string(data), "before_hang") {
				t.Errorf("the interrupted target lost what it captured: %v", hang)
			}
		}},
		{"as soon as the browser is up, while its contexts open", "using ", false, func(t *testing.T, data []byte, targets []any) {
			if len(targets) > 2 {
				t.Errorf("%d targets, but the third page hangs", len(targets))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			dir := t.TempDir()
			// Chrome's socket path must be short; the test's folder, named
			// after the test, is not.
			tmp, err := os.MkdirTemp("", "cs")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(tmp)
			report := filepath.Join(dir, "report.json")
			cmd := exec.Command(bin, "inspect", "--format", "json", "--output", report, "--timeout", "2m",
				"--resolve", "*.test:127.0.0.1", "--trust-spki", testLab.SPKI,
				testLab.URL(true, lab.AppHost, "/headers"), testLab.URL(true, lab.AppHost, "/hang"), testLab.URL(true, lab.AppHost, "/scripts"))
			// Chrome's temporary profile goes under TMPDIR: a clean exit leaves it empty.
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			hangsBefore := testLab.HangPagesSeen()
			stderr := &watchWriter{want: tt.signalOn, seen: make(chan struct{})}
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-stderr.seen:
			case err := <-exited:
				t.Fatalf("exited (%v) before %q; stderr:\n%s", err, tt.signalOn, stderr.String())
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("%q never came; stderr:\n%s", tt.signalOn, stderr.String())
			}
			for tt.hangParsed && testLab.HangPagesSeen() == hangsBefore {
				select {
				case err := <-exited:
					t.Fatalf("exited (%v) before the hanging page was parsed; stderr:\n%s", err, stderr.String())
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			err = <-exited
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
			tt.check(t, data, doc["targets"].([]any))
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
			if pids := processesMentioning(tmp); len(pids) != 0 {
				t.Errorf("Chrome processes still running: %v", pids)
			}
		})
	}
}

// TestInterruptAtAnyMomentStillReports cancels the run's context at each
// moment of a run, in process: the outcome is always exit code 130 with a
// complete report in every requested format.
func TestInterruptAtAnyMomentStillReports(t *testing.T) {
	tests := []struct {
		description string
		// setup returns the arguments (URLs included) and where the JSON
		// report goes ("-" for stdout), and arranges for cancel to be called
		// at the moment the row is about; stderr calls cancel once it shows
		// cancelOn, when that is not empty.
		setup    func(t *testing.T, dir string, cancel context.CancelFunc) (args []string, jsonOut string, read func() string)
		cancelOn string
		// wantTargets is how many targets the report holds; interrupted is
		// what it says.
		wantTargets int
		interrupted bool
	}{
		{"before the browser starts: an empty report", func(t *testing.T, dir string, cancel context.CancelFunc) ([]string, string, func() string) {
			cancel()
			// Were it launched, this browser would fail with exit code 3.
			return []string{"--browser", "/nonexistent/chrome", "https://app.test/"}, "-", nil
		}, "", 0, true},
		{"while the browser contexts open", func(t *testing.T, dir string, cancel context.CancelFunc) ([]string, string, func() string) {
			needBrowser(t)
			return []string{"--remote", testRemote, testLab.URL(true, lab.AppHost, "/headers")}, "-", nil
		}, "using ", 0, true},
		{"in the middle of a target", func(t *testing.T, dir string, cancel context.CancelFunc) ([]string, string, func() string) {
			needBrowser(t)
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/" {
					http.NotFound(w, r)
					return
				}
				w.Header().Add("Set-Cookie", "before_hang=1; Path=/")
				w.Write([]byte("<p>this page never ends"))
				w.(http.Flusher).Flush()
				cancel()
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			t.Cleanup(func() { close(release); srv.Close() })
			return []string{"--remote", testRemote, "--timeout", "2m", srv.URL + "/"}, "-", nil
		}, "", 1, true},
		{"while the report is written: the run is complete, yet it exits 130", func(t *testing.T, dir string, cancel context.CancelFunc) ([]string, string, func() string) {
			needBrowser(t)
			fifo := filepath.Join(dir, "report.json")
			makeFIFO(t, fifo)
			read := make(chan string, 1)
			go func() {
				f, err := os.Open(fifo) // returns once the report is being written
				if err != nil {
					read <- err.Error()
					return
				}
				defer f.Close()
				cancel()
				data, _ := io.ReadAll(f)
				read <- string(data)
			}()
			t.Cleanup(func() { releaseFIFO(fifo) })
			return []string{"--remote", testRemote, testLab.URL(true, lab.AppHost, "/headers")}, fifo, func() string {
				select {
				case s := <-read:
					return s
				case <-time.After(time.Minute):
					return "nothing read within a minute"
				}
			}
		}, "", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args, jsonOut, read := tt.setup(t, dir, cancel)
			out := func(name string) string { return filepath.Join(dir, name) }
			args = append([]string{"inspect", "--format", "json", "--output", jsonOut, "--format", "junit", "--output", out("r.xml"),
				"--format", "sarif", "--output", out("r.sarif"), "--format", "markdown", "--output", out("r.md"),
				"--format", "table", "--output", out("r.txt")}, args...)
			var stdout bytes.Buffer
			stderr := &watchWriter{want: tt.cancelOn, seen: make(chan struct{}), onSeen: cancel}
			if tt.cancelOn == "" {
				stderr.onSeen = nil
			}
			code := run(ctx, args, &stdout, stderr)
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
			}
			data := stdout.String()
			if read != nil {
				data = read()
			}
			schematest.Check(t, []byte(data))
			doc := decodeReport(t, data)
			if doc["interrupted"] != tt.interrupted {
				t.Errorf("the report says interrupted: %v, want %v", doc["interrupted"], tt.interrupted)
			}
			targets := doc["targets"].([]any)
			if len(targets) != tt.wantTargets {
				t.Errorf("%d targets, want %d", len(targets), tt.wantTargets)
			}
			if tt.interrupted && tt.wantTargets > 0 && !strings.Contains(targets[0].(map[string]any)["error"].(string), "interrupted") {
				t.Errorf("the target cut short does not say so: %v", targets[0])
			}
			for _, name := range []string{"r.xml", "r.sarif", "r.md", "r.txt"} {
				if fi, err := os.Stat(out(name)); err != nil || fi.Size() == 0 {
					t.Errorf("no %s report: %v", name, err)
				}
			}
		})
	}
}

// TestEveryCommandReportsAnInterrupt interrupts each command that drives a
// browser before its browser starts: each exits 130 with a report.
func TestEveryCommandReportsAnInterrupt(t *testing.T) {
	tests := []struct {
		description string
		args        []string
	}{
		{"inspect", []string{"inspect", "https://app.test/"}},
		{"probe", []string{"probe", "https://app.test/"}},
		{"run, which starts the lab for its scenarios", []string{"run", "builtin:"}},
		{"demo, which starts the lab", []string{"demo"}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var stdout, stderr bytes.Buffer
			// Were it launched, this browser would fail with exit code 3.
			code := run(ctx, append(tt.args, "--browser", "/nonexistent/chrome", "--format", "json"), &stdout, &stderr)
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
			}
			schematest.Check(t, stdout.Bytes())
			if doc := decodeReport(t, stdout.String()); doc["interrupted"] != true {
				t.Errorf("the report does not say it was interrupted")
			}
		})
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

// watchWriter collects what is written and closes seen once want appears,
// after calling onSeen (when set) in the writer's goroutine.
type watchWriter struct {
	// mu guards buf.
	mu     sync.Mutex
	buf    strings.Builder
	want   string
	seen   chan struct{}
	onSeen func()
	once   sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	found := w.want != "" && strings.Contains(w.buf.String(), w.want)
	w.mu.Unlock()
	if found {
		w.once.Do(func() {
			if w.onSeen != nil {
				w.onSeen()
			}
			close(w.seen)
		})
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestDialogsAreAnsweredAsTheFlagSays(t *testing.T) {
	for _, tt := range []struct{ flag, answer, returned string }{{"dismiss", "dismissed", "false"}, {"accept", "accepted", "true"}} {
		t.Run(tt.flag, func(t *testing.T) {
			code, stdout, stderr := labInspect(t, []string{"--format", "json", "--show-values", "--dialogs", tt.flag}, "/hostile/dialog?kind=confirm")
			if code != exitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			schematest.Check(t, []byte(stdout))
			var rep inspect.Report
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil || len(rep.Targets) != 1 {
				t.Fatalf("report: %v", err)
			}
			target := rep.Targets[0]
			if len(target.Dialogs) != 1 || target.Dialogs[0].Kind != "confirm" || target.Dialogs[0].Answer != tt.answer {
				t.Errorf("dialogs %+v, want one confirm %s", target.Dialogs, tt.answer)
			}
			for _, c := range target.Cookies {
				if c.Name == "dialog_confirm_after" && c.Value != tt.returned {
					t.Errorf("confirm() returned %q to the page, want %q", c.Value, tt.returned)
				}
			}
		})
	}
}
