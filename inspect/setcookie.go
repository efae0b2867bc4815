package inspect

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxNameValueBytes is the RFC 6265bis limit on a cookie's name plus value;
// browsers ignore a Set-Cookie line that exceeds it.
const maxNameValueBytes = 4096

// maxAttributeValueBytes is the RFC 6265bis limit on one attribute's value;
// browsers ignore a longer attribute.
const maxAttributeValueBytes = 1024

// SetCookie is one parsed Set-Cookie line (or document.cookie assignment),
// following the parsing algorithm of RFC 6265bis section 5.6: lenient, as a
// browser is, so that what we report matches what Chrome saw.
type SetCookie struct {
	// Name and Value are the cookie-pair. A line without "=" gives an empty
	// name and the whole pair as the value, as browsers do.
	Name, Value string
	// Domain is the Domain attribute with a leading dot removed and
	// lower-cased; empty when absent (a host-only cookie).
	Domain string
	// Path is the Path attribute; empty when absent or not starting with "/"
	// (the browser then uses the default path of the URL).
	Path string
	// Expires is the Expires attribute; zero when absent or unparsable.
	Expires time.Time
	// MaxAge is the Max-Age attribute in seconds; nil when absent.
	MaxAge *int64
	// Secure, HttpOnly and Partitioned are the flag attributes.
	Secure, HttpOnly, Partitioned bool
	// SameSite is "Strict", "Lax" or "None" as written (canonical case), or
	// "" when absent; an unknown value is kept in SameSiteRaw.
	SameSite, SameSiteRaw string
	// Priority is the non-standard Priority attribute Chrome honours.
	Priority string
	// Unknown lists attribute names we do not know, in order.
	Unknown []string
}

// Errors that ParseSetCookie returns.
var (
	ErrEmptyCookieLine = errors.New("empty cookie line")
	ErrCookieControl   = errors.New("cookie line contains a control character")
	ErrCookieTooLarge  = errors.New("cookie name and value exceed 4096 bytes")
	ErrCookieNoName    = errors.New("cookie line has neither name nor value")
)

// ParseSetCookie parses one cookie line. It returns an error only where a
// browser would ignore the whole line; unknown attributes are kept in Unknown.
func ParseSetCookie(line string) (SetCookie, error) {
	var c SetCookie
	if strings.TrimSpace(line) == "" {
		return c, ErrEmptyCookieLine
	}
	for i := 0; i < len(line); i++ {
		if b := line[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return c, ErrCookieControl
		}
	}
	pair, attrs, _ := strings.Cut(line, ";")
	if name, value, ok := strings.Cut(pair, "="); ok {
		c.Name, c.Value = trimWSP(name), trimWSP(value)
	} else {
		c.Value = trimWSP(pair)
	}
	if c.Name == "" && c.Value == "" {
		return c, ErrCookieNoName
	}
	if len(c.Name)+len(c.Value) > maxNameValueBytes {
		return c, ErrCookieTooLarge
	}
	for attrs != "" {
		var av string
		av, attrs, _ = strings.Cut(attrs, ";")
		name, value, _ := strings.Cut(av, "=")
		name, value = trimWSP(name), trimWSP(value)
		if len(value) > maxAttributeValueBytes {
			continue
		}
		switch strings.ToLower(name) {
		case "":
			continue
		case "expires":
			if t, err := http.ParseTime(value); err == nil {
				c.Expires = t.UTC()
			} else if t, err := time.Parse("Mon, 02-Jan-2006 15:04:05 MST", value); err == nil {
				c.Expires = t.UTC()
			}
		case "max-age":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil {
				c.MaxAge = &n
			}
		case "domain":
			c.Domain = strings.ToLower(strings.TrimPrefix(value, "."))
		case "path":
			if strings.HasPrefix(value, "/") {
				c.Path = value
			} else {
				c.Path = ""
			}
		case "secure":
			c.Secure = true
		case "httponly":
			c.HttpOnly = true
		case "partitioned":
			c.Partitioned = true
		case "samesite":
			c.SameSiteRaw = value
			switch strings.ToLower(value) {
			case "strict":
				c.SameSite = "Strict"
			case "lax":
				c.SameSite = "Lax"
			case "none":
				c.SameSite = "None"
			default:
				c.SameSite = ""
			}
		case "priority":
			c.Priority = value
		default:
			c.Unknown = append(c.Unknown, name)
		}
	}
	return c, nil
}

// Deletes reports whether the line removes the cookie rather than storing it:
// a Max-Age of zero or less, or an Expires in the past (at time now).
func (c SetCookie) Deletes(now time.Time) bool {
	if c.MaxAge != nil {
		return *c.MaxAge <= 0
	}
	return !c.Expires.IsZero() && !c.Expires.After(now)
}

// trimWSP removes the spaces and tabs RFC 6265bis strips around names,
// values and attributes.
func trimWSP(s string) string {
	return strings.Trim(s, " \t")
}

// RedactCookieLine returns line with the cookie's value replaced by
// Redacted, keeping the name and every attribute. A line it cannot parse is
// replaced whole, so a value never leaks through a parse error.
func RedactCookieLine(line string) string {
	pair, attrs, hasAttrs := strings.Cut(line, ";")
	name, _, ok := strings.Cut(pair, "=")
	if !ok {
		return Redacted + restOf(attrs, hasAttrs)
	}
	return trimWSP(name) + "=" + Redacted + restOf(attrs, hasAttrs)
}

func restOf(attrs string, present bool) string {
	if !present {
		return ""
	}
	return ";" + attrs
}
