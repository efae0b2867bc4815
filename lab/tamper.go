package lab

import (
	"net"
	"net/http"
	"strings"
)

// TamperPages lists the pages that try to fool the recorder: forge or erase
// the stack of a write, write around the hook, detect it, or smuggle
// terminal escapes into the report. Every cookie they write starts with
// "tamper_", and every write is marked in the source with a comment
// /*W:name*/ on its line, so a test can tell where it truly happened.
var TamperPages = []Page{
	{"/tamper/forge-stack", "Forged stacks", "sets Error.prepareStackTrace to blame evil-analytics.js, then a first-party script writes; a third-party script forges a first-party stack to hide"},
	{"/tamper/stack-limit", "No stack", "sets Error.stackTraceLimit = 0 before writing"},
	{"/tamper/call-hijack", "Hijacked intrinsics", "replaces Function.prototype.call, apply, Reflect.apply, JSON.stringify and the array iterator, then writes"},
	{"/tamper/foreign-setter", "Foreign setters", "writes through the cookie setter of an about:blank iframe, of a srcdoc iframe and of an about:blank popup"},
	{"/tamper/shifty-arguments", "Shifty arguments", "a cookieStore.set argument whose name getter answers differently each time, a document.cookie value whose toString does"},
	{"/tamper/detect", "Hook detection", "looks for the hook (setter name, length, toString) and writes what it saw"},
	{"/tamper/library", "Library write", "a js.cookie-like library writes the cookie; the page calls it from a timer"},
	{"/tamper/escapes", "Terminal escapes", "an alert, a function name and a refused cookie line carrying ESC[2J and a bidi override"},
	{"/tamper/service-worker", "Service worker write", "a service worker writes a cookie with cookieStore when it installs, in its first run of script, and another later"},
}

// tamperRoutes adds the tamper pages to the app's and the CDN's muxes.
func tamperRoutes(app, cdn *http.ServeMux) {
	app.HandleFunc("/tamper/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/tamper/" {
			http.NotFound(w, r)
			return
		}
		writePage(w, "Tamper pages", "<p>Pages that try to fool the recorder. Each cookie they write starts with tamper_.</p>\n"+pageList(TamperPages)+
			"<h2>Readability</h2>\n"+pageList(ReadabilityPages))
	})
	app.HandleFunc("/tamper/forge-stack", staticPage("Forged stacks", `<script>
Error.prepareStackTrace = () => "Error\n    at evil (http://localhost/evil-analytics.js:1:1)\x1b[2J";
</script>
<script src="/tamper/first.js"></script>
<script src="//cdn.test:`+portPlaceholder+`/tamper/hide.js"></script>`))
	app.HandleFunc("/tamper/first.js", script(`// a first-party script
document.cookie = "tamper_sid=" + Math.random().toString(16).slice(2) + "; Path=/"; /*W:tamper_sid*/
`))
	cdn.HandleFunc("/tamper/hide.js", script(`// a third-party script that blames the page for its write
Error.prepareStackTrace = () => "Error\n    at login (" + location.origin + "/app.js:1:1)";
Error.stackTraceLimit = 1;
document.cookie = "tamper_3p=1; Path=/"; /*W:tamper_3p*/
`))
	app.HandleFunc("/tamper/stack-limit", staticPage("No stack", `<script>
Error.stackTraceLimit = 0;
document.cookie = "tamper_limit=1; Path=/"; /*W:tamper_limit*/
</script>`))
	app.HandleFunc("/tamper/call-hijack", staticPage("Hijacked intrinsics", `<script>
const realCall = Function.prototype.call;
Function.prototype.call = function (self, ...args) { return realCall.apply(this, [self, "tamper_call=decoy; Path=/"]); };
Function.prototype.apply = function () { throw new Error("apply hijacked"); };
Reflect.apply = () => { throw new Error("Reflect.apply hijacked"); };
JSON.stringify = () => '{"kind":"document.cookie","value":"tamper_call=decoy"}';
Object.prototype.toJSON = function () { return "decoy"; };
Array.prototype[Symbol.iterator] = function* () { yield "decoy"; };
Object.defineProperty(Array.prototype, "3", { set() {}, get() { return "decoy"; }, configurable: true });
document.cookie = "tamper_call=real; Path=/"; /*W:tamper_call*/
</script>`))
	app.HandleFunc("/tamper/foreign-setter", staticPage("Foreign setters", `<iframe id=blank></iframe>
<iframe id=srcdoc srcdoc="<script>document.cookie = 'tamper_srcdoc=1; Path=/' /*W:tamper_srcdoc*/</script>"></iframe>
<script>
const blank = document.getElementById("blank").contentWindow;
Object.getOwnPropertyDescriptor(blank.Document.prototype, "cookie").set.call(document, "tamper_iframe=1; Path=/"); /*W:tamper_iframe*/
const popup = window.open("about:blank", "_blank");
if (popup) Object.getOwnPropertyDescriptor(popup.Document.prototype, "cookie").set.call(document, "tamper_popup=1; Path=/"); /*W:tamper_popup*/
</script>`))
	app.HandleFunc("/tamper/shifty-arguments", staticPage("Shifty arguments", `<script>
let reads = 0;
const init = { get name() { return reads++ === 0 ? "tamper_cs_decoy" : "tamper_cs_real"; }, value: "1" };
cookieStore.set(init); /*W:tamper_cs_*/
let calls = 0;
document.cookie = { toString() { return calls++ === 0 ? "tamper_dc_decoy=1; Path=/" : "tamper_dc_real=1; Path=/"; } }; /*W:tamper_dc_*/
</script>`))
	app.HandleFunc("/tamper/detect", staticPage("Hook detection", `<script>
const d = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
const ts = Function.prototype.toString;
const seen = [
  d.set.name, d.set.length, ts.call(d.set), "prototype" in d.set, ts.call(ts), ts.name,
  CookieStore.prototype.set.name, CookieStore.prototype.set.length, ts.call(CookieStore.prototype.set),
  CookieStore.prototype.delete.length, typeof window.__cookiescope_report,
  ServiceWorkerContainer.prototype.register.name, ServiceWorkerContainer.prototype.register.length,
  ts.call(ServiceWorkerContainer.prototype.register), "prototype" in ServiceWorkerContainer.prototype.register,
];
document.cookie = "tamper_detect=" + encodeURIComponent(JSON.stringify(seen)) + "; Path=/"; /*W:tamper_detect*/
</script>`))
	app.HandleFunc("/tamper/library", staticPage("Library write", `<script src="/tamper/lib.js"></script>
<script>
function login() {
  Cookies.set("tamper_lib", "1"); /*C:tamper_lib*/
}
setTimeout(login, 0);
</script>`))
	app.HandleFunc("/tamper/lib.js", script(`// a small cookie library, as js.cookie is
var Cookies = { set: function (name, value) { document.cookie = name + "=" + value + "; Path=/"; /*W:tamper_lib*/ } };
`))
	app.HandleFunc("/tamper/escapes", staticPage("Terminal escapes", `<script>
alert("\x1b[2Jyour terminal was cleared\u202e");
const o = { ["\x1b[2Jwriter\u202e"]() { document.cookie = "tamper_escape=1; Path=/"; /*W:tamper_escape*/ } };
o["\x1b[2Jwriter\u202e"]();
document.cookie = "tamper_refused\x1b[2J=\u202e1; Path=/"; /*W:tamper_refused*/
</script>`))
	app.HandleFunc("/tamper/service-worker", staticPage("Service worker write", `<p id=state>registering</p>
<script>
navigator.serviceWorker.register("/tamper/sw.js").then(
  () => navigator.serviceWorker.ready).then(
  () => { document.getElementById("state").textContent = "ready"; },
  (e) => { document.getElementById("state").textContent = "failed: " + e; });
</script>`))
	app.HandleFunc("/tamper/sw.js", script(`self.addEventListener("install", (e) => { e.waitUntil(cookieStore.set("tamper_sw", "1")); self.skipWaiting(); }); /*W:tamper_sw*/
self.addEventListener("activate", () => { setTimeout(() => cookieStore.set("tamper_sw_late", "1"), 300); /*W:tamper_sw_late*/ });
`))
}

// portPlaceholder stands for the HTTPS port in page text; staticPage fills
// it in from the request.
const portPlaceholder = "{{port}}"

// staticPage serves a fixed page body, with the request's port filled in.
func staticPage(title, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writePage(w, title, fillPort(body, r))
	}
}

// script serves a fixed JavaScript file.
func script(src string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write([]byte(src))
	}
}

// fillPort puts the request's port where page text has portPlaceholder.
func fillPort(s string, r *http.Request) string {
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		return s
	}
	return strings.ReplaceAll(s, portPlaceholder, port)
}
