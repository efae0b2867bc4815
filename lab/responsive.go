package lab

import "net/http"

// responsivePage lays itself out by the viewport's width, as a CMS admin
// does: its menu's collapse button shows at 782 CSS pixels and wider only.
// Its script writes layout=desktop or layout=mobile by the width it saw;
// clicking the button writes menu=collapsed and opens a popup that writes
// popup_layout the same way, so tests can see what every page was shown on.
func responsivePage(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Responsive", `<style>
#collapse { display: none; }
@media (min-width: 782px) { #collapse { display: inline-block; } }
</style>
<p>The menu's collapse button shows at 782 px and wider.</p>
<button id="collapse" type="button">Collapse menu</button>
<script>
document.cookie = "layout=" + (innerWidth >= 782 ? "desktop" : "mobile") + "; path=/";
document.getElementById("collapse").addEventListener("click", () => {
  document.cookie = "menu=collapsed; path=/";
  window.open("/responsive/popup");
});
</script>`)
}

// responsivePopup is the popup the responsive page opens: it writes the
// layout its own viewport gave it.
func responsivePopup(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Responsive popup", `<script>document.cookie = "popup_layout=" + (innerWidth >= 782 ? "desktop" : "mobile") + "; path=/";</script>`)
}

// bloatPage loads what would bloat a report kept whole: an image inlined as
// a 60,000-character data: URL, a fetch of a blob: URL, a script loaded
// from a URL of 20,000 characters, and an alert of 5,000 characters. It
// sets bloat=1 so that a test can see the page ran.
func bloatPage(w http.ResponseWriter, r *http.Request) {
	writePage(w, "Bloat", `<img alt="" id="big">
<script>
const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
document.getElementById("big").src = "data:image/png;base64," + png + "A".repeat(60000 - png.length);
fetch(URL.createObjectURL(new Blob(["x"])));
const s = document.createElement("script");
s.src = "/app.js?pad=" + "p".repeat(20000);
document.body.appendChild(s);
alert("m".repeat(5000));
document.cookie = "bloat=1; path=/";
</script>`)
}
