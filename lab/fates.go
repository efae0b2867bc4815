package lab

import (
	"fmt"
	"net/http"
	"strings"
)

// The /fates pages write cookies whose writes end in every way a write can:
// stored, replaced by a later write, deleted on purpose, already expired,
// too large, holding a control character, with UTF-8 in the name or the
// value, pushed out by Chrome's per-domain limit. Each cookie's name says its
// case: f_h_* by header, f_js_* by document.cookie, f_cs_* by cookieStore,
// f_ov_* by the overflow page.

// FatesBigSize is the length of the value of the f_*_big cookies: far above
// the 4096 bytes a cookie's name and value may hold.
const FatesBigSize = 100 * 1024

// FatesOverflowCount is how many cookies /fates/overflow writes by header
// and again by script: together more than Chrome's 180 per domain.
const FatesOverflowCount = 120

// FatesUTF8Name and FatesUTF8Value are the UTF-8 text /fates puts in cookie
// names (f_h_, f_js_, f_cs_ followed by it) and values (f_h_utf, f_js_utf,
// f_cs_utf).
const (
	FatesUTF8Name  = "春节回"
	FatesUTF8Value = "春节回"
)

// fatesRoutes adds the /fates pages to the app's mux.
func (l *Lab) fatesRoutes(app *http.ServeMux) {
	app.HandleFunc("/fates", fatesPage)
	app.HandleFunc("/fates/http", fatesHTTPPage)
	app.HandleFunc("/fates/ip", fatesIPPage)
	app.HandleFunc("/fates/overflow", fatesOverflowPage)
	app.HandleFunc("/fates/clear-site-data", fatesClearSiteDataPage)
	app.HandleFunc("/fates/clear-site-data/logout", fatesClearSiteDataLogout)
}

// fatesPage is the main page, meant for https (cookieStore needs a secure
// context). The script runs its writes in order and sets the title to
// "done" after the last cookieStore call settled.
func fatesPage(w http.ResponseWriter, r *http.Request) {
	big := strings.Repeat("x", FatesBigSize)
	for _, line := range []string{
		"f_h_set=1; Path=/",
		"f_h_rep=old; Path=/",
		"f_h_rep=new; Path=/",
		"f_h_del=1; Path=/",
		"f_h_del=; Max-Age=0; Path=/",
		"f_h_expired=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
		"f_h_big=" + big + "; Path=/",
		"f_h_" + FatesUTF8Name + "=1; Path=/",
		"f_h_utf=" + FatesUTF8Value + "; Path=/",
		// A Secure cookie that /fates/http then tries to overwrite from http.
		"f_sec=1; Secure; Path=/",
	} {
		w.Header().Add("Set-Cookie", line)
	}
	writePage(w, "Cookie fates", fmt.Sprintf(`<p>Every way a cookie write can end, by header, by document.cookie and by cookieStore.</p>
<script>
const big = "x".repeat(%d);
document.cookie = "f_js_set=1; Path=/";
document.cookie = "f_js_rep=old; Path=/";
document.cookie = "f_js_rep=new; Path=/";
document.cookie = "f_js_del=1; Path=/";
document.cookie = "f_js_del=; Max-Age=0; Path=/";
document.cookie = "f_js_expired=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/";
document.cookie = "f_js_big=" + big + "; Path=/";
document.cookie = "f_js_ctl=a\u0001b; Path=/";
document.cookie = "f_js_%s=1; Path=/";
document.cookie = "f_js_utf=%s; Path=/";
document.cookie = "__Host-f_js_prefix=1; Path=/";
(async () => {
  const attempt = async (f) => { try { await f(); } catch (e) {} };
  if (window.cookieStore) {
    await attempt(() => cookieStore.set("f_cs_set", "1"));
    await attempt(() => cookieStore.set("f_cs_rep", "old"));
    await attempt(() => cookieStore.set("f_cs_rep", "new"));
    await attempt(() => cookieStore.set("f_cs_del", "1"));
    await attempt(() => cookieStore.delete("f_cs_del"));
    await attempt(() => cookieStore.set({name: "f_cs_expired", value: "1", expires: 0}));
    await attempt(() => cookieStore.set("f_cs_big", big));
    await attempt(() => cookieStore.set("f_cs_ctl", "a\u0001b"));
    await attempt(() => cookieStore.set("f_cs_%s", "1"));
    await attempt(() => cookieStore.set("f_cs_utf", "%s"));
  }
  document.title = "done";
})();
</script>`, FatesBigSize, FatesUTF8Name, FatesUTF8Value, FatesUTF8Name, FatesUTF8Value))
}

// fatesHTTPPage is meant for plain http, after /fates was loaded over https:
// a header line with a control character (HTTP/1.1 carries it; HTTP/2 would
// drop the header), and script writes that Chrome ignores only over http.
func fatesHTTPPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "f_h_ctl=a\x01b; Path=/")
	w.Header().Add("Set-Cookie", "f_h_http=1; Path=/")
	writePage(w, "Cookie fates over http", `<script>
document.cookie = "f_sec=evil; Path=/";
document.cookie = "f_js_insecure=1; Secure; Path=/";
document.cookie = "f_js_http=1; Path=/";
</script>`)
}

// fatesIPPage is meant for http://127.0.0.1: cookies with Domain=127.0.0.1,
// by header and by script.
func fatesIPPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "f_ip_h=1; Domain=127.0.0.1; Path=/")
	writePage(w, "Cookie fates on an IP address", `<script>
document.cookie = "f_ip_js=1; Domain=127.0.0.1; Path=/";
</script>`)
}

// fatesOverflowPage writes FatesOverflowCount cookies by header and as many
// by script: more than Chrome keeps for one domain, so it evicts some.
func fatesOverflowPage(w http.ResponseWriter, r *http.Request) {
	for i := range FatesOverflowCount {
		w.Header().Add("Set-Cookie", fmt.Sprintf("f_ov_h_%03d=1; Path=/", i))
	}
	writePage(w, "Cookie overflow", fmt.Sprintf(`<script>
for (let i = 0; i < %d; i++) document.cookie = "f_ov_js_" + String(i).padStart(3, "0") + "=1; Path=/";
</script>`, FatesOverflowCount))
}

// fatesClearSiteDataPage is meant for https (Chrome honours Clear-Site-Data
// in secure contexts only): it sets f_csd_hdr by header and f_csd_js by
// script, then fetches /fates/clear-site-data/logout, whose response clears
// the site's cookies with Clear-Site-Data: "cookies", and once that
// response is in writes f_csd_after, which stays.
func fatesClearSiteDataPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "f_csd_hdr=1; Path=/")
	writePage(w, "Clear-Site-Data", `<script>
document.cookie = "f_csd_js=1; Path=/";
fetch("/fates/clear-site-data/logout").then(() => { document.cookie = "f_csd_after=1; Path=/"; });
</script>`)
}

// fatesClearSiteDataLogout clears the site's cookies.
func fatesClearSiteDataLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Clear-Site-Data", `"cookies"`)
	w.WriteHeader(http.StatusNoContent)
}
