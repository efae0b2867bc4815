package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
)

// singleDashFlag matches a flag listed with Go's one dash ("  -format").
var singleDashFlag = regexp.MustCompile(`(?m)^\s+-[a-z]`)

func TestHelpInEveryForm(t *testing.T) {
	tests := []struct {
		description string
		args        []string
		shows       string
	}{
		{"help", []string{"help"}, "Usage:\n  cookiescope inspect"},
		{"-h", []string{"-h"}, "Usage:\n  cookiescope inspect"},
		{"--help", []string{"--help"}, "Usage:\n  cookiescope inspect"},
		{"help help, which used to recurse until the stack overflowed", []string{"help", "help"}, "Usage:\n  cookiescope inspect"},
		{"help -h", []string{"help", "-h"}, "Usage:\n  cookiescope inspect"},
		{"-h -h", []string{"-h", "-h"}, "Usage:\n  cookiescope inspect"},
		{"--help --help", []string{"--help", "--help"}, "Usage:\n  cookiescope inspect"},
		{"help inspect", []string{"help", "inspect"}, "Usage: cookiescope inspect [flags] URL..."},
		{"inspect -h", []string{"inspect", "-h"}, "Usage: cookiescope inspect [flags] URL..."},
		{"inspect --help after other flags", []string{"inspect", "--format", "json", "--help"}, "Usage: cookiescope inspect [flags] URL..."},
		{"probe --help", []string{"probe", "--help"}, "  --probe PROBE\n"},
		{"run -h", []string{"run", "-h"}, "  --shard I/N\n"},
		{"-h of run shows --parallel as deprecated", []string{"run", "-h"}, "  --parallel N\n        deprecated: use --workers N\n"},
		{"demo -h", []string{"demo", "-h"}, "Usage: cookiescope demo [flags]"},
		{"rules -h, which used to print only Go's bare `Usage of rules:`", []string{"rules", "-h"}, "  --format FORMAT\n        output FORMAT: table or markdown (default table)\n"},
		{"help rules", []string{"help", "rules"}, "Usage: cookiescope rules"},
		{"lab --help", []string{"lab", "--help"}, "  --http-port PORT\n"},
		{"help version", []string{"help", "version"}, "Usage: cookiescope version"},
		{"version -h", []string{"version", "-h"}, "Usage: cookiescope version"},
		{"help lists version", []string{"help"}, "cookiescope version "},
		{"a flag's default is shown", []string{"inspect", "-h"}, "  --timeout DURATION\n        give up on a target that has not loaded and gone quiet within this DURATION (such as 30s, 2m) (default 30s)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			code, stdout, stderr := cookiescope(t, tt.args...)
			if code != exitOK || stderr != "" {
				t.Errorf("exit %d, stderr %q; want exit 0 and nothing on stderr", code, stderr)
			}
			if !strings.Contains(stdout, tt.shows) {
				t.Errorf("stdout lacks %q:\n%s", tt.shows, stdout)
			}
			if m := singleDashFlag.FindString(stdout); m != "" {
				t.Errorf("a flag is listed with one dash (%q), unlike the README:\n%s", m, stdout)
			}
			if strings.Contains(stdout, "Usage of ") {
				t.Errorf("Go's bare usage line:\n%s", stdout)
			}
		})
	}
}

func TestUnknownCommandsAndFlagsExitTwo(t *testing.T) {
	tests := []struct {
		description string
		args        []string
		mentions    string
	}{
		{"an unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"help for an unknown command", []string{"help", "frobnicate"}, "help frobnicate: no such command"},
		{"an unknown flag, named as the README writes flags", []string{"inspect", "--frobnicate", "https://app.test/"}, "inspect: flag provided but not defined: --frobnicate (cookiescope inspect -h lists the flags)"},
		{"an unknown flag given with one dash", []string{"run", "-frobnicate", "x.yaml"}, "--frobnicate"},
		{"an unknown flag of rules", []string{"rules", "--frobnicate"}, "rules: flag provided but not defined: --frobnicate"},
		{"a flag without its value", []string{"inspect", "https://app.test/", "--format"}, "flag needs an argument: --format"},
		{"a bad rules format", []string{"rules", "--format", "xml"}, `--format "xml"`},
		{"an argument to rules", []string{"rules", "CS001"}, `rules takes no arguments, got "CS001"`},
		{"an argument to version", []string{"version", "--short"}, `version takes no arguments, got "--short"`},
		{"a port out of range for the lab", []string{"lab", "--http-port", "70000"}, "--http-port 70000: want a port"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			code, stdout, stderr := cookiescope(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.mentions) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, exitUsage, tt.mentions)
			}
			if stdout != "" {
				t.Errorf("a usage error wrote to stdout: %q", stdout)
			}
		})
	}
}

func TestVersionNamesTheBuild(t *testing.T) {
	want := thisBuild()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := cookiescope(t, args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		if first, _, _ := strings.Cut(stdout, "\n"); first != "cookiescope "+want.Version {
			t.Errorf("%v: first line %q, want %q", args, first, "cookiescope "+want.Version)
		}
	}
	// The built binary against what `go version -m` reads from it.
	bin := buildCookiescope(t)
	meta, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("cookiescope version: %v", err)
	}
	if m := regexp.MustCompile(`(?m)^\s+build\s+vcs\.revision=(\S+)`).FindSubmatch(meta); m != nil {
		if !bytes.Contains(out, []byte("commit "+string(m[1]))) {
			t.Errorf("the binary was built at %s; version says:\n%s", m[1], out)
		}
	} else if !bytes.Contains(out, []byte("commit unknown")) || !bytes.HasPrefix(out, []byte("cookiescope devel\n")) {
		t.Errorf("the binary records no commit; version says:\n%s", out)
	}
}

func TestBuildOfEveryKindOfBuild(t *testing.T) {
	vcs := func(rev, when, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: when}, {Key: "vcs.modified", Value: modified}}
	}
	rev := "cca9d32abcdef0123456789abcdef0123456789a"
	tests := []struct {
		description string
		info        *debug.BuildInfo
		version     string
		lines       []string
	}{
		{"a release", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}, Settings: vcs(rev, "2026-11-23T19:38:00Z", "false")},
			"v1.2.0", []string{"cookiescope v1.2.0", "commit " + rev + " (2026-11-23T19:38:00Z)", "built with go1.26.8"}},
		{"a checkout with changes, stamped with a pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261123193800-cca9d32abcde+dirty"}, Settings: vcs(rev, "2026-11-23T19:38:00Z", "true")},
			"v0.0.0-20261123193800-cca9d32abcde+dirty", []string{"commit " + rev + " (2026-11-23T19:38:00Z, with uncommitted changes)"}},
		{"(devel) with a commit", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-11-23T19:38:00Z", "true")},
			"devel-cca9d32abcde+dirty", []string{"cookiescope devel-cca9d32abcde+dirty"}},
		{"(devel) without version control, as go run and go test build", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"devel", []string{"cookiescope devel", "commit unknown (built without version control information)"}},
		{"no build information at all", nil, "devel", []string{"cookiescope devel"}},
	}
	for _, tt := range tests {
		b := buildOf(tt.info, tt.info != nil)
		var out bytes.Buffer
		b.write(&out)
		if b.Version != tt.version {
			t.Errorf("%s: version %q, want %q", tt.description, b.Version, tt.version)
		}
		for _, line := range tt.lines {
			if !strings.Contains(out.String(), line+"\n") {
				t.Errorf("%s: version output lacks %q:\n%s", tt.description, line, out.String())
			}
		}
	}
}

// writeScenarios writes n scenario files (each a lab scenario that would
// need a browser) and returns their paths.
func writeScenarios(t *testing.T, n int) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i := range n {
		p := filepath.Join(dir, string(rune('a'+i))+".yaml")
		os.WriteFile(p, []byte("name: scenario "+string(rune('a'+i))+"\nlab: secure\nsteps:\n  - goto: /login\n  - expect: {cookie: sid}\n"), 0o644)
		paths = append(paths, p)
	}
	return paths
}

func TestBadInputExitsTwoAndLaunchesNothing(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad-config.yaml")
	os.WriteFile(badConfig, []byte("thresholds:\n  sessionMaxLifetime: 7d\n failOn: high\n"), 0o644)
	badScenario := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badScenario, []byte("name: x\nlab: secure\nsteps:\n  - goto: /login\n   - click: \"#go\"\n"), 0o644)
	scenario := writeScenarios(t, 1)[0]
	tests := []struct {
		description string
		args        []string
		mentions    string
	}{
		{"a URL that is no URL", []string{"inspect", "not-a-url"}, `argument 1: malformed URL "not-a-url": want an http:// or https:// URL`},
		{"the second URL without a host", []string{"inspect", "https://app.test/", "https://"}, `argument 2: malformed URL "https://": no host`},
		{"a probe of an ftp URL", []string{"probe", "ftp://app.test/"}, `argument 1: malformed URL "ftp://app.test/"`},
		{"an unknown probe", []string{"probe", "--probe", "teleport", "https://app.test/"}, "teleport"},
		{"an unknown format", []string{"inspect", "--format", "xml", "https://app.test/"}, `--format "xml"`},
		{"an output in a folder that does not exist", []string{"inspect", "--output", "/nonexistent/dir/r.txt", "https://app.test/"}, "--output /nonexistent/dir/r.txt"},
		{"formats and outputs given in another order", []string{"inspect", "--format", "table", "--format", "json", "--output", "report.json", "--output", "-", "https://app.test/"},
			"--output report.json would get the table report, but its name ends as a json report's: the Nth --output takes the Nth --format"},
		{"an unknown --fail-on", []string{"inspect", "--fail-on", "catastrophic", "https://app.test/"}, "--fail-on"},
		{"a baseline that does not exist", []string{"inspect", "--baseline", filepath.Join(dir, "none.json"), "https://app.test/"}, "does not exist; create it with --update-baseline"},
		{"a config file that does not exist", []string{"inspect", "--config", filepath.Join(dir, "none.yaml"), "https://app.test/"}, "--config: open " + filepath.Join(dir, "none.yaml")},
		{"a config file with an indentation error", []string{"inspect", "--config", badConfig, "https://app.test/"}, badConfig + ":3: not valid YAML"},
		{"a scenario with an indentation error", []string{"run", badScenario}, badScenario + ":5: not valid YAML: did not find expected '-' indicator"},
		{"a scenario file that does not exist", []string{"run", filepath.Join(dir, "none.yaml")}, "none.yaml: no such file"},
		{"a bad shard", []string{"run", "--shard", "4/3", scenario}, `--shard "4/3"`},
		{"a timeout that is no duration", []string{"inspect", "--timeout", "soon", "https://app.test/"}, `invalid value "soon" for flag --timeout: not a duration`},
		{"zero workers through the deprecated --parallel", []string{"run", "--parallel", "0", scenario}, "--workers 0: want 1 or more"},
		{"a key hash that is no SHA-256", []string{"inspect", "--trust-spki", "abc", "https://app.test/"}, `--trust-spki "abc": want the base64 SHA-256`},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			trap := trapBrowser(t)
			code, stdout, stderr := cookiescope(t, append(tt.args, "--browser", trap)...)
			if code != exitUsage || !strings.Contains(stderr, tt.mentions) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, exitUsage, tt.mentions)
			}
			if trapLaunched(trap) {
				t.Error("a browser was launched")
			}
			if stdout != "" {
				t.Errorf("a refused run wrote to stdout: %q", stdout)
			}
		})
	}
	t.Run("the trap does catch a launch", func(t *testing.T) {
		trap := trapBrowser(t)
		if code, _, stderr := cookiescope(t, "inspect", "--browser", trap, "https://app.test/"); code != exitRuntime || !trapLaunched(trap) {
			t.Errorf("a valid command line: exit %d, launched %v; want %d and the trap run (stderr %q)", code, trapLaunched(trap), exitRuntime, stderr)
		}
	})
	for _, tt := range []struct{ description, remote, mentions string }{
		{"a --remote that is no DevTools address", "localhost:9222", `--remote "localhost:9222": want ws://`},
		{"a --remote with --resolve", "http://127.0.0.1:9222", "--resolve needs a browser cookiescope launches"},
	} {
		t.Run(tt.description, func(t *testing.T) {
			code, _, stderr := cookiescope(t, "inspect", "--remote", tt.remote, "--resolve", "app.test:127.0.0.1", "https://app.test/")
			if code != exitUsage || !strings.Contains(stderr, tt.mentions) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, exitUsage, tt.mentions)
			}
		})
	}
	t.Run("a --browser that is not there", func(t *testing.T) {
		code, _, stderr := cookiescope(t, "inspect", "--browser", "/nonexistent/chrome", "https://app.test/")
		if code != exitUsage || !strings.Contains(stderr, "--browser /nonexistent/chrome: not an executable file") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

func TestAnEmptyShardSaysSoWritesItsReportsAndLaunchesNothing(t *testing.T) {
	paths := writeScenarios(t, 2)
	dir := t.TempDir()
	trap := trapBrowser(t)
	junit, sarif := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.sarif")
	args := append([]string{"run", "--browser", trap, "--shard", "3/3", "--format", "json", "--output", "-",
		"--format", "junit", "--output", junit, "--format", "sarif", "--output", sarif}, paths...)
	code, stdout, stderr := cookiescope(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if trapLaunched(trap) {
		t.Error("a browser was launched for a shard with nothing to do")
	}
	if !strings.Contains(stderr, "shard 3/3 holds none of the 2 scenarios; nothing to run") {
		t.Errorf("stderr does not say the shard is empty:\n%s", stderr)
	}
	schematest.Check(t, []byte(stdout))
	if doc := decodeReport(t, stdout); len(doc["targets"].([]any)) != 0 || doc["interrupted"] == true {
		t.Errorf("the JSON report of an empty shard: %s", stdout)
	}
	for _, f := range []string{junit, sarif} {
		if data, err := os.ReadFile(f); err != nil || len(data) == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	var log struct {
		Runs []struct {
			Tool    struct{ Driver struct{ Version string } }
			Results []any
		}
	}
	data, _ := os.ReadFile(sarif)
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("SARIF: %v\n%s", err, data)
	}
	// SARIF names this build as `version` does, not a constant.
	if v := log.Runs[0].Tool.Driver.Version; v != thisBuild().Version || len(log.Runs[0].Results) != 0 {
		t.Errorf("SARIF driver.version %q with %d results, want %q and none", v, len(log.Runs[0].Results), thisBuild().Version)
	}
	// The first shard of two holds a scenario: that one launches.
	trap = trapBrowser(t)
	if code, _, _ := cookiescope(t, append([]string{"run", "--browser", trap, "--shard", "1/3"}, paths...)...); code != exitRuntime || !trapLaunched(trap) {
		t.Errorf("shard 1/3: exit %d, launched %v; want %d after a launch", code, trapLaunched(trap), exitRuntime)
	}
}

func TestParallelIsADeprecatedAliasOfWorkers(t *testing.T) {
	paths := writeScenarios(t, 1)
	code, stdout, stderr := cookiescope(t, "run", "--parallel", "2", "--shard", "2/2", "--format", "json", "--output", "-", paths[0])
	if code != exitOK || !strings.Contains(stderr, "--parallel is deprecated and will go; use --workers (it does the same)") {
		t.Errorf("exit %d, stderr %q; want 0 and a deprecation notice", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
	if code, _, stderr := cookiescope(t, "run", "--workers", "2", "--shard", "2/2", paths[0]); code != exitOK || strings.Contains(stderr, "deprecated") {
		t.Errorf("--workers: exit %d, stderr %q", code, stderr)
	}
}

func TestOutputDashIsStdout(t *testing.T) {
	paths := writeScenarios(t, 1)
	code, stdout, stderr := cookiescope(t, "run", "--shard", "2/2", "--format", "json", "--output", "-", paths[0])
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
	if _, err := os.Stat("-"); err == nil {
		t.Error("--output - wrote a file named -")
	}
	code, stdout, stderr = labInspect(t, []string{"--format", "json", "--output", "-"}, "/headers")
	if code != exitOK {
		t.Fatalf("inspect: exit %d; stderr:\n%s", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
}

func TestDurationFlagsTakeDays(t *testing.T) {
	paths := writeScenarios(t, 1)
	if code, _, stderr := cookiescope(t, "run", "--timeout", "1d", "--wait", "1s", "--shard", "2/2", paths[0]); code != exitOK {
		t.Errorf("--timeout 1d: exit %d, stderr %q", code, stderr)
	}
}

func TestProgressEndsItsCounterAndCountsInWords(t *testing.T) {
	cookie := func(name string) inspect.Cookie { return inspect.Cookie{Name: name} }
	one := inspect.Target{URL: "https://app.test/one", Cookies: []inspect.Cookie{cookie("a")}}
	two := inspect.Target{URL: "https://app.test/two", Cookies: []inspect.Cookie{cookie("a"), cookie("b")}}
	var live bytes.Buffer
	p := newProgress(&live, true, 3, time.Now())
	p.done(one)
	p.done(two)
	// Interrupted here: the third target never finishes.
	p.finish()
	want := "[1/3] https://app.test/one: 1 cookie, 0 blocked (0.00s)\n" +
		"1 of 3 done, 0s elapsed..." + clearLine +
		"[2/3] https://app.test/two: 2 cookies, 0 blocked (0.00s)\n" +
		"2 of 3 done, 0s elapsed..." + clearLine
	if live.String() != want {
		t.Errorf("on a terminal:\n%q\nwant\n%q", live.String(), want)
	}
	var plain bytes.Buffer
	p = newProgress(&plain, false, 2, time.Now())
	p.done(one)
	p.finish()
	if plain.String() != "[1/2] https://app.test/one: 1 cookie, 0 blocked (0.00s)\n" {
		t.Errorf("not on a terminal: %q", plain.String())
	}
	scenario := inspect.Target{Scenario: "login", File: "l.yaml", Expectations: []inspect.ExpectationResult{{Passed: false}}}
	if got := targetStatus(scenario); got != `scenario "login" (l.yaml): 1 expectation, 1 failed` {
		t.Errorf("scenario status %q", got)
	}
}
