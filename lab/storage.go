package lab

import (
	"fmt"
	"net/http"
)

// storageWrite leaves a mark in every kind of storage an origin has: a
// cookie, localStorage, sessionStorage, IndexedDB, the Cache API and a
// service worker. storageCheck, loaded later, reports which marks it finds,
// so a test can prove that nothing carries over from one target to the next.
func storageWrite(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Storage write", fmt.Sprintf(`<script>
document.cookie = "mark=%s; Path=/";
localStorage.setItem("mark", "1");
sessionStorage.setItem("mark", "1");
const open = indexedDB.open("marks", 1);
open.onupgradeneeded = () => open.result.createObjectStore("m");
open.onsuccess = () => {
  const tx = open.result.transaction("m", "readwrite");
  tx.objectStore("m").put(1, "mark");
  tx.oncomplete = () => { document.cookie = "written_idb=1; Path=/"; };
};
caches.open("marks").then(c => c.put("/mark", new Response("1"))).then(() => { document.cookie = "written_cache=1; Path=/"; });
navigator.serviceWorker.register("/storage/sw.js").then(() => { document.cookie = "written_sw=1; Path=/"; }, (e) => { document.cookie = "sw_error=" + encodeURIComponent(String(e)) + "; Path=/"; });
</script>`, token()))
}

// storageCheck writes the cookie "found" listing the storage kinds that hold
// a mark ("none" when clean) and the cookie "checked" when it is done.
func storageCheck(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Storage check", `<script>
(async () => {
  const found = [];
  if (document.cookie.includes("mark=")) found.push("cookie");
  if (localStorage.getItem("mark")) found.push("localStorage");
  if (sessionStorage.getItem("mark")) found.push("sessionStorage");
  const dbs = indexedDB.databases ? await indexedDB.databases() : [];
  if (dbs.some(d => d.name === "marks")) found.push("indexedDB");
  if ((await caches.keys()).includes("marks")) found.push("cacheStorage");
  if ((await navigator.serviceWorker.getRegistrations()).length > 0) found.push("serviceWorker");
  document.cookie = "found=" + (found.length ? found.join(",") : "none") + "; Path=/";
})();
</script>`)
}

func serviceWorker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript")
	fmt.Fprint(w, "self.addEventListener('fetch', () => {});\n")
}

// serviceWorkerCookies registers a service worker that writes cookies both
// ways a worker can, as sites' login and caching workers do: cookieStore.set
// when it activates (replacing the cookie the page wrote first), and the
// Set-Cookie header of a response it fetches from the network to answer the
// page's request for /storage/sw-api. The page shows "answered" once the
// worker has answered. Service workers need a secure context: load it from
// http://127.0.0.1, or over https with the lab's certificate trusted.
func serviceWorkerCookies(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Service worker cookies", `<p id=state>registering</p>
<script>
document.cookie = "sw_store=page; Path=/";
const state = document.getElementById("state");
(async () => {
  const sw = navigator.serviceWorker;
  await sw.register("/storage/sw-cookies.js");
  await sw.ready;
  if (!sw.controller) await new Promise((resolve) => sw.addEventListener("controllerchange", resolve, { once: true }));
  const res = await fetch("/storage/sw-api");
  state.textContent = await res.text();
})().catch((e) => { state.textContent = "failed: " + e; });
</script>`)
}

// serviceWorkerCookiesScript is the worker of /storage/sw-cookies. Its
// cookieStore write is marked /*W:sw_store*/ on its line.
func serviceWorkerCookiesScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript")
	fmt.Fprint(w, `self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (e) => {
  e.waitUntil(Promise.all([cookieStore.set("sw_store", "worker"), self.clients.claim()])); /*W:sw_store*/
});
self.addEventListener("fetch", (e) => {
  if (new URL(e.request.url).pathname === "/storage/sw-api") e.respondWith(fetch(e.request));
});
`)
}

// serviceWorkerAPI is what the worker of /storage/sw-cookies fetches from
// the network: it sets the cookie sw_fetch.
func serviceWorkerAPI(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "sw_fetch", Value: token(), Path: "/"})
	fmt.Fprint(w, "answered")
}

// serviceWorkerSlow registers a service worker that never finishes
// installing: settling stops waiting for it at its bound.
func serviceWorkerSlow(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Slow service worker", `<script>
document.cookie = "slow_page=1; Path=/";
navigator.serviceWorker.register("/storage/sw-slow.js");
</script>`)
}

// serviceWorkerSlowScript is the worker of /storage/sw-slow.
func serviceWorkerSlowScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript")
	fmt.Fprint(w, `self.addEventListener("install", (e) => e.waitUntil(new Promise(() => {})));
`)
}
