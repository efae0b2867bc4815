package main

import (
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

func TestRepeatedRemoteSpreadsTheTargetsAndEachNamesItsBrowser(t *testing.T) {
	needBrowser(t)
	// Two connections to the shared browser are a pool of two: the report
	// tells them apart by number.
	first := browser.EndpointName(testRemote)
	second := first + " (2)"
	args := []string{"inspect", "--remote", testRemote, "--remote", testRemote, "--format", "json"}
	for _, p := range []string{"/headers", "/scripts", "/headers", "/scripts"} {
		args = append(args, testLab.URL(true, lab.AppHost, p))
	}
	code, stdout, stderr := cookiescope(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
	for _, name := range []string{first, second} {
		if !strings.Contains(stderr, " at "+name+"\n") {
			t.Errorf("stderr does not say it uses %s:\n%s", name, stderr)
		}
	}
	served := map[string]int{}
	for i, raw := range decodeReport(t, stdout)["targets"].([]any) {
		b, _ := raw.(map[string]any)["browser"].(map[string]any)
		endpoint, _ := b["endpoint"].(string)
		product, _ := b["product"].(string)
		if (endpoint != first && endpoint != second) || product == "" {
			t.Errorf("target %d: browser %v, want %s or %s with its product", i, b, first, second)
		}
		served[endpoint]++
	}
	// Without --workers, one worker per browser: both take targets.
	if served[first] == 0 || served[second] == 0 {
		t.Errorf("served %v: want both browsers used", served)
	}
}

func TestRemoteEndpointsAreCheckedEachByName(t *testing.T) {
	needBrowser(t)
	target := testLab.URL(true, lab.AppHost, "/headers")
	t.Run("a bad one among good ones is refused before anything runs, named", func(t *testing.T) {
		code, stdout, stderr := cookiescope(t, "inspect", "--remote", testRemote, "--remote", "ftp://127.0.0.1:9222", target)
		if code != exitUsage || !strings.Contains(stderr, `--remote "ftp://127.0.0.1:9222": want ws://`) || stdout != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want exit %d naming the bad endpoint", code, stdout, stderr, exitUsage)
		}
	})
	t.Run("an unreachable one is said and the run goes on with the others", func(t *testing.T) {
		code, stdout, stderr := cookiescope(t, "inspect", "--remote", "http://127.0.0.1:1", "--remote", testRemote, "--format", "json", target)
		if code != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "--remote http://127.0.0.1:1: unreachable at start: ") || !strings.Contains(stderr, "going on without it") {
			t.Errorf("stderr does not say the unreachable endpoint is left out:\n%s", stderr)
		}
		targets := decodeReport(t, stdout)["targets"].([]any)
		if len(targets) != 1 || targets[0].(map[string]any)["error"] != "" {
			t.Errorf("the run did not go on with the reachable browser:\n%s", stdout)
		}
	})
	t.Run("none reachable is exit 2 with each reason and no secret", func(t *testing.T) {
		code, stdout, stderr := cookiescope(t, "inspect", "--remote", "http://127.0.0.1:1", "--remote", "ws://127.0.0.1:2/chromium?token=s3cret", target)
		if code != exitUsage || stdout != "" {
			t.Errorf("exit %d, stdout %q; want %d and nothing on stdout", code, stdout, exitUsage)
		}
		for _, want := range []string{"--remote http://127.0.0.1:1: unreachable at start", "--remote ws://127.0.0.1:2/chromium?token=redacted: unreachable at start"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr)
			}
		}
		if strings.Contains(stderr, "s3cret") {
			t.Errorf("stderr shows the token:\n%s", stderr)
		}
	})
}

func TestEachLostRemoteBrowserIsSaidOnStderrInert(t *testing.T) {
	var out strings.Builder
	sayReconnections(&out, []inspect.Reconnection{
		{Endpoint: "ws://127.0.0.1:3000/chromium", Cause: "browser connection lost", Attempts: 1, TookMS: 420, Reconnected: true},
		{Endpoint: "http://127.0.0.1:9222", Cause: "lost", Attempts: 7, TookMS: 10000, Error: "lost; connecting to it again failed 7 times in 10s: 502 Bad\x1b[31m"},
	})
	for _, want := range []string{
		"--remote ws://127.0.0.1:3000/chromium: lost (browser connection lost); connected to again after 1 attempt in 0.4 s\n",
		"--remote http://127.0.0.1:9222: dropped: lost; connecting to it again failed 7 times in 10s: 502 Bad",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("an endpoint's answer reaches the terminal raw:\n%q", out.String())
	}
}
