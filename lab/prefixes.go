package lab

import "net/http"

// The /fates/prefixes pages write cookies with each of Chrome's four name
// prefixes (__Secure-, __Host-, __Http-, __Host-Http-), right and wrong,
// by header, by document.cookie and by cookieStore. Each cookie's name says
// its case after the prefix: p_h_* by header, p_js_* by document.cookie,
// p_cs_* by cookieStore; *_ok obeys the prefix's rules, the rest say which
// rule they break (nosecure, nohttponly, domain, path), that the prefix is
// written in lower case (lower), or that the cookie has no name and its
// value begins with a prefix (nameless).

// prefixesRoutes adds the /fates/prefixes pages to the app's mux.
func prefixesRoutes(app *http.ServeMux) {
	app.HandleFunc("/fates/prefixes", prefixesPage)
	app.HandleFunc("/fates/prefixes/http", prefixesHTTPPage)
}

// prefixesPage is meant for https: every write it makes would be allowed
// by the origin, so only the prefix's rules decide. The title becomes
// "done" after the last cookieStore call settled.
func prefixesPage(w http.ResponseWriter, r *http.Request) {
	for _, line := range []string{
		"__Secure-p_h_ok=1; Secure; Path=/",
		"__Secure-p_h_nosecure=1; Path=/",
		"__secure-p_h_lower=1; Path=/",
		"__Host-p_h_ok=1; Secure; Path=/",
		"__Host-p_h_path=1; Secure; Path=/fates",
		"__host-p_h_lower=1; Secure; Path=/; Domain=" + AppHost,
		"__Http-p_h_ok=1; Secure; HttpOnly; Path=/",
		"__Http-p_h_nohttponly=1; Secure; Path=/",
		"__Http-p_h_nosecure=1; HttpOnly; Path=/",
		"__http-p_h_lower=1; Secure; Path=/",
		"__Host-Http-p_h_ok=1; Secure; HttpOnly; Path=/",
		"__Host-Http-p_h_nohttponly=1; Secure; Path=/",
		"__Host-Http-p_h_domain=1; Secure; HttpOnly; Path=/; Domain=" + AppHost,
		"__Host-Http-p_h_path=1; Secure; HttpOnly; Path=/fates",
		"__host-http-p_h_lower=1; Secure; Path=/",
		// Nameless cookies whose values begin with a prefix, with the
		// attributes that prefix demands.
		"__Secure-p_h_nameless; Secure; Path=/",
		"__host-http-p_h_nameless; Secure; HttpOnly; Path=/",
	} {
		w.Header().Add("Set-Cookie", line)
	}
	writePage(w, "Cookie prefixes", `<p>Each cookie name prefix, right and wrong, by header, by document.cookie and by cookieStore.</p>
<script>
document.cookie = "__Secure-p_js_ok=1; Secure; Path=/";
document.cookie = "__Secure-p_js_nosecure=1; Path=/";
document.cookie = "__Host-p_js_ok=1; Secure; Path=/";
document.cookie = "__Host-p_js_domain=1; Secure; Path=/; Domain=`+AppHost+`";
document.cookie = "__Http-p_js=1; Secure; Path=/";
document.cookie = "__Http-p_js_httponly=1; Secure; HttpOnly; Path=/";
document.cookie = "__http-p_js_lower=1; Secure; Path=/";
document.cookie = "__Host-Http-p_js=1; Secure; Path=/";
document.cookie = "__Secure-p_js_nameless; Secure; Path=/";
(async () => {
  const attempt = async (f) => { try { await f(); } catch (e) {} };
  if (window.cookieStore) {
    await attempt(() => cookieStore.set("__Host-p_cs_ok", "1"));
    await attempt(() => cookieStore.set("__Http-p_cs", "1"));
    await attempt(() => cookieStore.set("__Host-Http-p_cs", "1"));
  }
  document.title = "done";
})();
</script>`)
}

// prefixesHTTPPage is meant for plain http: headers and script that would
// obey the __Http- and __Host-Http- rules but for the origin.
func prefixesHTTPPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "__Http-p_h_http=1; Secure; HttpOnly; Path=/")
	w.Header().Add("Set-Cookie", "__Host-Http-p_h_http=1; Secure; HttpOnly; Path=/")
	writePage(w, "Cookie prefixes over http", `<script>
document.cookie = "__Host-Http-p_js_http=1; Secure; Path=/";
</script>`)
}
