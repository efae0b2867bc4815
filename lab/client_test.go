package lab

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// labClient reaches a running lab's hosts as a browser with the lab's
// resolver rule and trusted key would: it dials 127.0.0.1 whatever the
// host, and accepts only the lab's key on a certificate that names the
// host. It follows no redirect and keeps no cookie, so that every test
// says which cookies each request carries.
type labClient struct {
	t   *testing.T
	lab *Lab
	hc  *http.Client
}

// startLab starts a lab for one test and closes it when the test ends.
func startLab(t *testing.T) labClient {
	t.Helper()
	l, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
		TLSClientConfig: &tls.Config{
			// The lab's certificate is self-signed; VerifyConnection does
			// the check Chrome does with --ignore-certificate-errors-spki-list.
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				leaf := cs.PeerCertificates[0]
				sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
				if base64.StdEncoding.EncodeToString(sum[:]) != l.SPKI {
					return fmt.Errorf("not the lab's key")
				}
				return leaf.VerifyHostname(cs.ServerName)
			},
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return labClient{t: t, lab: l, hc: hc}
}

// demo is the login form of the lab's one user.
var demo = url.Values{"user": {"demo"}, "password": {"demo"}}

// answer is a response, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

// get requests host's path over https with cookies.
func (c labClient) get(host, path string, cookies ...*http.Cookie) answer {
	return c.do(http.MethodGet, c.lab.URL(true, host, path), nil, cookies...)
}

// post posts form to host's path over https with cookies.
func (c labClient) post(host, path string, form url.Values, cookies ...*http.Cookie) answer {
	return c.do(http.MethodPost, c.lab.URL(true, host, path), form, cookies...)
}

func (c labClient) do(method, u string, form url.Values, cookies ...*http.Cookie) answer {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, ck := range cookies {
		if ck != nil {
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// setCookie returns the Set-Cookie line for name, or "".
func (a answer) setCookie(name string) string {
	for _, line := range a.header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			return line
		}
	}
	return ""
}

// cookie returns the cookie a Set-Cookie line sets, as a browser would
// send it back, or nil.
func (a answer) cookie(name string) *http.Cookie {
	line := a.setCookie(name)
	if line == "" {
		return nil
	}
	c, err := http.ParseSetCookie(line)
	if err != nil {
		return nil
	}
	return c
}

// shows reports whether the page shows user as logged in.
func (a answer) shows(user string) bool {
	return strings.Contains(a.body, `<p id="who">`+user+`</p>`)
}

// hasWho reports whether the page has #who at all.
func (a answer) hasWho() bool { return strings.Contains(a.body, `id="who"`) }

// wantSetCookie fails unless a sets name with exactly the attributes attrs
// after its value, and returns the value.
func wantSetCookie(t *testing.T, a answer, name, attrs string) string {
	t.Helper()
	line := a.setCookie(name)
	value, rest, _ := strings.Cut(strings.TrimPrefix(line, name+"="), "; ")
	if line == "" || rest != attrs {
		t.Fatalf("Set-Cookie for %s = %q, want %s=VALUE; %s (all: %q)", name, line, name, attrs, a.header.Values("Set-Cookie"))
	}
	return value
}

// wantLoginForm fails unless body is a login form a scenario can fill and
// click, and auto-submits exactly when auto.
func wantLoginForm(t *testing.T, a answer, auto bool) {
	t.Helper()
	for _, s := range []string{`<input name="user"`, `<input name="password"`, `<button type="submit"`} {
		if !strings.Contains(a.body, s) {
			t.Errorf("login form lacks %s:\n%s", s, a.body)
		}
	}
	if got := strings.Contains(a.body, "document.forms[0].submit()"); got != auto {
		t.Errorf("login form submits itself: %v, want %v", got, auto)
	}
}

func TestTargets(t *testing.T) {
	c := startLab(t)
	want := map[string]string{"secure": SecureLoginHost, "flawed": FlawedLoginHost, "portal": PortalHost, "stateless": StatelessHost, "sso": RPHost}
	if len(Targets) != len(want) {
		t.Errorf("Targets has %d names, want %d", len(Targets), len(want))
	}
	for _, target := range Targets {
		if target.Shows == "" {
			t.Errorf("target %s says nothing of what it shows", target.Name)
		}
		if got, wantURL := c.lab.VariantURL(target.Name), c.lab.URL(true, want[target.Name], "/"); got != wantURL {
			t.Errorf("VariantURL(%q) = %q, want %q", target.Name, got, wantURL)
		}
		if a := c.get(target.Host, "/"); a.status != http.StatusOK {
			t.Errorf("%s / answered %d", target.Host, a.status)
		}
	}
	if got := c.lab.VariantURL("nosuch"); got != "" {
		t.Errorf("VariantURL(nosuch) = %q, want empty", got)
	}
}
