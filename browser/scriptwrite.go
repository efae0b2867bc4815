package browser

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/runtime"

	"github.com/cookiescope/cookiescope/inspect"
)

// newHookSecret returns the token the hook passes first to every console
// call it makes, so that the recorder can tell them from the page's own.
// The page cannot read it: it lives only in the hook's closure.
func newHookSecret() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("cookiescope: no randomness for the hook's secret: %v", err))
	}
	return "cookiescope:" + hex.EncodeToString(b[:])
}

// hookScriptFor is the hook with the binding's name and the secret filled in.
func hookScriptFor(secret string) string {
	return strings.NewReplacer("__BINDING__", bindingName, "__SECRET__", secret).Replace(hookSource)
}

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
func hookWrite(ev *runtime.EventConsoleAPICalled, secret string, at time.Time) (w inspect.Write, ok bool) {
	if ev.Type != runtime.ConsoleAPICalledTypeTrace || len(ev.Args) < hookArgData {
		return inspect.Write{}, false
	}
	args := make([]string, len(ev.Args))
	for i, a := range ev.Args {
		if a == nil || a.Type != runtime.RemoteObjectTypeString {
			return inspect.Write{}, false
		}
		if err := jsonv2.Unmarshal(a.Value, &args[i]); err != nil {
			return inspect.Write{}, false
		}
	}
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
	w.Stack = pageFrames(ev.StackTrace)
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
func hookRegistersServiceWorker(ev *runtime.EventConsoleAPICalled, secret string) bool {
	if ev.Type != runtime.ConsoleAPICalledTypeTrace || len(ev.Args) <= hookArgKind {
		return false
	}
	var first, kind string
	for i, dst := range []*string{&first, &kind} {
		a := ev.Args[i]
		if a == nil || a.Type != runtime.RemoteObjectTypeString || jsonv2.Unmarshal(a.Value, dst) != nil {
			return false
		}
	}
	return first == secret && kind == "serviceWorker.register"
}

// pageFrames returns the frames of a stack V8 captured at the hook's console
// call that belong to the page, innermost first, with 1-based positions. The
// hook's own frames come first, all in its one script: they are dropped.
// Frames past an asynchronous boundary follow, the first of each marked
// with the boundary.
func pageFrames(st *runtime.StackTrace) []inspect.StackFrame {
	if st == nil || len(st.CallFrames) == 0 || st.CallFrames[0] == nil {
		return nil
	}
	hook := st.CallFrames[0].ScriptID
	var out []inspect.StackFrame
	async := ""
	for depth := 0; st != nil; depth++ {
		for _, f := range st.CallFrames {
			if f == nil || depth == 0 && f.ScriptID == hook {
				continue
			}
			out = append(out, inspect.StackFrame{Function: f.FunctionName, URL: f.URL, Line: int(f.LineNumber) + 1, Column: int(f.ColumnNumber) + 1, Async: async})
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
