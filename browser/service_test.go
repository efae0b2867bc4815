package browser

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// standInService is a browser service on loopback, as browserless is one:
// every WebSocket connection it takes gets a Chrome of its own, started for
// it and stopped when the connection ends. It forwards the connection's
// bytes to that Chrome's browser endpoint, the upgrade request's path
// rewritten to it.
type standInService struct {
	t        *testing.T
	chrome   string
	listener net.Listener
	wg       sync.WaitGroup

	// mu guards browsers, every Chrome started so far, in order.
	mu       sync.Mutex
	browsers []*exec.Cmd
}

func startStandInService(t *testing.T) *standInService {
	t.Helper()
	path, err := FindChrome("")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &standInService{t: t, chrome: path, listener: l}
	s.wg.Go(s.accept)
	t.Cleanup(func() {
		l.Close()
		s.mu.Lock()
		for _, cmd := range s.browsers {
			cmd.Process.Kill()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// address is the service's endpoint, as a --remote.
func (s *standInService) address() string {
	return "ws://" + s.listener.Addr().String() + "/chromium"
}

// killNewest kills the Chrome the service started last.
func (s *standInService) killNewest() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.browsers) == 0 {
		return fmt.Errorf("no browser started yet")
	}
	return s.browsers[len(s.browsers)-1].Process.Signal(syscall.SIGKILL)
}

// started counts the Chromes started so far.
func (s *standInService) started() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.browsers)
}

func (s *standInService) accept() {
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() { s.serve(conn) })
	}
}

// serve starts a Chrome for conn and forwards conn to it until either side
// closes; the Chrome is stopped then.
func (s *standInService) serve(conn net.Conn) {
	defer conn.Close()
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	cmd, wsURL, err := s.startChrome()
	if err != nil {
		s.t.Errorf("stand-in service: %v", err)
		return
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	target := strings.TrimPrefix(wsURL, "ws://")
	host, path, _ := strings.Cut(target, "/")
	up, err := net.Dial("tcp", host)
	if err != nil {
		return
	}
	defer up.Close()
	req.URL.Path, req.Host = "/"+path, host
	if err := req.Write(up); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, conn); done <- struct{}{} }()
	go func() { io.Copy(conn, up); done <- struct{}{} }()
	<-done
}

// startChrome starts a Chrome with a profile of its own and returns it with
// its browser endpoint.
func (s *standInService) startChrome() (*exec.Cmd, string, error) {
	profile, err := os.MkdirTemp("", "cookiescope-service-")
	if err != nil {
		return nil, "", err
	}
	s.t.Cleanup(func() {
		killProfileUsers(profile)
		os.RemoveAll(profile)
	})
	cmd := exec.Command(s.chrome, remoteChromeArgs(filepath.Clean(profile))...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	s.browsers = append(s.browsers, cmd)
	s.mu.Unlock()
	addr, err := devToolsAddress(stderr)
	return cmd, addr, err
}

// A browser service hands out a new browser for every connection: when the
// one it gave is killed mid-run, the endpoint is connected to again at
// once, the run goes on on the new browser, and the report lists the
// reconnection.
func TestABrowserServiceWhoseBrowserDiesIsConnectedToAgain(t *testing.T) {
	needBrowser(t)
	s := startStandInService(t)
	b := launchOwnBrowser(t, Options{Remotes: []string{s.address()}})
	targets := runBreakingTheBrowser(t, b, 6, func() {
		if err := s.killNewest(); err != nil {
			t.Errorf("kill the service's browser: %v", err)
		}
	})
	for i, target := range targets {
		if target.Error != "" {
			t.Errorf("target %d failed: %s", i, target.Error)
			continue
		}
		checkPlain(t, target, fmt.Sprintf("r%d", i), "a service's browser's death")
	}
	// A try that a loaded machine makes wait past its bound starts a
	// browser too: at least the first and the one connected to after its
	// death.
	if n := s.started(); n < 2 {
		t.Errorf("the service started %d browsers, want the first and the one connected to after its death", n)
	}
	rc := b.Reconnections()
	if len(rc) != 1 || !rc[0].Reconnected || rc[0].Endpoint != EndpointName(s.address()) || rc[0].Attempts < 1 {
		t.Fatalf("reconnections: %+v; want one, connected to again", rc)
	}
}
