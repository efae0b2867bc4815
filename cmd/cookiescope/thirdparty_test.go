package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/internal/ci"
)

// fakeBrowser returns the path of a "browser" that only leaves a mark when
// it is started, and the path of that mark.
func fakeBrowser(t *testing.T) (browserPath, mark string) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		ci.Skip(t, "needs /bin/sh for the fake browser")
	}
	dir := t.TempDir()
	mark = filepath.Join(dir, "started")
	browserPath = filepath.Join(dir, "chrome")
	script := "#!/bin/sh\ntouch '" + mark + "'\nexit 1\n"
	if err := os.WriteFile(browserPath, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return browserPath, mark
}

func TestABadThirdPartyCookiesValueExitsTwoBeforeAnyBrowserStarts(t *testing.T) {
	browserPath, mark := fakeBrowser(t)
	commands := [][]string{
		{"inspect", "https://app.test/"},
		{"probe", "https://app.test/"},
		{"run", "builtin:"},
		{"demo"},
	}
	tests := []struct {
		description string
		flags       []string
		mentions    []string
	}{
		{"an unknown mode", []string{"--third-party-cookies", "partitioned"}, []string{"--third-party-cookies", `"partitioned"`, "want allow or block"}},
		{"a mode in capitals", []string{"--third-party-cookies", "Allow"}, []string{"--third-party-cookies", "want allow or block"}},
		{"an empty mode", []string{"--third-party-cookies="}, []string{"--third-party-cookies", "want allow or block"}},
		{"allow on a remote browser, whose profile cookiescope cannot set", []string{"--third-party-cookies", "allow", "--remote", "http://127.0.0.1:1"}, []string{"--third-party-cookies allow needs a browser cookiescope launches"}},
	}
	for _, command := range commands {
		for _, tt := range tests {
			t.Run(command[0]+": "+tt.description, func(t *testing.T) {
				args := append([]string{command[0], "--browser", browserPath}, tt.flags...)
				args = append(args, command[1:]...)
				refusedBeforeLaunch(t, mark, args, tt.mentions)
			})
		}
	}
}

// The fake browser does leave its mark when started: the check above can
// fail.
func TestTheFakeBrowserLeavesAMark(t *testing.T) {
	browserPath, mark := fakeBrowser(t)
	code, _, stderr := cookiescope(t, "inspect", "--browser", browserPath, "--third-party-cookies", "allow", "https://app.test/")
	if code == exitOK || code == exitUsage {
		t.Errorf("exit %d with a browser that cannot start; stderr %q", code, stderr)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Errorf("the fake browser left no mark: %v", err)
	}
}

func TestTheReportStatesTheThirdPartyCookieModeAndPartitions(t *testing.T) {
	code, stdout, stderr := labInspect(t, []string{"--format", "json"}, "/frames")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	doc := decodeReport(t, stdout)
	if got := doc["thirdPartyCookies"]; got != "block" {
		t.Errorf("thirdPartyCookies %v, want block (the default)", got)
	}
	partitioned := 0
	for _, c := range doc["targets"].([]any)[0].(map[string]any)["cookies"].([]any) {
		c := c.(map[string]any)
		if !strings.HasPrefix(c["name"].(string), "widget_") {
			continue
		}
		if c["partitionKey"] != "https://app.test" || c["partitionCrossSite"] != true {
			t.Errorf("%s: partitionKey %v, partitionCrossSite %v; want https://app.test, true", c["name"], c["partitionKey"], c["partitionCrossSite"])
		}
		partitioned++
	}
	if partitioned != 2 {
		t.Errorf("%d widget cookies in the jar, want the 2 partitioned ones", partitioned)
	}

	code, stdout, stderr = labInspect(t, nil, "/frames")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"Third-party cookies: blocked (--third-party-cookies block", "partitioned under https://app.test", "UserPreferences"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the table does not say %q:\n%s", want, stdout)
		}
	}
}

// refusedBeforeLaunch runs cookiescope with args and checks that it exits 2
// with every one of mentions on stderr, and that the fake browser whose mark
// is the file mark was never started.
func refusedBeforeLaunch(t *testing.T, mark string, args, mentions []string) {
	t.Helper()
	code, _, stderr := cookiescope(t, args...)
	if code != exitUsage {
		t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
	}
	for _, want := range mentions {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not mention %q", stderr, want)
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the browser was started")
	}
}
