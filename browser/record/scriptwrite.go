package record

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// The hook's console call: the secret, the kind of write, the document's URL,
// then the kind's arguments (hook.js report).
const (
	hookArgKind = 1
	hookArgHref = 2
	hookArgData = 3
)

// hookWrite converts a console call of the hook into a Write. ok is false
// for any other console call, the page's own included: only the hook knows
// the secret.
func hookWrite(ev ConsoleCall, secret string, at time.Time) (w inspect.Write, ok bool) {
	if !ev.Trace || !ev.Strings || len(ev.Args) < hookArgData {
		return inspect.Write{}, false
	}
	args := ev.Args
	if args[0] != secret {
		return inspect.Write{}, false
	}
	w = inspect.Write{URL: args[hookArgHref], At: at}
	data := args[hookArgData:]
	switch args[hookArgKind] {
	case "document.cookie":
		w.Via = inspect.ViaDocumentCookie
		w.CookieLine = data[0]
	case "cookieStore.set", "cookieStore.delete":
		if len(data) < 8 {
			return inspect.Write{}, false
		}
		w.Via = inspect.ViaCookieStore
		w.CookieLine = cookieStoreLine(cookieStoreCall{
			name: data[0], value: data[1], domain: data[2], path: data[3],
			expires: data[4], maxAge: data[5], sameSite: data[6], partitioned: data[7] != "",
		}, args[hookArgKind] == "cookieStore.delete")
	default:
		return inspect.Write{}, false
	}
	w.Stack = pageFrames(ev.Stack)
	if len(w.Stack) > 0 {
		top := w.Stack[0]
		w.Script, w.Line, w.Column = top.URL, top.Line, top.Column
		w.Inline = top.URL != "" && stripFragment(top.URL) == stripFragment(w.URL)
	}
	// Page-supplied URLs: a report keeps them bounded (inspect.BoundURL).
	w.URL, w.Script = inspect.BoundURL(w.URL), inspect.BoundURL(w.Script)
	for i := range w.Stack {
		w.Stack[i].URL = inspect.BoundURL(w.Stack[i].URL)
	}
	return w, true
}

// hookRegistersServiceWorker reports whether a console call is the hook's
// report of a navigator.serviceWorker.register call.
func hookRegistersServiceWorker(ev ConsoleCall, secret string) bool {
	if !ev.Trace || !ev.Strings || len(ev.Args) <= hookArgKind {
		return false
	}
	return ev.Args[0] == secret && ev.Args[hookArgKind] == "serviceWorker.register"
}

// pageFrames returns the frames of a stack V8 captured at the hook's console
// call that belong to the page, innermost first, with 1-based positions. The
// hook's own frames come first, all in its one script: they are dropped.
// Frames past an asynchronous boundary follow, the first of each marked
// with the boundary.
func pageFrames(st *StackTrace) []inspect.StackFrame {
	if st == nil || len(st.Frames) == 0 {
		return nil
	}
	hook := st.Frames[0].ScriptID
	var out []inspect.StackFrame
	async := ""
	for depth := 0; st != nil; depth++ {
		for _, f := range st.Frames {
			if depth == 0 && f.ScriptID == hook {
				continue
			}
			out = append(out, inspect.StackFrame{Function: f.Function, URL: f.URL, Line: f.Line + 1, Column: f.Column + 1, Async: async})
			async = ""
		}
		if st.Parent != nil {
			async = st.Parent.Description
			if async == "" {
				async = "async"
			}
		}
		st = st.Parent
	}
	return out
}

// cookieStoreCall is a cookieStore.set or delete call as the hook read it,
// each member once; empty strings stand for absent members.
type cookieStoreCall struct {
	name, value, domain, path, expires, maxAge, sameSite string
	partitioned                                          bool
}

// cookieStoreLine writes a cookieStore call as the Set-Cookie line it is
// equivalent to: cookieStore cookies are always Secure, default to Path=/
// and SameSite=Strict (as measured in Chrome), and a delete expires the cookie.
func cookieStoreLine(a cookieStoreCall, del bool) string {
	var b strings.Builder
	b.WriteString(a.name)
	b.WriteString("=")
	if !del {
		b.WriteString(a.value)
	}
	path := "/"
	if a.path != "" {
		path = a.path
	}
	b.WriteString("; Path=" + path)
	if a.domain != "" {
		b.WriteString("; Domain=" + a.domain)
	}
	b.WriteString("; Secure")
	sameSite := "Strict"
	if a.sameSite != "" {
		sameSite = strings.ToUpper(a.sameSite[:1]) + strings.ToLower(a.sameSite[1:])
	}
	b.WriteString("; SameSite=" + sameSite)
	if a.partitioned {
		b.WriteString("; Partitioned")
	}
	switch {
	case del:
		b.WriteString("; Max-Age=0")
	case a.maxAge != "":
		b.WriteString("; Max-Age=" + a.maxAge)
	case a.expires != "":
		if ms, err := strconv.ParseFloat(a.expires, 64); err == nil {
			b.WriteString("; Expires=" + time.UnixMilli(int64(ms)).UTC().Format(http.TimeFormat))
		}
	}
	return b.String()
}

func stripFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}
