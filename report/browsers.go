package report

import "github.com/cookiescope/cookiescope/inspect"

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
