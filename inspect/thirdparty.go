package inspect

import "fmt"

// ThirdPartyCookies is the browser's third-party cookie setting during a
// run: whether a cross-site frame or request may read and write cookies
// that are not Partitioned. Partitioned (CHIPS) cookies are stored in both
// modes, keyed by the top-level site.
type ThirdPartyCookies string

// The third-party cookie modes. The zero value means ThirdPartyCookiesBlock.
const (
	// ThirdPartyCookiesBlock blocks unpartitioned cookies in cross-site
	// contexts: Chrome refuses their writes with the reason
	// "UserPreferences" and sends none of them. It is what a fresh desktop
	// profile of Chromium 156 does (its cookie_controls_mode default), so
	// it is the default.
	ThirdPartyCookiesBlock ThirdPartyCookies = "block"
	// ThirdPartyCookiesAllow lets cross-site frames and requests use
	// unpartitioned cookies (SameSite=None; Secure), as a profile whose
	// user allowed third-party cookies does. Choose it to see what a site
	// does for such users.
	ThirdPartyCookiesAllow ThirdPartyCookies = "allow"
)

// ParseThirdPartyCookies reads a mode as the --third-party-cookies flag
// gives it.
func ParseThirdPartyCookies(s string) (ThirdPartyCookies, error) {
	switch m := ThirdPartyCookies(s); m {
	case ThirdPartyCookiesAllow, ThirdPartyCookiesBlock:
		return m, nil
	}
	return "", fmt.Errorf("%q: want allow or block", s)
}

// Allowed reports whether the mode lets cross-site contexts use
// unpartitioned cookies; the zero value blocks them.
func (m ThirdPartyCookies) Allowed() bool { return m == ThirdPartyCookiesAllow }

// OrDefault returns m, or ThirdPartyCookiesBlock for the zero value.
func (m ThirdPartyCookies) OrDefault() ThirdPartyCookies {
	if m == "" {
		return ThirdPartyCookiesBlock
	}
	return m
}

// Partition says which partition a Partitioned (CHIPS) cookie lives in, as
// a phrase for people: "partitioned under https://app.test", with
// ", in a cross-site frame" when it was set in a frame with a cross-site
// ancestor. Chrome keeps one cookie of a name per partition, so this is what
// tells apart two cookies that share name, domain and path. It is empty for
// an unpartitioned cookie.
func (c Cookie) Partition() string {
	if !c.Partitioned {
		return ""
	}
	key := c.PartitionKey
	if key == "" {
		key = "an unknown top-level site"
	}
	s := "partitioned under " + key
	if c.PartitionCrossSite {
		s += ", in a cross-site frame"
	}
	return s
}

// Partition is Cookie.Partition for the finding's cookie: empty unless the
// cookie is Partitioned.
func (f Finding) Partition() string {
	if f.PartitionKey == "" && !f.PartitionCrossSite {
		return ""
	}
	return Cookie{Partitioned: true, PartitionKey: f.PartitionKey, PartitionCrossSite: f.PartitionCrossSite}.Partition()
}

// Describe says the mode in a few words for a report's readers: what it
// means for cross-site frames and requests, and the flag that chose it.
func (m ThirdPartyCookies) Describe() string {
	if m.Allowed() {
		return "allowed (--third-party-cookies allow): cross-site frames and requests could store and send cookies that are not Partitioned"
	}
	return "blocked (--third-party-cookies block, the default, as in a fresh Chromium profile): only Partitioned cookies could be stored in cross-site frames"
}
