package inspect

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// FlowStep is one step of a scenario as it ran, in order: where the browser
// that ran it ended up, and what happened to cookies during it. Together a
// scenario's steps read as a timeline of the flow (a cross-site login:
// which host set, sent and deleted which cookie at which step).
type FlowStep struct {
	// Index is the 1-based position of the top-level step (an attacker
	// block's steps share their block's), Line its line, and Step what it
	// did ("goto /login", "click #submit").
	Index int    `json:"index"`
	Line  int    `json:"line"`
	Step  string `json:"step"`
	// Browser is BrowserAttacker for a step of an attacker block, empty for
	// the victim's.
	Browser string `json:"browser,omitempty"`
	// URL is the page the browser showed after the step, and Host its host.
	URL  string `json:"url"`
	Host string `json:"host"`
	// Set, Changed and Deleted are the cookies the step added to the jar,
	// gave another value or attributes, and removed (no values).
	Set     []CookieRef `json:"set"`
	Changed []CookieRef `json:"changed"`
	Deleted []CookieRef `json:"deleted"`
	// Requests counts the requests the step made; Sent names the cookies
	// Chrome attached to at least one of them, and Withheld those it kept
	// from at least one, each with Chrome's reasons ("sid (SameSiteLax)").
	Requests int      `json:"requests"`
	Sent     []string `json:"sent"`
	Withheld []string `json:"withheld"`
	// Error is why the step failed; the scenario stopped there.
	Error string `json:"error,omitempty"`
}

// StepChanges fills a flow step's cookie changes from the jar before and
// after it (JarChanges), and what its requests (those made during the
// step) carried.
func (s *FlowStep) StepChanges(before, after []Cookie, requests []Request) {
	set, changed, deleted := JarChanges(before, after)
	s.Set, s.Changed, s.Deleted = changeRefs(set), changeRefs(changed), changeRefs(deleted)
	s.Sent, s.Withheld = []string{}, []string{}
	s.Requests = len(requests)
	sent, withheld := map[string]bool{}, map[string]map[string]bool{}
	for _, r := range requests {
		for _, c := range r.Sent {
			sent[c.Name] = true
		}
		for _, c := range r.Withheld {
			if withheld[c.Name] == nil {
				withheld[c.Name] = map[string]bool{}
			}
			for _, reason := range c.Reasons {
				withheld[c.Name][reason] = true
			}
		}
	}
	for name := range sent {
		s.Sent = append(s.Sent, name)
	}
	sort.Strings(s.Sent)
	for name, reasons := range withheld {
		var rs []string
		for r := range reasons {
			rs = append(rs, r)
		}
		sort.Strings(rs)
		s.Withheld = append(s.Withheld, name+" ("+strings.Join(rs, ", ")+")")
	}
	sort.Strings(s.Withheld)
}

// HostOf is the host name of a URL, "" when it has none.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// changeRefs names the cookies of changes.
func changeRefs(changes []CookieChange) []CookieRef {
	out := make([]CookieRef, len(changes))
	for i, c := range changes {
		out[i] = CookieRef{Name: c.Name, Domain: trimDot(c.Domain), Path: c.Path}
	}
	return out
}

// CheckURL rejects what cannot be a target before the browser sees it.
func CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("malformed URL %q: %v", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("malformed URL %q: want an http:// or https:// URL", rawURL)
	}
	if u.Host == "" {
		return fmt.Errorf("malformed URL %q: no host", rawURL)
	}
	return nil
}
