package main

import (
	"os"
	"strings"
	"testing"
)

// Origin-bound cookies are features of Chrome's command line: a --remote
// browser was started without them, so the flag is refused there, with
// exit code 2, before any browser starts.
func TestOriginBoundCookiesWithRemoteExitsTwoBeforeAnyBrowserStarts(t *testing.T) {
	browserPath, mark := fakeBrowser(t)
	for _, command := range [][]string{
		{"inspect", "https://app.test/"},
		{"probe", "https://app.test/"},
		{"run", "builtin:"},
		{"demo"},
	} {
		t.Run(command[0], func(t *testing.T) {
			args := append([]string{command[0], "--browser", browserPath, "--origin-bound-cookies", "--remote", "http://127.0.0.1:1"}, command[1:]...)
			code, _, stderr := cookiescope(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, "--origin-bound-cookies needs a browser cookiescope launches") {
				t.Errorf("stderr %q does not say why", stderr)
			}
			if _, err := os.Stat(mark); err == nil {
				t.Error("the browser was started")
			}
		})
	}
}
