// Command testprogress runs `go test -json` and shows progress as it goes:
// a line per finished package, a line per finished top-level test of a
// package that has been running for a while (the browser tests take
// minutes), and every failure in full. It exits with the test command's
// exit code, so `make test` fails when a test does.
//
// Usage:
//
//	go run ./scripts/testprogress [-slow 10s] go test -race -json ./...
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

func main() {
	slow := flag.Duration("slow", 10*time.Second, "list the finished top-level tests of a package once it has run this `long`")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: testprogress [-slow DURATION] go test -json [flags] [packages]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Args(), *slow, os.Stdout, os.Stderr))
}

// run runs the test command, reports its events to out and returns the
// exit code: the command's, or 1 when it exited 0 yet a test failed.
func run(args []string, slow time.Duration, out, errOut io.Writer) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(errOut, "testprogress:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(errOut, "testprogress:", err)
		return 1
	}
	r := newReporter(out, slow, time.Now)
	r.read(stdout)
	err = cmd.Wait()
	r.summary()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintln(errOut, "testprogress:", err)
		return 1
	case r.failed > 0:
		return 1
	}
	return 0
}

// event is one line of `go test -json` (cmd/test2json's TestEvent, with
// the build events of go1.24 and later).
type event struct {
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string
}

// pkgState is what the reporter keeps of a package while it runs.
type pkgState struct {
	// started is when its first event arrived.
	started time.Time
	// output is the package's own output (not a test's), and tests the
	// output of each top-level test, its subtests' included, in order.
	output []string
	tests  map[string][]string
	// failedTests counts the tests that failed, to tell a package that
	// failed by its tests from one that failed otherwise (a panic in
	// TestMain, a timeout).
	failedTests int
}

// reporter turns events into progress lines.
type reporter struct {
	out  io.Writer
	slow time.Duration
	now  func() time.Time
	pkgs map[string]*pkgState
	// builds holds the output of each package's build, printed if it fails.
	builds map[string][]string
	// passed, failed and skipped count the packages.
	passed, failed, skipped int
	start                   time.Time
}

func newReporter(out io.Writer, slow time.Duration, now func() time.Time) *reporter {
	return &reporter{out: out, slow: slow, now: now, pkgs: map[string]*pkgState{}, builds: map[string][]string{}, start: now()}
}

// read handles every line of the test command's output; a line that is
// not an event is passed through.
func (r *reporter) read(in io.Reader) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(r.out, "%s\n", line)
			continue
		}
		r.handle(e)
	}
}

// topLevel returns the top-level test of a test name ("TestA/sub" gives
// "TestA").
func topLevel(test string) string {
	name, _, _ := strings.Cut(test, "/")
	return name
}

func (r *reporter) handle(e event) {
	switch e.Action {
	case "build-output":
		r.builds[e.ImportPath] = append(r.builds[e.ImportPath], e.Output)
		return
	case "build-fail":
		fmt.Fprintf(r.out, "BUILD FAIL %s\n%s", e.ImportPath, strings.Join(r.builds[e.ImportPath], ""))
		delete(r.builds, e.ImportPath)
		return
	}
	if e.Package == "" {
		return
	}
	p := r.pkgs[e.Package]
	if p == nil {
		p = &pkgState{started: r.now(), tests: map[string][]string{}}
		r.pkgs[e.Package] = p
	}
	if e.Test == "" {
		r.handlePackage(e, p)
		return
	}
	top := topLevel(e.Test)
	switch e.Action {
	case "output":
		p.tests[top] = append(p.tests[top], e.Output)
	case "fail":
		p.failedTests++
		if e.Test == top {
			fmt.Fprintf(r.out, "--- FAIL %s %s (%.1fs)\n%s", e.Package, e.Test, e.Elapsed, strings.Join(p.tests[top], ""))
			delete(p.tests, top)
		}
	case "pass", "skip":
		if e.Test != top {
			return
		}
		if r.now().Sub(p.started) >= r.slow {
			fmt.Fprintf(r.out, "    %s %s %s (%.1fs)\n", shortName(e.Package), e.Test, strings.ToUpper(e.Action), e.Elapsed)
		}
		delete(p.tests, top)
	}
}

// handlePackage handles an event of the package itself: its output, and
// its end.
func (r *reporter) handlePackage(e event, p *pkgState) {
	switch e.Action {
	case "output":
		p.output = append(p.output, e.Output)
	case "pass":
		r.passed++
		fmt.Fprintf(r.out, "ok      %s %.1fs\n", e.Package, e.Elapsed)
		delete(r.pkgs, e.Package)
	case "skip":
		r.skipped++
		fmt.Fprintf(r.out, "?       %s [no test files]\n", e.Package)
		delete(r.pkgs, e.Package)
	case "fail":
		r.failed++
		if p.failedTests == 0 {
			// No test said why: the package's own output does (a build
			// error, a panic outside a test, a timeout, TestMain).
			fmt.Fprint(r.out, strings.Join(p.output, ""))
			var open []string
			for name := range p.tests {
				open = append(open, name)
			}
			sort.Strings(open)
			for _, name := range open {
				fmt.Fprintf(r.out, "--- unfinished %s\n%s", name, strings.Join(p.tests[name], ""))
			}
		}
		fmt.Fprintf(r.out, "FAIL    %s %.1fs\n", e.Package, e.Elapsed)
		delete(r.pkgs, e.Package)
	}
}

// shortName drops the module path's host and owner for test lines.
func shortName(pkg string) string {
	const module = "github.com/cookiescope/cookiescope/"
	return strings.TrimPrefix(pkg, module)
}

// summary writes the last line: the packages by outcome and the time.
func (r *reporter) summary() {
	fmt.Fprintf(r.out, "%d packages passed, %d failed, %d without tests, in %s\n", r.passed, r.failed, r.skipped, r.now().Sub(r.start).Round(time.Second))
}
