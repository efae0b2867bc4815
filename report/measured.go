package report

import (
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// NotMeasured is what every human format says where a measurement is
// missing, for instance when a run was interrupted before the page's
// documents could be read: never "no", which would claim a result.
const NotMeasured = "not measured"

// readabilityMeasured reports whether script readability was measured on
// the target: at least one of its documents was read. A target that never
// showed a document (interrupted, or the load failed before one committed)
// has cookies whose verdict is "not-readable" in the JSON with no frame
// behind it; people must read "not measured" there.
func readabilityMeasured(t inspect.Target) bool {
	return len(t.Frames) > 0
}

// unmeasuredCookies counts the target's cookies whose readability was not
// measured.
func unmeasuredCookies(t inspect.Target) int {
	if readabilityMeasured(t) {
		return 0
	}
	n := 0
	for _, c := range t.Cookies {
		if c.Verdict() == inspect.NotReadable {
			n++
		}
	}
	return n
}

// readabilityRules are the rules that judge measured readability: on a
// target whose readability was not measured they could not look.
var readabilityRules = []string{"CS004", "CS018"}

// notMeasuredNote says, for people, that and why a target's readability
// is missing; empty when it was measured or there is nothing to measure.
func notMeasuredNote(t inspect.Target) string {
	n := unmeasuredCookies(t)
	if n == 0 {
		return ""
	}
	them := "them"
	if n == 1 {
		them = "it"
	}
	return "script readability " + NotMeasured + " for " + plural(n, "cookie") + " (no document of the target was read: the run was interrupted or the page never loaded), so rules " + strings.Join(readabilityRules, " and ") + " could not judge " + them
}
