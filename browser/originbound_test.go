package browser

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/lab"
)

// originBound is the browser with origin-bound cookies on that the tests of
// this package share, launched by the first test that needs it.
var originBound struct {
	once sync.Once
	b    *Browser
	err  error
}

// needOriginBound returns the shared origin-bound browser.
func needOriginBound(t *testing.T) *Browser {
	t.Helper()
	needBrowser(t)
	originBound.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		opts := labOptions()
		opts.OriginBoundCookies = true
		originBound.b, originBound.err = Launch(ctx, opts)
	})
	if originBound.err != nil {
		t.Fatalf("launch with origin-bound cookies: %v", originBound.err)
	}
	return originBound.b
}

// closeOriginBound stops the shared origin-bound browser, if one started.
func closeOriginBound() {
	if originBound.b != nil {
		originBound.b.Close()
	}
}

// recordArgs returns the path of a stand-in for Chrome that writes its
// arguments, one a line, to the returned file and fails at once.
func recordArgs(t *testing.T) (browserPath, argsFile string) {
	t.Helper()
	dir := t.TempDir()
	argsFile = filepath.Join(dir, "args")
	browserPath = filepath.Join(dir, "chrome")
	script := "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > '" + argsFile + "'\nexit 1\n"
	if err := os.WriteFile(browserPath, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return browserPath, argsFile
}

// switchValues returns the values of every --name=VALUE among args.
func switchValues(args []string, name string) []string {
	var out []string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

// Chrome honours only the last of repeated --enable-features switches
// (TestChromeHonoursOnlyTheLastEnableFeaturesSwitch), and chromedp's
// defaults already pass one: origin-bound cookies must join that one.
func TestLaunchGivesChromeOneEnableFeaturesSwitch(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh for the stand-in browser")
	}
	launched := func(bound bool) []string {
		path, argsFile := recordArgs(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := Launch(ctx, Options{Path: path, OriginBoundCookies: bound}); err == nil {
			t.Fatal("the stand-in browser started")
		}
		data, err := os.ReadFile(argsFile)
		if err != nil {
			t.Fatalf("the stand-in browser was not run: %v", err)
		}
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	plain := switchValues(launched(false), "enable-features")
	if len(plain) != 1 || plain[0] != chromedpEnabledFeatures {
		t.Fatalf("without origin-bound cookies: --enable-features %q, want chromedp's one default %q (update chromedpEnabledFeatures)", plain, chromedpEnabledFeatures)
	}
	bound := launched(true)
	enabled := switchValues(bound, "enable-features")
	if len(enabled) != 1 {
		t.Fatalf("with origin-bound cookies: %d --enable-features switches %q, want one", len(enabled), enabled)
	}
	features := strings.Split(enabled[0], ",")
	for _, want := range append(strings.Split(chromedpEnabledFeatures, ","), "EnableSchemeBoundCookies", "EnablePortBoundCookies") {
		if !slices.Contains(features, want) {
			t.Errorf("--enable-features=%s lacks %s", enabled[0], want)
		}
	}
	if disabled := switchValues(bound, "disable-features"); len(disabled) != 1 || strings.Contains(disabled[0], "Bound") {
		t.Errorf("--disable-features %q: want chromedp's one, which disables no origin-bound feature", disabled)
	}
}

func TestARemoteBrowserIsRefusedOriginBoundCookies(t *testing.T) {
	// Nothing listens there: the refusal must come before any connection.
	_, err := Launch(context.Background(), Options{Remotes: []string{"http://127.0.0.1:1"}, OriginBoundCookies: true})
	if !errors.Is(err, ErrRemoteOriginBound) {
		t.Errorf("Launch: %v, want ErrRemoteOriginBound", err)
	}
}

// Measured with Chromium 156: of two --enable-features switches, Chrome
// honours the last only. A cookie written over https and then over http
// stays one cookie unless scheme binding is on.
func TestChromeHonoursOnlyTheLastEnableFeaturesSwitch(t *testing.T) {
	needBrowser(t)
	const features = "--enable-features=EnableSchemeBoundCookies,EnablePortBoundCookies"
	tests := []struct {
		description string
		switches    []string
		wantBound   bool
	}{
		{"the features first, another --enable-features after them", []string{features, "--enable-features=NetworkService"}, false},
		{"the features in the last switch", []string{"--enable-features=NetworkService", features}, true},
	}
	for _, tt := range tests {
		_, addr := startRemoteChromeArgs(t, nil, tt.switches...)
		b := launchOwnBrowser(t, Options{Remotes: []string{addr}})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		w, err := b.NewWorker(ctx)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		jar := writeBoth(t, w, "c")
		w.Close()
		cancel()
		if bound := len(jar) == 2; bound != tt.wantBound {
			t.Errorf("%s: %d cookies c after an https and an http write (%v), want bound=%v", tt.description, len(jar), jar, tt.wantBound)
		}
	}
}

// writeBoth writes name over https and then over http on the lab's app and
// returns the values of name in the jar.
func writeBoth(t *testing.T, w *Worker, name string) []string {
	t.Helper()
	ctx := context.Background()
	for i, origin := range []string{testLab.URL(true, lab.AppHost, ""), testLab.URL(false, lab.AppHost, "")} {
		if _, err := w.Forge(ctx, origin+"/__cookiescope/w"+strconv.Itoa(i), ForgedResponse{SetCookie: []string{name + "=" + origin + "; Path=/"}}, LoadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	jar, err := w.Jar()
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, c := range jar {
		if c.Name == name {
			values = append(values, c.Value)
		}
	}
	return values
}
