package inspect

import (
	"reflect"
	"testing"
)

func TestCompareOriginBoundSetsEachAttackBesideItself(t *testing.T) {
	row := func(probe, cookie, channel string, v Verdict, why string) Probe {
		return Probe{Name: probe, Cookie: cookie, Channel: channel, Verdict: v, Explanation: why}
	}
	today := []Target{
		{URL: "https://other.test/"},
		{URL: "https://app.test/", Probes: []Probe{
			row("http-overwrite", "csrf", "header", Vulnerable, "replaced"),
			row("http-overwrite", "csrf", "script", Vulnerable, "replaced"),
			row("http-overwrite", "__Host-sid", "header", Protected, "Secure"),
			row("jar-overflow", "(jar)", "page script", NotApplicable, "purged twice"),
			row("jar-overflow", "__Host-sid", "page script", Protected, "survived"),
			row("sibling-toss", "sid", "header", Vulnerable, "two values"),
			row("prefix", "__Host-cs_probe", "header", Protected, "refused"),
			{Name: "http-overwrite", Cookie: "csrf", Verdict: Vulnerable, Step: "step 3 (login.yaml:9)"},
		}},
	}
	bound := []Target{{URL: "https://app.test/", Probes: []Probe{
		row("http-overwrite", "csrf", "header", Protected, "bound to http"),
		row("http-overwrite", "csrf", "script", Vulnerable, "script on https read it"),
		row("http-overwrite", "__Host-sid", "header", Protected, "Secure"),
		row("jar-overflow", "(jar)", "page script", NotApplicable, "purged once"),
		row("jar-overflow", "__Host-sid", "page script", Vulnerable, "evicted"),
	}}}
	got := CompareOriginBound(today, bound, []string{"http-overwrite", "sibling-toss", "jar-overflow"})
	want := []AttackChange{
		{Target: "https://app.test/", Probe: "http-overwrite", Cookie: "csrf", Today: Vulnerable, OriginBound: Vulnerable, Change: ChangeStillVulnerable, Why: "script on https read it"},
		{Target: "https://app.test/", Probe: "http-overwrite", Cookie: "__Host-sid", Today: Protected, OriginBound: Protected, Change: ChangeProtectedAnyway, Why: "Secure"},
		{Target: "https://app.test/", Probe: "sibling-toss", Cookie: "sid", Today: Vulnerable, Change: ChangeUnknown},
		{Target: "https://app.test/", Probe: "jar-overflow", Cookie: "__Host-sid", Today: Protected, OriginBound: Vulnerable, Change: ChangeNewlyVulnerable, Why: "evicted"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	fixed := AttackChange{Probe: "http-overwrite", Cookie: "csrf", Today: Vulnerable, OriginBound: Protected}
	if s := fixed.Sentence(); s != "http-overwrite of csrf: vulnerable today, protected with origin-bound cookies" {
		t.Errorf("sentence %q", s)
	}
}

func TestBoundToSaysWhereChromeLetsACookieGo(t *testing.T) {
	for _, tt := range []struct {
		description string
		c           Cookie
		want        string
	}{
		{"a host-only cookie set over https", Cookie{HostOnly: true, SourceScheme: "Secure", SourcePort: 8443}, "https, port 8443"},
		{"a host-only cookie set over http", Cookie{HostOnly: true, SourceScheme: "NonSecure", SourcePort: 80}, "http, port 80"},
		{"a Domain cookie, bound to its scheme only", Cookie{SourceScheme: "Secure", SourcePort: 443}, "https, any port"},
		{"a cookie set over CDP without a scheme", Cookie{HostOnly: true, SourceScheme: "Unset", SourcePort: -1}, ""},
	} {
		if got := tt.c.BoundTo(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.description, got, tt.want)
		}
	}
}
