package inspect

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxURLLength is the longest URL a report keeps whole. OAuth and SAML
// redirects run to a few kilobytes and are worth reading whole; a page can
// make a request to a URL of megabytes.
const maxURLLength = 8192

// maxPageTextLength is the longest page-supplied message (a dialog's text)
// a report keeps whole.
const maxPageTextLength = 1000

// BoundURL is raw as a report keeps it: a data: URL becomes its scheme and
// media type with its length ("data:font/woff2;base64,… (50212 characters)"),
// never its content, which is the whole resource (a web font, an image);
// a blob: URL keeps its origin, not its random id; any other URL is kept
// whole up to maxURLLength characters, then cut with its length said.
func BoundURL(raw string) string {
	switch lower := strings.ToLower(raw); {
	case strings.HasPrefix(lower, "data:"):
		head, _, _ := strings.Cut(raw, ",")
		if len(head) > 200 {
			head = cutRunes(head, 200) + "…"
		}
		return fmt.Sprintf("%s,… (%d characters)", head, utf8.RuneCountInString(raw))
	case strings.HasPrefix(lower, "blob:"):
		rest := raw[len("blob:"):]
		if i := strings.LastIndex(rest, "/"); i >= 0 {
			return fmt.Sprintf("blob:%s/… (%d characters)", BoundURL(rest[:i]), utf8.RuneCountInString(raw))
		}
		return fmt.Sprintf("blob:… (%d characters)", utf8.RuneCountInString(raw))
	}
	return BoundText(raw, maxURLLength)
}

// BoundText is s, or its first max characters and its length when longer.
func BoundText(s string, max int) string {
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	return fmt.Sprintf("%s… (%d characters)", cutRunes(s, max), utf8.RuneCountInString(s))
}

// BoundMessage is a page-supplied message (a dialog's text) as a report
// keeps it: its first maxPageTextLength characters.
func BoundMessage(s string) string { return BoundText(s, maxPageTextLength) }

// cutRunes is the first n characters of s.
func cutRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
