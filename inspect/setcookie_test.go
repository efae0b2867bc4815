package inspect

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func i64(n int64) *int64 { return &n }

func TestParseSetCookie(t *testing.T) {
	tests := []struct {
		description string
		line        string
		want        SetCookie
		err         error
	}{
		{"a plain pair has a name and a value", "sid=abc", SetCookie{Name: "sid", Value: "abc"}, nil},
		{"spaces around name, value and attributes are trimmed", "  sid = abc ;  Path = /app ", SetCookie{Name: "sid", Value: "abc", Path: "/app"}, nil},
		{"flags are recognised in any case", "a=1; SECURE; httponly; Partitioned", SetCookie{Name: "a", Value: "1", Secure: true, HttpOnly: true, Partitioned: true}, nil},
		{"SameSite values are canonicalised", "a=1; samesite=none", SetCookie{Name: "a", Value: "1", SameSite: "None", SameSiteRaw: "none"}, nil},
		{"an unknown SameSite value counts as absent but is kept", "a=1; SameSite=Bogus", SetCookie{Name: "a", Value: "1", SameSiteRaw: "Bogus"}, nil},
		{"Domain loses its leading dot and its case", "a=1; Domain=.App.Test", SetCookie{Name: "a", Value: "1", Domain: "app.test"}, nil},
		{"a Path not starting with / means the default path", "a=1; Path=app", SetCookie{Name: "a", Value: "1"}, nil},
		{"Max-Age is kept as seconds", "a=1; Max-Age=3600", SetCookie{Name: "a", Value: "1", MaxAge: i64(3600)}, nil},
		{"a non-numeric Max-Age is ignored", "a=1; Max-Age=soon", SetCookie{Name: "a", Value: "1"}, nil},
		{"Expires in RFC 1123 form is parsed", "a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT", SetCookie{Name: "a", Value: "1", Expires: time.Date(2037, 10, 21, 7, 28, 0, 0, time.UTC)}, nil},
		{"Expires in the old dashed form is parsed", "a=1; Expires=Wed, 21-Oct-2037 07:28:00 GMT", SetCookie{Name: "a", Value: "1", Expires: time.Date(2037, 10, 21, 7, 28, 0, 0, time.UTC)}, nil},
		{"a line without = is a nameless cookie, as browsers treat it", "justavalue", SetCookie{Value: "justavalue"}, nil},
		{"a value may contain =", "a=b=c", SetCookie{Name: "a", Value: "b=c"}, nil},
		{"unknown attributes are listed", "a=1; Foo=bar; Baz", SetCookie{Name: "a", Value: "1", Unknown: []string{"Foo", "Baz"}}, nil},
		{"empty attributes between semicolons are skipped", "a=1;;; Secure", SetCookie{Name: "a", Value: "1", Secure: true}, nil},
		{"Priority is kept", "a=1; Priority=High", SetCookie{Name: "a", Value: "1", Priority: "High"}, nil},
		{"an empty line is refused", "   ", SetCookie{}, ErrEmptyCookieLine},
		{"a line of only = is refused", "=", SetCookie{}, ErrCookieNoName},
		{"a control character refuses the whole line", "a=1\x00; Secure", SetCookie{}, ErrCookieControl},
		{"name plus value over 4096 bytes is refused", "a=" + strings.Repeat("x", 4096), SetCookie{}, ErrCookieTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			got, err := ParseSetCookie(tt.line)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseSetCookie(%q) error = %v, want %v", tt.line, err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSetCookie(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestDeletes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		description string
		line        string
		want        bool
	}{
		{"Max-Age=0 deletes", "a=; Max-Age=0", true},
		{"a negative Max-Age deletes", "a=; Max-Age=-1", true},
		{"an Expires in the past deletes", "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", true},
		{"Max-Age wins over a past Expires", "a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", false},
		{"a session cookie is stored", "a=1", false},
		{"a future Expires is stored", "a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT", false},
	}
	for _, tt := range tests {
		c, err := ParseSetCookie(tt.line)
		if err != nil {
			t.Fatalf("%s: %v", tt.description, err)
		}
		if got := c.Deletes(now); got != tt.want {
			t.Errorf("%s: Deletes = %v, want %v", tt.description, got, tt.want)
		}
	}
}

func TestRedactCookieLine(t *testing.T) {
	tests := []struct{ description, line, want string }{
		{"the value goes, the attributes stay", "sid=s3cret; Secure; Path=/", "sid=[redacted]; Secure; Path=/"},
		{"a nameless cookie loses its whole pair", "s3cret; Secure", "[redacted]; Secure"},
		{"a bare pair is redacted", "sid=s3cret", "sid=[redacted]"},
		{"a value with = is redacted whole", "sid=a=b", "sid=[redacted]"},
	}
	for _, tt := range tests {
		if got := RedactCookieLine(tt.line); got != tt.want {
			t.Errorf("%s: RedactCookieLine(%q) = %q, want %q", tt.description, tt.line, got, tt.want)
		}
	}
}

// FuzzParseSetCookie checks that no input panics the parser, and that a
// parsed line never yields a value the redactor would leak.
func FuzzParseSetCookie(f *testing.F) {
	for _, seed := range []string{"sid=abc; Secure; HttpOnly; SameSite=Lax; Path=/; Domain=.a.test; Max-Age=10", "=", ";;;", "a", "a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT", "\x00", "a=b; SameSite"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseSetCookie(line)
		if err != nil {
			return
		}
		if len(c.Name)+len(c.Value) > maxNameValueBytes {
			t.Fatalf("accepted a name and value of %d bytes", len(c.Name)+len(c.Value))
		}
		pair, _, _ := strings.Cut(RedactCookieLine(line), ";")
		if c.Value != "" && strings.Contains(pair, c.Value) && !strings.Contains(c.Name+"="+Redacted, c.Value) {
			t.Fatalf("redacted pair %q still holds the value %q", pair, c.Value)
		}
	})
}
