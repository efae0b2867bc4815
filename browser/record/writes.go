package record

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cookiescope/cookiescope/inspect"
)

// A target's cookie writes as the recording holds them: the header writes
// of its responses (their raw lines decoded back into the text the server
// sent, joined to their response's URL), and the responses that cleared
// site data.

// decodeHeaderLine turns a raw header line as CDP reports it back into the
// text the server sent. Chrome hands the header's bytes over one character
// per byte, decoded as Windows-1252 (measured: the UTF-8 name 春节回, bytes
// e6 98 a5 e8 8a 82 e5 9b 9e, arrives as "æ˜¥èŠ‚å›ž", where 0x98 became
// U+02DC "˜"), while Storage.getCookies returns the cookie's name as UTF-8,
// for header and document.cookie writes alike. So each character is mapped
// back to its byte; when every character has one and the bytes are valid
// UTF-8, that is the text. Otherwise the line is kept as Chrome gave it and
// latin1 is true: its bytes are not UTF-8, and each is shown as its
// Windows-1252 (Latin-1) character.
func decodeHeaderLine(line string) (text string, latin1 bool) {
	b := make([]byte, 0, len(line))
	ascii := true
	for _, r := range line {
		c, ok := windows1252Byte(r)
		if !ok {
			return line, false // already text: not one character per byte
		}
		if c >= 0x80 {
			ascii = false
		}
		b = append(b, c)
	}
	if ascii {
		return line, false
	}
	if utf8.Valid(b) {
		return string(b), false
	}
	return line, true
}

// windows1252High holds the characters Windows-1252 gives bytes 0x80 to
// 0x9f; the five bytes it leaves undefined decode to the C1 control of the
// same code.
var windows1252High = [32]rune{
	'\u20ac', '\u0081', '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021',
	'\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008d', '\u017d', '\u008f',
	'\u0090', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014',
	'\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', '\u009d', '\u017e', '\u0178',
}

// windows1252Byte returns the byte that Windows-1252 decodes to r.
func windows1252Byte(r rune) (byte, bool) {
	if r < 0x80 || (r >= 0xa0 && r < 0x100) {
		return byte(r), true
	}
	for i, h := range windows1252High {
		if h == r {
			return byte(0x80 + i), true
		}
	}
	// Chrome may also pass the C1 range through as itself.
	if r >= 0x80 && r < 0xa0 {
		return byte(r), true
	}
	return 0, false
}

// setCookieLines returns the Set-Cookie lines of raw response headers; Chrome
// joins repeated headers with "\n". The lines are still as CDP reports them:
// see decodeHeaderLine.
func setCookieLines(header string) []string {
	var lines []string
	for _, line := range strings.Split(header, "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// responseURL returns the URL of a request's response: the URL of its hop
// (redirects make several), or its last one known. r.mu must be held.
func (r *Recording) responseURL(requestKey string, hop int) string {
	urls := r.requestURLs[requestKey]
	switch {
	case hop < len(urls):
		return urls[hop]
	case len(urls) > 0:
		return urls[len(urls)-1]
	}
	return ""
}

// SiteDataClearList returns the responses that carried a Clear-Site-Data
// header, in the order they arrived.
func (r *Recording) SiteDataClearList() []inspect.SiteDataClear {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]inspect.SiteDataClear, 0, len(r.siteDataClears))
	for _, c := range r.siteDataClears {
		out = append(out, inspect.SiteDataClear{URL: r.responseURL(c.requestKey, c.hop), Header: c.header, At: c.at})
	}
	return out
}

// AllWrites returns every write in the order Chrome saw it: header writes
// are placed by the time their response arrived.
func (r *Recording) AllWrites() []inspect.Write {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]inspect.Write{}, r.writes...)
	for _, p := range r.pending {
		responseURL := r.responseURL(p.requestKey, p.hop)
		blocked := make(map[string][][]string)
		for _, b := range p.blocked {
			line, _ := decodeHeaderLine(b.Line)
			blocked[line] = append(blocked[line], b.Reasons)
		}
		for _, raw := range p.lines {
			line, latin1 := decodeHeaderLine(raw)
			w := inspect.Write{Via: inspect.ViaHeader, URL: responseURL, CookieLine: line, Status: p.status, At: p.at}
			if latin1 {
				w.Encoding = "latin1"
			}
			if rs := blocked[line]; len(rs) > 0 {
				w.Blocked = rs[0]
				blocked[line] = rs[1:]
			}
			out = append(out, w)
		}
		// A blocked line missing from the raw headers (Chrome can normalise
		// it) is still reported.
		for line, rs := range blocked {
			for _, reasons := range rs {
				w := inspect.Write{Via: inspect.ViaHeader, URL: responseURL, CookieLine: line, Status: p.status, At: p.at, Blocked: reasons}
				if _, latin1 := decodeHeaderLine(line); latin1 {
					w.Encoding = "latin1"
				}
				out = append(out, w)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
