package lab

import (
	"fmt"
	"net/http"
)

// ReadabilityPages lists the pages that try to defeat the measurement of
// which cookies page script can read. Each cookie they write starts with
// "tamper_". They work over https and over plain http (where cookieStore
// does not exist).
var ReadabilityPages = []Page{
	{"/tamper/surrogate", "Lone surrogate", "one cookie whose value holds a lone UTF-16 surrogate makes document.cookie return nothing; cookieStore.getAll() (https only) still returns the others"},
	{"/tamper/overrides", "Main-world overrides", "replaces the document.cookie getter and CookieStore.prototype.getAll for page script, which then claim that no cookie is readable"},
	{"/tamper/sandboxed", "Sandboxed frame", "an iframe of the app sandboxed without allow-same-origin: its document has an opaque origin, and reading cookies there throws"},
}

// readableRoutes adds the readability pages to the app's mux.
func (l *Lab) readableRoutes(app *http.ServeMux) {
	app.HandleFunc("/tamper/surrogate", surrogatePage)
	app.HandleFunc("/tamper/overrides", overridesPage)
	app.HandleFunc("/tamper/sandboxed", sandboxedPage)
	app.HandleFunc("/tamper/sandboxed/frame", sandboxedFrame)
}

// tamperCookies sets the cookies every readability page starts from: two
// that script can read (one by header, one by script) and one HttpOnly.
func tamperCookies(w http.ResponseWriter, prefix string) string {
	w.Header().Add("Set-Cookie", prefix+"_hdr="+token()+"; Path=/")
	w.Header().Add("Set-Cookie", prefix+"_httponly="+token()+"; Path=/; HttpOnly")
	return fmt.Sprintf(`document.cookie = "%s_js=%s; Path=/";`, prefix, token())
}

// surrogatePage writes, after the ordinary cookies, tamper_surrogate with a
// lone surrogate in its value. Chrome stores it (CDP reports the value with
// U+FFFD); from then on document.cookie returns "" in every document of the
// host, and cookieStore.getAll() returns every cookie, this one with an
// empty value.
func surrogatePage(w http.ResponseWriter, r *http.Request) {
	set := tamperCookies(w, "tamper_sur")
	writePage(w, "Lone surrogate", `<script>
`+set+`
document.cookie = "tamper_surrogate=\ud800x; Path=/";
</script>
<p>document.cookie here returns <code id=dc></code>.</p>
<script>document.getElementById("dc").textContent = JSON.stringify(document.cookie);</script>`)
}

// overridesPage replaces, in the page's own world, the document.cookie
// getter (the setter is kept) and CookieStore.prototype.getAll: page script
// then sees no cookie at all.
func overridesPage(w http.ResponseWriter, r *http.Request) {
	set := tamperCookies(w, "tamper_ovr")
	writePage(w, "Main-world overrides", `<script>
`+set+`
const desc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
Object.defineProperty(Document.prototype, "cookie", {configurable: true, enumerable: desc.enumerable, get() { return ""; }, set: desc.set});
if (typeof CookieStore === "function") {
  CookieStore.prototype.getAll = function () { return Promise.resolve([]); };
  CookieStore.prototype.get = function () { return Promise.resolve(null); };
}
</script>`)
}

// sandboxedPage embeds a same-origin iframe sandboxed without
// allow-same-origin: the frame's URL is in the cookies' scope, but its
// origin is opaque, so its script can read no cookie.
func sandboxedPage(w http.ResponseWriter, r *http.Request) {
	set := tamperCookies(w, "tamper_sbx")
	writePage(w, "Sandboxed frame", `<script>
`+set+`
</script>
<iframe sandbox="allow-scripts" src="/tamper/sandboxed/frame"></iframe>`)
}

func sandboxedFrame(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "tamper_sbx_frame="+token()+"; Path=/tamper/sandboxed/frame")
	writePage(w, "Sandboxed", `<p>An opaque origin.</p>`)
}
