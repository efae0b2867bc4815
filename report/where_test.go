package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

func whereReport() inspect.Report {
	post := inspect.Request{URL: "https://app.test/", Method: "POST", ResourceType: "Document", Navigation: true, Relation: inspect.RelationCrossSite, CookiesReported: true,
		Sent:     []inspect.RequestCookie{{Name: "sid", Domain: "app.test", Path: "/"}},
		Withheld: []inspect.RequestCookie{{Name: "pref", Domain: "app.test", Path: "/", Reasons: []string{"SameSiteLax"}}}}
	return inspect.Report{Targets: []inspect.Target{{URL: "https://app.test/", FinalURL: "https://app.test/",
		Cookies: []inspect.Cookie{{Name: "sid", Domain: "app.test", Path: "/", Traffic: inspect.Traffic{Sent: 2, SentCrossSite: 1, Withheld: 1, WithheldBy: map[string]int{"SameSiteStrict": 1}}}},
		CrossSite: []inspect.CrossSite{{Attacker: "https://cookiescope-attacker.example", Requests: []inspect.CrossSiteRequest{
			{Kind: inspect.KindFormPost, Description: "top-level form POST", Request: &post},
			{Kind: inspect.KindImage, Description: "<img> (GET)", Error: "Chrome made no cross-site request to the target"},
		}}}}}}
}

func TestWhereCookiesWentInTableAndMarkdown(t *testing.T) {
	var table, markdown bytes.Buffer
	if err := WriteTable(&table, whereReport()); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&markdown, whereReport()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"sid: sent with 2 requests (1 cross-site); withheld from 1 (SameSiteStrict 1)",
		"the server never received them",
		"pref: withheld from form-post (SameSiteLax); not measured: img",
		"sid: sent with form-post; not measured: img",
		"img: Chrome made no cross-site request to the target",
	} {
		if !strings.Contains(strings.Join(strings.Fields(table.String()), " "), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	for _, want := range []string{"sent with 2 requests (1 cross-site)", "| cookie | form-post | img |", "| sid | sent | not measured |", "| pref | withheld: SameSiteLax | not measured |"} {
		if !strings.Contains(markdown.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, markdown.String())
		}
	}
}
