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
