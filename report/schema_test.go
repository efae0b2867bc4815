package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
)

// fullReport has every field of every type set, so the schema check covers
// the whole format.
func fullReport() inspect.Report {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	header := inspect.Write{Via: inspect.ViaHeader, URL: "https://app.test/login", CookieLine: "sid=s3cret; Secure; HttpOnly; Path=/", Status: 200}
	script := inspect.Write{Via: inspect.ViaDocumentCookie, URL: "https://app.test/", Script: "https://cdn.test/a.js", Line: 3, Column: 14, CookieLine: "s_cc=true; Path=/", Stack: []inspect.StackFrame{{URL: "https://cdn.test/a.js", Line: 3, Column: 14}, {Function: "login", URL: "https://app.test/", Line: 9, Column: 2, Async: "setTimeout"}}}
	store := inspect.Write{Via: inspect.ViaCookieStore, URL: "https://app.test/", Script: "https://app.test/", Line: 9, Column: 1, Inline: true, CookieLine: "cs=1; Path=/; Secure; SameSite=Strict"}
	header.Fate = inspect.FateStored
	script.Fate, script.FateReason, script.ReplacedBy = inspect.FateReplaced, "replaced by write #2", 2
	store.Fate = inspect.FateStored
	bad := inspect.Write{Via: inspect.ViaHeader, URL: "http://app.test/__cookiescope/x", CookieLine: "bad=caf\u00e9; SameSite=None", Status: 200,
		Blocked: []string{"SameSiteNoneInsecure"}, Fate: inspect.FateBlocked, FateReason: "SameSite=None requires the Secure attribute", Encoding: "latin1", Emulated: true}
	cleared := inspect.Write{Via: inspect.ViaHeader, URL: "https://app.test/", CookieLine: "old=1; Path=/", Status: 200,
		Fate: inspect.FateClearedBySite, FateReason: "the Clear-Site-Data header of the response from https://app.test/logout cleared the cookies of app.test", ClearedBy: "https://app.test/logout"}
	return inspect.Report{
		SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", Browser: inspect.Browser{Product: "Chrome/156.0.8078.79"},
		Started: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), Interrupted: true, ThirdPartyCookies: inspect.ThirdPartyCookiesBlock,
		Targets: []inspect.Target{{
			URL: "https://app.test/", FinalURL: "https://app.test/home", Error: "load https://app.test/: timed out", DurationMS: 812,
			Unmeasured: []inspect.Unmeasured{{URL: "https://app.test/busy", Why: "the page did not answer within 1s"}, {Why: "the page's renderer crashed"}},
			Cookies: []inspect.Cookie{
				{Name: "sid", Value: "s3cret", Domain: "app.test", Path: "/", HostOnly: true, Secure: true, HttpOnly: true, SameSite: "Lax", Session: true, Size: 9, SourceScheme: "Secure", SourcePort: 443, Priority: "Medium", SetBy: []inspect.Write{header}},
				{Name: "s_cc", Value: "true", Domain: ".app.test", Path: "/", SameSite: "", Expires: &exp, Size: 8, Partitioned: true, PartitionKey: "https://app.test", PartitionCrossSite: true, SourceScheme: "NonSecure", SourcePort: 80, Priority: "Medium", SetBy: []inspect.Write{script, store}, ScriptReadable: true, ReadableOn: []string{"https://app.test/"}, ReadableVia: []string{inspect.APICookieStore}, Readability: inspect.Readable},
				{Name: "theme", Value: "dark", Domain: "app.test", Path: "/", HostOnly: true, SameSite: "Lax", Session: true, Size: 9, SourceScheme: "NonSecure", SourcePort: 80, Priority: "Medium",
					Readability: inspect.ReadabilityUnknown, UnknownReason: "on http://app.test/: document.cookie returned nothing while 1 cookie in scope is not HttpOnly; cookieStore unavailable (not a secure context)"},
			},
			EarlierCookies: []inspect.Cookie{
				{Name: "sid", Value: "s3cret-before", Domain: "app.test", Path: "/", HostOnly: true, Secure: true, SameSite: "Lax", Session: true, Size: 16, SourceScheme: "Secure", SourcePort: 443, Priority: "Medium", SetBy: []inspect.Write{header},
					ScriptReadable: true, ReadableOn: []string{"https://app.test/account"}, ReadableVia: []string{inspect.APIDocumentCookie}, Readability: inspect.Readable, SeenAt: "step 9 (login.yaml:16)"},
			},
			Blocked: []inspect.BlockedWrite{{Name: "bad", Write: bad, Reasons: []string{"SameSiteNoneInsecure"}, Explanation: "SameSite=None requires Secure"}},
			Frames: []inspect.Frame{
				{URL: "https://app.test/", TopLevel: true, Readable: []string{"s_cc"}, Error: "document.cookie returned nothing while 1 cookie in scope is not HttpOnly",
					DocumentCookie: inspect.APIRead{Status: inspect.APIOK}, CookieStore: inspect.APIRead{Status: inspect.APIOK, Count: 1}},
				{URL: "http://app.test/", Popup: true, Readable: []string{}, Error: "document.cookie returned nothing while 1 cookie in scope is not HttpOnly; cookieStore unavailable (not a secure context)",
					DocumentCookie: inspect.APIRead{Status: inspect.APIOK}, CookieStore: inspect.APIRead{Status: inspect.APIUnavailable, Error: "not a secure context"}},
				{URL: "https://app.test/sandboxed", Opaque: true, DocumentCookie: inspect.APIRead{Status: inspect.APIFailed, Error: "SecurityError: sandboxed"}, CookieStore: inspect.APIRead{Status: inspect.APIFailed, Error: "SecurityError: denied"}},
				{URL: "https://gone.test/", Error: "frame target detached"},
			},
			Writes: []inspect.Write{header, script, store, bad, cleared},
			Probes: []inspect.Probe{
				{Name: "http-overwrite", Cookie: "sid", Attack: "overwrite from http://app.test/ by header", Channel: "header", Emulated: true, Accepted: true, Reasons: []string{},
					Before: "s3cret", After: "cookiescope-forged-1", Verdict: inspect.Vulnerable, Explanation: "not Secure", Forged: "cookiescope-forged-1"},
				{Name: "jar-overflow", Cookie: "(jar)", Attack: "page script writes 300 cookies", Channel: "script", Emulated: true, Reasons: []string{"NotStored"},
					Before: "(2 cookies)", After: "(180 cookies)", Verdict: inspect.NotApplicable, Explanation: "limit observed: 180"},
			},
		}, {URL: "https://empty.test/"}},
	}
}

func TestJSONMatchesTheSchema(t *testing.T) {
	for _, redact := range []bool{false, true} {
		r := fullReport()
		withSession(&r.Targets[0])
		r.Targets[0].Notes = []string{"the service worker https://app.test/sw.js was still installing when cookiescope stopped waiting for it"}
		r.Viewport = &inspect.Viewport{Width: 1280, Height: 720, DeviceScaleFactor: 1}
		if d, err := inspect.ParseDevice("iphone-13"); err == nil {
			r.Targets[0].Viewport = &d
		}
		if redact {
			r = r.Redact()
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		schematest.Check(t, buf.Bytes())
	}
}

func TestSchemaRejectsWhatTheFormatDoesNotHave(t *testing.T) {
	// The check must be able to fail: an undocumented field and a missing
	// one are both refused.
	var buf bytes.Buffer
	if err := WriteJSON(&buf, fullReport()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	target := doc["targets"].([]any)[0].(map[string]any)
	target["undocumented"] = true
	delete(target["cookies"].([]any)[0].(map[string]any), "scriptReadable")
	bad, _ := json.Marshal(doc)
	if err := schematest.Validate(bad); err == nil {
		t.Fatal("the schema accepted an undocumented field and a missing required one")
	}
}

func TestSchemaWantsTheStepOfAnEarlierCookie(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, fullReport()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	earlier := doc["targets"].([]any)[0].(map[string]any)["earlierCookies"].([]any)[0].(map[string]any)
	delete(earlier, "seenAt")
	bad, _ := json.Marshal(doc)
	if err := schematest.Validate(bad); err == nil {
		t.Fatal("the schema accepted an earlier cookie without seenAt")
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	var buf bytes.Buffer
	// The earlier cookie expires: a session cookie's expires is null by
	// design.
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	earlier := inspect.Cookie{Name: "sid", Expires: &exp, SeenAt: "step 2 (f.yaml:5)"}
	if err := WriteJSON(&buf, inspect.Report{Targets: []inspect.Target{{URL: "https://x.test/", EarlierCookies: []inspect.Cookie{earlier}}}}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("null")) {
		t.Errorf("empty lists written as null:\n%s", buf.String())
	}
}

// withSession adds to a target what a scenario's session step and its
// expect {session: ended} report.
func withSession(t *inspect.Target) {
	t.Session = &inspect.Session{Check: "https://app.test/account", Page: "#who", Disturbed: "after the replays, ...", Step: "step 6 (login.yaml:12)", File: "login.yaml", Line: 12,
		Seen: "a visible element matches #who on https://app.test/account", Credentials: []inspect.CookieRef{{Name: "sid", Domain: "app.test", Path: "/"}, {Name: "k", Domain: "app.test", Path: "/admin"}},
		Needed: []inspect.CookieRef{{Name: "k", Domain: "app.test", Path: "/admin"}}, NotNeeded: []inspect.CookieRef{{Name: "theme", Domain: "app.test", Path: "/"}},
		Interchangeable: [][]inspect.CookieRef{{{Name: "sid", Domain: "app.test", Path: "/"}, {Name: "sid_legacy", Domain: "app.test", Path: "/"}}},
		Replays:         9, DurationMS: 1200, Error: "",
		Logout: &inspect.Logout{Step: "step 9 (login.yaml:16)", File: "login.yaml", Line: 16, VictimSeen: "no visible element matches #who on https://app.test/account",
			Replayed: []inspect.CookieRef{{Name: "sid", Domain: "app.test", Path: "/"}}, ReplayShows: true, ReplaySeen: "a visible element matches #who on https://app.test/account", Error: "x"}}
	t.Flow = []inspect.FlowStep{{Index: 1, Line: 4, Step: "goto /login", URL: "https://app.test/login", Host: "app.test", Set: []inspect.CookieRef{{Name: "sid", Domain: "app.test", Path: "/"}},
		Changed: []inspect.CookieRef{}, Deleted: []inspect.CookieRef{}, Requests: 2, Sent: []string{"pref"}, Withheld: []string{"x (SameSiteLax)"}}, {Index: 2, Line: 5, Step: "attacker: goto /", Browser: "attacker",
		URL: "https://app.test/", Host: "app.test", Set: []inspect.CookieRef{}, Changed: []inspect.CookieRef{}, Deleted: []inspect.CookieRef{}, Sent: []string{}, Withheld: []string{}, Error: "timed out"}}
	t.FlowState = []inspect.FlowStateCookie{{CookieRef: inspect.CookieRef{Name: "auth_verification", Domain: "app.test", Path: "/"}, Why: "a redirect login's state"}}
	t.Expectations = []inspect.ExpectationResult{{Expectation: "session ended", File: "login.yaml", Line: 16, Failures: []string{"session: ..."}, Session: "ended", Seen: "victim: ...", PageURL: "https://app.test/account"}}
}
