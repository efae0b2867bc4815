package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

func TestScriptReadableExpectationIsNotMetByAnUnknownReadability(t *testing.T) {
	unknown := inspect.Cookie{Name: "sid", Domain: "app.test", Path: "/", HostOnly: true,
		Readability: inspect.ReadabilityUnknown, UnknownReason: "on http://app.test/: document.cookie returned nothing"}
	now := inspect.Target{URL: "http://app.test/", Cookies: []inspect.Cookie{unknown}}
	for _, want := range []bool{false, true} {
		e := &Expectation{Cookie: "sid", ScriptReadable: &want}
		r := Check(e, now, nil, map[string]bool{}, time.Now())
		if r.Passed || len(r.Failures) != 1 || !strings.Contains(r.Failures[0], "got unknown (on http://app.test/") {
			t.Errorf("scriptReadable: %v against an unknown readability: passed %v, failures %q", want, r.Passed, r.Failures)
		}
	}
}
