package report

import (
	"fmt"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// sessionNote is one line of what a scenario measured of its session, for
// the human formats: a label ("Session", "Logout", ...), the text, and bad
// when it tells of a session that outlived its logout or was not measured.
type sessionNote struct {
	Label, Text string
	Bad         bool
}

// sessionNotes says what the target's session step measured, whether its
// logout ended the session, and which cookies were a redirect login's state;
// nothing for a target without them. The text holds URLs and selectors
// from the scenario and the page: make it inert before showing it.
func sessionNotes(t inspect.Target) []sessionNote {
	var out []sessionNote
	if s := t.Session; s != nil {
		at := fmt.Sprintf("measured at %s, %s in %.1f s", s.Step, plural(s.Replays, "replay"), float64(s.DurationMS)/1000)
		out = append(out, sessionNote{"Session", s.Summary() + " (" + at + ")", s.Error != ""})
		if s.Error == "" && len(s.NotNeeded) > 0 {
			names := make([]string, len(s.NotNeeded))
			for i, c := range s.NotNeeded {
				names[i] = c.String()
			}
			out = append(out, sessionNote{"Not needed", strings.Join(names, ", ") + ": the page still showed without each of them; never judged as sessions, whatever their names", false})
		}
		if s.Disturbed != "" {
			out = append(out, sessionNote{"Replays", s.Disturbed, true})
		}
		if l := s.Logout; l != nil {
			out = append(out, logoutNote(*l))
		}
	}
	for _, f := range t.FlowState {
		out = append(out, sessionNote{"Flow state", f.String() + ", never judged a session: " + f.Why, false})
	}
	return out
}

// logoutNote says what `expect: {session: ended}` found.
func logoutNote(l inspect.Logout) sessionNote {
	names := make([]string, len(l.Replayed))
	for i, c := range l.Replayed {
		names[i] = c.Name
	}
	what := fmt.Sprintf("at %s: the victim's browser: %s; a fresh browser with only %s from before logout: %s", l.Step, l.VictimSeen, strings.Join(names, ", "), l.ReplaySeen)
	switch {
	case l.Error != "":
		return sessionNote{"Logout", "not judged " + what + " (" + l.Error + ")", true}
	case l.ReplayShows:
		return sessionNote{"Logout", "the session is STILL VALID after logout " + what, true}
	case l.VictimShows:
		return sessionNote{"Logout", "the victim is still logged in " + what, true}
	}
	return sessionNote{"Logout", "ended the session " + what, false}
}
