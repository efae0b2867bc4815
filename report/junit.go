package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// JUnit XML, in the shape CI tools read (Jenkins, GitLab, GitHub actions).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

// junitProperty is one name and value of a suite's properties: how the run
// was set up.
type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

// junitSkipped marks a testcase that could not run: a rule whose
// measurement is missing.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes one testsuite per target (per scenario) with one
// testcase per expectation, failed with expected vs actual, then one per
// rule: a rule fails when it found something at or above opts.FailOn
// (accepted findings never fail). A target that did not load, or a scenario
// step that failed, is an error. A rule on readability is skipped, with the
// reason, where readability was not measured. Page text is made inert, as in
// the table.
func WriteJUnit(w io.Writer, r inspect.Report, opts Options) error {
	all := junitSuites{Name: "cookiescope"}
	for _, t := range r.Targets {
		name, class := t.URL, t.URL
		if t.Scenario != "" {
			name, class = t.Scenario, t.File
		}
		suite := junitSuite{Name: name, Time: fmt.Sprintf("%.3f", float64(t.DurationMS)/1000)}
		if r.ThirdPartyCookies != "" {
			suite.Properties = append(suite.Properties, junitProperty{Name: "thirdPartyCookies", Value: string(r.ThirdPartyCookies)})
		}
		if v := targetViewport(r, t); v != nil {
			suite.Properties = append(suite.Properties, junitProperty{Name: "viewport", Value: v.Describe()})
		}
		suite.Properties = append(suite.Properties, junitProperty{Name: "originBoundCookies", Value: strconv.FormatBool(r.OriginBoundCookies)})
		if t.Browser.Moved != "" {
			suite.Properties = append(suite.Properties, junitProperty{Name: "browser", Value: inert(browserNote(t.Browser))})
		}
		// JUnit has no place for the run's own properties: each suite
		// carries them, as it does the run's settings above.
		for i, s := range reconnectionSentences(r) {
			suite.Properties = append(suite.Properties, junitProperty{Name: fmt.Sprintf("browserReconnection %d", i+1), Value: inert(s)})
		}
		suite.Properties = append(suite.Properties, sessionProperties(t)...)
		suite.Properties = append(suite.Properties, crawlProperties(r, t)...)
		if t.Error != "" {
			suite.Cases = append(suite.Cases, junitCase{Name: "load", ClassName: class, Error: &junitFailure{Message: t.Error, Type: "load"}})
			suite.Errors++
		}
		for _, e := range t.Expectations {
			c := junitCase{Name: fmt.Sprintf("line %d: expect %s", e.Line, e.Expectation), ClassName: class}
			if !e.Passed {
				c.Failure = &junitFailure{Message: strings.Join(e.Failures, "; "), Type: "expectation", Text: strings.Join(e.Failures, "\n")}
				suite.Failures++
			}
			suite.Cases = append(suite.Cases, c)
		}
		byRule := map[string][]inspect.Finding{}
		for _, f := range t.Findings {
			byRule[f.RuleID] = append(byRule[f.RuleID], f)
		}
		for _, rule := range inspect.Rules {
			c := junitCase{Name: rule.ID + " " + rule.Title, ClassName: class}
			var failing []inspect.Finding
			for _, f := range byRule[rule.ID] {
				if inspect.Fails(f, opts.FailOn) {
					failing = append(failing, f)
				}
			}
			if len(failing) > 0 {
				text := ""
				for _, f := range failing {
					subject := findingSubject(f)
					if f.Step != "" {
						subject += " (at " + f.Step + ")"
					}
					text += fmt.Sprintf("%s [%s] %s: %s\nfix: %s\n", f.RuleID, f.Severity, subject, findingEvidence(f), f.Fix)
				}
				c.Failure = &junitFailure{Message: fmt.Sprintf("%d finding(s) at or above %s", len(failing), opts.FailOn), Type: rule.ID, Text: text}
				suite.Failures++
			} else if note := notMeasuredNote(t); note != "" && slices.Contains(readabilityRules, rule.ID) {
				// Passing would claim that script cannot read the cookies.
				c.Skipped = &junitSkipped{Message: note}
				suite.Skipped++
			}
			suite.Cases = append(suite.Cases, c)
		}
		suite.Tests = len(suite.Cases)
		all.Tests += suite.Tests
		all.Failures += suite.Failures
		all.Errors += suite.Errors
		all.Suites = append(all.Suites, suite)
	}
	// XML cannot hold most control characters (the encoder would write
	// U+FFFD) and CI shows these texts to people: spell them out instead.
	inertFields(&all)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// sessionProperties are what the target's session step measured, as
// properties: the credentials, the cookies not needed, the replays, and
// whether logout ended the session.
func sessionProperties(t inspect.Target) []junitProperty {
	s := t.Session
	if s == nil {
		return nil
	}
	refs := func(rs []inspect.CookieRef) string {
		names := make([]string, len(rs))
		for i, r := range rs {
			names[i] = r.String()
		}
		return inert(strings.Join(names, ", "))
	}
	out := []junitProperty{{Name: "session.check", Value: inert(s.Check + " " + s.Page)}, {Name: "session.replays", Value: fmt.Sprint(s.Replays)}}
	if s.Error != "" {
		out = append(out, junitProperty{Name: "session.error", Value: inert(s.Error)})
	} else {
		out = append(out, junitProperty{Name: "session.credentials", Value: refs(s.Credentials)}, junitProperty{Name: "session.notNeeded", Value: refs(s.NotNeeded)},
			junitProperty{Name: "session.unique", Value: fmt.Sprint(s.Unique)})
	}
	if s.Logout != nil {
		out = append(out, junitProperty{Name: "session.logout", Value: logoutState(*s.Logout)})
	}
	return out
}

// logoutState is what a logout check found, in one word.
func logoutState(l inspect.Logout) string {
	switch {
	case l.Error != "":
		return "not-judged"
	case l.ReplayShows:
		return "still-valid"
	case l.VictimShows:
		return "victim-still-logged-in"
	}
	return "ended"
}

// targetViewport is what the target's pages were shown on: the scenario's
// own viewport, else the run's; nil when the report does not say.
func targetViewport(r inspect.Report, t inspect.Target) *inspect.Viewport {
	if t.Viewport != nil {
		return t.Viewport
	}
	return r.Viewport
}
