package browser

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// hookSourceURL names our hook in script stacks, so its frames can be skipped.
const hookSourceURL = "cookiescope-hook.js"

// hookReport is what the hook sends through the binding for each write.
type hookReport struct {
	Kind  string          `json:"kind"`
	Value json.RawMessage `json:"value"`
	Href  string          `json:"href"`
	Stack string          `json:"stack"`
}

// cookieStoreArgs is the argument of cookieStore.set or delete.
type cookieStoreArgs struct {
	Name        string   `json:"name"`
	Value       *string  `json:"value"`
	Domain      *string  `json:"domain"`
	Path        *string  `json:"path"`
	Expires     *float64 `json:"expires"`
	SameSite    *string  `json:"sameSite"`
	Partitioned bool     `json:"partitioned"`
}

// parseHookReport converts one binding payload into a Write.
func parseHookReport(payload string, at time.Time) (inspect.Write, error) {
	var r hookReport
	if err := json.Unmarshal([]byte(payload), &r); err != nil {
		return inspect.Write{}, fmt.Errorf("hook report: %w", err)
	}
	w := inspect.Write{URL: r.Href, At: at}
	switch r.Kind {
	case "document.cookie":
		w.Via = inspect.ViaDocumentCookie
		if err := json.Unmarshal(r.Value, &w.CookieLine); err != nil {
			return inspect.Write{}, fmt.Errorf("hook report: document.cookie value: %w", err)
		}
	case "cookieStore.set", "cookieStore.delete":
		w.Via = inspect.ViaCookieStore
		var args cookieStoreArgs
		if err := json.Unmarshal(r.Value, &args); err != nil {
			return inspect.Write{}, fmt.Errorf("hook report: cookieStore argument: %w", err)
		}
		w.CookieLine = cookieStoreLine(args, r.Kind == "cookieStore.delete")
	default:
		return inspect.Write{}, fmt.Errorf("hook report: unknown kind %q", r.Kind)
	}
	w.Stack = stackFrames(r.Stack)
	if len(w.Stack) > 0 {
		w.Script, w.Line, w.Column = splitStackLocation(w.Stack[0])
		w.Inline = w.Script != "" && stripFragment(w.Script) == stripFragment(r.Href)
	}
	return w, nil
}

// cookieStoreLine writes a cookieStore call as the Set-Cookie line it is
// equivalent to: cookieStore cookies are always Secure, default to Path=/
// and SameSite=Strict (as measured in Chrome), and a delete expires the cookie.
func cookieStoreLine(a cookieStoreArgs, del bool) string {
	var b strings.Builder
	b.WriteString(a.Name)
	b.WriteString("=")
	if a.Value != nil && !del {
		b.WriteString(*a.Value)
	}
	path := "/"
	if a.Path != nil && *a.Path != "" {
		path = *a.Path
	}
	b.WriteString("; Path=" + path)
	if a.Domain != nil && *a.Domain != "" {
		b.WriteString("; Domain=" + *a.Domain)
	}
	b.WriteString("; Secure")
	sameSite := "Strict"
	if a.SameSite != nil && *a.SameSite != "" {
		sameSite = strings.ToUpper((*a.SameSite)[:1]) + strings.ToLower((*a.SameSite)[1:])
	}
	b.WriteString("; SameSite=" + sameSite)
	if a.Partitioned {
		b.WriteString("; Partitioned")
	}
	switch {
	case del:
		b.WriteString("; Max-Age=0")
	case a.Expires != nil:
		t := time.UnixMilli(int64(*a.Expires)).UTC()
		b.WriteString("; Expires=" + t.Format(http.TimeFormat))
	}
	return b.String()
}

// stackFrames returns the frames of a V8 stack that belong to the page,
// innermost first, each as "URL:line:column" (with the function name when
// there is one): the "Error" line and our hook's frames are dropped.
func stackFrames(stack string) []string {
	var out []string
	for _, line := range strings.Split(stack, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "at ") || strings.Contains(line, hookSourceURL) {
			continue
		}
		out = append(out, strings.TrimPrefix(line, "at "))
	}
	return out
}

// stackLocation matches the "URL:line:column" at the end of a stack frame,
// with or without the "function (...)" around it.
var stackLocation = regexp.MustCompile(`\(?([^\s()]+):(\d+):(\d+)\)?$`)

// splitStackLocation returns the script URL, line and column of a frame.
func splitStackLocation(frame string) (script string, line, column int) {
	m := stackLocation.FindStringSubmatch(frame)
	if m == nil {
		return "", 0, 0
	}
	line, _ = strconv.Atoi(m[2])
	column, _ = strconv.Atoi(m[3])
	return m[1], line, column
}

func stripFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}
