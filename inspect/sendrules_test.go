package inspect

import (
	"strings"
	"testing"
	"time"
)

// sendTarget is a page whose jar holds a session cookie sid (no SameSite)
// and a preference cookie, and whose requests carried them as given.
func sendTarget(requests ...Request) Target {
	return Target{URL: "https://app.test/", Cookies: []Cookie{
		{Name: "sid", Domain: "app.test", Path: "/", HostOnly: true, Secure: true, HttpOnly: true},
		{Name: "theme", Domain: "app.test", Path: "/", HostOnly: true, Secure: true, SameSite: "None"},
	}, Requests: requests}
}

func sent(names ...string) []RequestCookie {
	var out []RequestCookie
	for _, n := range names {
		out = append(out, RequestCookie{Name: n, Domain: "app.test", Path: "/", AgeMS: 1500})
	}
	return out
}

func findingsByRule(t Target) map[string][]Finding {
	out := map[string][]Finding{}
	for _, f := range Judge(t, Config{}, time.Now()) {
		out[f.RuleID] = append(out[f.RuleID], f)
	}
	return out
}

func TestSessionSentCrossSite(t *testing.T) {
	post := Request{URL: "https://app.test/transfer", Method: "POST", ResourceType: "Document", Navigation: true, Relation: RelationCrossSite, TopLevel: "https://evil.test/", CookiesReported: true, Sent: sent("sid", "theme")}
	link := Request{URL: "https://app.test/", Method: "GET", ResourceType: "Document", Navigation: true, Relation: RelationCrossSite, TopLevel: "https://evil.test/", CookiesReported: true, Sent: sent("sid")}
	image := Request{URL: "https://app.test/pixel", Method: "GET", ResourceType: "Image", Relation: RelationCrossSite, TopLevel: "https://evil.test/", CookiesReported: true, Sent: sent("sid")}
	sameSite := Request{URL: "https://app.test/api", Method: "POST", ResourceType: "Fetch", Relation: RelationSameOrigin, TopLevel: "https://app.test/", CookiesReported: true, Sent: sent("sid")}

	got := findingsByRule(sendTarget(post, link, image, sameSite))
	cs027 := got["CS027"]
	if len(cs027) != 1 || cs027[0].Cookie != "sid" || cs027[0].Severity != High {
		t.Fatalf("CS027: %+v, want one high finding on sid", cs027)
	}
	if ev := cs027[0].Evidence; !strings.Contains(ev, "2 such request") || !strings.Contains(ev, "POST https://app.test/transfer") || !strings.Contains(ev, "https://app.test/pixel") || strings.Contains(ev, "/api") {
		t.Errorf("CS027 evidence: %s", ev)
	}
	// A top-level GET alone is what Lax allows: no finding.
	if got := findingsByRule(sendTarget(link, sameSite))["CS027"]; len(got) != 0 {
		t.Errorf("CS027 on a top-level GET and a same-site POST: %+v", got)
	}
	// sid has no SameSite and went with a cross-site top-level POST.
	cs029 := got["CS029"]
	if len(cs029) != 1 || cs029[0].Cookie != "sid" || cs029[0].Severity != Medium || !strings.Contains(cs029[0].Evidence, "1.5 s after the cookie was set") {
		t.Errorf("CS029: %+v", cs029)
	}
	// theme is SameSite=None but no session: CS028 is for sessions only.
	if f := got["CS028"]; len(f) != 0 {
		t.Errorf("CS028 on a preference cookie: %+v", f)
	}
}

func TestSessionWithSameSiteNone(t *testing.T) {
	target := sendTarget()
	target.Cookies[0].SameSite = "None"
	if f := findingsByRule(target)["CS028"]; len(f) != 1 || f[0].Cookie != "sid" {
		t.Errorf("CS028: %+v", f)
	}
}

// The cross-site probe's requests count like the page's own.
func TestCrossSiteProbeRequestsAreJudged(t *testing.T) {
	post := Request{URL: "https://app.test/", Method: "POST", ResourceType: "Document", Navigation: true, Relation: RelationCrossSite, TopLevel: "https://cookiescope-attacker.example/form-post", CookiesReported: true, Sent: sent("sid")}
	target := sendTarget()
	target.CrossSite = []CrossSite{{Attacker: "https://cookiescope-attacker.example", Requests: []CrossSiteRequest{{Kind: KindFormPost, Description: "top-level form POST", Request: &post}}}}
	f := findingsByRule(target)["CS027"]
	if len(f) != 1 || !strings.Contains(f[0].Evidence, "cross-site probe: top-level form POST") {
		t.Errorf("CS027 from the probe: %+v", f)
	}
}

// sendStories are targets on which the rules on where cookies went fire,
// or must not, for the rule table's test.
func sendStories() []struct {
	rule, description string
	target            Target
	fires             bool
} {
	post := Request{URL: "https://app.test/", Method: "POST", ResourceType: "Document", Navigation: true, Relation: RelationCrossSite, TopLevel: "https://evil.test/", CookiesReported: true, Sent: sent("sid")}
	link := post
	link.Method = "GET"
	noneSession := sendTarget()
	noneSession.Cookies[0].SameSite = "None"
	laxSession := sendTarget(post)
	laxSession.Cookies[0].SameSite = "Lax"
	return []struct {
		rule, description string
		target            Target
		fires             bool
	}{
		{"CS027", "session sent on a cross-site POST", sendTarget(post), true},
		{"CS027", "session sent on a cross-site top-level GET", sendTarget(link), false},
		{"CS028", "session with SameSite=None", noneSession, true},
		{"CS028", "session with SameSite=Lax", laxSession, false},
		{"CS029", "no SameSite, sent on a cross-site top-level POST", sendTarget(post), true},
		{"CS029", "SameSite=Lax, sent on a cross-site top-level POST", laxSession, false},
	}
}
