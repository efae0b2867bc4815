package inspect

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// read builds an API's successful result from name, value pairs.
func read(nameValues ...string) APIRead {
	r := APIRead{Status: APIOK}
	for i := 0; i+1 < len(nameValues); i += 2 {
		r.Pairs = append(r.Pairs, NameValue{nameValues[i], nameValues[i+1]})
	}
	r.Count = len(r.Pairs)
	return r
}

func dcRead(nameValues ...string) APIRead { return read(nameValues...) }
func csRead(nameValues ...string) APIRead { return read(nameValues...) }

func failed(err string) APIRead { return APIRead{Status: APIFailed, Error: err} }

var notSecure = APIRead{Status: APIUnavailable, Error: "not a secure context"}

func TestReadability(t *testing.T) {
	httpOnly := jarCookie("h", "9", "app.test", "/")
	httpOnly.HttpOnly = true
	secure := jarCookie("s", "5", "app.test", "/")
	secure.Secure = true
	unpart := jarCookie("w", "1", "widget.test", "/")
	unpart.Secure, unpart.SameSite = true, "None"
	part := jarCookie("wp", "2", "widget.test", "/")
	part.Secure, part.Partitioned, part.PartitionKey = true, true, "https://app.test"
	otherPart := jarCookie("wo", "3", "widget.test", "/")
	otherPart.Secure, otherPart.Partitioned, otherPart.PartitionKey = true, true, "https://other.test"
	late := script("https://app.test/", "late=2; Path=/")
	late.At = t0.Add(time.Second)

	tests := []struct {
		description string
		jar         []Cookie
		frames      []Frame
		writes      []Write
		// want maps each cookie name to its verdict, via to the APIs that
		// returned it.
		want map[string]Readability
		via  map[string][]string
		// errs holds each frame's Error; unknown is a substring of every
		// unknown cookie's reason.
		errs    []string
		unknown string
	}{
		{
			description: "a healthy https page: both APIs return the cookies in scope, the HttpOnly one is not readable",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/"), httpOnly},
			frames:      []Frame{{URL: "https://app.test/", TopLevel: true, DocumentCookie: dcRead("a", "1"), CookieStore: csRead("a", "1")}},
			want:        map[string]Readability{"a": Readable, "h": NotReadable},
			via:         map[string][]string{"a": {APIDocumentCookie, APICookieStore}},
			errs:        []string{""},
		},
		{
			description: "a lone surrogate empties document.cookie on https: cookieStore still returns the others, which are readable; the surrogate's own cookie (its value mangled) is unknown",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/"), jarCookie("b", "2", "app.test", "/"), jarCookie("sur", "\ufffdx", "app.test", "/"), httpOnly},
			frames:      []Frame{{URL: "https://app.test/", TopLevel: true, DocumentCookie: dcRead(), CookieStore: csRead("a", "1", "b", "2", "sur", "")}},
			want:        map[string]Readability{"a": Readable, "b": Readable, "sur": ReadabilityUnknown, "h": NotReadable},
			via:         map[string][]string{"a": {APICookieStore}, "b": {APICookieStore}},
			errs:        []string{"document.cookie returned nothing while 3 cookies in scope are not HttpOnly; cookieStore.getAll() returned 2 of the 3 cookies in scope that are not HttpOnly"},
			unknown:     "on https://app.test/: document.cookie returned nothing",
		},
		{
			description: "a lone surrogate empties document.cookie on http, where cookieStore does not exist: every cookie script should see is unknown, the HttpOnly one stays not readable",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/"), jarCookie("sur", "\ufffdx", "app.test", "/"), httpOnly},
			frames:      []Frame{{URL: "http://app.test/", TopLevel: true, DocumentCookie: dcRead(), CookieStore: notSecure}},
			want:        map[string]Readability{"a": ReadabilityUnknown, "sur": ReadabilityUnknown, "h": NotReadable},
			errs:        []string{"document.cookie returned nothing while 2 cookies in scope are not HttpOnly; cookieStore unavailable (not a secure context)"},
			unknown:     "cookieStore unavailable",
		},
		{
			description: "a short result leaves the missing cookie unknown and the returned one readable",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/"), jarCookie("b", "2", "app.test", "/")},
			frames:      []Frame{{URL: "http://app.test/", TopLevel: true, DocumentCookie: dcRead("a", "1"), CookieStore: notSecure}},
			want:        map[string]Readability{"a": Readable, "b": ReadabilityUnknown},
			via:         map[string][]string{"a": {APIDocumentCookie}},
			errs:        []string{"document.cookie returned 1 of the 2 cookies in scope that are not HttpOnly; cookieStore unavailable (not a secure context)"},
		},
		{
			description: "cookies out of the frame's scope (another path, Secure on http) are not readable, not unknown, even when document.cookie returned nothing",
			jar:         []Cookie{jarCookie("p", "1", "app.test", "/private"), secure},
			frames:      []Frame{{URL: "http://app.test/", TopLevel: true, DocumentCookie: dcRead(), CookieStore: notSecure}},
			want:        map[string]Readability{"p": NotReadable, "s": NotReadable},
			errs:        []string{""},
		},
		{
			description: "an exception from cookieStore alone is reported, and leaves what document.cookie returned readable",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/")},
			frames:      []Frame{{URL: "https://app.test/", TopLevel: true, DocumentCookie: dcRead("a", "1"), CookieStore: failed("timed out after 300 ms")}},
			want:        map[string]Readability{"a": Readable},
			via:         map[string][]string{"a": {APIDocumentCookie}},
			errs:        []string{"cookieStore.getAll() failed: timed out after 300 ms"},
		},
		{
			description: "when no API gave a result, every cookie in scope that is not HttpOnly is unknown, even one a cross-site frame might not see",
			jar:         []Cookie{unpart, httpOnly},
			frames:      []Frame{{URL: "https://widget.test/f", Ancestors: []string{"https://app.test"}, DocumentCookie: failed("TypeError: boom"), CookieStore: failed("TypeError: boom")}},
			want:        map[string]Readability{"w": ReadabilityUnknown, "h": NotReadable},
			errs:        []string{"document.cookie failed: TypeError: boom; cookieStore.getAll() failed: TypeError: boom"},
		},
		{
			description: "in a cross-site frame an empty result blames the page only for the partitioned cookie of this top-level site: Chrome withholds the unpartitioned one and the other partition's",
			jar:         []Cookie{unpart, part, otherPart},
			frames:      []Frame{{URL: "https://widget.test/f", Ancestors: []string{"https://app.test:8443"}, DocumentCookie: dcRead(), CookieStore: csRead()}},
			want:        map[string]Readability{"w": NotReadable, "wp": ReadabilityUnknown, "wo": NotReadable},
			errs:        []string{"document.cookie returned nothing while 1 cookie in scope is not HttpOnly; cookieStore.getAll() returned nothing while 1 cookie in scope is not HttpOnly"},
		},
		{
			description: "in a same-site frame unpartitioned cookies are expected",
			jar:         []Cookie{jarCookie("d", "1", ".app.test", "/")},
			frames:      []Frame{{URL: "https://sub.app.test/f", Ancestors: []string{"https://app.test"}, DocumentCookie: dcRead(), CookieStore: csRead()}},
			want:        map[string]Readability{"d": ReadabilityUnknown},
			errs:        []string{"document.cookie returned nothing while 1 cookie in scope is not HttpOnly; cookieStore.getAll() returned nothing while 1 cookie in scope is not HttpOnly"},
		},
		{
			description: "a cookie written after the measurement started is unknown, and the page is not blamed",
			jar:         []Cookie{jarCookie("late", "2", "app.test", "/"), jarCookie("a", "1", "app.test", "/")},
			writes:      []Write{late},
			frames:      []Frame{{URL: "https://app.test/", TopLevel: true, MeasuredAt: t0, DocumentCookie: dcRead("a", "1"), CookieStore: csRead("a", "1")}},
			want:        map[string]Readability{"late": ReadabilityUnknown, "a": Readable},
			via:         map[string][]string{"a": {APIDocumentCookie, APICookieStore}},
			errs:        []string{""},
			unknown:     "set after readability was measured",
		},
		{
			description: "an opaque-origin (sandboxed) frame throws by design: its script reads nothing, and that is no error",
			jar:         []Cookie{jarCookie("f", "1", "app.test", "/frame")},
			frames:      []Frame{{URL: "https://app.test/frame", Opaque: true, Ancestors: []string{"https://app.test"}, DocumentCookie: failed("SecurityError: sandboxed"), CookieStore: failed("SecurityError: denied")}},
			want:        map[string]Readability{"f": NotReadable},
			errs:        []string{""},
		},
		{
			description: "readable in one document and unknown in another is readable",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/")},
			frames: []Frame{
				{URL: "https://app.test/", TopLevel: true, DocumentCookie: dcRead("a", "1"), CookieStore: csRead("a", "1")},
				{URL: "http://app.test/popup", Popup: true, DocumentCookie: dcRead(), CookieStore: notSecure},
			},
			want: map[string]Readability{"a": Readable},
			via:  map[string][]string{"a": {APIDocumentCookie, APICookieStore}},
			errs: []string{"", "document.cookie returned nothing while 1 cookie in scope is not HttpOnly; cookieStore unavailable (not a secure context)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			var target Target
			Assemble(&target, Evidence{Jar: tt.jar, Frames: tt.frames, Writes: tt.writes, Now: t0})
			got := map[string]Readability{}
			via := map[string][]string{}
			for _, c := range target.Cookies {
				got[c.Name] = c.Readability
				if len(c.ReadableVia) > 0 {
					via[c.Name] = c.ReadableVia
				}
				if c.ScriptReadable != (c.Readability == Readable) || c.ScriptReadable != (len(c.ReadableOn) > 0) {
					t.Errorf("%s: scriptReadable %v, readability %s, readable on %v", c.Name, c.ScriptReadable, c.Readability, c.ReadableOn)
				}
				if (c.Readability == ReadabilityUnknown) != (c.UnknownReason != "") || c.UnknownReason != "" && !strings.Contains(c.UnknownReason, tt.unknown) {
					t.Errorf("%s: %s with reason %q, want a reason with %q", c.Name, c.Readability, c.UnknownReason, tt.unknown)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readability:\n got %v\nwant %v", got, tt.want)
			}
			if tt.via == nil {
				tt.via = map[string][]string{}
			}
			if !reflect.DeepEqual(via, tt.via) {
				t.Errorf("readable via:\n got %v\nwant %v", via, tt.via)
			}
			var errs []string
			for _, f := range target.Frames {
				errs = append(errs, f.Error)
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Errorf("frame errors:\n got %q\nwant %q", errs, tt.errs)
			}
			for _, f := range tt.frames {
				if f.Error != "" {
					t.Errorf("Assemble changed the caller's frames")
				}
			}
		})
	}
}

func TestReadabilityNotMeasured(t *testing.T) {
	httpOnly := jarCookie("h", "9", "app.test", "/")
	httpOnly.HttpOnly = true
	secure := jarCookie("s", "5", "app.test", "/")
	secure.Secure = true
	const busy = "the page did not answer within 1s"
	tests := []struct {
		description string
		jar         []Cookie
		frames      []Frame
		unmeasured  []Unmeasured
		want        map[string]Readability
		// notMeasured lists the cookies unknown because they were not
		// measured; reason is a substring of each one's reason.
		notMeasured []string
		reason      string
	}{
		{
			description: "a page that did not answer: every cookie script could read there is unknown, not measured, with why; HttpOnly stays not readable",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/"), httpOnly},
			unmeasured:  []Unmeasured{{URL: "https://app.test/spin", Why: busy}},
			want:        map[string]Readability{"a": ReadabilityUnknown, "h": NotReadable},
			notMeasured: []string{"a"},
			reason:      "not measured on https://app.test/spin: " + busy,
		},
		{
			description: "cookies the unanswered document could not see (another host, another path, Secure on http) stay not readable",
			jar:         []Cookie{jarCookie("o", "1", "other.test", "/"), jarCookie("p", "1", "app.test", "/admin"), secure},
			unmeasured:  []Unmeasured{{URL: "http://app.test/spin", Why: busy}},
			want:        map[string]Readability{"o": NotReadable, "p": NotReadable, "s": NotReadable},
		},
		{
			description: "a document of unknown URL (the renderer crashed) leaves every cookie but HttpOnly ones unknown",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/"), jarCookie("o", "1", "other.test", "/x"), httpOnly},
			unmeasured:  []Unmeasured{{Why: "the page's renderer crashed"}},
			want:        map[string]Readability{"a": ReadabilityUnknown, "o": ReadabilityUnknown, "h": NotReadable},
			notMeasured: []string{"a", "o"},
			reason:      "not measured: the page's renderer crashed",
		},
		{
			description: "a cookie another document returned is readable, whatever was not measured elsewhere",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/")},
			frames:      []Frame{{URL: "https://app.test/frame", DocumentCookie: dcRead("a", "1"), CookieStore: csRead("a", "1")}},
			unmeasured:  []Unmeasured{{URL: "https://app.test/", Why: busy}},
			want:        map[string]Readability{"a": Readable},
		},
		{
			description: "a broken measurement and an unmeasured document: unknown with both reasons, and not marked as merely not measured",
			jar:         []Cookie{jarCookie("a", "1", "app.test", "/")},
			frames:      []Frame{{URL: "http://app.test/", TopLevel: true, DocumentCookie: dcRead(), CookieStore: notSecure}},
			unmeasured:  []Unmeasured{{URL: "http://app.test/frame", Why: busy}},
			want:        map[string]Readability{"a": ReadabilityUnknown},
			reason:      "not measured on http://app.test/frame",
		},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			var target Target
			Assemble(&target, Evidence{Jar: tt.jar, Frames: tt.frames, Unmeasured: tt.unmeasured, Now: t0})
			got := map[string]Readability{}
			var notMeasured []string
			for _, c := range target.Cookies {
				got[c.Name] = c.Readability
				if c.NotMeasured {
					notMeasured = append(notMeasured, c.Name)
				}
				if c.Readability == ReadabilityUnknown && !strings.Contains(c.UnknownReason, tt.reason) {
					t.Errorf("%s: reason %q, want one with %q", c.Name, c.UnknownReason, tt.reason)
				}
				if c.ScriptReadable != (c.Readability == Readable) {
					t.Errorf("%s: scriptReadable %v with readability %s", c.Name, c.ScriptReadable, c.Readability)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readability:\n got %v\nwant %v", got, tt.want)
			}
			if !reflect.DeepEqual(notMeasured, tt.notMeasured) {
				t.Errorf("not measured: got %v, want %v", notMeasured, tt.notMeasured)
			}
			if !reflect.DeepEqual(target.Unmeasured, tt.unmeasured) {
				t.Errorf("target's unmeasured documents %+v, want %+v", target.Unmeasured, tt.unmeasured)
			}
		})
	}
}
