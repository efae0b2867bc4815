package attack

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// fakeTab is a browser in miniature for the verdict tests: a jar that
// applies the few rules the probes meet (strict secure cookies, prefixes,
// Domain within the host, a per-domain limit with least-recently-set
// eviction, non-Secure first, and with bound set, scheme binding) and a
// server that sets cookies on a visit.
// It is no model of Chrome: the real-Chrome tests measure Chrome; this
// pins down what each probe concludes from what the jar says.
type fakeTab struct {
	jar []fakeCookie
	// serve is the target: it returns the Set-Cookie lines of a visit,
	// given the cookies the request carried.
	serve func(sent []inspect.Cookie) []string
	// limit and purgeTo are the per-domain limit and where a purge stops.
	limit, purgeTo int
	clock          int
	// lastVisit is the most recent Visit's writes, for the fixation verdict.
	visits, resets, forges int
	hsts                   bool // answer every http attack as upgraded
	// bound binds every cookie to the scheme that set it, as Chrome's
	// origin-bound cookies do: it goes only to that scheme, and a write
	// from the other scheme stores a second cookie instead of replacing it.
	bound bool
	// last is what the last Visit or Delivered delivered.
	last browser.Delivery
}

type fakeCookie struct {
	inspect.Cookie
	setAt int
}

func newFakeTab(serve func(sent []inspect.Cookie) []string) *fakeTab {
	return &fakeTab{serve: serve, limit: 180, purgeTo: 150}
}

func (f *fakeTab) Reset() error { f.jar, f.resets = nil, f.resets+1; return nil }

func (f *fakeTab) cookies() []inspect.Cookie {
	out := make([]inspect.Cookie, len(f.jar))
	for i, c := range f.jar {
		out[i] = c.Cookie
	}
	return out
}

func (f *fakeTab) Jar() ([]inspect.Cookie, error) { return f.cookies(), nil }

func (f *fakeTab) SetJar(_ context.Context, cookies []inspect.Cookie) error {
	for _, c := range cookies {
		f.store(c)
	}
	return nil
}

// schemeOf is the source scheme Chrome records for a write from rawURL.
func schemeOf(rawURL string) string {
	if strings.HasPrefix(rawURL, "https:") {
		return "Secure"
	}
	return "NonSecure"
}

// sent is what a request to rawURL carries, longest path first, and what a
// bound jar withholds for the scheme.
func (f *fakeTab) sent(rawURL string) []inspect.Cookie {
	out, _ := f.decide(rawURL)
	return out
}

func (f *fakeTab) decide(rawURL string) (sent []inspect.Cookie, withheld []browser.WithheldCookie) {
	u, _ := url.Parse(rawURL)
	var out []inspect.Cookie
	for _, c := range f.cookies() {
		if inspect.DomainMatches(u.Hostname(), c) && (!c.Secure || u.Scheme == "https") && strings.HasPrefix(u.Path+"/", strings.TrimSuffix(c.Path, "/")+"/") {
			if f.bound && c.SourceScheme != schemeOf(rawURL) {
				withheld = append(withheld, browser.WithheldCookie{Name: c.Name, Value: c.Value, Reasons: []string{"SchemeMismatch"}})
				continue
			}
			out = append(out, c)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j].Path) > len(out[j-1].Path); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, withheld
}

// header is the Cookie header of cookies.
func header(cookies []inspect.Cookie, httpOnlyToo bool) string {
	var pairs []string
	for _, c := range cookies {
		if httpOnlyToo || !c.HttpOnly {
			pairs = append(pairs, c.Name+"="+c.Value)
		}
	}
	return strings.Join(pairs, "; ")
}

func (f *fakeTab) Visit(_ context.Context, rawURL string, _ browser.LoadOptions) inspect.Target {
	f.visits++
	t := inspect.Target{URL: rawURL, FinalURL: rawURL}
	sent, withheld := f.decide(rawURL)
	f.last = browser.Delivery{URL: rawURL, Header: header(sent, true), Reported: true, Withheld: withheld}
	for _, line := range f.serve(sent) {
		p, _ := inspect.ParseSetCookie(line)
		t.Writes = append(t.Writes, inspect.Write{Via: inspect.ViaHeader, URL: rawURL, CookieLine: line, Parsed: p})
		f.apply(rawURL, line, false)
	}
	t.Cookies = f.cookies()
	f.last.DocumentCookie = header(f.sent(rawURL), false)
	return t
}

var scriptLine = regexp.MustCompile(`document\.cookie = "((?:[^"\\]|\\.)*)"`)

func (f *fakeTab) Forge(_ context.Context, attackURL string, forged browser.ForgedResponse, _ browser.LoadOptions) (bool, error) {
	f.forges++
	if f.hsts && strings.HasPrefix(attackURL, "http://") {
		return true, nil
	}
	for _, line := range forged.SetCookie {
		f.apply(attackURL, line, false)
	}
	if m := scriptLine.FindStringSubmatch(forged.Body); m != nil {
		f.apply(attackURL, strings.ReplaceAll(m[1], `\"`, `"`), true)
	}
	return false, nil
}

func (f *fakeTab) EvaluateInPage(_ context.Context, script string) ([]byte, error) {
	m := regexp.MustCompile(`document\.cookie = "([^"]*)"`).FindStringSubmatch(script)
	if m == nil {
		return nil, fmt.Errorf("the fake runs cookie writes only")
	}
	f.apply("https://app.test/", m[1], true)
	return []byte("true"), nil
}

func (f *fakeTab) Delivered(ctx context.Context, rawURL string, opts browser.LoadOptions) (browser.Delivery, error) {
	f.Visit(ctx, rawURL, opts)
	return f.last, nil
}

func (f *fakeTab) LastDelivered(context.Context, string) browser.Delivery { return f.last }

// apply stores a Set-Cookie line as the rules the probes meet allow.
func (f *fakeTab) apply(rawURL, line string, script bool) {
	u, _ := url.Parse(rawURL)
	host, secureOrigin := u.Hostname(), u.Scheme == "https"
	p, err := inspect.ParseSetCookie(line)
	if err != nil {
		return
	}
	if script && p.HttpOnly {
		return
	}
	c := inspect.Cookie{Name: p.Name, Value: p.Value, Domain: host, HostOnly: true, Path: p.Path, Secure: p.Secure, HttpOnly: p.HttpOnly, Session: true, SourceScheme: schemeOf(rawURL)}
	if c.Path == "" {
		c.Path = "/"
	}
	if p.Domain != "" {
		if host != p.Domain && !strings.HasSuffix(host, "."+p.Domain) {
			return
		}
		c.Domain, c.HostOnly = "."+p.Domain, false
	}
	switch {
	case p.Secure && !secureOrigin:
		return
	case p.CheckPrefix(secureOrigin, script).Refused():
		return
	}
	if !secureOrigin {
		// Strict secure cookies: http may not touch a Secure cookie's name
		// where their domains and paths overlap.
		for _, old := range f.jar {
			if old.Secure && old.Name == c.Name && (inspect.DomainMatches(host, old.Cookie) || inspect.DomainMatches(strings.TrimPrefix(old.Domain, "."), c)) {
				return
			}
		}
	}
	if script && c.HttpOnly {
		return
	}
	for i, old := range f.jar {
		if old.Key() == c.Key() && (!f.bound || old.SourceScheme == c.SourceScheme) {
			if script && old.HttpOnly {
				return
			}
			f.jar = append(f.jar[:i], f.jar[i+1:]...)
			break
		}
	}
	f.store(c)
}

// store adds c and purges the domain when it holds more than the limit:
// the least recently set go first, non-Secure before Secure.
func (f *fakeTab) store(c inspect.Cookie) {
	f.clock++
	f.jar = append(f.jar, fakeCookie{c, f.clock})
	domain := strings.TrimPrefix(c.Domain, ".")
	count := 0
	for _, o := range f.jar {
		if strings.TrimPrefix(o.Domain, ".") == domain {
			count++
		}
	}
	if count <= f.limit {
		return
	}
	for _, secure := range []bool{false, true} {
		for count > f.purgeTo {
			oldest := -1
			for i, o := range f.jar {
				if strings.TrimPrefix(o.Domain, ".") == domain && o.Secure == secure && (oldest < 0 || o.setAt < f.jar[oldest].setAt) {
					oldest = i
				}
			}
			if oldest < 0 {
				break
			}
			f.jar = append(f.jar[:oldest], f.jar[oldest+1:]...)
			count--
		}
	}
}
