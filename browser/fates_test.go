package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// fatesQuiet covers the /fates page's chain of awaited cookieStore calls.
var fatesQuiet = LoadOptions{Quiet: 400 * time.Millisecond}

// fatesFlow loads /fates over https, then /fates/http over http and
// /fates/ip on 127.0.0.1, in one recording, as a scenario would.
func fatesFlow(t *testing.T) inspect.Target {
	t.Helper()
	w := newTestWorker(t)
	if err := w.BeginFlow(); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{testLab.URL(true, lab.AppHost, "/fates"), testLab.URL(false, lab.AppHost, "/fates/http"), testLab.URL(false, "127.0.0.1", "/fates/ip")} {
		if err := w.Goto(context.Background(), u, fatesQuiet); err != nil {
			t.Fatal(err)
		}
	}
	target := w.Snapshot(testLab.URL(true, lab.AppHost, "/fates"))
	if target.Error != "" {
		t.Fatal(target.Error)
	}
	return target
}

func TestEveryWriteHasTheRightFate(t *testing.T) {
	target := fatesFlow(t)
	u8n, u8v := lab.FatesUTF8Name, lab.FatesUTF8Value
	tests := []struct {
		via    inspect.Via
		prefix string // the start of the write's cookie line: it names one write
		fate   inspect.Fate
		reason string
	}{
		{inspect.ViaHeader, "f_h_set=1", inspect.FateStored, ""},
		{inspect.ViaHeader, "f_h_rep=old", inspect.FateReplaced, "replaced by write"},
		{inspect.ViaHeader, "f_h_rep=new", inspect.FateStored, ""},
		{inspect.ViaHeader, "f_h_del=1", inspect.FateReplaced, "deleted by write"},
		{inspect.ViaHeader, "f_h_del=;", inspect.FateDeleted, "Max-Age=0"},
		{inspect.ViaHeader, "f_h_expired=1", inspect.FateDeleted, "in the past"},
		{inspect.ViaHeader, "f_h_big=", inspect.FateBlocked, "4096"},
		{inspect.ViaHeader, "f_h_" + u8n + "=1", inspect.FateStored, ""},
		{inspect.ViaHeader, "f_h_utf=" + u8v, inspect.FateStored, ""},
		{inspect.ViaHeader, "f_sec=1", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "f_js_set=1", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "f_js_rep=old", inspect.FateReplaced, "replaced by write"},
		{inspect.ViaDocumentCookie, "f_js_rep=new", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "f_js_del=1", inspect.FateReplaced, "deleted by write"},
		{inspect.ViaDocumentCookie, "f_js_del=;", inspect.FateDeleted, "Max-Age=0"},
		{inspect.ViaDocumentCookie, "f_js_expired=1", inspect.FateDeleted, "in the past"},
		{inspect.ViaDocumentCookie, "f_js_big=", inspect.FateNotStored, "4096"},
		{inspect.ViaDocumentCookie, "f_js_ctl=", inspect.FateNotStored, "control character"},
		{inspect.ViaDocumentCookie, "f_js_" + u8n + "=1", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "f_js_utf=" + u8v, inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "__Host-f_js_prefix=1", inspect.FateNotStored, "__Host- name prefix: __Host- cookies must be Secure, with Path=/ and no Domain (this one: no Secure attribute)"},
		{inspect.ViaCookieStore, "f_cs_set=1", inspect.FateStored, ""},
		{inspect.ViaCookieStore, "f_cs_rep=old", inspect.FateReplaced, "replaced by write"},
		{inspect.ViaCookieStore, "f_cs_rep=new", inspect.FateStored, ""},
		{inspect.ViaCookieStore, "f_cs_del=1", inspect.FateReplaced, "deleted by write"},
		{inspect.ViaCookieStore, "f_cs_del=;", inspect.FateDeleted, "cookieStore.delete"},
		{inspect.ViaCookieStore, "f_cs_expired=1", inspect.FateDeleted, "in the past"},
		{inspect.ViaCookieStore, "f_cs_big=", inspect.FateNotStored, "4096"},
		{inspect.ViaCookieStore, "f_cs_ctl=", inspect.FateNotStored, "control character"},
		{inspect.ViaCookieStore, "f_cs_" + u8n + "=1", inspect.FateStored, ""},
		{inspect.ViaCookieStore, "f_cs_utf=" + u8v, inspect.FateStored, ""},
		{inspect.ViaHeader, "f_h_ctl=", inspect.FateBlocked, "DisallowedCharacter"},
		{inspect.ViaHeader, "f_h_http=1", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "f_sec=evil", inspect.FateNotStored, "strict secure"},
		{inspect.ViaDocumentCookie, "f_js_insecure=1", inspect.FateNotStored, "insecure origin"},
		{inspect.ViaDocumentCookie, "f_js_http=1", inspect.FateStored, ""},
		{inspect.ViaHeader, "f_ip_h=1", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "f_ip_js=1", inspect.FateStored, ""},
	}
	seen := make(map[int]bool)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.via, tt.prefix), func(t *testing.T) {
			var found []int
			for i, w := range target.Writes {
				if w.Via == tt.via && strings.HasPrefix(w.CookieLine, tt.prefix) {
					found = append(found, i)
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d writes start with %q, want 1", len(found), tt.prefix)
			}
			seen[found[0]] = true
			w := target.Writes[found[0]]
			why := w.FateReason + " " + strings.Join(w.Blocked, ",")
			if w.Fate != tt.fate || !strings.Contains(why, tt.reason) {
				t.Errorf("fate %s (%s), want %s (%q)", w.Fate, why, tt.fate, tt.reason)
			}
			if w.Fate == inspect.FateReplaced {
				if by := w.ReplacedBy; by <= found[0] || by >= len(target.Writes) || target.Writes[by].CookieName() != w.CookieName() {
					t.Errorf("replacedBy %d does not name a later write to %s", by, w.CookieName())
				}
			}
		})
	}
	for i, w := range target.Writes {
		if !seen[i] {
			t.Errorf("write #%d %.60q (%s) is not in the test", i, w.CookieLine, w.Fate)
		}
	}
	for _, c := range target.Cookies {
		if c.Unrecorded {
			t.Errorf("cookie %s (%s) is unrecorded: no recorded write explains it", c.Name, c.Domain)
		}
	}
	for _, b := range target.Blocked {
		if b.Fate != inspect.FateBlocked && b.Fate != inspect.FateNotStored {
			t.Errorf("blocked lists %s, whose fate is %s", b.Name, b.Fate)
		}
	}
	// UTF-8 names and values by header are joined to their writes.
	for _, name := range []string{"f_h_" + u8n, "f_h_utf"} {
		if w := lastWrite(t, findCookie(t, target, name)); w.Via != inspect.ViaHeader {
			t.Errorf("%s set by %s, want its header", name, w.Via)
		}
	}
	if c := findCookie(t, target, "f_h_utf"); c.Value != u8v {
		t.Errorf("f_h_utf holds %q, want %q", c.Value, u8v)
	}
	// Chrome stores Domain=127.0.0.1 host-only.
	for _, name := range []string{"f_ip_h", "f_ip_js"} {
		if c := findCookie(t, target, name); !c.HostOnly || len(c.SetBy) == 0 {
			t.Errorf("%s: hostOnly %v, %d writes; want host-only and joined", name, c.HostOnly, len(c.SetBy))
		}
	}
}

func TestEvictedWritesAreEvictedNotBlocked(t *testing.T) {
	target := inspectLab(t, "/fates/overflow", LoadOptions{})
	counts := map[string]int{}
	for _, w := range target.Writes {
		counts[string(w.Via)+" "+string(w.Fate)]++
		if w.Fate != inspect.FateStored && w.Fate != inspect.FateEvicted {
			t.Errorf("%s %s: fate %s (%s), want stored or evicted", w.Via, w.CookieLine, w.Fate, w.FateReason)
		}
	}
	written := 2 * lab.FatesOverflowCount
	evicted := counts["header evicted"] + counts["document.cookie evicted"]
	if len(target.Writes) != written || len(target.Cookies) > 180 || evicted != written-len(target.Cookies) || counts["header evicted"] == 0 {
		t.Errorf("%d writes, %d cookies in the jar, fates %v: want %d writes, at most 180 kept and every other one evicted", len(target.Writes), len(target.Cookies), counts, written)
	}
	if len(target.Blocked) != 0 {
		t.Errorf("%d evicted writes listed as blocked", len(target.Blocked))
	}
	for _, c := range target.Cookies {
		if c.Unrecorded {
			t.Errorf("cookie %s is unrecorded", c.Name)
		}
	}
}

// A response's Clear-Site-Data: "cookies" clears the cookies written
// before it: their writes are cleared by that response, named by URL, not
// "not stored"; a write after it is stored; and the next target's jar is
// exactly its own.
func TestClearSiteDataNamesTheResponseThatClearedTheCookies(t *testing.T) {
	w := newTestWorker(t)
	target := w.Inspect(context.Background(), testLab.URL(true, lab.AppHost, "/fates/clear-site-data"), hostileOpts)
	if target.Error != "" {
		t.Fatalf("clear-site-data page failed: %s", target.Error)
	}
	logout := testLab.URL(true, lab.AppHost, "/fates/clear-site-data/logout")
	fates := map[string]inspect.Write{}
	for _, wr := range target.Writes {
		fates[wr.CookieName()] = wr
	}
	for _, name := range []string{"f_csd_hdr", "f_csd_js"} {
		wr, ok := fates[name]
		switch {
		case !ok:
			t.Errorf("the write of %s was not recorded: %+v", name, target.Writes)
		case wr.Fate != inspect.FateClearedBySite || wr.ClearedBy != logout:
			t.Errorf("%s: fate %s, cleared by %q (%s); want %s by %s", name, wr.Fate, wr.ClearedBy, wr.FateReason, inspect.FateClearedBySite, logout)
		case !strings.Contains(wr.FateReason, "Clear-Site-Data") || !strings.Contains(wr.FateReason, logout):
			t.Errorf("%s: reason %q names neither the header nor the response", name, wr.FateReason)
		}
	}
	if wr := fates["f_csd_after"]; wr.Fate != inspect.FateStored {
		t.Errorf("f_csd_after, written after the clear: fate %s (%s), want stored", wr.Fate, wr.FateReason)
	}
	if got := cookieNames(target); fmt.Sprint(got) != "[f_csd_after]" {
		t.Errorf("jar after the clear holds %v, want only f_csd_after", got)
	}
	if len(target.Blocked) != 0 {
		t.Errorf("cleared writes listed as blocked: %+v", target.Blocked)
	}
	checkPlain(t, w.Inspect(context.Background(), plainURL("aftercsd"), hostileOpts), "aftercsd", "clear-site-data")
}
