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
// has no frame behind its cookies' verdicts; people must read "not
// measured" there.
func readabilityMeasured(t inspect.Target) bool {
	return len(t.Frames) > 0
}

// unmeasuredCookies counts the target's cookies whose readability was not
// measured: when no document was read, every cookie not measured readable
// (an older report's are "not-readable" with no frame behind them); else
// those a document that was not read could show (inspect marks them
// NotMeasured).
func unmeasuredCookies(t inspect.Target) int {
	measured := readabilityMeasured(t)
	n := 0
	for _, c := range t.Cookies {
		if c.NotMeasured || !measured && c.Verdict() != inspect.Readable {
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
	return "script readability " + NotMeasured + " for " + plural(n, "cookie") + " (" + unmeasuredWhy(t) + "), so rules " + strings.Join(readabilityRules, " and ") + " could not judge " + them
}

// unmeasuredWhy says why the target's documents were not read: the
// documents inspect lists, each with its reason, or, for a report that
// lists none, what leaves a target without any document read.
func unmeasuredWhy(t inspect.Target) string {
	if len(t.Unmeasured) == 0 {
		return "no document of the target was read: the run was interrupted or the page never loaded"
	}
	parts := make([]string, len(t.Unmeasured))
	for i, u := range t.Unmeasured {
		parts[i] = unmeasuredLine(u)
	}
	return strings.Join(parts, "; ")
}

// unmeasuredLine says which document was not read, and why.
func unmeasuredLine(u inspect.Unmeasured) string {
	if u.URL == "" {
		return u.Why
	}
	return "on " + u.URL + ": " + u.Why
}
