package inspect

import (
	"fmt"
	"slices"
	"strings"
)

// CookieRef names a cookie without its value: the name, the domain (without
// a leading dot) and the path, which is how a session's credentials are
// reported and matched against the jar and the requests.
type CookieRef struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
}

// RefOf names the cookie c.
func RefOf(c Cookie) CookieRef {
	return CookieRef{Name: c.Name, Domain: trimDot(c.Domain), Path: c.Path}
}

// String reads "name (domain, path /p)" for a cookie scoped below the root,
// "name (domain)" otherwise.
func (r CookieRef) String() string {
	if r.Path != "" && r.Path != "/" {
		return fmt.Sprintf("%s (%s, path %s)", r.Name, r.Domain, r.Path)
	}
	return fmt.Sprintf("%s (%s)", r.Name, r.Domain)
}

// is reports whether the ref names the cookie of that name, domain and
// path (the domain with or without its leading dot); with an empty domain
// and path, whether it names a cookie of that name.
func (r CookieRef) is(name, domain, path string) bool {
	if domain == "" && path == "" {
		return r.Name == name
	}
	return r.Name == name && r.Domain == trimDot(domain) && r.Path == path
}

// Session is what a scenario's session step measured: which cookies the
// server needs to show a logged-in page, proven by replaying that page in
// clean browser contexts seeded with copies of the victim's jar, and, when
// the scenario expects the session to end at logout, whether it did.
type Session struct {
	// Check is the URL loaded to see the login, and Page the CSS selector
	// of the element that shows it.
	Check string `json:"check"`
	Page  string `json:"page"`
	// Step, File and Line locate the session step.
	Step string `json:"step"`
	File string `json:"file"`
	Line int    `json:"line"`
	// Seen is what the victim's own browser showed at Check.
	Seen string `json:"seen"`
	// Credentials is the minimal set of cookies that still shows Page when
	// replayed alone in a clean context: the session. Needed are those
	// whose removal alone from a copy of the whole jar lost Page, and
	// NotNeeded the cookies of the jar at the step that neither are
	// credentials nor can stand in for one.
	Credentials []CookieRef `json:"credentials"`
	Needed      []CookieRef `json:"needed"`
	NotNeeded   []CookieRef `json:"notNeeded"`
	// Unique is false when the jar holds redundant credentials (either of
	// two suffices): Credentials is then one minimal set of several, and
	// Interchangeable lists, for each credential that another cookie can
	// stand in for, that credential first and its stand-ins after it.
	Unique          bool          `json:"unique"`
	Interchangeable [][]CookieRef `json:"interchangeable,omitempty"`
	// Replays counts the page loads the measurement made, each in a clean
	// context proven empty first; DurationMS is how long it took.
	Replays    int   `json:"replays"`
	DurationMS int64 `json:"durationMs"`
	// Disturbed says how the replays changed the victim's session on the
	// server, as the victim's browser found when it loaded Check once more
	// after them (a cookie given a new value or deleted, the page no longer
	// shown); empty when it found the session as before. The replays never
	// touch the victim's browser, but they share the server's state of the
	// session with it.
	Disturbed string `json:"disturbed,omitempty"`
	// Error says why nothing could be measured (Credentials is then empty
	// and no cookie is judged a session by measurement).
	Error string `json:"error,omitempty"`
	// Logout is the check of an `expect: {session: ended}` step; nil when
	// the scenario has none.
	Logout *Logout `json:"logout,omitempty"`
}

// FlowStateCookie is a cookie that carried a redirect login's state across
// the identity provider and back, and Why says what showed it.
type FlowStateCookie struct {
	CookieRef
	Why string `json:"why"`
}

// Logout is what `expect: {session: ended}` found after the logout steps:
// whether the victim's browser still showed the page, and whether the
// credentials measured at the session step, replayed alone in a fresh
// context, still did. Either one showing it means the session did not end.
type Logout struct {
	Step string `json:"step"`
	File string `json:"file"`
	Line int    `json:"line"`
	// VictimShows and VictimSeen: the victim's browser at Check.
	VictimShows bool   `json:"victimShows"`
	VictimSeen  string `json:"victimSeen"`
	// Replayed names the cookies replayed (the measured credentials, or
	// the whole jar of the session step when nothing was measured), and
	// ReplayShows and ReplaySeen what the replay showed. ReplayShows true
	// is a demonstrated finding, CS030.
	Replayed    []CookieRef `json:"replayed"`
	ReplayShows bool        `json:"replayShows"`
	ReplaySeen  string      `json:"replaySeen"`
	// Error says why the logout could not be judged.
	Error string `json:"error,omitempty"`
}

// Ended reports whether the logout ended the session: neither the victim
// nor the replay still shows the page, and both were looked at.
func (l Logout) Ended() bool { return l.Error == "" && !l.VictimShows && !l.ReplayShows }

// Replay loads the session's check page in a clean browser context holding
// only the cookies at the given indexes of the jar being measured, and
// reports whether the page shows the logged-in element. An error means the
// page could not be looked at: it says nothing about the cookies.
type Replay func(keep []int) (shows bool, err error)

// maxSwapReplays bounds the replays spent telling which cookies stand in
// for one another when the minimal set is not unique.
const maxSwapReplays = 32

// MeasureCredentials finds the credentials among the jar's cookies (refs,
// in jar order) with replays: first the whole jar, which must show the
// page; then the jar without each cookie in turn (a cookie whose removal
// loses the page is needed); then the needed cookies alone. When those
// show the page they are the one minimal set. When they do not, some
// credentials are redundant (either of two suffices): the cookies that are
// not needed are dropped one by one while the page still shows, the set
// left is replayed once more alone, and the credentials of that set that
// other cookies can stand in for are found by swapping them (at most
// maxSwapReplays replays). It costs one replay per cookie plus two when the
// set is unique. The result's Replays counts them; an error of a replay
// ends the measurement with Error set and no credentials.
func MeasureCredentials(refs []CookieRef, replay Replay) Session {
	s := Session{Credentials: []CookieRef{}, Needed: []CookieRef{}, NotNeeded: []CookieRef{}}
	run := func(keep []int) (bool, error) {
		s.Replays++
		return replay(keep)
	}
	fail := func(format string, args ...any) Session {
		s.Credentials, s.Needed, s.NotNeeded, s.Interchangeable, s.Unique = []CookieRef{}, []CookieRef{}, []CookieRef{}, nil, false
		s.Error = fmt.Sprintf(format, args...)
		return s
	}
	all := make([]int, len(refs))
	for i := range all {
		all[i] = i
	}
	if len(refs) == 0 {
		return fail("the jar held no cookie: the login is not held in cookies")
	}
	shows, err := run(all)
	if err != nil {
		return fail("replaying a copy of the whole jar failed: %v", err)
	}
	if !shows {
		return fail("a fresh browser holding a copy of every cookie of the jar does not show the page: the login is not held in cookies alone (the server may bind it to something else, or the page needs storage other than cookies)")
	}
	var needed []int
	for _, i := range all {
		shows, err := run(without(all, i))
		if err != nil {
			return fail("replaying the jar without %s failed: %v", refs[i], err)
		}
		if !shows {
			needed = append(needed, i)
		}
	}
	minimal := needed
	shows, err = run(needed)
	if err != nil {
		return fail("replaying the needed cookies alone failed: %v", err)
	}
	if len(needed) == 0 && shows {
		return fail("the page shows to a fresh browser with no cookie at all: it does not prove a login; choose a page only a logged-in user sees")
	}
	s.Unique = shows
	if !shows {
		minimal = all
		for _, i := range all {
			if slices.Contains(needed, i) {
				continue
			}
			shows, err := run(without(minimal, i))
			if err != nil {
				return fail("replaying the jar without %s failed: %v", refs[i], err)
			}
			if shows {
				minimal = without(minimal, i)
			}
		}
		// The set left is verified alone once more: the last replay that
		// dropped a cookie showed it, but a page that answers differently
		// from load to load must not pass for a session.
		shows, err := run(minimal)
		if err != nil {
			return fail("replaying the minimal set alone failed: %v", err)
		}
		if !shows {
			return fail("the page answered differently to the same cookies from one load to the next: no minimal set could be proven")
		}
		s.Interchangeable, err = standIns(refs, all, needed, minimal, run)
		if err != nil {
			return fail("telling redundant credentials apart failed: %v", err)
		}
	}
	for _, i := range all {
		switch {
		case slices.Contains(minimal, i):
			s.Credentials = append(s.Credentials, refs[i])
			if slices.Contains(needed, i) {
				s.Needed = append(s.Needed, refs[i])
			}
		case !standsIn(s.Interchangeable, refs[i]):
			s.NotNeeded = append(s.NotNeeded, refs[i])
		}
	}
	return s
}

// standsIn reports whether ref can take the place of a credential.
func standsIn(groups [][]CookieRef, ref CookieRef) bool {
	for _, g := range groups {
		if slices.Contains(g[1:], ref) {
			return true
		}
	}
	return false
}

// standIns finds, for each credential of minimal that was not needed on its
// own, the dropped cookies that can take its place (minimal without it and
// with the other cookie still shows the page).
func standIns(refs []CookieRef, all, needed, minimal []int, run func([]int) (bool, error)) ([][]CookieRef, error) {
	var groups [][]CookieRef
	swaps := 0
	for _, r := range minimal {
		if slices.Contains(needed, r) {
			continue
		}
		group := []CookieRef{refs[r]}
		for _, x := range all {
			if slices.Contains(minimal, x) || swaps >= maxSwapReplays {
				continue
			}
			swaps++
			shows, err := run(append(without(minimal, r), x))
			if err != nil {
				return nil, err
			}
			if shows {
				group = append(group, refs[x])
			}
		}
		groups = append(groups, group)
	}
	return groups, nil
}

// without returns set without i, as a new slice.
func without(set []int, i int) []int {
	out := make([]int, 0, len(set))
	for _, v := range set {
		if v != i {
			out = append(out, v)
		}
	}
	return out
}

// Summary says in one line what the measurement found, for human outputs:
// "pf_u (portal.test), pf_k (portal.test, path /admin) needed by URL
// (#who); 4 other cookies not needed".
func (s Session) Summary() string {
	if s.Error != "" {
		return fmt.Sprintf("not measured at %s (%s): %s", s.Check, s.Page, s.Error)
	}
	names := make([]string, len(s.Credentials))
	for i, c := range s.Credentials {
		names[i] = c.String()
	}
	others := "the jar held no other cookie"
	switch n := len(s.NotNeeded); {
	case n == 1:
		others = "1 other cookie not needed"
	case n > 1:
		others = fmt.Sprintf("%d other cookies not needed", n)
	}
	out := fmt.Sprintf("%s — needed by %s (%s); %s", strings.Join(names, ", "), s.Check, s.Page, others)
	if !s.Unique {
		var alt []string
		for _, g := range s.Interchangeable {
			others := make([]string, 0, len(g)-1)
			for _, c := range g[1:] {
				others = append(others, c.Name)
			}
			if len(others) == 0 {
				alt = append(alt, g[0].Name+" (with others that were dropped together)")
				continue
			}
			alt = append(alt, g[0].Name+" or "+strings.Join(others, " or "))
		}
		out += "; not unique: either of redundant cookies suffices (" + strings.Join(alt, "; ") + ")"
	}
	return out
}

// role says what the measurement showed of the cookie of that name, domain
// and path (of any cookie of the name, when both are empty): a credential (in the minimal set, or a cookie that can stand in
// for one), not needed, or not measured (ok false: it was not in the jar
// at the session step, or nothing could be measured).
func (s *Session) role(name, domain, path string) (credential bool, why string, ok bool) {
	if s == nil || s.Error != "" {
		return false, "", false
	}
	at := fmt.Sprintf("%s (%s)", s.Check, s.Page)
	for _, r := range s.Credentials {
		if r.is(name, domain, path) {
			return true, "measured: needed by " + at, true
		}
	}
	for _, g := range s.Interchangeable {
		for _, r := range g[1:] {
			if r.is(name, domain, path) {
				return true, fmt.Sprintf("measured: stands in for %s at %s", g[0].Name, at), true
			}
		}
	}
	for _, r := range s.NotNeeded {
		if r.is(name, domain, path) {
			return false, "measured: not needed by " + at + ": the page still showed without it", true
		}
	}
	return false, "", false
}

// Credential reports whether the session step measured a cookie of the
// name (measured) and found it a credential or a stand-in for one. A nil
// session, or one that measured nothing, measured no name.
func (s *Session) Credential(name string) (credential, measured bool) {
	credential, _, measured = s.role(name, "", "")
	return credential, measured
}
