package inspect

import "strconv"

// DescribeOriginBound says a run's origin-bound cookie mode in a few words
// for a report's readers: what it means for http and https, and the flag
// that chose it.
func DescribeOriginBound(on bool) string {
	if on {
		return "on (--origin-bound-cookies, Chrome's EnableSchemeBoundCookies and EnablePortBoundCookies): each cookie went only to the scheme that set it, a host-only cookie only to its port; a value written over http never reached https"
	}
	return "off (Chromium 156's default, as in users' browsers today): a cookie set over http was sent to https and to every port of its host, and the other way round"
}

// BoundTo says where origin-bound cookies let c go, from the scheme and
// port Chrome recorded for the origin that set it: "https, port 8443" for a
// host-only cookie, "https, any port" for a Domain cookie (Domain lifts port
// binding, never scheme binding). Empty when Chrome recorded no scheme
// ("Unset": a cookie set over CDP without one).
func (c Cookie) BoundTo() string {
	var scheme string
	switch c.SourceScheme {
	case "Secure":
		scheme = "https"
	case "NonSecure":
		scheme = "http"
	default:
		return ""
	}
	if !c.HostOnly || c.SourcePort <= 0 {
		return scheme + ", any port"
	}
	return scheme + ", port " + strconv.Itoa(c.SourcePort)
}
