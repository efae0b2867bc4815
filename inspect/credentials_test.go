package inspect

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// server answers a replay by the cookie names it holds: shows is the
// server's rule for showing the logged-in page.
func server(refs []CookieRef, shows func(has func(string) bool) bool) (Replay, *int) {
	calls := 0
	return func(keep []int) (bool, error) {
		calls++
		has := func(name string) bool {
			for _, i := range keep {
				if refs[i].Name == name {
					return true
				}
			}
			return false
		}
		return shows(has), nil
	}, &calls
}

func names(refs []CookieRef) string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

func TestMeasureCredentials(t *testing.T) {
	jar := []CookieRef{
		{Name: "pf_u", Domain: "portal.test", Path: "/"},
		{Name: "pf_legacy", Domain: "portal.test", Path: "/"},
		{Name: "pf_k", Domain: "portal.test", Path: "/admin"},
		{Name: "auth_hint", Domain: "portal.test", Path: "/"},
		{Name: "theme", Domain: "portal.test", Path: "/"},
	}
	tests := []struct {
		description string
		shows       func(has func(string) bool) bool
		credentials string
		needed      string
		notNeeded   string
		unique      bool
		// interchangeable is each group's names joined by "|", groups by " ".
		interchangeable string
		replays         int
		err             string
	}{
		{
			description: "one credential: only it is needed, the rest are not, and the set is unique at one replay per cookie plus two",
			shows:       func(has func(string) bool) bool { return has("pf_u") },
			credentials: "pf_u", needed: "pf_u", notNeeded: "pf_legacy,pf_k,auth_hint,theme", unique: true, replays: 7,
		},
		{
			description: "a path-scoped key and a user credential, both needed",
			shows:       func(has func(string) bool) bool { return has("pf_u") && has("pf_k") },
			credentials: "pf_u,pf_k", needed: "pf_u,pf_k", notNeeded: "pf_legacy,auth_hint,theme", unique: true, replays: 7,
		},
		{
			description: "two redundant credentials (either suffices) are not both unneeded: the set is not unique and names the stand-in",
			shows:       func(has func(string) bool) bool { return has("pf_k") && (has("pf_u") || has("pf_legacy")) },
			// pf_u is dropped first (pf_legacy still shows the page), so
			// pf_legacy stays, and pf_u stands in for it.
			credentials: "pf_legacy,pf_k", needed: "pf_k", notNeeded: "auth_hint,theme", unique: false,
			interchangeable: "pf_legacy|pf_u",
		},
		{
			description: "the whole jar copied does not show the page: nothing is measured",
			shows:       func(func(string) bool) bool { return false },
			err:         "not held in cookies alone", replays: 1,
		},
		{
			description: "the page shows with no cookie at all: it proves no login",
			shows:       func(func(string) bool) bool { return true },
			err:         "does not prove a login", replays: 7,
		},
	}
	for _, tt := range tests {
		replay, calls := server(jar, tt.shows)
		s := MeasureCredentials(jar, replay)
		if tt.err != "" {
			if !strings.Contains(s.Error, tt.err) || len(s.Credentials) != 0 {
				t.Errorf("%s: error %q, credentials %v; want an error with %q and none", tt.description, s.Error, s.Credentials, tt.err)
			}
		} else if s.Error != "" {
			t.Errorf("%s: error %q", tt.description, s.Error)
		}
		if tt.err == "" {
			if got := names(s.Credentials); got != tt.credentials {
				t.Errorf("%s: credentials %s, want %s", tt.description, got, tt.credentials)
			}
			if got := names(s.Needed); got != tt.needed {
				t.Errorf("%s: needed %s, want %s", tt.description, got, tt.needed)
			}
			if got := names(s.NotNeeded); got != tt.notNeeded {
				t.Errorf("%s: not needed %s, want %s", tt.description, got, tt.notNeeded)
			}
			if s.Unique != tt.unique {
				t.Errorf("%s: unique %v, want %v", tt.description, s.Unique, tt.unique)
			}
			var groups []string
			for _, g := range s.Interchangeable {
				groups = append(groups, strings.ReplaceAll(names(g), ",", "|"))
			}
			if got := strings.Join(groups, " "); got != tt.interchangeable {
				t.Errorf("%s: interchangeable %q, want %q", tt.description, got, tt.interchangeable)
			}
		}
		if s.Replays != *calls {
			t.Errorf("%s: Replays says %d, the server saw %d", tt.description, s.Replays, *calls)
		}
		if tt.replays != 0 && s.Replays != tt.replays {
			t.Errorf("%s: %d replays, want %d", tt.description, s.Replays, tt.replays)
		}
	}
}

func TestMeasureCredentialsStopsAtAFailedReplay(t *testing.T) {
	jar := []CookieRef{{Name: "a", Domain: "x.test", Path: "/"}, {Name: "b", Domain: "x.test", Path: "/"}}
	n := 0
	s := MeasureCredentials(jar, func(keep []int) (bool, error) {
		n++
		if n == 2 {
			return false, errors.New("net::ERR_CONNECTION_REFUSED")
		}
		return true, nil
	})
	// A replay that could not load says nothing about the cookie it left
	// out: it must never make that cookie "needed".
	if s.Error == "" || !strings.Contains(s.Error, "ERR_CONNECTION_REFUSED") || len(s.Credentials)+len(s.Needed)+len(s.NotNeeded) != 0 || s.Credentials == nil {
		t.Errorf("a failed replay gave %+v; want an error and nothing measured", s)
	}
}

func TestMeasuredRolesOverruleNames(t *testing.T) {
	at := time.Now()
	cookie := func(name, path string) Cookie {
		return Cookie{Name: name, Domain: "portal.test", HostOnly: true, Path: path, Secure: true, SameSite: "Lax", Session: true, SetBy: []Write{{Via: ViaHeader, URL: "https://portal.test/login", At: at}}}
	}
	target := Target{URL: "https://portal.test/", FinalURL: "https://portal.test/admin/",
		Cookies: []Cookie{cookie("pf_k", "/admin"), cookie("auth_hint", "/")}}
	// Unmeasured: auth_hint is a guessed session (its name), pf_k is nothing.
	byName := map[string]string{}
	for _, f := range Judge(target, Config{}, at) {
		if f.SessionLike != "" {
			byName[f.Cookie] = f.SessionLike
		}
	}
	if !strings.HasPrefix(byName["auth_hint"], "guessed: ") || byName["pf_k"] != "" {
		t.Fatalf("without a measurement: sessionLike %v; want auth_hint guessed by name, pf_k not a session", byName)
	}
	target.Session = &Session{Check: "https://portal.test/admin/", Page: "#who",
		Credentials: []CookieRef{{Name: "pf_k", Domain: "portal.test", Path: "/admin"}},
		NotNeeded:   []CookieRef{{Name: "auth_hint", Domain: "portal.test", Path: "/"}}}
	byName = map[string]string{}
	var rules []string
	for _, f := range Judge(target, Config{}, at) {
		if f.SessionLike != "" {
			byName[f.Cookie] = f.SessionLike
			rules = append(rules, f.RuleID+" "+f.Cookie)
		}
	}
	if byName["pf_k"] != "measured: needed by https://portal.test/admin/ (#who)" {
		t.Errorf("pf_k, a measured credential: sessionLike %q", byName["pf_k"])
	}
	if byName["auth_hint"] != "" {
		t.Errorf("auth_hint, measured not needed, is still judged a session: %q", byName["auth_hint"])
	}
	if !slices.Contains(rules, "CS003 pf_k") {
		t.Errorf("pf_k without HttpOnly, a measured credential, drew %v; want CS003", rules)
	}
	// A configured sessionCookies pattern is the user's word: it stays.
	cfg := Config{SessionCookies: []Pattern{{regexp.MustCompile("^auth_")}}}
	k := (&judge{cfg: cfg, measured: target.Session}).classifyCookie("auth_hint", "portal.test", "/")
	if !k.Session() {
		t.Errorf("a configured session pattern lost to the measurement: %+v", k)
	}
}

func TestFlowStateCookiesAreRecognisedByTheirLife(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	write := func(line, url string, fate Fate, ms int) Write {
		p, _ := ParseSetCookie(line)
		return Write{Via: ViaHeader, URL: url, CookieLine: line, Parsed: p, Fate: fate, At: at(ms)}
	}
	ret := Request{URL: "https://rp.test/cb", Method: "POST", Navigation: true, Relation: RelationCrossSite, TopLevel: "https://idp.test/authorize",
		CookiesReported: true, At: at(300), Sent: []RequestCookie{{Name: "auth_verification", Domain: "rp.test", Path: "/"}, {Name: "rp_pref", Domain: "rp.test", Path: "/"}}}
	toIdP := Request{URL: "https://idp.test/authorize?state=s1", Method: "GET", Navigation: true, Relation: RelationCrossSite, TopLevel: "https://rp.test/login", CookiesReported: true, At: at(150)}
	// The return's redirect to /account carries rp_session, which /cb
	// set: the session the return issued, no state of the hop.
	account := Request{URL: "https://rp.test/account", Method: "GET", Navigation: true, Relation: RelationCrossSite, TopLevel: "https://idp.test/authorize",
		CookiesReported: true, At: at(320), Sent: []RequestCookie{{Name: "rp_session", Domain: "rp.test", Path: "/"}}}
	target := Target{URL: "https://rp.test/", Requests: []Request{toIdP, ret, account},
		Writes: []Write{
			write("auth_verification=s1; Path=/; Secure; HttpOnly; SameSite=None", "https://rp.test/login", FateReplaced, 100),
			write("rp_pref=1; Path=/; Secure; SameSite=None", "https://rp.test/login", FateStored, 100),
			write("auth_verification=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None", "https://rp.test/cb", FateDeleted, 310),
			write("rp_session=s2; Path=/; Secure; HttpOnly; SameSite=Lax", "https://rp.test/cb", FateReplaced, 310),
			write("rp_session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax", "https://rp.test/logout", FateDeleted, 900),
		}}
	got := FlowStateCookies(target)
	if len(got) != 1 || got[0].Name != "auth_verification" {
		t.Fatalf("flow-state cookies %+v; want auth_verification only (rp_pref lives on past the return, rp_session was set by it)", got)
	}
	for _, want := range []string{"https://rp.test/login", "POST https://rp.test/cb from https://idp.test/authorize", "SameSite=None is what lets"} {
		if !strings.Contains(got[0].Why, want) {
			t.Errorf("why %q lacks %q", got[0].Why, want)
		}
	}
	// Chrome sent it cross-site with a POST: by name ("auth") it would be a
	// session and draw CS027 high; by its life it is flow state.
	target.Cookies = nil
	target.EarlierCookies = []Cookie{{Name: "auth_verification", Domain: "rp.test", HostOnly: true, Path: "/", Secure: true, HttpOnly: true, SameSite: "None", SeenAt: "step 3 (sso.yaml:9)"}}
	for _, f := range Judge(target, Config{}, t0) {
		if f.Cookie == "auth_verification" && (f.RuleID == "CS027" || f.RuleID == "CS028" || f.RuleID == "CS014" || f.RuleID == "CS003") {
			t.Errorf("flow-state auth_verification drew %s: %s", f.RuleID, f.Evidence)
		}
	}
}
