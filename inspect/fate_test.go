package inspect

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func at(w Write, d time.Duration) Write {
	w.At = t0.Add(d)
	return w
}

func cookieStore(url, line string) Write {
	return Write{Via: ViaCookieStore, URL: url, CookieLine: line, At: t0}
}

// wantFate is the fate expected for the write at an index, and a piece of
// its reason.
type wantFate struct {
	fate       Fate
	reason     string
	replacedBy int
}

func TestFates(t *testing.T) {
	const app = "https://app.test/"
	tests := []struct {
		description string
		ev          Evidence
		want        []wantFate
		// unrecorded lists the jar cookies no recorded write explains.
		unrecorded []string
	}{
		{
			description: "a header write whose cookie the jar holds is stored",
			ev:          Evidence{Jar: []Cookie{jarCookie("a", "1", "app.test", "/")}, Writes: []Write{header(app, "a=1; Path=/")}},
			want:        []wantFate{{fate: FateStored}},
		},
		{
			description: "a write that a later one overwrote is replaced, and names the later one",
			ev: Evidence{Jar: []Cookie{jarCookie("a", "new", "app.test", "/")}, Writes: []Write{
				header(app, "a=old; Path=/"), script(app, "a=new; Path=/")}},
			want: []wantFate{{fate: FateReplaced, reason: "replaced by write #1", replacedBy: 1}, {fate: FateStored}},
		},
		{
			description: "Max-Age=0 deletes; the write it deleted is replaced by it",
			ev: Evidence{Writes: []Write{
				header(app, "a=1; Path=/"), header(app, "a=; Max-Age=0; Path=/")}},
			want: []wantFate{{fate: FateReplaced, reason: "deleted by write #1", replacedBy: 1}, {fate: FateDeleted, reason: "Max-Age=0"}},
		},
		{
			description: "a write with an Expires in the past is deleted",
			ev:          Evidence{Writes: []Write{script(app, "a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/")}},
			want:        []wantFate{{fate: FateDeleted, reason: "in the past"}},
		},
		{
			description: "cookieStore.delete is a deletion",
			ev:          Evidence{Writes: []Write{cookieStore(app, "a=; Path=/; Secure; SameSite=Strict; Max-Age=0")}},
			want:        []wantFate{{fate: FateDeleted, reason: "cookieStore.delete"}},
		},
		{
			description: "a cookie that expired between its write and the jar read is deleted",
			ev:          Evidence{Now: t0.Add(time.Minute), Writes: []Write{header(app, "a=1; Max-Age=5; Path=/")}},
			want:        []wantFate{{fate: FateDeleted, reason: "expired"}},
		},
		{
			description: "a header line Chrome refused is blocked with Chrome's reason",
			ev:          Evidence{Writes: []Write{header(app, "a=1; SameSite=None", "SameSiteNoneInsecure")}},
			want:        []wantFate{{fate: FateBlocked, reason: "requires the Secure attribute"}},
		},
		{
			description: "a script write with a control character is not stored, and never credited to the nameless cookie",
			ev:          Evidence{Jar: []Cookie{jarCookie("", "x", "app.test", "/")}, Writes: []Write{script(app, "a=x\x01y; Path=/"), script(app, "x")}},
			want:        []wantFate{{fate: FateNotStored, reason: "control character"}, {fate: FateStored}},
		},
		{
			description: "a script write over 4096 bytes is not stored",
			ev:          Evidence{Writes: []Write{script(app, "big="+strings.Repeat("x", 100*1024))}},
			want:        []wantFate{{fate: FateNotStored, reason: "4096"}},
		},
		{
			description: "a script write with Secure from plain http is not stored",
			ev:          Evidence{Writes: []Write{script("http://app.test/", "a=1; Secure")}},
			want:        []wantFate{{fate: FateNotStored, reason: "insecure origin"}},
		},
		{
			description: "a Secure script write from http://localhost is stored: loopback is a secure context",
			ev:          Evidence{Jar: []Cookie{jarCookie("a", "1", "localhost", "/")}, Writes: []Write{script("http://localhost/", "a=1; Secure")}},
			want:        []wantFate{{fate: FateStored}},
		},
		{
			description: "a __Host- script write without Secure is not stored",
			ev:          Evidence{Writes: []Write{script(app, "__Host-a=1; Path=/")}},
			want:        []wantFate{{fate: FateNotStored, reason: "__Host- cookies must be Secure, with Path=/ and no Domain (this one: no Secure attribute)"}},
		},
		{
			description: "a __Secure- script write without Secure is not stored",
			ev:          Evidence{Writes: []Write{script(app, "__Secure-a=1; Path=/")}},
			want:        []wantFate{{fate: FateNotStored, reason: "__Secure- cookies must be Secure (this one: no Secure attribute)"}},
		},
		{
			description: "a __Host- script write from http is not stored for its prefix, not merely for Secure from http",
			ev:          Evidence{Writes: []Write{script("http://app.test/", "__Host-a=1; Secure; Path=/")}},
			want:        []wantFate{{fate: FateNotStored, reason: "__Host- name prefix: __Host- cookies must be Secure, with Path=/ and no Domain (this one: set from plain http)"}},
		},
		{
			description: "a __Http- document.cookie write is not stored: script cannot set HttpOnly cookies",
			ev:          Evidence{Writes: []Write{script(app, "__Http-a=1; Secure; Path=/")}},
			want:        []wantFate{{fate: FateNotStored, reason: "page script cannot set HttpOnly cookies, and a __Http- name requires HttpOnly"}},
		},
		{
			description: "a __Host-Http- cookieStore write is not stored, even with the jar holding the name",
			ev:          Evidence{Jar: []Cookie{jarCookie("__Host-Http-a", "1", "app.test", "/")}, Writes: []Write{cookieStore(app, "__Host-Http-a=2; Path=/; Secure; SameSite=Strict")}},
			want:        []wantFate{{fate: FateNotStored, reason: "page script cannot set HttpOnly cookies, and a __Host-Http- name requires HttpOnly"}},
			unrecorded:  []string{"__Host-Http-a"},
		},
		{
			description: "a lower-case __http- script write is not stored, and the reason says the prefix matched in any case",
			ev:          Evidence{Writes: []Write{script(app, "__http-a=1; Secure; Path=/")}},
			want:        []wantFate{{fate: FateNotStored, reason: "a __Http- name requires HttpOnly; Chrome matches prefixes in any case, so __http- is __Http-"}},
		},
		{
			description: "a nameless script write whose value begins with a prefix is not stored",
			ev:          Evidence{Writes: []Write{script(app, "__Secure-a; Secure; Path=/")}},
			want:        []wantFate{{fate: FateNotStored, reason: "a cookie without a name may not have a value that begins with __Secure-"}},
		},
		{
			description: "a __Host- header line Chrome refused with InvalidPrefix is blocked, with the __Host- rule and what it broke",
			ev:          Evidence{Writes: []Write{header(app, "__Host-a=1; Secure; Path=/docs", "InvalidPrefix")}},
			want:        []wantFate{{fate: FateBlocked, reason: "the cookie breaks the rules of its __Host- name prefix: __Host- cookies must be Secure, with Path=/ and no Domain (this one: Path=/docs)"}},
		},
		{
			description: "a __Http- header line without HttpOnly is blocked with the __Http- rule",
			ev:          Evidence{Writes: []Write{header(app, "__Http-a=1; Secure; Path=/", "InvalidPrefix")}},
			want:        []wantFate{{fate: FateBlocked, reason: "__Http- cookies must be Secure and HttpOnly (this one: no HttpOnly attribute)"}},
		},
		{
			description: "a __Host-Http- header line with Domain is blocked with the __Host-Http- rule",
			ev:          Evidence{Writes: []Write{header(app, "__Host-Http-a=1; Secure; HttpOnly; Path=/; Domain=app.test", "InvalidPrefix")}},
			want:        []wantFate{{fate: FateBlocked, reason: "__Host-Http- cookies must be Secure and HttpOnly, with Path=/ and no Domain (this one: Domain=app.test)"}},
		},
		{
			description: "a header line from http that obeys the __Http- attributes is blocked for the origin",
			ev:          Evidence{Writes: []Write{header("http://app.test/", "__Http-a=1; Secure; HttpOnly; Path=/", "InvalidPrefix")}},
			want:        []wantFate{{fate: FateBlocked, reason: "(this one: set from plain http)"}},
		},
		{
			description: "InvalidPrefix for a line that shows no prefix rule broken still names the rule of its prefix",
			ev:          Evidence{Writes: []Write{header(app, "__Secure-a=1; Secure; Path=/", "InvalidPrefix")}},
			want:        []wantFate{{fate: FateBlocked, reason: "the cookie breaks the rules of its __Secure- name prefix: __Secure- cookies must be Secure"}},
		},
		{
			description: "a valid __Host-Http- header line is stored",
			ev:          Evidence{Jar: []Cookie{jarCookie("__Host-Http-a", "1", "app.test", "/")}, Writes: []Write{header(app, "__Host-Http-a=1; Secure; HttpOnly; Path=/")}},
			want:        []wantFate{{fate: FateStored}},
		},
		{
			description: "a non-Secure script write from http over a Secure cookie is not stored (strict secure)",
			ev: Evidence{Jar: []Cookie{with(jarCookie("sid", "good", "app.test", "/"), func(c *Cookie) { c.Secure = true })}, Writes: []Write{
				header(app, "sid=good; Secure; Path=/"), script("http://app.test/", "sid=evil; Path=/")}},
			want: []wantFate{{fate: FateStored}, {fate: FateNotStored, reason: "strict secure"}},
		},
		{
			description: "strict secure also protects a Secure cookie that was in the jar before the recording",
			ev:          Evidence{Jar: []Cookie{with(jarCookie("sid", "good", "app.test", "/"), func(c *Cookie) { c.Secure = true })}, Writes: []Write{script("http://app.test/account/x", "sid=evil; Path=/account")}},
			want:        []wantFate{{fate: FateNotStored, reason: "a cookie already in the jar"}},
			unrecorded:  []string{"sid"},
		},
		{
			description: "a script write from another site than any page shown is not stored (third-party context)",
			ev:          Evidence{TopLevel: []string{app}, Writes: []Write{script("https://widget.test/frame", "w=1; SameSite=None; Secure")}},
			want:        []wantFate{{fate: FateNotStored, reason: "third-party context"}},
		},
		{
			description: "with third-party cookies allowed, a third-party frame's script write that the jar holds is stored",
			ev: Evidence{TopLevel: []string{app}, ThirdPartyCookies: ThirdPartyCookiesAllow, Jar: []Cookie{jarCookie("w", "1", "widget.test", "/")},
				Writes: []Write{script("https://widget.test/frame", "w=1; SameSite=None; Secure; Path=/")}},
			want: []wantFate{{fate: FateStored}},
		},
		{
			description: "with third-party cookies allowed, a third-party script write missing from the jar is not blamed on third-party blocking",
			ev:          Evidence{TopLevel: []string{app}, ThirdPartyCookies: ThirdPartyCookiesAllow, Writes: []Write{script("https://widget.test/frame", "w=1; SameSite=None; Secure")}},
			want:        []wantFate{{fate: FateNotStored, reason: "without saying why"}},
		},
		{
			description: "a header refused with UserPreferences, third-party cookies blocked, is explained by the run's block",
			ev:          Evidence{TopLevel: []string{app}, Writes: []Write{header("https://widget.test/frame", "w=1; SameSite=None; Secure", "UserPreferences")}},
			want:        []wantFate{{fate: FateBlocked, reason: "third-party cookies are blocked in this run"}},
		},
		{
			description: "a header refused with UserPreferences although third-party cookies are allowed blames another setting of the browser",
			ev:          Evidence{TopLevel: []string{app}, ThirdPartyCookies: ThirdPartyCookiesAllow, Writes: []Write{header("https://widget.test/frame", "w=1; SameSite=None; Secure", "UserPreferences")}},
			want:        []wantFate{{fate: FateBlocked, reason: "although third-party cookies are allowed in this run"}},
		},
		{
			description: "a Partitioned write from a third-party frame is judged by the jar",
			ev: Evidence{TopLevel: []string{app}, Jar: []Cookie{with(jarCookie("w", "1", "widget.test", "/"), func(c *Cookie) { c.Partitioned, c.PartitionKey = true, "https://app.test" })},
				Writes: []Write{script("https://widget.test/frame", "w=1; SameSite=None; Secure; Partitioned; Path=/")}},
			want: []wantFate{{fate: FateStored}},
		},
		{
			description: "a script write with a Domain that does not cover its host is not stored",
			ev:          Evidence{Writes: []Write{script(app, "a=1; Domain=widget.test")}},
			want:        []wantFate{{fate: FateNotStored, reason: "does not cover"}},
		},
		{
			description: "a script write the jar lacks for no known reason is not stored, said plainly",
			ev:          Evidence{Writes: []Write{script(app, "a=1; Path=/")}},
			want:        []wantFate{{fate: FateNotStored, reason: "without saying why"}},
		},
		{
			description: "Domain=127.0.0.1 from that address is stored host-only, as Chrome does",
			ev:          Evidence{Jar: []Cookie{jarCookie("ip", "1", "127.0.0.1", "/")}, Writes: []Write{header("http://127.0.0.1:8080/", "ip=1; Domain=127.0.0.1; Path=/")}},
			want:        []wantFate{{fate: FateStored}},
		},
		{
			description: "a write the jar holds with another value was replaced by an unrecorded write, which the cookie shows",
			ev:          Evidence{Jar: []Cookie{jarCookie("a", "other", "app.test", "/")}, Writes: []Write{header(app, "a=1; Path=/")}},
			want:        []wantFate{{fate: FateReplaced, reason: "not recorded"}},
			unrecorded:  []string{"a"},
		},
		{
			description: "a jar cookie no write addresses is unrecorded",
			ev:          Evidence{Jar: []Cookie{jarCookie("ghost", "1", "app.test", "/")}},
			unrecorded:  []string{"ghost"},
		},
		{
			description: "writes stored before cookiescope cleared the jar are cleared",
			ev:          Evidence{Cleared: []time.Time{t0.Add(time.Second)}, Writes: []Write{header(app, "a=1; Path=/"), at(header(app, "b=1; Path=/"), 2*time.Second)}, Jar: []Cookie{jarCookie("b", "1", "app.test", "/")}},
			want:        []wantFate{{fate: FateCleared, reason: "clear-cookies"}, {fate: FateStored}},
		},
		{
			description: "a forged header the jar holds is stored and explains its cookie",
			ev:          Evidence{Jar: []Cookie{jarCookie("sid", "forged", "app.test", "/")}, Writes: []Write{{Via: ViaHeader, URL: "http://app.test/__cookiescope/plant-1", CookieLine: "sid=forged; Path=/", Emulated: true, At: t0}}},
			want:        []wantFate{{fate: FateStored}},
		},
		{
			description: "a forged header Chrome ignored silently (strict secure) is not stored",
			ev: Evidence{Jar: []Cookie{with(jarCookie("sid", "good", "app.test", "/"), func(c *Cookie) { c.Secure = true })},
				Writes: []Write{{Via: ViaHeader, URL: "http://app.test/__cookiescope/x", CookieLine: "sid=evil; Path=/", Emulated: true, At: t0}}},
			want:       []wantFate{{fate: FateNotStored, reason: "strict secure"}},
			unrecorded: []string{"sid"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			var target Target
			if tt.ev.Now.IsZero() {
				tt.ev.Now = t0.Add(time.Second)
			}
			Assemble(&target, tt.ev)
			if len(target.Writes) != len(tt.want) {
				t.Fatalf("%d writes, want %d", len(target.Writes), len(tt.want))
			}
			for i, want := range tt.want {
				w := target.Writes[i]
				if w.Fate != want.fate || !strings.Contains(w.FateReason, want.reason) || w.ReplacedBy != want.replacedBy {
					t.Errorf("write #%d %q: fate %s (%q), replacedBy %d; want %s (%q), replacedBy %d", i, w.CookieLine, w.Fate, w.FateReason, w.ReplacedBy, want.fate, want.reason, want.replacedBy)
				}
			}
			var unrecorded []string
			for _, c := range target.Cookies {
				if c.Unrecorded {
					unrecorded = append(unrecorded, c.Name)
				}
			}
			if fmt.Sprint(unrecorded) != fmt.Sprint(tt.unrecorded) && len(unrecorded)+len(tt.unrecorded) > 0 {
				t.Errorf("unrecorded cookies %v, want %v", unrecorded, tt.unrecorded)
			}
		})
	}
}

// overflow returns n header writes of distinct cookies on host, and a jar
// that kept the last keep of them, as Chrome's purge does.
func overflow(host string, n, keep int) ([]Write, []Cookie) {
	var writes []Write
	var jar []Cookie
	for i := range n {
		name := fmt.Sprintf("c%03d", i)
		writes = append(writes, header("https://"+host+"/", name+"=1; Path=/"))
		if i >= n-keep {
			jar = append(jar, jarCookie(name, "1", host, "/"))
		}
	}
	return writes, jar
}

func TestEvictionIsInferredFromChromesLimits(t *testing.T) {
	tests := []struct {
		description      string
		host             string
		n, keep          int
		evicted, blocked int
	}{
		{"180 cookies on one site are all kept", "app.test", 180, 180, 0, 0},
		{"the 181st purges the site to 150: the 31 lost are evicted, not blocked", "app.test", 181, 150, 31, 0},
		{"240 writes: every one the jar lost is evicted", "sub.app.test", 240, 178, 62, 0},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			writes, jar := overflow(tt.host, tt.n, tt.keep)
			var target Target
			Assemble(&target, Evidence{Jar: jar, Writes: writes, Now: t0.Add(time.Second)})
			counts := map[Fate]int{}
			for _, w := range target.Writes {
				counts[w.Fate]++
			}
			if counts[FateEvicted] != tt.evicted || counts[FateStored] != tt.keep || len(target.Blocked) != tt.blocked {
				t.Errorf("fates %v, %d blocked; want %d evicted, %d stored, %d blocked", counts, len(target.Blocked), tt.evicted, tt.keep, tt.blocked)
			}
			for _, w := range target.Writes {
				if w.Fate == FateEvicted && !strings.Contains(w.FateReason, "180 cookies per site") {
					t.Errorf("evicted %s: reason %q does not name the limit", w.CookieLine, w.FateReason)
					break
				}
			}
		})
	}
	t.Run("cookies of one host that no purge touched are not stored, not evicted", func(t *testing.T) {
		writes, _ := overflow("app.test", 10, 0)
		for i := range writes {
			writes[i].Via = ViaDocumentCookie
		}
		var target Target
		Assemble(&target, Evidence{Writes: writes, Now: t0})
		for _, w := range target.Writes {
			if w.Fate != FateNotStored {
				t.Fatalf("%s: fate %s, want not-stored", w.CookieLine, w.Fate)
			}
		}
	})
}

func TestBlockedListsOnlyWritesThatNeverReachedTheJar(t *testing.T) {
	const app = "https://app.test/"
	var target Target
	Assemble(&target, Evidence{Now: t0.Add(time.Second), Jar: []Cookie{jarCookie("a", "2", "app.test", "/")}, Writes: []Write{
		header(app, "a=1; Path=/"), header(app, "a=2; Path=/"), header(app, "d=; Max-Age=0"),
		header(app, "n=1; SameSite=None", "SameSiteNoneInsecure"), script(app, "ctl=\x01; Path=/")}})
	var names []string
	for _, b := range target.Blocked {
		names = append(names, b.Name+":"+strings.Join(b.Reasons, ","))
	}
	if got, want := strings.Join(names, " "), "n:SameSiteNoneInsecure ctl:NotStored"; got != want {
		t.Errorf("blocked %q, want %q", got, want)
	}
}

func TestClearSiteDataFates(t *testing.T) {
	const app = "https://app.test/"
	const logout = "https://app.test/logout"
	clearAt := func(url, header string, d time.Duration) SiteDataClear {
		return SiteDataClear{URL: url, Header: header, At: t0.Add(d)}
	}
	type want struct {
		fate      Fate
		clearedBy string
	}
	tests := []struct {
		description string
		ev          Evidence
		want        []want
	}{
		{
			description: `writes stored before a response's Clear-Site-Data: "cookies" are cleared by that response; a write after it is stored`,
			ev: Evidence{
				Writes:          []Write{header(app, "a=1; Path=/"), script(app, "b=1; Path=/"), at(header(app, "c=1; Path=/"), 2*time.Second)},
				SiteDataCleared: []SiteDataClear{clearAt(logout, `"cookies"`, time.Second)},
				Jar:             []Cookie{jarCookie("c", "1", "app.test", "/")},
			},
			want: []want{{FateClearedBySite, logout}, {FateClearedBySite, logout}, {FateStored, ""}},
		},
		{
			description: "the clear covers the response's whole registrable domain, subdomains included, and no other site",
			ev: Evidence{
				Writes: []Write{
					header("https://sub.app.test/", "s=1; Path=/"),
					header("https://sub.app.test/", "d=1; Domain=app.test; Path=/"),
					header("https://cdn.test/", "o=1; Path=/"),
				},
				SiteDataCleared: []SiteDataClear{clearAt(logout, `"cache", "cookies"`, time.Second)},
				Jar:             []Cookie{jarCookie("o", "1", "cdn.test", "/")},
			},
			want: []want{{FateClearedBySite, logout}, {FateClearedBySite, logout}, {FateStored, ""}},
		},
		{
			description: `the wildcard "*" clears cookies too`,
			ev: Evidence{
				Writes:          []Write{header(app, "a=1; Path=/")},
				SiteDataCleared: []SiteDataClear{clearAt(logout, `"*"`, time.Second)},
			},
			want: []want{{FateClearedBySite, logout}},
		},
		{
			description: "a header that asks for other data, or names cookies without quotes, clears no cookie",
			ev: Evidence{
				Writes:          []Write{header(app, "a=1; Path=/")},
				SiteDataCleared: []SiteDataClear{clearAt(logout, `"storage", "cache"`, time.Second), clearAt(logout, `cookies`, time.Second)},
				Jar:             []Cookie{jarCookie("a", "1", "app.test", "/")},
			},
			want: []want{{FateStored, ""}},
		},
		{
			description: "Chrome ignores the header from plain http on a public host, so nothing is said cleared by it",
			ev: Evidence{
				Writes:          []Write{header("http://app.test/", "a=1; Path=/")},
				SiteDataCleared: []SiteDataClear{clearAt("http://app.test/logout", `"cookies"`, time.Second)},
				Jar:             []Cookie{jarCookie("a", "1", "app.test", "/")},
			},
			want: []want{{FateStored, ""}},
		},
		{
			description: "over http on a loopback address (a secure context) the header is honoured",
			ev: Evidence{
				Writes:          []Write{header("http://127.0.0.1:8080/", "a=1; Path=/")},
				SiteDataCleared: []SiteDataClear{clearAt("http://127.0.0.1:8080/logout", `"cookies"`, time.Second)},
			},
			want: []want{{FateClearedBySite, "http://127.0.0.1:8080/logout"}},
		},
		{
			description: "a cookie the jar still holds was not cleared after all: the jar has the last word",
			ev: Evidence{
				Writes:          []Write{header(app, "a=1; Path=/")},
				SiteDataCleared: []SiteDataClear{clearAt(logout, `"cookies"`, time.Second)},
				Jar:             []Cookie{jarCookie("a", "1", "app.test", "/")},
			},
			want: []want{{FateStored, ""}},
		},
		{
			description: "a write replaced before the clear stays replaced; the write that replaced it is the one cleared",
			ev: Evidence{
				Writes:          []Write{header(app, "a=old; Path=/"), script(app, "a=new; Path=/")},
				SiteDataCleared: []SiteDataClear{clearAt(logout, `"cookies"`, time.Second)},
			},
			want: []want{{FateReplaced, ""}, {FateClearedBySite, logout}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			var target Target
			tt.ev.Now = t0.Add(3 * time.Second)
			Assemble(&target, tt.ev)
			if len(target.Writes) != len(tt.want) {
				t.Fatalf("%d writes, want %d", len(target.Writes), len(tt.want))
			}
			for i, want := range tt.want {
				w := target.Writes[i]
				if w.Fate != want.fate || w.ClearedBy != want.clearedBy {
					t.Errorf("write #%d %q: fate %s, cleared by %q (%s); want %s, cleared by %q", i, w.CookieLine, w.Fate, w.ClearedBy, w.FateReason, want.fate, want.clearedBy)
				}
				if want.fate == FateClearedBySite && (!strings.Contains(w.FateReason, "Clear-Site-Data") || !strings.Contains(w.FateReason, want.clearedBy)) {
					t.Errorf("write #%d: reason %q does not name the header and the response", i, w.FateReason)
				}
			}
			if len(target.Blocked) != 0 {
				t.Errorf("cleared writes listed as blocked: %+v", target.Blocked)
			}
		})
	}
}

func TestClearsCookies(t *testing.T) {
	for header, want := range map[string]bool{
		`"cookies"`:                     true,
		`"cache", "cookies"`:            true,
		` "cookies" `:                   true,
		`"Cookies"`:                     false,
		`"*"`:                           true,
		`"cache"`:                       false,
		`cookies`:                       false,
		`"storage","executionContexts"`: false,
		``:                              false,
	} {
		if got := ClearsCookies(header); got != want {
			t.Errorf("ClearsCookies(%q) = %v, want %v", header, got, want)
		}
	}
}
