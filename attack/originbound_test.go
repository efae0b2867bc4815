package attack

import (
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

// Each attack that the jar takes is judged by what the https origin then
// gets: with cookies bound to their scheme (the fake's bound, as Chrome's
// origin-bound cookies), a value forged over http is stored and never sent
// to https, and the attack is protected; without binding the same attack
// stays vulnerable, and the receipt shows the attacker's value sent.
func TestAttacksAreJudgedByWhatTheHTTPSOriginGets(t *testing.T) {
	tests := []struct {
		description string
		probe       string
		serve       func([]inspect.Cookie) []string
		cookie      string
	}{
		{"an overwrite from http of a cookie without Secure", "http-overwrite", setsAlways("sid=1; Path=/"), "sid"},
		{"a shadow from http with a longer path", "path-shadow", setsAlways("sid=1; Path=/"), "sid"},
		{"a toss from an http sibling with Domain", "sibling-toss", setsAlways("sid=1; Path=/"), "sid"},
		{"a server-issued id planted over http", "fixation-plant", issuingServer("sid", true), "sid"},
	}
	for _, tt := range tests {
		for _, bound := range []bool{false, true} {
			tab := newFakeTab(tt.serve)
			tab.bound = bound
			got := probeFake(t, tab, "https://app.example.com/", []string{tt.probe}, Options{})
			rows := byCookie(got.Probes)[tt.cookie]
			if len(rows) == 0 {
				t.Fatalf("%s (bound %v): no rows for %s: %+v", tt.description, bound, tt.cookie, got.Probes)
			}
			for _, r := range rows {
				where := tt.description + " by " + r.Channel
				if bound {
					where += ", bound to its scheme"
				}
				if !r.Accepted {
					t.Errorf("%s: the jar did not take it: %+v", where, r)
					continue
				}
				if r.Received == nil || r.Received.URL == "" || r.Received.Error != "" {
					t.Errorf("%s: no receipt from the https origin: %+v", where, r.Received)
					continue
				}
				// The planted id of fixation-plant is a real session id,
				// kept out of Forged; the server issued no other before
				// the victim's request carried it.
				sent := r.Received.Sent != inspect.Absent && strings.Contains(r.Received.Sent, r.Forged)
				switch {
				case !bound && (r.Verdict != inspect.Vulnerable || !sent):
					t.Errorf("%s: %s, sent %q; want vulnerable with the attacker's value sent (%q)", where, r.Verdict, r.Received.Sent, r.Explanation)
				case bound && (r.Verdict != inspect.Protected || sent || !strings.Contains(r.Explanation, "bound to http: the https site never receives it") || strings.Join(r.Received.Withheld, ",") != "SchemeMismatch"):
					t.Errorf("%s: %s, sent %q, withheld %v; want protected, bound to http (%q)", where, r.Verdict, r.Received.Sent, r.Received.Withheld, r.Explanation)
				}
			}
		}
	}
}

// Attempts the jar refuses keep the jar's verdict, and need no receipt.
func TestARefusedAttackNeedsNoReceipt(t *testing.T) {
	tab := newFakeTab(setsAlways("__Host-sid=2; Secure; Path=/"))
	tab.bound = true
	for _, r := range probeFake(t, tab, "https://app.test/", []string{"http-overwrite", "path-shadow"}, Options{}).Probes {
		if r.Verdict != inspect.Protected || r.Accepted || r.Received != nil || !strings.Contains(r.Explanation, "Secure") {
			t.Errorf("%s of a Secure cookie by %s: %+v", r.Name, r.Channel, r)
		}
	}
}

// A receipt's values are redacted like the jar's, the attacker's excepted.
func TestAReceiptIsRedactedButTheAttackersValue(t *testing.T) {
	tab := newFakeTab(setsAlways("sid=real-secret; Path=/"))
	tab.bound = true
	got := probeFake(t, tab, "https://app.test/", []string{"http-overwrite"}, Options{})
	red := inspect.Report{Targets: []inspect.Target{got}}.Redact().Targets[0]
	for _, r := range red.Probes {
		if r.Received == nil || r.Received.Sent != inspect.Redacted {
			t.Errorf("the receipt's sent values %+v, want the real value redacted", r.Received)
		}
		if !strings.Contains(r.After, r.Forged) || strings.Contains(r.After, "real-secret") {
			t.Errorf("after %q: want the attacker's value and the real one redacted", r.After)
		}
	}
}
