package report

import (
	"fmt"

	"github.com/cookiescope/cookiescope/inspect"
)

// namesBrowsers reports whether the human outputs name each target's
// browser: when the run used more than one, or a target had to move from a
// browser that was lost. A run on one browser says nothing per target.
func namesBrowsers(r inspect.Report) bool {
	first := ""
	for _, t := range r.Targets {
		switch {
		case t.Browser.Moved != "":
			return true
		case t.Browser.Endpoint == "":
		case first == "":
			first = t.Browser.Endpoint
		case t.Browser.Endpoint != first:
			return true
		}
	}
	return false
}

// browserNote is the one line that names a target's browser: its endpoint,
// its product, and why the target moved to it when it did.
func browserNote(b inspect.TargetBrowser) string {
	s := b.Endpoint
	if b.Product != "" {
		s += " (" + b.Product + ")"
	}
	if b.Moved != "" {
		s += "; moved: " + b.Moved
	}
	return s
}

// reconnectionSentences say, one sentence each, every time a --remote
// browser was lost during the run and what trying it again made of it, in
// the same words in every format. The endpoint and the causes come from
// the network and the browser: the caller makes them inert.
func reconnectionSentences(r inspect.Report) []string {
	var out []string
	for _, rc := range r.Browser.Reconnections {
		if rc.Reconnected {
			out = append(out, fmt.Sprintf("--remote %s was lost (%s) and connected to again after %s in %.1f s", rc.Endpoint, rc.Cause, plural(rc.Attempts, "attempt"), float64(rc.TookMS)/1000))
			continue
		}
		out = append(out, fmt.Sprintf("--remote %s was lost and dropped for the rest of the run: %s", rc.Endpoint, rc.Error))
	}
	return out
}
