package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// clock is a time that tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestReporterShowsProgressAndFailuresInFull(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	r := newReporter(&out, 10*time.Second, c.now)
	lines := []struct {
		after time.Duration
		json  string
	}{
		{0, `{"Action":"start","Package":"m/browser"}`},
		{0, `{"Action":"run","Package":"m/browser","Test":"TestQuick"}`},
		{time.Second, `{"Action":"pass","Package":"m/browser","Test":"TestQuick","Elapsed":1}`},
		{0, `{"Action":"start","Package":"m/inspect"}`},
		{0, `{"Action":"output","Package":"m/inspect","Test":"TestParse","Output":"=== RUN   TestParse\n"}`},
		{0, `{"Action":"pass","Package":"m/inspect","Test":"TestParse","Elapsed":0.01}`},
		{0, `{"Action":"pass","Package":"m/inspect","Elapsed":0.2}`},
		{0, `go: downloading example.com/x v1.0.0`},
		{20 * time.Second, `{"Action":"pass","Package":"m/browser","Test":"TestSlow","Elapsed":19}`},
		{0, `{"Action":"output","Package":"m/browser","Test":"TestBad","Output":"=== RUN   TestBad\n"}`},
		{0, `{"Action":"output","Package":"m/browser","Test":"TestBad/case","Output":"    bad_test.go:9: got 1, want 2\n"}`},
		{0, `{"Action":"fail","Package":"m/browser","Test":"TestBad/case","Elapsed":0.5}`},
		{0, `{"Action":"output","Package":"m/browser","Test":"TestBad","Output":"--- FAIL: TestBad (0.50s)\n"}`},
		{0, `{"Action":"fail","Package":"m/browser","Test":"TestBad","Elapsed":0.5}`},
		{0, `{"Action":"fail","Package":"m/browser","Elapsed":21.5}`},
		{0, `{"Action":"output","Package":"m/lab","Output":"panic: TestMain could not start\n"}`},
		{0, `{"Action":"output","Package":"m/lab","Test":"TestHang","Output":"=== RUN   TestHang\n"}`},
		{0, `{"Action":"fail","Package":"m/lab","Elapsed":0.1}`},
		{0, `{"Action":"skip","Package":"m/internal/x"}`},
		{0, `{"ImportPath":"m/report","Action":"build-output","Output":"report/x.go:1:1: expected 'package'\n"}`},
		{0, `{"ImportPath":"m/report","Action":"build-fail"}`},
	}
	for _, l := range lines {
		c.t = c.t.Add(l.after)
		r.read(strings.NewReader(l.json + "\n"))
	}
	r.summary()
	want := `ok      m/inspect 0.2s
go: downloading example.com/x v1.0.0
    m/browser TestSlow PASS (19.0s)
--- FAIL m/browser TestBad (0.5s)
=== RUN   TestBad
    bad_test.go:9: got 1, want 2
--- FAIL: TestBad (0.50s)
FAIL    m/browser 21.5s
panic: TestMain could not start
--- unfinished TestHang
=== RUN   TestHang
FAIL    m/lab 0.1s
?       m/internal/x [no test files]
BUILD FAIL m/report
report/x.go:1:1: expected 'package'
1 packages passed, 2 failed, 1 without tests, in 21s
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunKeepsTheExitCode(t *testing.T) {
	tests := []struct {
		description, script string
		code                int
	}{
		{"a passing run", `echo '{"Action":"pass","Package":"m/a","Elapsed":1}'`, 0},
		{"a failing run keeps go test's code", `echo '{"Action":"fail","Package":"m/a","Elapsed":1}'; exit 3`, 3},
		{"a failure the command did not report in its code", `echo '{"Action":"fail","Package":"m/a","Elapsed":1}'`, 1},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := run([]string{"sh", "-c", tt.script}, time.Minute, &out, &errOut); code != tt.code {
			t.Errorf("%s: exit %d, want %d (output %q)", tt.description, code, tt.code, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"/nonexistent/go"}, time.Minute, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "nonexistent") {
		t.Errorf("a command that cannot start: exit %d, stderr %q", code, errOut.String())
	}
}
