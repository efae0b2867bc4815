package browser

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/inspect"
)

func TestAPoolOfTwoRemoteBrowsersLosesOneMidTargetAndEveryTargetIsServedOnce(t *testing.T) {
	needBrowser(t)
	_, addrA := startRemoteChrome(t)
	procB, addrB := startRemoteChrome(t)
	b := launchOwnBrowser(t, Options{Remotes: []string{addrA, addrB}, reconnect: shortReconnect})
	nameA, nameB := EndpointName(addrA), EndpointName(addrB)

	const n = 12
	var urls []string
	for i := range n {
		urls = append(urls, plainURL(fmt.Sprintf("p%d", i)))
	}
	// mu guards the fields below, written by the workers' do and by
	// progress.
	var (
		mu        sync.Mutex
		finished  int
		servedByB int
		killed    bool
		// afterKill lists the browser of every attempt started after the kill.
		afterKill []string
	)
	progress := func(_, _ int, target inspect.Target) {
		mu.Lock()
		defer mu.Unlock()
		finished++
		if target.Browser.Endpoint == nameB {
			servedByB++
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	do := func(w *Worker, u string) inspect.Target {
		_, inst := w.tab()
		mu.Lock()
		// B dies in the middle of one of its targets, once it has served
		// one and a third of the run is done.
		kill := !killed && inst.name == nameB && servedByB > 0 && finished >= n/3
		if kill {
			killed = true
		} else if killed {
			afterKill = append(afterKill, inst.name)
		}
		mu.Unlock()
		if kill {
			if err := procB.Signal(syscall.SIGKILL); err != nil {
				t.Errorf("kill: %v", err)
			}
			// The target goes on only once the connection is known lost,
			// so it cannot finish on B before B is gone.
			select {
			case <-chromedp.FromContext(inst.ctx).Browser.LostConnection:
			case <-time.After(10 * time.Second):
				t.Error("the killed browser's connection was not lost within 10s")
			}
		}
		return w.Inspect(ctx, u, LoadOptions{Timeout: 20 * time.Second})
	}
	targets, complete, err := Each(ctx, b, urls, 0, progress, do)
	if err != nil || !complete || len(targets) != n {
		t.Fatalf("run: complete %v, %d of %d targets, err %v", complete, len(targets), n, err)
	}
	if !killed {
		t.Fatal("browser B never served a target after a third of the run: nothing was killed")
	}
	served := map[string]int{}
	moved := 0
	for i, target := range targets {
		if target.URL != urls[i] {
			t.Errorf("target %d is %s, want %s: not in the input order", i, target.URL, urls[i])
		}
		checkPlain(t, target, fmt.Sprintf("p%d", i), "a pool browser's death")
		if target.Browser.Endpoint != nameA && target.Browser.Endpoint != nameB {
			t.Errorf("target %d names the browser %q, want %s or %s", i, target.Browser.Endpoint, nameA, nameB)
		}
		if !strings.HasPrefix(target.Browser.Product, "Chrome/") && !strings.HasPrefix(target.Browser.Product, "HeadlessChrome/") {
			t.Errorf("target %d names the product %q", i, target.Browser.Product)
		}
		served[target.Browser.Endpoint]++
		if target.Browser.Moved != "" {
			moved++
			want := "browser " + nameB + " lost: browser connection lost"
			if !strings.HasPrefix(target.Browser.Moved, want) || !strings.HasSuffix(target.Browser.Moved, "; run again on "+nameA) {
				t.Errorf("target %d moved: %q, want %q ...; run again on %s", i, target.Browser.Moved, want, nameA)
			}
			if target.Browser.Endpoint != nameA {
				t.Errorf("the moved target %d was served by %s, want %s", i, target.Browser.Endpoint, nameA)
			}
		}
	}
	if moved != 1 {
		t.Errorf("%d targets say they were moved, want the one B died under", moved)
	}
	if served[nameA] == 0 || served[nameB] == 0 {
		t.Errorf("served: %v; want both browsers to serve some", served)
	}
	for _, name := range afterKill {
		if name == nameB {
			t.Errorf("a target started on the dead browser after the kill (attempts after it: %v)", afterKill)
			break
		}
	}
	if len(afterKill) == 0 {
		t.Error("no target started after the kill: the run did not go on")
	}
	endpoints := b.Endpoints()
	if len(endpoints) != 2 || endpoints[0].Lost != nil || endpoints[1].Lost == nil {
		t.Errorf("endpoints after the run: %+v; want A serving and B lost", endpoints)
	}
	if b.Relaunches() != 0 {
		t.Errorf("a remote browser was relaunched %d times", b.Relaunches())
	}
	// B's address names one browser, which is gone: every try to connect
	// to it again is refused until the bound, and it is dropped.
	if rc := b.Reconnections(); len(rc) != 1 || rc[0].Endpoint != nameB || rc[0].Reconnected || rc[0].Attempts < 2 {
		t.Errorf("reconnections: %+v; want B tried again more than once, then dropped", rc)
	}
}

func TestAPoolGoesOnWithoutAnEndpointUnreachableAtStart(t *testing.T) {
	needBrowser(t)
	_, addr := startRemoteChrome(t)
	unreachable := "http://127.0.0.1:1"
	b := launchOwnBrowser(t, Options{Remotes: []string{unreachable, addr}})
	endpoints := b.Endpoints()
	if len(endpoints) != 2 || endpoints[0].Lost == nil || !strings.Contains(endpoints[0].Lost.Error(), "unreachable at start") || endpoints[1].Lost != nil {
		t.Fatalf("endpoints: %+v; want the first unreachable at start, the second serving", endpoints)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	targets, complete, err := b.InspectURLs(ctx, []string{plainURL("u0"), plainURL("u1")}, 0, LoadOptions{}, nil)
	if err != nil || !complete || len(targets) != 2 {
		t.Fatalf("run: complete %v, %d targets, err %v", complete, len(targets), err)
	}
	for i, target := range targets {
		checkPlain(t, target, fmt.Sprintf("u%d", i), "an unreachable endpoint")
		if target.Browser.Endpoint != EndpointName(addr) {
			t.Errorf("target %d served by %q, want %s", i, target.Browser.Endpoint, EndpointName(addr))
		}
	}
}

func TestAPoolWithNoReachableEndpointNamesEachWithoutItsSecrets(t *testing.T) {
	_, err := Launch(context.Background(), Options{Remotes: []string{"http://127.0.0.1:1", "ws://user:hunter2@127.0.0.1:2/chromium?token=s3cret"}})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"no --remote browser could be reached", "--remote http://127.0.0.1:1: unreachable at start", "--remote ws://127.0.0.1:2/chromium?token=redacted: unreachable at start"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q shows the secret %q", msg, secret)
		}
	}
}

func TestEndpointNames(t *testing.T) {
	for _, tt := range []struct{ description, address, want string }{
		{"a Chrome's websocket address stays as given", "ws://127.0.0.1:9222/devtools/browser/abc", "ws://127.0.0.1:9222/devtools/browser/abc"},
		{"an http address stays as given", "http://chrome-1:9222", "http://chrome-1:9222"},
		{"a browserless token is redacted", "wss://browserless.example:3000?token=s3cret", "wss://browserless.example:3000?token=redacted"},
		{"every query value is redacted, the keys stay", "ws://h:1/x?token=a&stealth=true", "ws://h:1/x?token=redacted&stealth=redacted"},
		{"user info is dropped", "ws://user:pw@grid:4444/session/1/se/cdp", "ws://grid:4444/session/1/se/cdp"},
		{"a fragment is dropped", "http://h:1/#frag", "http://h:1/"},
	} {
		if got := EndpointName(tt.address); got != tt.want {
			t.Errorf("%s: EndpointName(%q) = %q, want %q", tt.description, tt.address, got, tt.want)
		}
	}
}

func TestCheckRemoteRefusesWhatIsNoEndpoint(t *testing.T) {
	for _, tt := range []struct {
		description, address string
		ok                   bool
	}{
		{"a websocket address", "ws://127.0.0.1:9222/devtools/browser/abc", true},
		{"a secure websocket endpoint", "wss://browserless.example?token=x", true},
		{"an http address", "http://127.0.0.1:9222", true},
		{"no scheme", "localhost:9222", false},
		{"another scheme", "ftp://127.0.0.1:9222", false},
		{"no host", "ws:///devtools/browser/abc", false},
	} {
		err := CheckRemote(tt.address)
		if (err == nil) != tt.ok {
			t.Errorf("%s: CheckRemote(%q) = %v, want ok %v", tt.description, tt.address, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--remote ") {
			t.Errorf("%s: %q does not name the flag", tt.description, err)
		}
	}
}
