package inspect

import (
	"slices"
	"strings"
	"testing"
)

func TestPrefixOf(t *testing.T) {
	tests := []struct {
		description string
		name        string
		want        Prefix
	}{
		{"a plain name has no prefix", "sid", NoPrefix},
		{"__Secure- is found", "__Secure-sid", PrefixSecure},
		{"__Host- is found", "__Host-sid", PrefixHost},
		{"__Http- is found", "__Http-sid", PrefixHTTP},
		{"__Host-Http- is found before the __Host- it begins with", "__Host-Http-sid", PrefixHostHTTP},
		{"prefixes match in any case", "__host-http-sid", PrefixHostHTTP},
		{"upper case matches too", "__SECURE-sid", PrefixSecure},
		{"__Host-http- in mixed case is still __Host-Http-", "__HOST-http-x", PrefixHostHTTP},
		{"the prefix alone is a prefixed name", "__Http-", PrefixHTTP},
		{"a name that only resembles a prefix has none", "__Hostx-sid", NoPrefix},
		{"a single underscore is not a prefix", "_Secure-sid", NoPrefix},
		{"a prefix in the middle of the name does not count", "x__Host-sid", NoPrefix},
		{"__Host-Https- is __Host- with a name that begins Https-", "__Host-Https-x", PrefixHost},
	}
	for _, tt := range tests {
		if got := PrefixOf(tt.name); got != tt.want {
			t.Errorf("%s: PrefixOf(%q) = %q, want %q", tt.description, tt.name, got, tt.want)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	tests := []struct {
		description string
		line        string
		// secure says the origin may set Secure cookies (https); script
		// says page script wrote the line.
		secure, script bool
		prefix         Prefix
		broken         []string
	}{
		{"a plain cookie breaks no prefix rule", "sid=1", false, true, NoPrefix, nil},
		{"__Secure- with Secure from https is valid", "__Secure-a=1; Secure", true, false, PrefixSecure, nil},
		{"__Secure- needs Secure", "__Secure-a=1; Path=/", true, false, PrefixSecure, []string{"no Secure attribute"}},
		{"__Secure- needs an https origin", "__Secure-a=1; Secure", false, false, PrefixSecure, []string{"set from plain http"}},
		{"__Secure- can be set by script", "__Secure-a=1; Secure", true, true, PrefixSecure, nil},
		{"__Secure- may carry Domain and any Path", "__Secure-a=1; Secure; Domain=app.test; Path=/x", true, false, PrefixSecure, nil},
		{"__secure- in lower case has the same rule", "__secure-a=1; Path=/", true, false, PrefixSecure, []string{"no Secure attribute"}},
		{"__Host- with Secure and Path=/ is valid", "__Host-a=1; Secure; Path=/", true, false, PrefixHost, nil},
		{"__Host- can be set by script", "__Host-a=1; Secure; Path=/", true, true, PrefixHost, nil},
		{"__Host- needs a Path=/ attribute, not the default path", "__Host-a=1; Secure", true, false, PrefixHost, []string{"no Path=/ attribute"}},
		{"__Host- refuses another Path", "__Host-a=1; Secure; Path=/docs", true, false, PrefixHost, []string{"Path=/docs"}},
		{"__Host- refuses Domain, even the host's own", "__Host-a=1; Secure; Path=/; Domain=app.test", true, false, PrefixHost, []string{"Domain=app.test"}},
		{"__Host- lists every rule broken", "__Host-a=1; Domain=app.test", false, false, PrefixHost, []string{"no Secure attribute", "set from plain http", "Domain=app.test", "no Path=/ attribute"}},
		{"__Host- needs no HttpOnly", "__Host-a=1; Secure; Path=/", true, false, PrefixHost, nil},
		{"__Http- with Secure and HttpOnly by header is valid", "__Http-a=1; Secure; HttpOnly; Path=/", true, false, PrefixHTTP, nil},
		{"__Http- may carry Domain and any Path", "__Http-a=1; Secure; HttpOnly; Domain=app.test; Path=/x", true, false, PrefixHTTP, nil},
		{"__Http- needs HttpOnly", "__Http-a=1; Secure; Path=/", true, false, PrefixHTTP, []string{"no HttpOnly attribute"}},
		{"__Http- needs Secure", "__Http-a=1; HttpOnly; Path=/", true, false, PrefixHTTP, []string{"no Secure attribute"}},
		{"__Http- needs an https origin", "__Http-a=1; Secure; HttpOnly; Path=/", false, false, PrefixHTTP, []string{"set from plain http"}},
		{"__Http- can never be set by script, even with HttpOnly written", "__Http-a=1; Secure; HttpOnly; Path=/", true, true, PrefixHTTP, []string{"written by page script"}},
		{"__http- in lower case is __Http-", "__http-a=1; Secure; Path=/", true, false, PrefixHTTP, []string{"no HttpOnly attribute"}},
		{"__Host-Http- with Secure, HttpOnly and Path=/ is valid", "__Host-Http-a=1; Secure; HttpOnly; Path=/", true, false, PrefixHostHTTP, nil},
		{"__Host-Http- needs HttpOnly", "__Host-Http-a=1; Secure; Path=/", true, false, PrefixHostHTTP, []string{"no HttpOnly attribute"}},
		{"__Host-Http- refuses Domain", "__Host-Http-a=1; Secure; HttpOnly; Path=/; Domain=app.test", true, false, PrefixHostHTTP, []string{"Domain=app.test"}},
		{"__Host-Http- needs Path=/", "__Host-Http-a=1; Secure; HttpOnly; Path=/docs", true, false, PrefixHostHTTP, []string{"Path=/docs"}},
		{"__Host-Http- can never be set by script", "__Host-Http-a=1; Secure; Path=/", true, true, PrefixHostHTTP, []string{"written by page script"}},
		{"__host-http- in lower case is __Host-Http-", "__host-http-a=1; Secure; Path=/", true, false, PrefixHostHTTP, []string{"no HttpOnly attribute"}},
		{"a nameless cookie whose value begins with a prefix is refused whatever its attributes", "__Secure-a; Secure; Path=/", true, false, PrefixSecure, []string{"no name, and a value that begins with __Secure-"}},
		{"an empty name with such a value is nameless too", "=__host-a; Secure; Path=/", true, false, PrefixHost, []string{"no name, and a value that begins with __host-"}},
		{"a nameless cookie with another value breaks no prefix rule", "token; Secure", true, false, NoPrefix, nil},
	}
	for _, tt := range tests {
		c, err := ParseSetCookie(tt.line)
		if err != nil {
			t.Fatalf("%s: %v", tt.description, err)
		}
		pc := c.CheckPrefix(tt.secure, tt.script)
		if pc.Prefix != tt.prefix || !slices.Equal(pc.Broken, tt.broken) || pc.Refused() != (len(tt.broken) > 0) {
			t.Errorf("%s: %q (secure origin %v, script %v): prefix %q, broken %q, refused %v; want %q, %q",
				tt.description, tt.line, tt.secure, tt.script, pc.Prefix, pc.Broken, pc.Refused(), tt.prefix, tt.broken)
		}
		if reason := pc.Reason(); (reason == "") == pc.Refused() {
			t.Errorf("%s: refused %v, reason %q", tt.description, pc.Refused(), reason)
		}
	}
}

func TestPrefixReasonNamesTheRuleOfTheCookiesPrefix(t *testing.T) {
	tests := []struct {
		description    string
		line           string
		secure, script bool
		want           string
	}{
		{"a __Http- header line without HttpOnly", "__Http-x=1; Secure; Path=/", true, false,
			"the cookie breaks the rules of its __Http- name prefix: __Http- cookies must be Secure and HttpOnly (this one: no HttpOnly attribute)"},
		{"a __Host-Http- header line without HttpOnly, from http", "__Host-Http-x=1; Secure; Path=/", false, false,
			"the cookie breaks the rules of its __Host-Http- name prefix: __Host-Http- cookies must be Secure and HttpOnly, with Path=/ and no Domain (this one: set from plain http, no HttpOnly attribute)"},
		{"a __Host- header line with Domain", "__Host-x=1; Secure; Path=/; Domain=app.test", true, false,
			"the cookie breaks the rules of its __Host- name prefix: __Host- cookies must be Secure, with Path=/ and no Domain (this one: Domain=app.test)"},
		{"a __Secure- line without Secure", "__Secure-x=1", true, false,
			"the cookie breaks the rules of its __Secure- name prefix: __Secure- cookies must be Secure (this one: no Secure attribute)"},
		{"a __Http- script write", "__Http-x=1; Secure; Path=/", true, true,
			"page script cannot set HttpOnly cookies, and a __Http- name requires HttpOnly"},
		{"a __Host-Http- script write", "__Host-Http-x=1; Secure; Path=/", true, true,
			"page script cannot set HttpOnly cookies, and a __Host-Http- name requires HttpOnly"},
		{"a lower-case prefix says it matched in any case", "__host-http-x=1; Secure; Path=/", true, false,
			"the cookie breaks the rules of its __Host-Http- name prefix: __Host-Http- cookies must be Secure and HttpOnly, with Path=/ and no Domain (this one: no HttpOnly attribute); Chrome matches prefixes in any case, so __host-http- is __Host-Http-"},
		{"a valid cookie has no reason", "__Host-Http-x=1; Secure; HttpOnly; Path=/", true, false, ""},
	}
	for _, tt := range tests {
		c, err := ParseSetCookie(tt.line)
		if err != nil {
			t.Fatalf("%s: %v", tt.description, err)
		}
		if got := c.CheckPrefix(tt.secure, tt.script).Reason(); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.description, got, tt.want)
		}
	}
}

func TestPrefixTrim(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"__Host-Http-sid", "sid"}, {"__host-sid", "sid"}, {"__Secure-sid", "sid"}, {"sid", "sid"},
	} {
		if got := PrefixOf(tt.name).Trim(tt.name); got != tt.want {
			t.Errorf("Trim(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := PrefixHost.Trim("__Secure-sid"); got != "__Secure-sid" {
		t.Errorf("__Host-.Trim(__Secure-sid) = %q, want it unchanged", got)
	}
	for _, p := range Prefixes {
		if !strings.HasPrefix(p.Rule(), string(p)+" cookies must be Secure") {
			t.Errorf("%s: rule %q does not start with its prefix's Secure rule", p, p.Rule())
		}
	}
}
