package browser

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/ci"
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
		ci.Skip(t, "needs /bin/sh for the stand-in browser")
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

// boundWrite is one cookie write of a measurement: a Set-Cookie line in a
// response of origin (cookiescope's emulated network answers it), or the
// same string written to document.cookie by a page of origin.
type boundWrite struct {
	origin, line string
	script       bool
}

// boundCheck is what a page of url got afterwards, with origin-bound
// cookies on (bound) and off (today): the Cookie header its request
// carried, which document.cookie there returns too (no cookie here is
// HttpOnly). withheld lists, with origin-bound cookies on, Chrome's
// reasons for a value it kept from the request ("p: PortMismatch
// SchemeMismatch").
type boundCheck struct {
	url, bound, today string
	withheld          []string
}

func TestOriginBoundCookiesAsMeasured(t *testing.T) {
	https := testLab.URL(true, lab.AppHost, "")
	http := testLab.URL(false, lab.AppHost, "")
	https2 := "https://" + lab.AppHost + ":" + strconv.Itoa(testLab.SecondHTTPSPort)
	sub := testLab.URL(true, lab.SubHost, "")
	tests := []struct {
		description string
		writes      []boundWrite
		// name's values in the jar afterwards, sorted.
		name               string
		jarBound, jarToday []string
		checks             []boundCheck
	}{
		{
			"a cookie without Secure set over https, then over http by header: two cookies, each scheme gets its own",
			[]boundWrite{{https, "c=s; Path=/", false}, {http, "c=p; Path=/", false}},
			"c", []string{"p", "s"}, []string{"p"},
			[]boundCheck{{https + "/", "c=s", "c=p", []string{"c=p: PortMismatch SchemeMismatch"}}, {http + "/", "c=p", "c=p", []string{"c=s: PortMismatch SchemeMismatch"}}},
		},
		{
			"the same with the http write by script",
			[]boundWrite{{https, "c=s; Path=/", false}, {http, "c=p; Path=/", true}},
			"c", []string{"p", "s"}, []string{"p"},
			[]boundCheck{{https + "/", "c=s", "c=p", nil}, {http + "/", "c=p", "c=p", nil}},
		},
		{
			"http cannot delete an https cookie, by header",
			[]boundWrite{{https, "c=s; Path=/", false}, {http, "c=; Max-Age=0; Path=/", false}},
			"c", []string{"s"}, nil,
			[]boundCheck{{https + "/", "c=s", "", nil}},
		},
		{
			"http cannot delete an https cookie, by script",
			[]boundWrite{{https, "c=s; Path=/", false}, {http, "c=; Max-Age=0; Path=/", true}},
			"c", []string{"s"}, nil,
			[]boundCheck{{https + "/", "c=s", "", nil}},
		},
		{
			"https cannot delete an http cookie",
			[]boundWrite{{http, "c=p; Path=/", false}, {https, "c=; Max-Age=0; Path=/", false}},
			"c", []string{"p"}, nil,
			[]boundCheck{{http + "/", "c=p", "", nil}},
		},
		{
			"a Secure cookie: strict secure cookies still refuse http's write of its name",
			[]boundWrite{{https, "s=s; Secure; Path=/", false}, {http, "s=p; Path=/", false}, {http, "s=p2; Path=/", true}},
			"s", []string{"s"}, []string{"s"},
			[]boundCheck{{https + "/", "s=s", "s=s", nil}},
		},
		{
			"a Domain cookie is bound to its scheme, not to a port or a host",
			[]boundWrite{{https, "d=s; Domain=app.test; Path=/", false}, {http, "d=p; Domain=app.test; Path=/", false}},
			"d", []string{"p", "s"}, []string{"p"},
			[]boundCheck{{https + "/", "d=s", "d=p", []string{"d=p: SchemeMismatch"}}, {https2 + "/", "d=s", "d=p", nil}, {sub + "/", "d=s", "d=p", nil}, {http + "/", "d=p", "d=p", nil}},
		},
		{
			"a host-only cookie is bound to its port; a Domain cookie goes to every port",
			[]boundWrite{{https, "p=1; Path=/", false}, {https, "pd=1; Domain=app.test; Path=/", false}, {https2, "p=2; Path=/", false}},
			"p", []string{"1", "2"}, []string{"2"},
			[]boundCheck{{https + "/", "p=1; pd=1", "pd=1; p=2", []string{"p=2: PortMismatch"}}, {https2 + "/", "pd=1; p=2", "pd=1; p=2", []string{"p=1: PortMismatch"}}},
		},
		{
			"a longer path from http shadows nothing on https",
			[]boundWrite{{https, "c=s; Path=/", false}, {http, "c=p; Path=/account", false}},
			"c", []string{"p", "s"}, []string{"p", "s"},
			[]boundCheck{{https + "/account", "c=s", "c=p; c=s", []string{"c=p: PortMismatch SchemeMismatch"}}, {http + "/account", "c=p", "c=p; c=s", nil}},
		},
		{
			"a new name planted over http never reaches https (the session fixation precondition)",
			[]boundWrite{{http, "n=p; Path=/", false}},
			"n", []string{"p"}, []string{"p"},
			[]boundCheck{{https + "/", "", "n=p", []string{"n=p: PortMismatch SchemeMismatch"}}, {http + "/", "n=p", "n=p", nil}},
		},
		{
			"a toss from an http sibling is bound to http",
			[]boundWrite{{https, "c=s; Path=/", false}, {"http://evil.app.test", "c=t; Domain=app.test; Path=/", false}},
			"c", []string{"s", "t"}, []string{"s", "t"},
			[]boundCheck{{https + "/", "c=s", "c=s; c=t", []string{"c=t: SchemeMismatch"}}},
		},
		{
			"a Domain cookie from an https sibling that shares a host-only cookie's name is withheld, with no reason given",
			[]boundWrite{{https, "c=s; Path=/", false}, {testLab.URL(true, "evil.app.test", ""), "c=t; Domain=app.test; Path=/", false}},
			"c", []string{"s", "t"}, []string{"s", "t"},
			[]boundCheck{{https + "/", "c=s", "c=s; c=t", nil}},
		},
		{
			"a Domain cookie is replaced by an https sibling's toss all the same",
			[]boundWrite{{https, "c=s; Domain=app.test; Path=/", false}, {testLab.URL(true, "evil.app.test", ""), "c=t; Domain=app.test; Path=/", false}},
			"c", []string{"t"}, []string{"t"},
			[]boundCheck{{https + "/", "c=t", "c=t", nil}},
		},
	}
	for _, mode := range []struct {
		name  string
		bound bool
	}{{"origin-bound cookies on", true}, {"origin-bound cookies off", false}} {
		t.Run(mode.name, func(t *testing.T) {
			b := needBrowser(t)
			if mode.bound {
				b = needOriginBound(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			w, err := b.NewWorker(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			for _, tt := range tests {
				if err := w.Reset(); err != nil {
					t.Fatal(err)
				}
				for i, wr := range tt.writes {
					forged := ForgedResponse{SetCookie: []string{wr.line}}
					if wr.script {
						forged = ForgedResponse{Body: "<script>document.cookie = " + jsString(wr.line) + "</script>"}
					}
					if _, err := w.Forge(ctx, wr.origin+"/__cookiescope/write-"+strconv.Itoa(i), forged, LoadOptions{}); err != nil {
						t.Fatalf("%s: write %s from %s: %v", tt.description, wr.line, wr.origin, err)
					}
				}
				jar, err := w.Jar()
				if err != nil {
					t.Fatal(err)
				}
				want := tt.jarToday
				if mode.bound {
					want = tt.jarBound
				}
				if got := valuesOf(jar, tt.name); !slices.Equal(got, want) {
					t.Errorf("%s: the jar holds %s=%v, want %v", tt.description, tt.name, got, want)
				}
				for _, c := range tt.checks {
					d, err := w.Delivered(ctx, c.url, LoadOptions{})
					if err != nil {
						t.Fatalf("%s: load %s: %v", tt.description, c.url, err)
					}
					want := c.today
					if mode.bound {
						want = c.bound
					}
					if d.Header != want || d.DocumentCookie != want || d.ScriptErr != nil {
						t.Errorf("%s: %s got header %q, document.cookie %q (%v); want %q", tt.description, c.url, d.Header, d.DocumentCookie, d.ScriptErr, want)
					}
					if !mode.bound {
						continue
					}
					var withheld []string
					for _, wc := range d.Withheld {
						withheld = append(withheld, wc.Name+"="+wc.Value+": "+strings.Join(sorted(wc.Reasons), " "))
					}
					for _, want := range c.withheld {
						if !slices.Contains(withheld, want) {
							t.Errorf("%s: %s withheld %q, want %q among them", tt.description, c.url, withheld, want)
						}
					}
				}
			}
		})
	}
}

// A probe's copy of a session keeps each cookie bound where Chrome bound
// the original: a value an http page set stays away from https.
func TestACopiedJarKeepsItsBinding(t *testing.T) {
	b := needOriginBound(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	from, err := b.NewWorker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	to, err := from.NewSibling(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer to.Close()
	if got := writeBoth(t, from, "c"); len(got) != 2 {
		t.Fatalf("the source jar holds c=%v, want one value per scheme", got)
	}
	jar, err := from.Jar()
	if err != nil {
		t.Fatal(err)
	}
	if err := to.SetJar(ctx, jar); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []bool{true, false} {
		origin := testLab.URL(scheme, lab.AppHost, "")
		d, err := to.Delivered(ctx, origin+"/", LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Header != "c="+origin {
			t.Errorf("the copy sent %q to %s, want only the value its own scheme set", d.Header, origin)
		}
	}
}

func valuesOf(jar []inspect.Cookie, name string) []string {
	var out []string
	for _, c := range jar {
		if c.Name == name {
			out = append(out, c.Value)
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Chrome evicts cookies of a host that holds too many in an order that
// protects some: today Secure cookies outlast the others; with origin-bound
// cookies, those set over https outlast those set over http, whatever
// their Secure attribute (measured with Chromium 156). So page script on
// the https origin can then push a Secure cookie out, and a network
// attacker's http writes can no longer push out one that https set.
func TestEvictionFollowsTheSchemeWithOriginBoundCookies(t *testing.T) {
	https := testLab.URL(true, lab.AppHost, "")
	http := testLab.URL(false, lab.AppHost, "")
	tests := []struct {
		description         string
		setBy, line, fillBy string
		survivesBound       bool
		survivesToday       bool
	}{
		{"a Secure cookie, then 200 script writes from https", https, "s=1; Secure; Path=/", https, false, true},
		{"a Secure cookie, then 200 script writes from http", https, "s=1; Secure; Path=/", http, true, true},
		{"a cookie without Secure set over https, then 200 script writes from http", https, "s=1; Path=/", http, true, false},
		{"a cookie without Secure set over https, then 200 script writes from https", https, "s=1; Path=/", https, false, false},
		{"a cookie set over http, then 200 script writes from https", http, "s=1; Path=/", https, false, false},
	}
	const fill = "<script>for (let i = 0; i < 200; i++) document.cookie = 'f' + i + '=x; Path=/';</script>"
	for _, mode := range []struct {
		name  string
		bound bool
	}{{"origin-bound cookies on", true}, {"origin-bound cookies off", false}} {
		t.Run(mode.name, func(t *testing.T) {
			b := needBrowser(t)
			if mode.bound {
				b = needOriginBound(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			w, err := b.NewWorker(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			for _, tt := range tests {
				if err := w.Reset(); err != nil {
					t.Fatal(err)
				}
				if _, err := w.Forge(ctx, tt.setBy+"/__cookiescope/set", ForgedResponse{SetCookie: []string{tt.line}}, LoadOptions{}); err != nil {
					t.Fatal(err)
				}
				if _, err := w.Forge(ctx, tt.fillBy+"/__cookiescope/fill", ForgedResponse{Body: fill}, LoadOptions{}); err != nil {
					t.Fatal(err)
				}
				// The last write may reach the jar after the page settled.
				var jar []inspect.Cookie
				waitFor(t, "the last script write in the jar", func() bool {
					jar, _ = w.Jar()
					return len(valuesOf(jar, "f199")) == 1
				})
				want := tt.survivesToday
				if mode.bound {
					want = tt.survivesBound
				}
				if survived := len(valuesOf(jar, "s")) == 1; survived != want || len(jar) < 150 {
					t.Errorf("%s: survived %v with %d cookies in the jar, want %v after a purge", tt.description, survived, len(jar), want)
				}
			}
		})
	}
}
