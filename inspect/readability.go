package inspect

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Readability is decided here from what each document's two cookie-reading
// APIs returned and from the jar. The page can break a measurement without
// touching our isolated world: one cookie whose value holds a lone UTF-16
// surrogate makes document.cookie return "" in every document of its host,
// while cookieStore.getAll() still hands every cookie to page script. So a
// cookie is readable where either API returned it, and a cookie that no API
// returned where script should see it is "unknown", never "not readable".

// A document that was not measured at all (it did not answer, its renderer
// crashed) says nothing either: the cookies script could have read there
// that no measured document returned are "unknown" too, marked NotMeasured,
// with the reason. HttpOnly cookies stay "not readable": no script reads
// them anywhere, measured or not.

// judgeReadability sets each cookie's readability from the frames and the
// documents that were not measured, and each frame's Error when the page
// broke its measurement.
func judgeReadability(cookies []Cookie, frames []Frame, unmeasured []Unmeasured) {
	unknown := make([][]string, len(cookies))
	for fi := range frames {
		f := &frames[fi]
		for ci, reason := range checkFrame(f, cookies) {
			unknown[ci] = append(unknown[ci], reason)
		}
	}
	for ci := range cookies {
		c := &cookies[ci]
		c.ReadableOn, c.ReadableVia, c.UnknownReason, c.NotMeasured = nil, nil, "", false
		for _, f := range frames {
			via := frameReads(f, *c)
			if len(via) == 0 {
				continue
			}
			c.ReadableOn = append(c.ReadableOn, f.URL)
			for _, v := range via {
				if !slices.Contains(c.ReadableVia, v) {
					c.ReadableVia = append(c.ReadableVia, v)
				}
			}
		}
		c.ScriptReadable = len(c.ReadableOn) > 0
		notMeasured := notMeasuredFor(*c, unmeasured)
		switch {
		case c.ScriptReadable:
			c.Readability = Readable
		case len(unknown[ci]) > 0:
			c.Readability = ReadabilityUnknown
			c.UnknownReason = strings.Join(append(unknown[ci], notMeasured...), "; ")
		case len(notMeasured) > 0:
			c.Readability, c.NotMeasured = ReadabilityUnknown, true
			c.UnknownReason = strings.Join(notMeasured, "; ")
		default:
			c.Readability = NotReadable
		}
	}
}

// notMeasuredFor returns, for each document that was not measured where
// script could read c (c is not HttpOnly, and its domain, path and Secure
// flag allow the document's URL, or the URL is not known), why.
func notMeasuredFor(c Cookie, unmeasured []Unmeasured) []string {
	if c.HttpOnly {
		return nil
	}
	var out []string
	for _, u := range unmeasured {
		switch {
		case u.URL == "":
			out = append(out, "not measured: "+u.Why)
		case inScope(u.URL, c):
			out = append(out, "not measured on "+u.URL+": "+u.Why)
		}
	}
	return out
}

// frameReads returns the APIs whose result in f held c: same name and value,
// and c's domain and path cover f's URL (two cookies can share a name).
func frameReads(f Frame, c Cookie) []string {
	if !inScope(f.URL, c) {
		return nil
	}
	var via []string
	if holds(f.DocumentCookie.Pairs, c) {
		via = append(via, APIDocumentCookie)
	}
	if holds(f.CookieStore.Pairs, c) {
		via = append(via, APICookieStore)
	}
	return via
}

func holds(pairs []NameValue, c Cookie) bool {
	for _, p := range pairs {
		if p.Name == c.Name && p.Value == c.Value {
			return true
		}
	}
	return false
}

// inScope reports whether c's domain and path cover rawURL, and its Secure
// flag allows it there.
func inScope(rawURL string, c Cookie) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	return DomainMatches(u.Hostname(), c) && PathMatches(u.Path, c.Path) && (!c.Secure || u.Scheme == "https")
}

// checkFrame sets f.Error when the page broke the measurement in f, and
// returns, by index in cookies, the cookies whose readability is unknown
// there, each with its reason.
//
// With a result from at least one API, a cookie is unknown when it is
// expected to be visible in f (see expectedVisible: a conservative test, so
// that a cookie Chrome legitimately hides is not called unknown) and no API
// returned it. With no result at all (every API threw or was unavailable),
// every cookie in scope that is not HttpOnly is unknown. A cookie written
// after the measurement started is unknown too, but the page is not blamed.
func checkFrame(f *Frame, cookies []Cookie) map[int]string {
	dc, cs := f.DocumentCookie, f.CookieStore
	if f.Opaque || dc.Status == "" && cs.Status == "" {
		return nil
	}
	anyResult := dc.Status == APIOK || cs.Status == APIOK
	out := make(map[int]string)
	var expected, missing []int
	for i, c := range cookies {
		if c.HttpOnly || !inScope(f.URL, c) || len(frameReads(*f, c)) > 0 {
			if expectedVisible(*f, c) {
				expected = append(expected, i)
			}
			continue
		}
		switch {
		case writtenAfter(c, *f):
			out[i] = "on " + f.URL + ": set after readability was measured there"
		case !anyResult || expectedVisible(*f, c):
			expected = append(expected, i)
			missing = append(missing, i)
		}
	}
	var problems []string
	for _, api := range []struct {
		name string
		read APIRead
		of   string
	}{{APIDocumentCookie, dc, "document.cookie"}, {APICookieStore, cs, "cookieStore.getAll()"}} {
		switch api.read.Status {
		case APIFailed:
			problems = append(problems, api.of+" failed: "+api.read.Error)
		case APIOK:
			got := 0
			for _, i := range expected {
				if holds(api.read.Pairs, cookies[i]) {
					got++
				}
			}
			switch {
			case got == len(expected):
			case len(api.read.Pairs) == 0:
				problems = append(problems, fmt.Sprintf("%s returned nothing while %s in scope %s not HttpOnly", api.of, plural(len(expected), "cookie"), isAre(len(expected))))
			default:
				problems = append(problems, fmt.Sprintf("%s returned %d of the %s in scope that %s not HttpOnly", api.of, got, plural(len(expected), "cookie"), isAre(len(expected))))
			}
		}
	}
	if len(problems) == 0 {
		return out
	}
	if cs.Status == APIUnavailable {
		problems = append(problems, "cookieStore unavailable ("+cs.Error+")")
	}
	if f.Error != "" {
		problems = append([]string{f.Error}, problems...)
	}
	f.Error = strings.Join(problems, "; ")
	for _, i := range missing {
		out[i] = "on " + f.URL + ": " + f.Error
	}
	return out
}

// expectedVisible reports whether script in f must see c, were the
// measurement not broken. It errs towards false: c is not HttpOnly, its
// domain, path and Secure flag allow f's URL, it was not written after the
// measurement started, and either it is partitioned under f's top-level
// site, or it is unpartitioned and f and every frame containing it are of
// one site (Chrome withholds unpartitioned cookies from cross-site frames,
// by SameSite and by third-party cookie blocking).
func expectedVisible(f Frame, c Cookie) bool {
	if f.Opaque || c.HttpOnly || !inScope(f.URL, c) || writtenAfter(c, f) {
		return false
	}
	top := f.URL
	if len(f.Ancestors) > 0 {
		top = f.Ancestors[len(f.Ancestors)-1]
	}
	if c.Partitioned {
		return c.PartitionKey != "" && c.PartitionKey == schemefulSite(top)
	}
	self := schemefulSite(f.URL)
	for _, a := range f.Ancestors {
		if schemefulSite(a) != self {
			return false
		}
	}
	return true
}

// writtenAfter reports whether the write that gave c its value came after
// f was measured, so that f could not have returned it.
func writtenAfter(c Cookie, f Frame) bool {
	if f.MeasuredAt.IsZero() || len(c.SetBy) == 0 {
		return false
	}
	return c.SetBy[len(c.SetBy)-1].At.After(f.MeasuredAt)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
