package inspect

import (
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Where a cookie goes: whether a host and a path are within a cookie's
// domain and path (RFC 6265bis 5.1.3 and 5.1.4), and the site of a URL.

// DomainMatches reports whether a cookie is sent to host (RFC 6265bis 5.1.3).
func DomainMatches(host string, c Cookie) bool {
	host = strings.ToLower(host)
	d := trimDot(strings.ToLower(c.Domain))
	if c.HostOnly {
		return host == d
	}
	return host == d || strings.HasSuffix(host, "."+d)
}

// PathMatches reports whether a request path is within a cookie path
// (RFC 6265bis 5.1.4).
func PathMatches(requestPath, cookiePath string) bool {
	if requestPath == "" {
		requestPath = "/"
	}
	if requestPath == cookiePath {
		return true
	}
	if strings.HasPrefix(requestPath, cookiePath) {
		return strings.HasSuffix(cookiePath, "/") || requestPath[len(cookiePath)] == '/'
	}
	return false
}

// trimDot drops a cookie domain's leading dot, which RFC 2965 allowed.
func trimDot(domain string) string {
	if len(domain) > 0 && domain[0] == '.' {
		return domain[1:]
	}
	return domain
}

func isHTTPS(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https"
}

// site is the registrable domain of a URL's host (its eTLD+1).
func site(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if s, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return s
	}
	return host
}

// schemefulSite is the scheme and registrable domain of rawURL, as Chrome
// writes a partition key's top-level site ("https://app.test").
func schemefulSite(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return u.Scheme + "://" + site(rawURL)
}
