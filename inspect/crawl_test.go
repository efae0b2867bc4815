package inspect

import (
	"fmt"
	"testing"
	"time"
)

func TestJarChanges(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	later := day.Add(24 * time.Hour)
	c := func(name, value, path string) Cookie {
		return Cookie{Name: name, Value: value, Domain: "portal.test", Path: path, HostOnly: true}
	}
	expiring := func(c Cookie, at time.Time) Cookie { c.Expires = &at; return c }
	secure := func(c Cookie) Cookie { c.Secure = true; return c }
	tests := []struct {
		description           string
		before, after         []Cookie
		set, changed, deleted string
	}{
		{"nothing happened", []Cookie{c("a", "1", "/")}, []Cookie{c("a", "1", "/")}, "[]", "[]", "[]"},
		{"a new cookie is set", nil, []Cookie{c("a", "1", "/")}, "[a]", "[]", "[]"},
		{"a cookie of the same name on another path is another cookie", []Cookie{c("a", "1", "/")}, []Cookie{c("a", "1", "/"), c("a", "2", "/admin")}, "[a (path /admin)]", "[]", "[]"},
		{"a new value is a change, never shown", []Cookie{c("a", "1", "/")}, []Cookie{c("a", "2", "/")}, "[]", "[a: value]", "[]"},
		{"a longer life and a new attribute are changes", []Cookie{expiring(c("a", "1", "/"), day)}, []Cookie{secure(expiring(c("a", "1", "/"), later))}, "[]", "[a: expires, secure]", "[]"},
		{"an expiry read again within a second is the same", []Cookie{expiring(c("a", "1", "/"), day)}, []Cookie{expiring(c("a", "1", "/"), day.Add(300*time.Millisecond))}, "[]", "[]", "[]"},
		{"a cookie gone is deleted", []Cookie{c("a", "1", "/"), c("b", "1", "/")}, []Cookie{c("b", "1", "/")}, "[]", "[]", "[a]"},
	}
	label := func(cs []CookieChange) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Label())
		}
		return fmt.Sprint(out)
	}
	for _, tt := range tests {
		set, changed, deleted := JarChanges(tt.before, tt.after)
		if got := label(set); got != tt.set {
			t.Errorf("%s: set %s, want %s", tt.description, got, tt.set)
		}
		if got := label(changed); got != tt.changed {
			t.Errorf("%s: changed %s, want %s", tt.description, got, tt.changed)
		}
		if got := label(deleted); got != tt.deleted {
			t.Errorf("%s: deleted %s, want %s", tt.description, got, tt.deleted)
		}
	}
}
