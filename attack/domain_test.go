package attack

import "testing"

func TestParentDomainHonoursPublicSuffixes(t *testing.T) {
	cases := []struct {
		host, want string
		ok         bool
	}{
		{"x.example.co.uk", "example.co.uk", true},
		{"example.co.uk", "example.co.uk", true},
		{"a.b.example.com", "b.example.com", true},
		{"app.flawed.test", "flawed.test", true},
		{"example.com", "example.com", true},
		{"user.github.io", "user.github.io", true},
		{"co.uk", "", false},
		{"127.0.0.1", "", false},
		{"::1", "", false},
	}
	for _, c := range cases {
		got, ok := ParentDomain(c.host)
		if got != c.want || ok != c.ok {
			t.Errorf("ParentDomain(%q) = %q, %v; want %q, %v", c.host, got, ok, c.want, c.ok)
		}
	}
}
