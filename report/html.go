package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// The HTML report is one self-contained file to show and share: its CSS
// and script are inline, and its Content-Security-Policy allows those two
// (by hash) and nothing else, so the page can make no request at all: no
// font, image, script or form leaves it. Every page-supplied text goes
// through html/template, which escapes it for where it stands; no URL of the
// inspected site becomes a link, and control and bidirectional characters
// are spelled out (see inert.go). Values show only as the Report holds them:
// redacted unless the run showed values.

//go:embed html/report.html.tmpl
var htmlTemplateText string

//go:embed html/report.css
var htmlCSS string

//go:embed html/report.js
var htmlJS string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).Parse(htmlTemplateText))

// htmlCSP is the page's Content-Security-Policy: its own style and script,
// by hash, and nothing else.
var htmlCSP = fmt.Sprintf("default-src 'none'; style-src '%s'; script-src '%s'; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'",
	cspHash(htmlCSS), cspHash(htmlJS))

// cspHash is the CSP source expression of an inline element's content.
func cspHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// WriteHTML writes the report as one self-contained HTML page: per target,
// its verdict, the cookies with their story (the writes that addressed each
// and what became of them), the timeline of every write with its fate, the
// writes Chrome blocked and why, findings with evidence and fix (filtered by
// severity with a little inline script), the attacks as before → attack →
// after, and a scenario's steps with their expectations.
func WriteHTML(w io.Writer, r inspect.Report, opts Options) error {
	return htmlTemplate.Execute(w, newHTMLPage(r, opts))
}

type htmlPage struct {
	CSP      string
	CSS      template.CSS
	JS       template.JS
	Tool     string
	Browser  string
	Started  string
	Viewport string
	// Reconnections say each time a --remote browser was lost.
	Reconnections []string
	// Crawl says what inspect --crawl did, CrawlExclude what it kept to.
	Crawl, CrawlExclude string
	Interrupted         bool
	// ThirdParty and OriginBound say the run's cookie modes.
	ThirdParty, OriginBound string
	Baseline                string
	Regressions             []inspect.Regression
	Severities              []htmlCount
	Targets                 []htmlTarget
	// Comparison is what origin-bound cookies would change; nil without
	// one.
	Comparison *htmlComparison
}

// htmlComparison is the report's origin-bound comparison.
type htmlComparison struct {
	Probes, Browser, Took, Error string
	Attacks                      []htmlAttackChange
}

type htmlAttackChange struct {
	Target, Attack, Today, OriginBound, Change, Why string
}

// htmlCount is a severity and how many unaccepted findings have it.
type htmlCount struct {
	Severity string
	Count    int
}

type htmlTarget struct {
	ID, Name, URL, FinalURL, Error string
	Scenario, File                 string
	Line                           int
	Mark, Facts                    string
	Counts                         string
	NotMeasured                    string
	Notes                          []string
	Cookies, EarlierCookies        htmlCookieTable
	Writes                         []htmlWrite
	Blocked                        []htmlBlocked
	Findings                       []htmlFindingGroup
	Accepted                       []htmlFinding
	Probes                         []htmlProbeGroup
	Plants                         []htmlPlant
	Crawls                         []htmlCrawl
	Steps                          []htmlStep
	Flow                           []htmlFlowStep
	Session                        []sessionNote
}

// htmlCookieTable is a table of cookies; BoundTo adds the column that says
// where Chrome bound each (a run with origin-bound cookies).
type htmlCookieTable struct {
	Rows    []htmlCookie
	BoundTo bool
}

type htmlCookie struct {
	Name, Value, Domain, Path, SeenAt         string
	Secure, HttpOnly, SameSite, Expires       string
	Readable, ReadableClass, SetBy, Partition string
	BoundTo                                   string
	Story                                     []htmlWrite
}

type htmlWrite struct {
	Index                       int
	When, Cookie, Via, Origin   string
	Line, Fate, Reason, Emulate string
}

type htmlBlocked struct {
	Name, Via, From, Reasons, Why string
}

type htmlFindingGroup struct {
	Rule, Title, Severity, Fix string
	Items                      []htmlFinding
}

type htmlFinding struct {
	Rule, Title, Subject, Severity, Evidence, Reason string
}

type htmlProbeGroup struct {
	Name     string
	Attempts []htmlAttempt
}

type htmlAttempt struct {
	Cookie, Before, Attack, Channel, Chrome, After, Verdict, Why string
	Received                                                     string
}

// htmlCrawl is a scenario's crawl step: what it did, and its pages.
type htmlCrawl struct {
	Title string
	Pages []htmlCrawlPage
}

type htmlCrawlPage struct {
	Page, Status, From, Set, Changed, Deleted, Sent string
}

type htmlPlant struct {
	Line                                      int
	Cookie, Over, From, URL, Chrome, Evidence string
}

// htmlFlowStep is a step of a scenario as it ran (inspect.FlowStep), in
// words, with the checks made at its line.
type htmlFlowStep struct {
	Index, Line                     int
	Step, Browser, Host, URL, Error string
	Set, Changed, Deleted           string
	Sent, Withheld                  string
	Requests                        int
	Checks                          []htmlStep
}

// htmlFlow is the scenario's flow, step by step: where each step ended and
// what it did to cookies, with the plants, expectations and probes of its
// line (htmlSteps) under it.
func htmlFlow(t inspect.Target) []htmlFlowStep {
	checks := map[int][]htmlStep{}
	for _, s := range htmlSteps(t) {
		if s.Kind != "capture" {
			checks[s.Line] = append(checks[s.Line], s)
		}
	}
	names := func(refs []inspect.CookieRef) string {
		out := make([]string, len(refs))
		for i, r := range refs {
			out[i] = r.Name
		}
		return strings.Join(out, ", ")
	}
	var out []htmlFlowStep
	for _, s := range t.Flow {
		out = append(out, htmlFlowStep{Index: s.Index, Line: s.Line, Step: s.Step, Browser: s.Browser, Host: s.Host, URL: s.URL, Error: s.Error,
			Set: names(s.Set), Changed: names(s.Changed), Deleted: names(s.Deleted), Sent: strings.Join(s.Sent, ", "), Withheld: strings.Join(s.Withheld, "; "),
			Requests: s.Requests, Checks: checks[s.Line]})
		delete(checks, s.Line)
	}
	return out
}

// htmlStep is something a scenario did at a line of its file: a plant, a
// checked expectation, a probe, a capture of cookies.
type htmlStep struct {
	Line   int
	Kind   string
	Text   string
	Result string
	// Outcome is "good" or "bad" for the cookies' safety, empty when neither.
	Outcome string
	Details []string
}

func newHTMLPage(r inspect.Report, opts Options) htmlPage {
	p := htmlPage{CSP: htmlCSP, CSS: template.CSS(htmlCSS), JS: template.JS(htmlJS), Tool: r.Tool, Browser: r.Browser.Product,
		Interrupted: r.Interrupted, Baseline: r.Baseline, Regressions: slices.Clone(r.Regressions), OriginBound: inspect.DescribeOriginBound(r.OriginBoundCookies)}
	if r.ThirdPartyCookies != "" {
		p.ThirdParty = r.ThirdPartyCookies.Describe()
	}
	if p.Tool == "" {
		p.Tool = "cookiescope"
	}
	if r.Viewport != nil {
		p.Viewport = r.Viewport.Describe()
	}
	if r.Crawl != nil {
		p.Crawl, p.CrawlExclude = inert(crawlSentence(*r.Crawl)), inert(crawlExcludes(*r.Crawl))
	}
	for _, s := range reconnectionSentences(r) {
		p.Reconnections = append(p.Reconnections, inert(s))
	}
	if !r.Started.IsZero() {
		p.Started = r.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	counts := map[inspect.Severity]int{}
	for i, t := range r.Targets {
		for _, f := range t.Findings {
			if !f.Accepted {
				counts[f.Severity]++
			}
		}
		p.Targets = append(p.Targets, newHTMLTarget(i, t, opts, r.OriginBoundCookies, r.Crawl != nil))
	}
	for s := inspect.High; s >= inspect.Info; s-- {
		p.Severities = append(p.Severities, htmlCount{s.String(), counts[s]})
	}
	// html/template escapes markup; control and bidirectional characters
	// are spelled out as in the terminal, so that they cannot reorder or
	// hide what the page shows.
	if c := r.OriginBoundComparison; c != nil {
		hc := &htmlComparison{Probes: strings.Join(c.Probes, ", "), Browser: c.Browser, Took: fmt.Sprintf("%.1f s", float64(c.DurationMS)/1000), Error: c.Error}
		for _, a := range c.Attacks {
			hc.Attacks = append(hc.Attacks, htmlAttackChange{Target: a.Target, Attack: a.Probe + " of " + a.Cookie, Today: string(a.Today), OriginBound: string(a.OriginBound), Change: changeWords(a.Change), Why: a.Why})
		}
		inertFields(hc)
		p.Comparison = hc
	}
	inertFields(&p.Targets)
	inertFields(&p.Regressions)
	p.Baseline = inert(p.Baseline)
	return p
}

func newHTMLTarget(i int, t inspect.Target, opts Options, originBound, crawled bool) htmlTarget {
	h := htmlTarget{ID: fmt.Sprintf("target-%d", i+1), Name: targetName(t), URL: t.URL, Error: t.Error, Scenario: t.Scenario, File: t.File, Line: t.Line,
		Mark: targetMark(t, opts.FailOn), Facts: strings.Join(targetFacts(t), "; "), Counts: cookieCounts(t), NotMeasured: notMeasuredNote(t)}
	if t.FinalURL != t.URL {
		h.FinalURL = t.FinalURL
	}
	if origin := crawlOrigin(t, crawled); origin != "" {
		h.Notes = append(h.Notes, "Crawl: "+origin)
	}
	if note := skippedNote(t); note != "" {
		h.Notes = append(h.Notes, "Skipped: "+note)
	}
	if t.Browser.Moved != "" {
		h.Notes = append(h.Notes, "Browser: "+browserNote(t.Browser))
	}
	for _, c := range t.Crawl {
		hc := htmlCrawl{Title: crawlStepTitle(c)}
		for _, p := range c.Pages {
			var row htmlCrawlPage
			row.Page, row.Status, row.From, row.Set, row.Changed, row.Deleted, row.Sent = crawlPageCells(crawlBase(c), p)
			hc.Pages = append(hc.Pages, row)
		}
		h.Crawls = append(h.Crawls, hc)
	}
	for _, d := range t.Dialogs {
		if d.Kind == "more" {
			h.Notes = append(h.Notes, "Dialog: "+d.Message)
		} else {
			h.Notes = append(h.Notes, fmt.Sprintf("Dialog: %s %q from %s, %s", d.Kind, d.Message, d.URL, d.Answer))
		}
	}
	for _, p := range t.Popups {
		h.Notes = append(h.Notes, fmt.Sprintf("Popup: %s, opened by %s (closed when the target ended)", p.URL, p.OpenedBy))
	}
	if t.Isolation != "" {
		h.Notes = append(h.Notes, "Isolation: the browser context was replaced after this target: "+t.Isolation)
	}
	for _, n := range t.Notes {
		h.Notes = append(h.Notes, "Note: "+n)
	}
	if t.Viewport != nil {
		h.Notes = append(h.Notes, "Viewport: "+t.Viewport.Describe()+" (the scenario's own)")
	}
	for _, f := range t.Frames {
		if f.Error != "" {
			h.Notes = append(h.Notes, "Readability on "+shortURL(t.FinalURL, f.URL)+": "+f.Error)
		}
	}
	start := time.Time{}
	for _, wr := range t.Writes {
		if !wr.At.IsZero() && (start.IsZero() || wr.At.Before(start)) {
			start = wr.At
		}
	}
	for i, wr := range t.Writes {
		h.Writes = append(h.Writes, newHTMLWrite(t, i, wr, start))
	}
	h.Cookies.BoundTo, h.EarlierCookies.BoundTo = originBound, originBound
	for _, c := range t.Cookies {
		h.Cookies.Rows = append(h.Cookies.Rows, newHTMLCookie(t, c, readability(t, c), h.Writes))
	}
	for _, c := range t.EarlierCookies {
		h.EarlierCookies.Rows = append(h.EarlierCookies.Rows, newHTMLCookie(t, c, earlierReadability(t, c), h.Writes))
	}
	for _, b := range t.Blocked {
		h.Blocked = append(h.Blocked, htmlBlocked{Name: b.Name, Via: string(b.Via), From: writeOrigin(t, b.Write), Reasons: strings.Join(b.Reasons, ", "), Why: b.Explanation})
	}
	h.Findings, h.Accepted = htmlFindings(t)
	h.Probes = htmlProbes(t)
	for _, p := range t.Plants {
		chrome := "refused"
		if p.Planted {
			chrome = "stored"
		}
		from := p.From
		if from == "" {
			from = "a literal value"
		}
		h.Plants = append(h.Plants, htmlPlant{Line: p.Line, Cookie: p.Cookie, Over: p.Over, From: from, URL: p.URL, Chrome: chrome, Evidence: p.Evidence})
	}
	if t.Scenario != "" {
		h.Steps = htmlSteps(t)
		h.Flow = htmlFlow(t)
	}
	h.Session = sessionNotes(t)
	return h
}

func newHTMLWrite(t inspect.Target, i int, wr inspect.Write, start time.Time) htmlWrite {
	h := htmlWrite{Index: i, Cookie: wr.CookieName(), Via: string(wr.Via), Origin: writeOrigin(t, wr), Line: wr.CookieLine, Fate: string(wr.Fate), Reason: wr.FateReason}
	if !wr.At.IsZero() && !start.IsZero() {
		h.When = fmt.Sprintf("+%.3f s", wr.At.Sub(start).Seconds())
	}
	if h.Fate == "" {
		h.Fate = "unknown"
	}
	if wr.Fate == inspect.FateBlocked && len(wr.Blocked) > 0 {
		h.Reason = strings.Join(wr.Blocked, ", ") + ": " + wr.FateReason
	}
	if wr.Fate == inspect.FateReplaced && wr.ReplacedBy > 0 && wr.ReplacedBy < len(t.Writes) {
		by := t.Writes[wr.ReplacedBy]
		verb := "replaced"
		if strings.HasPrefix(wr.FateReason, "deleted") {
			verb = "deleted"
		}
		h.Reason = fmt.Sprintf("%s by write #%d, %s %s", verb, wr.ReplacedBy, by.Via, writeOrigin(t, by))
	}
	if wr.Emulated {
		h.Emulate = "forged by cookiescope's emulated network attacker"
	}
	return h
}

// newHTMLCookie is a cookie's row and its story: the writes to its name
// from hosts its domain covers, each with its fate.
func newHTMLCookie(t inspect.Target, c inspect.Cookie, readable string, writes []htmlWrite) htmlCookie {
	h := htmlCookie{Name: c.Name, Domain: c.Domain, Path: c.Path, SeenAt: c.SeenAt, Secure: yesNo(c.Secure), HttpOnly: yesNo(c.HttpOnly),
		SameSite: sameSite(c.SameSite), Expires: expires(c, true), Readable: readable, SetBy: setBy(t, c), BoundTo: boundTo(c)}
	if c.Value != inspect.Redacted {
		h.Value = c.Value
	}
	if c.Partitioned {
		h.Partition = c.PartitionKey
	}
	switch {
	case readable == NotMeasured || readable == "UNKNOWN":
		h.ReadableClass = "unknown"
	case strings.HasPrefix(readable, "yes"):
		h.ReadableClass = "readable"
	}
	for i, wr := range t.Writes {
		u, err := url.Parse(wr.URL)
		if wr.CookieName() != c.Name || err != nil || !inspect.DomainMatches(u.Hostname(), inspect.Cookie{Domain: c.Domain}) {
			continue
		}
		h.Story = append(h.Story, writes[i])
	}
	return h
}

// htmlFindings groups the unaccepted findings by rule, most severe first,
// and lists the accepted ones.
func htmlFindings(t inspect.Target) ([]htmlFindingGroup, []htmlFinding) {
	withStep := false
	for _, f := range t.Findings {
		withStep = withStep || f.Step != ""
	}
	var groups []htmlFindingGroup
	var worst []inspect.Severity
	var accepted []htmlFinding
	for _, f := range t.Findings {
		item := htmlFinding{Rule: f.RuleID, Title: f.Title, Subject: terminalSubject(f, withStep), Severity: f.Severity.String(), Evidence: findingEvidence(f), Reason: f.Reason}
		if f.Accepted {
			accepted = append(accepted, item)
			continue
		}
		i := slices.IndexFunc(groups, func(g htmlFindingGroup) bool { return g.Rule == f.RuleID })
		if i < 0 {
			groups = append(groups, htmlFindingGroup{Rule: f.RuleID, Title: f.Title, Fix: f.Fix})
			worst = append(worst, f.Severity)
			i = len(groups) - 1
		}
		worst[i] = max(worst[i], f.Severity)
		groups[i].Fix = groupFix(groups[i].Fix, f)
		groups[i].Items = append(groups[i].Items, item)
	}
	for i := range groups {
		groups[i].Severity = worst[i].String()
	}
	sort.SliceStable(groups, func(a, b int) bool { return severityRank(groups[a].Severity) > severityRank(groups[b].Severity) })
	return groups, accepted
}

// severityRank orders severity names.
func severityRank(name string) int {
	s, err := inspect.ParseSeverity(name)
	if err != nil {
		return -1
	}
	return int(s)
}

func htmlProbes(t inspect.Target) []htmlProbeGroup {
	var groups []htmlProbeGroup
	for _, p := range t.Probes {
		name := p.Name
		if p.Step != "" {
			name += " at " + p.Step
		}
		i := slices.IndexFunc(groups, func(g htmlProbeGroup) bool { return g.Name == name })
		if i < 0 {
			groups = append(groups, htmlProbeGroup{Name: name})
			i = len(groups) - 1
		}
		groups[i].Attempts = append(groups[i].Attempts, htmlAttempt{Cookie: p.Cookie, Before: p.Before, Attack: p.Attack, Channel: p.Channel, Chrome: probeChrome(p), After: p.After, Verdict: string(p.Verdict), Why: p.Explanation, Received: receivedNote(p)})
	}
	return groups
}

// htmlSteps orders what the report holds of a scenario by line: plants,
// expectations, probes that ran at a step, cookies captured at a step.
// Steps that leave nothing in the report (goto, fill, click) are not shown.
func htmlSteps(t inspect.Target) []htmlStep {
	var steps []htmlStep
	for _, p := range t.Plants {
		result, outcome := "refused by Chrome", "good"
		if p.Planted {
			result, outcome = "stored by Chrome", "bad"
		}
		steps = append(steps, htmlStep{Line: p.Line, Kind: "plant", Text: fmt.Sprintf("the emulated network attacker plants %s over %s (%s)", p.Cookie, p.Over, p.URL), Result: result, Outcome: outcome, Details: []string{p.Evidence}})
	}
	for _, e := range t.Expectations {
		kind, result, outcome := "expect", "passed", "good"
		if e.Browser == inspect.BrowserAttacker {
			kind = "expect (attacker's browser)"
		}
		if !e.Passed {
			result, outcome = "failed", "bad"
		}
		steps = append(steps, htmlStep{Line: e.Line, Kind: kind, Text: e.Expectation, Result: result, Outcome: outcome, Details: slices.Clone(e.Failures)})
	}
	probed := map[string]int{}
	var order []string
	for _, p := range t.Probes {
		if p.Step == "" {
			continue
		}
		key := p.Name + " at " + p.Step
		if _, ok := probed[key]; !ok {
			order = append(order, key)
		}
		if p.Verdict == inspect.Vulnerable {
			probed[key]++
		}
	}
	for _, key := range order {
		result, outcome := "every attempt failed", "good"
		if n := probed[key]; n > 0 {
			result, outcome = plural(n, "attempt")+" worked", "bad"
		}
		steps = append(steps, htmlStep{Line: lineOf(key), Kind: "probe", Text: key, Result: result, Outcome: outcome})
	}
	for _, c := range t.Crawl {
		result, outcome := plural(c.Visited, "page")+" loaded", ""
		var details []string
		if c.Error != "" {
			result, outcome = "stopped", "bad"
			details = append(details, c.Error)
		}
		steps = append(steps, htmlStep{Line: c.Line, Kind: "crawl", Text: crawlSentence(c), Result: result, Outcome: outcome, Details: details})
	}
	for _, c := range t.EarlierCookies {
		steps = append(steps, htmlStep{Line: lineOf(c.SeenAt), Kind: "capture", Text: fmt.Sprintf("%s seen at %s (gone or changed by the end)", c.Name, c.SeenAt)})
	}
	sort.SliceStable(steps, func(a, b int) bool { return steps[a].Line < steps[b].Line })
	return steps
}

// lineOf finds the line in a step description such as "step 9
// (login.yaml:23)"; 0 when there is none.
func lineOf(step string) int {
	i := strings.LastIndex(step, ":")
	if i < 0 {
		return 0
	}
	n := 0
	for _, r := range step[i+1:] {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}
