package inspect

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func header(url, line string, blocked ...string) Write {
	return Write{Via: ViaHeader, URL: url, CookieLine: line, Blocked: blocked, At: t0}
}

func script(url, line string) Write {
	return Write{Via: ViaDocumentCookie, URL: url, Script: url, CookieLine: line, At: t0}
}

func jarCookie(name, value, domain, path string) Cookie {
	return Cookie{Name: name, Value: value, Domain: domain, Path: path, HostOnly: domain[0] != '.'}
}

func TestAssemble(t *testing.T) {
	tests := []struct {
		description string
		ev          Evidence
		// setBy maps a cookie name to the Via of each write attributed to it.
		setBy map[string][]Via
		// readable maps a cookie name to where script could read it.
		readable map[string][]string
		// blocked maps a blocked write's name to its reasons.
		blocked map[string][]string
	}{
		{
			description: "a header cookie is attributed to its response",
			ev: Evidence{
				Jar:    []Cookie{jarCookie("sid", "1", "app.test", "/")},
				Writes: []Write{header("https://app.test/login", "sid=1; Path=/")},
			},
			setBy: map[string][]Via{"sid": {ViaHeader}},
		},
		{
			description: "a cookie without Path takes the directory of the URL",
			ev: Evidence{
				Jar:    []Cookie{jarCookie("p", "1", "app.test", "/account")},
				Writes: []Write{header("https://app.test/account/settings", "p=1")},
			},
			setBy: map[string][]Via{"p": {ViaHeader}},
		},
		{
			description: "a Domain cookie matches the dotted jar entry, not a host-only one",
			ev: Evidence{
				Jar:    []Cookie{jarCookie("d", "1", ".app.test", "/"), jarCookie("d", "2", "app.test", "/")},
				Writes: []Write{header("https://app.test/", "d=1; Domain=app.test; Path=/"), script("https://app.test/", "d=2; path=/")},
			},
			setBy: map[string][]Via{"d": {ViaHeader, ViaDocumentCookie}},
		},
		{
			description: "a header and a later script write to one cookie are both listed, oldest first",
			ev: Evidence{
				Jar:    []Cookie{jarCookie("pref", "js", "app.test", "/")},
				Writes: []Write{header("https://app.test/", "pref=hdr; Path=/"), script("https://app.test/", "pref=js; path=/")},
			},
			setBy: map[string][]Via{"pref": {ViaHeader, ViaDocumentCookie}},
		},
		{
			description: "a blocked header write is reported with Chrome's reason and not attributed",
			ev: Evidence{
				Writes: []Write{header("https://app.test/", "bad=1; SameSite=None", "SameSiteNoneInsecure")},
			},
			blocked: map[string][]string{"bad": {"SameSiteNoneInsecure"}},
		},
		{
			description: "a script write the jar does not hold is reported as not stored",
			ev: Evidence{
				Writes: []Write{script("https://widget.test/frame", "w=1; SameSite=None; Secure")},
			},
			blocked: map[string][]string{"w": {ReasonNotStored}},
		},
		{
			description: "a script write whose value the jar does not hold (a Secure cookie kept) is not stored",
			ev: Evidence{
				Jar:    []Cookie{jarCookie("sid", "good", "app.test", "/")},
				Writes: []Write{header("https://app.test/", "sid=good; Secure; Path=/"), script("http://app.test/", "sid=evil; path=/")},
			},
			setBy:   map[string][]Via{"sid": {ViaHeader}},
			blocked: map[string][]string{"sid": {ReasonNotStored}},
		},
		{
			description: "a script deletion is neither attributed nor blocked",
			ev: Evidence{
				Writes: []Write{script("https://app.test/", "gone=1; path=/"), script("https://app.test/", "gone=; path=/; max-age=0")},
			},
		},
		{
			description: "readability needs name, value and a URL within the cookie's scope",
			ev: Evidence{
				Jar: []Cookie{jarCookie("a", "1", "app.test", "/"), jarCookie("a", "2", "app.test", "/private")},
				Frames: []Frame{
					{URL: "https://app.test/", DocumentCookie: dcRead("a", "1")},
					{URL: "https://app.test/private/x", DocumentCookie: dcRead("a", "2", "a", "1")},
				},
			},
			readable: map[string][]string{"a": {"https://app.test/", "https://app.test/private/x", "https://app.test/private/x"}},
		},
		{
			description: "a partitioned cookie is attributed only to a Partitioned write",
			ev: Evidence{
				Jar:    []Cookie{{Name: "w", Value: "1", Domain: "widget.test", Path: "/", HostOnly: true, Partitioned: true, PartitionKey: "https://app.test"}},
				Writes: []Write{script("https://widget.test/f", "w=0; Path=/; Secure; SameSite=None"), script("https://widget.test/f", "w=1; Path=/; Secure; SameSite=None; Partitioned")},
			},
			setBy:   map[string][]Via{"w": {ViaDocumentCookie}},
			blocked: map[string][]string{"w": {ReasonNotStored}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			var target Target
			tt.ev.Now = t0
			Assemble(&target, tt.ev)
			setBy := map[string][]Via{}
			readable := map[string][]string{}
			for _, c := range target.Cookies {
				for _, w := range c.SetBy {
					setBy[c.Name] = append(setBy[c.Name], w.Via)
				}
				readable[c.Name] = append(readable[c.Name], c.ReadableOn...)
				if c.ScriptReadable != (len(c.ReadableOn) > 0) {
					t.Errorf("%s: ScriptReadable = %v with ReadableOn %v", c.Name, c.ScriptReadable, c.ReadableOn)
				}
			}
			blocked := map[string][]string{}
			for _, b := range target.Blocked {
				blocked[b.Name] = append(blocked[b.Name], b.Reasons...)
				if b.Explanation == "" {
					t.Errorf("blocked %s has no explanation", b.Name)
				}
			}
			check(t, "set by", setBy, tt.setBy)
			check(t, "blocked", blocked, tt.blocked)
			if tt.readable != nil {
				check(t, "readable on", readable, tt.readable)
			}
		})
	}
}

func check[V any](t *testing.T, what string, got, want map[string]V) {
	t.Helper()
	if want == nil {
		want = map[string]V{}
	}
	for k, v := range got {
		if reflect.ValueOf(v).Len() == 0 {
			delete(got, k)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestPathMatches(t *testing.T) {
	tests := []struct {
		request, cookie string
		want            bool
	}{
		{"/", "/", true},
		{"/headers", "/headers/private", false},
		{"/headers/private", "/headers/private", true},
		{"/headers/private/x", "/headers/private", true},
		{"/headers/privateer", "/headers/private", false},
		{"/a/b", "/a/", true},
	}
	for _, tt := range tests {
		if got := PathMatches(tt.request, tt.cookie); got != tt.want {
			t.Errorf("PathMatches(%q, %q) = %v, want %v", tt.request, tt.cookie, got, tt.want)
		}
	}
}

func TestRedactLeavesNoValue(t *testing.T) {
	w := header("https://app.test/", "sid=s3cret-value; Secure")
	w.Parsed, _ = ParseSetCookie(w.CookieLine)
	c := jarCookie("sid", "s3cret-value", "app.test", "/")
	c.SetBy = []Write{w}
	r := Report{Targets: []Target{{Cookies: []Cookie{c}, Writes: []Write{w}, Blocked: []BlockedWrite{{Name: "sid", Write: w}},
		Frames: []Frame{{URL: "https://app.test/", DocumentCookie: dcRead("sid", "s3cret-value"), CookieStore: csRead("sid", "s3cret-value")}}}}}
	red := r.Redact()
	rt := red.Targets[0]
	for _, s := range []string{rt.Cookies[0].Value, rt.Cookies[0].SetBy[0].CookieLine, rt.Writes[0].CookieLine, rt.Blocked[0].CookieLine, rt.Writes[0].Parsed.Value} {
		if s == "" || strings.Contains(s, "s3cret-value") {
			t.Errorf("redacted report still holds %q", s)
		}
	}
	if rt.Frames[0].DocumentCookie.Pairs != nil || rt.Frames[0].CookieStore.Pairs != nil {
		t.Errorf("redacted frame keeps its pairs")
	}
	if r.Targets[0].Cookies[0].Value != "s3cret-value" {
		t.Errorf("Redact changed the original report")
	}
}

func TestRedactProbesKeepsOnlyTheAttackersValue(t *testing.T) {
	r := Report{Targets: []Target{{Probes: []Probe{
		{Name: "sibling-toss", Before: "s3cret", After: "s3cret, cookiescope-forged-1", Forged: "cookiescope-forged-1"},
		{Name: "jar-overflow", Before: "(2 cookies)", After: Absent},
	}}}}
	got := r.Redact().Targets[0].Probes
	if got[0].Before != Redacted || got[0].After != Redacted+", cookiescope-forged-1" {
		t.Errorf("toss row redacted to %q -> %q", got[0].Before, got[0].After)
	}
	if got[1].Before != "(2 cookies)" || got[1].After != Absent {
		t.Errorf("placeholders changed: %q -> %q", got[1].Before, got[1].After)
	}
}
