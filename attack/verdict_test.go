package attack

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

// setsAlways is a server that sets the same lines on every visit.
func setsAlways(lines ...string) func([]inspect.Cookie) []string {
	return func([]inspect.Cookie) []string { return lines }
}

func probeFake(t *testing.T, tab *fakeTab, target string, names []string, opts Options) inspect.Target {
	t.Helper()
	got := Probe(context.Background(), tab, target, names, opts)
	if got.Error != "" {
		t.Fatalf("probe: %s", got.Error)
	}
	return got
}

func byCookie(rows []inspect.Probe) map[string][]inspect.Probe {
	out := map[string][]inspect.Probe{}
	for _, r := range rows {
		out[r.Cookie] = append(out[r.Cookie], r)
	}
	return out
}

func TestOverwriteAndShadowVerdicts(t *testing.T) {
	tab := newFakeTab(setsAlways("sid=1; Path=/", "__Host-sid=2; Secure; Path=/", "theme=dark; HttpOnly; Path=/"))
	got := probeFake(t, tab, "https://app.test/", []string{"http-overwrite", "path-shadow"}, Options{})
	rows := byCookie(got.Probes)
	for _, r := range rows["sid"] {
		if r.Verdict != inspect.Vulnerable || !r.Accepted || !strings.Contains(r.After, r.Forged) {
			t.Errorf("sid %s by %s: %s %q", r.Name, r.Channel, r.Verdict, r.Explanation)
		}
	}
	for _, r := range rows["__Host-sid"] {
		if r.Verdict != inspect.Protected || r.Accepted || !strings.Contains(r.Explanation, "Secure") {
			t.Errorf("__Host-sid %s by %s: %s %q", r.Name, r.Channel, r.Verdict, r.Explanation)
		}
	}
	for _, r := range rows["theme"] {
		// Script may not replace an HttpOnly cookie, but it may shadow one
		// with a longer path.
		want := inspect.Vulnerable
		if r.Channel == "script" && r.Name == "http-overwrite" {
			want = inspect.Protected
		}
		if r.Verdict != want {
			t.Errorf("HttpOnly theme %s by %s: %s, want %s", r.Name, r.Channel, r.Verdict, want)
		}
	}
	if len(got.Probes) != 12 {
		t.Errorf("%d rows, want 2 probes x 3 cookies x 2 channels", len(got.Probes))
	}
}

func TestAnHSTSUpgradeProtects(t *testing.T) {
	tab := newFakeTab(setsAlways("sid=1; Path=/"))
	tab.hsts = true
	for _, r := range probeFake(t, tab, "https://app.test/", []string{"http-overwrite"}, Options{}).Probes {
		if r.Verdict != inspect.Protected || !strings.Contains(r.Explanation, "HSTS") {
			t.Errorf("%s by %s: %s %q", r.Cookie, r.Channel, r.Verdict, r.Explanation)
		}
	}
}

func TestSiblingTossUsesTheRegistrableParent(t *testing.T) {
	tab := newFakeTab(setsAlways("sid=1; Path=/"))
	got := probeFake(t, tab, "https://x.example.co.uk/", []string{"sibling-toss"}, Options{})
	rows := byCookie(got.Probes)
	if len(rows["sid"]) != 2 {
		t.Fatalf("rows: %+v", got.Probes)
	}
	for _, r := range rows["sid"] {
		if !strings.Contains(r.Attack, "Domain=example.co.uk ") || !regexp.MustCompile(`http://cs-[0-9a-f]+\.example\.co\.uk/`).MatchString(r.Attack) {
			t.Errorf("the toss is not from a sibling under example.co.uk: %s", r.Attack)
		}
		if r.Verdict != inspect.Vulnerable || !strings.Contains(r.Explanation, "2 values for sid") {
			t.Errorf("toss by %s: %s %q", r.Channel, r.Verdict, r.Explanation)
		}
	}
	if hr := rows["__Host-sid"]; len(hr) != 1 || hr[0].Verdict != inspect.Protected {
		t.Errorf("the __Host- counterfactual: %+v", hr)
	}
	// An __Http- session's counterfactual is __Host-Http-, HttpOnly as its
	// prefix demands, so that only the Domain breaks its rules.
	httpOnly := byCookie(probeFake(t, newFakeTab(setsAlways("__Http-sid=1; Secure; HttpOnly; Path=/")), "https://x.example.co.uk/", []string{"sibling-toss"}, Options{}).Probes)
	if hr := httpOnly["__Host-Http-sid"]; len(hr) != 1 || hr[0].Verdict != inspect.Protected || !strings.Contains(hr[0].Explanation, "__Host-Http- cookies must be Secure and HttpOnly, with Path=/ and no Domain") {
		t.Errorf("the __Host-Http- counterfactual: %+v", hr)
	}
	ip := probeFake(t, newFakeTab(setsAlways("sid=1")), "https://127.0.0.1/", []string{"sibling-toss"}, Options{})
	if len(ip.Probes) != 1 || ip.Probes[0].Verdict != inspect.NotApplicable {
		t.Errorf("an IP address has no siblings: %+v", ip.Probes)
	}
}

// issuingServer is a session server: it issues numbered ids and keeps the
// ones it issued (keepIssued), or replaces every id a request carries
// (rotate); an unknown id is always replaced.
func issuingServer(name string, keepIssued bool) func([]inspect.Cookie) []string {
	issued := map[string]bool{}
	n := 0
	return func(sent []inspect.Cookie) []string {
		for _, c := range sent {
			if c.Name == name && issued[c.Value] && keepIssued {
				return nil
			}
		}
		n++
		v := fmt.Sprintf("server-%d", n)
		issued[v] = true
		attrs := "; Path=/"
		switch pre := inspect.PrefixOf(name); {
		case pre.HTTPOnly():
			attrs = "; Secure; HttpOnly; Path=/"
		case pre != inspect.NoPrefix:
			attrs = "; Secure; Path=/"
		}
		return []string{name + "=" + v + attrs}
	}
}

func TestFixationPlantPlantsAServerIssuedID(t *testing.T) {
	kept := probeFake(t, newFakeTab(issuingServer("connect.sid", true)), "https://app.test/", []string{"fixation-plant"}, Options{})
	if len(kept.Probes) != 1 || kept.Probes[0].Verdict != inspect.Vulnerable || !strings.Contains(kept.Probes[0].Explanation, "precondition") {
		t.Fatalf("a server that keeps its issued ids: %+v", kept.Probes)
	}
	if kept.Probes[0].Forged != "" {
		t.Error("the planted id is a real session id and must stay redacted")
	}
	// A random value would be replaced by this server: the probe must
	// plant one the server issued to be right about express-session.
	replaced := probeFake(t, newFakeTab(issuingServer("connect.sid", false)), "https://app.test/", []string{"fixation-plant"}, Options{})
	if len(replaced.Probes) != 1 || replaced.Probes[0].Verdict != inspect.Protected {
		t.Errorf("a server that replaces ids: %+v", replaced.Probes)
	}
	host := probeFake(t, newFakeTab(issuingServer("__Host-sid", true)), "https://app.test/", []string{"fixation-plant"}, Options{})
	if len(host.Probes) != 1 || host.Probes[0].Verdict != inspect.Protected || host.Probes[0].Accepted {
		t.Errorf("a __Host- session planted over http: %+v", host.Probes)
	}
	http := probeFake(t, newFakeTab(issuingServer("__Host-Http-sid", true)), "https://app.test/", []string{"fixation-plant"}, Options{})
	if len(http.Probes) != 1 || http.Probes[0].Verdict != inspect.Protected || !strings.Contains(http.Probes[0].Explanation, "__Host-Http- cookies must be") {
		t.Errorf("a __Host-Http- session planted over http: %+v", http.Probes)
	}
}

func TestFixationPlantHonoursTheConfiguration(t *testing.T) {
	none := probeFake(t, newFakeTab(issuingServer("DokuWiki", true)), "https://app.test/", []string{"fixation-plant"}, Options{})
	if len(none.Probes) != 1 || none.Probes[0].Verdict != inspect.NotApplicable {
		t.Errorf("DokuWiki is no session by the built-in names: %+v", none.Probes)
	}
	cfg, err := inspect.ParseConfig("cfg.yaml", []byte("sessionCookies: [\"^DokuWiki$\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := probeFake(t, newFakeTab(issuingServer("DokuWiki", true)), "https://app.test/", []string{"fixation-plant"}, Options{Config: cfg})
	if len(got.Probes) != 1 || got.Probes[0].Verdict != inspect.Vulnerable {
		t.Errorf("with sessionCookies: %+v", got.Probes)
	}
}

func TestJarOverflowIsDeterministic(t *testing.T) {
	run := func() []inspect.Probe {
		tab := newFakeTab(setsAlways("sid=1; Path=/", "__Host-sid=2; Secure; Path=/"))
		return probeFake(t, tab, "https://app.test/", []string{"jar-overflow"}, Options{}).Probes
	}
	first := run()
	rows := byCookie(first)
	if r := rows["sid"]; len(r) != 1 || r[0].Verdict != inspect.Vulnerable || !strings.Contains(r[0].Explanation, "evicted after 179 page-script writes") {
		t.Errorf("sid: %+v", r)
	}
	if r := rows["__Host-sid"]; len(r) != 1 || r[0].Verdict != inspect.Protected || !strings.Contains(r[0].Explanation, "2 purges") {
		t.Errorf("__Host-sid: %+v", r)
	}
	for _, r := range first {
		if r.Channel != "page script" || r.Emulated || !r.Accepted {
			t.Errorf("jar-overflow rows are accepted page-script writes: %+v", r)
		}
	}
	if second := run(); !reflect.DeepEqual(first, second) {
		t.Errorf("two runs differ:\n%+v\n%+v", first, second)
	}
}

func TestPrefixNeedsNoTargetPage(t *testing.T) {
	tab := newFakeTab(setsAlways("sid=1; Path=/"))
	got := probeFake(t, tab, "https://app.test/", []string{"prefix"}, Options{})
	if tab.visits != 1 {
		t.Errorf("the prefix attempts loaded the target %d more times", tab.visits-1)
	}
	controls := 0
	for _, r := range got.Probes {
		switch {
		case strings.Contains(r.Explanation, "control"):
			controls++
			if !r.Accepted {
				t.Errorf("a valid control was refused: %+v", r)
			}
		case r.Verdict != inspect.Protected:
			t.Errorf("%s: %s %q", r.Attack, r.Verdict, r.Explanation)
		}
		if r.Cookie == "sid" {
			t.Errorf("the prefix probe judges the session's name, which is CS014's job: %+v", r)
		}
	}
	// A valid __Host- and a valid __Host-Http- cookie are the controls.
	if controls != 2 || len(got.Probes) != 16 {
		t.Errorf("%d rows, %d controls", len(got.Probes), controls)
	}
}

func TestALiveSessionIsCopiedIntoEveryAttempt(t *testing.T) {
	// The page sets nothing by itself: the session exists only because a
	// scenario logged in, and the probe must attack that copy.
	tab := newFakeTab(setsAlways())
	session := []inspect.Cookie{{Name: "sid", Value: "logged-in", Domain: "app.test", HostOnly: true, Path: "/", Session: true}}
	got := probeFake(t, tab, "https://app.test/account", []string{"http-overwrite"}, Options{Session: session, Step: "step 9 (login.yaml:23)"})
	if len(got.Probes) != 2 {
		t.Fatalf("rows: %+v", got.Probes)
	}
	for _, r := range got.Probes {
		if r.Cookie != "sid" || r.Verdict != inspect.Vulnerable || r.Step != "step 9 (login.yaml:23)" || r.Before != "logged-in" {
			t.Errorf("%+v", r)
		}
	}
	if len(tab.jar) != 0 {
		t.Error("the probe left the copy in its context")
	}
}
