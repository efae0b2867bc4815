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

// The four cookie name prefixes, right and wrong, by header, document.cookie
// and cookieStore over https, and by header and script over http: what
// Chromium 156 does with each write, and the rule each refusal names.
func TestPrefixWritesHaveTheRightFate(t *testing.T) {
	w := newTestWorker(t)
	if err := w.BeginFlow(); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{testLab.URL(true, lab.AppHost, "/fates/prefixes"), testLab.URL(false, lab.AppHost, "/fates/prefixes/http")} {
		if err := w.Goto(context.Background(), u, fatesQuiet); err != nil {
			t.Fatal(err)
		}
	}
	target := w.Snapshot(testLab.URL(true, lab.AppHost, "/fates/prefixes"))
	if target.Error != "" {
		t.Fatal(target.Error)
	}
	const (
		invalid  = "InvalidPrefix"
		noScript = "page script cannot set HttpOnly cookies, and a "
	)
	tests := []struct {
		via    inspect.Via
		prefix string // the start of the write's cookie line: it names one write
		fate   inspect.Fate
		reason string // in the fate's reason or Chrome's reasons
	}{
		{inspect.ViaHeader, "__Secure-p_h_ok=", inspect.FateStored, ""},
		{inspect.ViaHeader, "__Secure-p_h_nosecure=", inspect.FateBlocked, "__Secure- cookies must be Secure (this one: no Secure attribute)"},
		{inspect.ViaHeader, "__secure-p_h_lower=", inspect.FateBlocked, "so __secure- is __Secure-"},
		{inspect.ViaHeader, "__Host-p_h_ok=", inspect.FateStored, ""},
		{inspect.ViaHeader, "__Host-p_h_path=", inspect.FateBlocked, "__Host- cookies must be Secure, with Path=/ and no Domain (this one: Path=/fates)"},
		{inspect.ViaHeader, "__host-p_h_lower=", inspect.FateBlocked, "(this one: Domain=app.test); Chrome matches prefixes in any case, so __host- is __Host-"},
		{inspect.ViaHeader, "__Http-p_h_ok=", inspect.FateStored, ""},
		{inspect.ViaHeader, "__Http-p_h_nohttponly=", inspect.FateBlocked, "__Http- cookies must be Secure and HttpOnly (this one: no HttpOnly attribute)"},
		{inspect.ViaHeader, "__Http-p_h_nosecure=", inspect.FateBlocked, "__Http- cookies must be Secure and HttpOnly (this one: no Secure attribute)"},
		{inspect.ViaHeader, "__http-p_h_lower=", inspect.FateBlocked, "so __http- is __Http-"},
		{inspect.ViaHeader, "__Host-Http-p_h_ok=", inspect.FateStored, ""},
		{inspect.ViaHeader, "__Host-Http-p_h_nohttponly=", inspect.FateBlocked, "__Host-Http- cookies must be Secure and HttpOnly, with Path=/ and no Domain (this one: no HttpOnly attribute)"},
		{inspect.ViaHeader, "__Host-Http-p_h_domain=", inspect.FateBlocked, "(this one: Domain=app.test)"},
		{inspect.ViaHeader, "__Host-Http-p_h_path=", inspect.FateBlocked, "(this one: Path=/fates)"},
		{inspect.ViaHeader, "__host-http-p_h_lower=", inspect.FateBlocked, "so __host-http- is __Host-Http-"},
		{inspect.ViaHeader, "__Secure-p_h_nameless;", inspect.FateBlocked, "a cookie without a name may not have a value that begins with __Secure-"},
		{inspect.ViaHeader, "__host-http-p_h_nameless;", inspect.FateBlocked, "a cookie without a name may not have a value that begins with __host-http-"},
		{inspect.ViaDocumentCookie, "__Secure-p_js_ok=", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "__Secure-p_js_nosecure=", inspect.FateNotStored, "__Secure- cookies must be Secure (this one: no Secure attribute)"},
		{inspect.ViaDocumentCookie, "__Host-p_js_ok=", inspect.FateStored, ""},
		{inspect.ViaDocumentCookie, "__Host-p_js_domain=", inspect.FateNotStored, "__Host- cookies must be Secure, with Path=/ and no Domain (this one: Domain=app.test)"},
		{inspect.ViaDocumentCookie, "__Http-p_js=", inspect.FateNotStored, noScript + "__Http- name requires HttpOnly"},
		{inspect.ViaDocumentCookie, "__Http-p_js_httponly=", inspect.FateNotStored, noScript + "__Http- name requires HttpOnly"},
		{inspect.ViaDocumentCookie, "__http-p_js_lower=", inspect.FateNotStored, noScript + "__Http- name requires HttpOnly; Chrome matches prefixes in any case, so __http- is __Http-"},
		{inspect.ViaDocumentCookie, "__Host-Http-p_js=", inspect.FateNotStored, noScript + "__Host-Http- name requires HttpOnly"},
		{inspect.ViaDocumentCookie, "__Secure-p_js_nameless;", inspect.FateNotStored, "a cookie without a name may not have a value that begins with __Secure-"},
		{inspect.ViaCookieStore, "__Host-p_cs_ok=", inspect.FateStored, ""},
		{inspect.ViaCookieStore, "__Http-p_cs=", inspect.FateNotStored, noScript + "__Http- name requires HttpOnly"},
		{inspect.ViaCookieStore, "__Host-Http-p_cs=", inspect.FateNotStored, noScript + "__Host-Http- name requires HttpOnly"},
		{inspect.ViaHeader, "__Http-p_h_http=", inspect.FateBlocked, "__Http- cookies must be Secure and HttpOnly (this one: set from plain http)"},
		{inspect.ViaHeader, "__Host-Http-p_h_http=", inspect.FateBlocked, "(this one: set from plain http)"},
		{inspect.ViaDocumentCookie, "__Host-Http-p_js_http=", inspect.FateNotStored, noScript + "__Host-Http- name requires HttpOnly"},
	}
	seen := make(map[int]bool)
	refused := 0
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
			if w.Fate == inspect.FateBlocked && (len(w.Blocked) != 1 || w.Blocked[0] != invalid) {
				t.Errorf("Chrome's reasons %v, want [%s]", w.Blocked, invalid)
			}
			if w.Fate != tt.fate || !strings.Contains(w.FateReason, tt.reason) {
				t.Errorf("fate %s (%s), want %s (%q)", w.Fate, w.FateReason, tt.fate, tt.reason)
			}
			if strings.Contains(w.FateReason, "without saying why") || strings.Contains(w.FateReason, "__Secure- or __Host-") {
				t.Errorf("the reason does not name the rule: %s", w.FateReason)
			}
		})
		if tt.fate != inspect.FateStored {
			refused++
		}
	}
	for i, w := range target.Writes {
		if !seen[i] {
			t.Errorf("write #%d %.60q (%s) is not in the test", i, w.CookieLine, w.Fate)
		}
	}
	// Every refusal on these pages is for a prefix: CS013 reports each.
	cs013 := 0
	for _, f := range inspect.Judge(target, inspect.Config{}, time.Now()) {
		if f.RuleID == "CS013" {
			cs013++
		}
	}
	if cs013 != refused {
		t.Errorf("CS013 found %d refused writes, want %d", cs013, refused)
	}
	for _, c := range target.Cookies {
		if c.Unrecorded {
			t.Errorf("cookie %s is unrecorded", c.Name)
		}
	}
}
