package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// comparison ends the report with what origin-bound cookies would change,
// attack by attack, per target: each attack's verdict today (the run's own)
// and with them on (the second browser's), and why the latter.
func (tw terminal) comparison(c inspect.OriginBoundComparison) {
	took := fmt.Sprintf("%.1f s", float64(c.DurationMS)/1000)
	browserName := c.Browser
	if browserName == "" {
		browserName = "no browser"
	}
	tw.para("", "  ", fmt.Sprintf("What origin-bound cookies would change: %s run again in a second browser launched with them on (%s, %s)", strings.Join(c.Probes, ", "), browserName, took))
	if c.Error != "" {
		tw.marked("  ", "ERROR", inert(c.Error))
	}
	fixed, still := 0, 0
	for _, a := range c.Attacks {
		switch a.Change {
		case inspect.ChangeFixed:
			fixed++
		case inspect.ChangeStillVulnerable, inspect.ChangeNewlyVulnerable:
			still++
		}
	}
	tw.para("  ", "    ", fmt.Sprintf("%d of %d attacks that work today would fail with origin-bound cookies; %d would still work", fixed, fixed+still, still))
	var order []string
	byTarget := map[string][]inspect.AttackChange{}
	for _, a := range c.Attacks {
		if _, ok := byTarget[a.Target]; !ok {
			order = append(order, a.Target)
		}
		byTarget[a.Target] = append(byTarget[a.Target], a)
	}
	for _, target := range order {
		tw.para("  ", "    ", inert(target)+":")
		g := grid{indent: "  ", cols: []column{{header: "Attack"}, {header: "Today", marked: true}, {header: "Origin-bound", marked: true}, {header: "Change"}}}
		for _, a := range byTarget[target] {
			var details []string
			if tw.verbose || a.Change != inspect.ChangeProtectedAnyway {
				details = append(details, "with origin-bound cookies: "+a.Why)
			}
			g.add([]string{a.Probe + " of " + a.Cookie, verdictMark(a.Today), verdictMark(a.OriginBound), changeWords(a.Change)}, details...)
		}
		g.render(tw.w, tw.width, tw.st)
	}
}

// verdictMark is a verdict as a mark, "NOT RUN" when there is none.
func verdictMark(v inspect.Verdict) string {
	if v == "" {
		return "NOT RUN"
	}
	return strings.ToUpper(string(v))
}

// changeWords says an AttackChange.Change for people.
func changeWords(change string) string {
	switch change {
	case inspect.ChangeFixed:
		return "fixed by origin-bound cookies"
	case inspect.ChangeStillVulnerable:
		return "still works"
	case inspect.ChangeProtectedAnyway:
		return "protected either way"
	case inspect.ChangeNewlyVulnerable:
		return "works only with origin-bound cookies"
	}
	return "not judged in one of the modes"
}

// probes writes the attacks: without verbose, one row per probe with its
// counts and the cookies it worked on (the findings hold the evidence);
// verbose, every attempt.
func (tw terminal) probes(t inspect.Target) {
	if len(t.Probes) == 0 {
		return
	}
	var order []string
	byName := map[string][]inspect.Probe{}
	for _, p := range t.Probes {
		title := p.Name
		if p.Step != "" {
			title += " at " + p.Step
		}
		if _, ok := byName[title]; !ok {
			order = append(order, title)
		}
		byName[title] = append(byName[title], p)
	}
	attempts, worked, _ := attackCounts(t.Probes)
	tw.para("  ", "    ", fmt.Sprintf("Attacks by cookiescope's emulated network attacker: %d of %d worked", worked, attempts))
	if !tw.verbose {
		g := grid{indent: "  ", cols: []column{{header: "Probe"}, {header: "Protected"}, {header: "Vulnerable"}, {header: "N/A"}, {header: "Worked on"}}}
		for _, name := range order {
			var protected, vulnerable, na int
			var on []string
			for _, p := range byName[name] {
				switch p.Verdict {
				case inspect.Protected:
					protected++
				case inspect.Vulnerable:
					vulnerable++
					if !slices.Contains(on, p.Cookie) {
						on = append(on, p.Cookie)
					}
				default:
					na++
				}
			}
			g.add([]string{name, fmt.Sprint(protected), fmt.Sprint(vulnerable), fmt.Sprint(na), strings.Join(on, ", ")})
		}
		g.render(tw.w, tw.width, tw.st)
		return
	}
	for _, name := range order {
		tw.para("  Probe ", "    ", inert(name)+":")
		g := grid{indent: "  ", cols: []column{
			{header: "Cookie"},
			{header: "Attack", moves: 2},
			{header: "Channel"},
			{header: "Chrome", moves: 3},
			{header: "Jar before → after", moves: 1, label: "jar"},
			{header: "Verdict", marked: true},
		}}
		for _, p := range byName[name] {
			details := []string{"why: " + p.Explanation}
			if r := receivedNote(p); r != "" {
				details = append(details, r)
			}
			g.add([]string{p.Cookie, p.Attack, p.Channel, probeChrome(p), p.Before + " → " + p.After, strings.ToUpper(string(p.Verdict))}, details...)
		}
		g.render(tw.w, tw.width, tw.st)
	}
}

// receivedNote says what the target's https origin got after an attempt
// the jar took, the evidence of its verdict; empty when not measured.
func receivedNote(p inspect.Probe) string {
	r := p.Received
	if r == nil {
		return ""
	}
	if r.Error != "" {
		return "the https site: " + r.URL + " could not be read: " + r.Error
	}
	s := fmt.Sprintf("the https site: %s was sent %s, its script reads %s", r.URL, r.Sent, r.Readable)
	if len(r.Withheld) > 0 {
		s += "; Chrome withheld the attacker's value: " + strings.Join(r.Withheld, ", ")
	}
	return s
}

// WriteProbeSummary ends a run with a sentence per probed target: the
// attacks that worked, or that every attack failed; with opts.Verbose, first
// a table of how many attempts per target and probe were protected,
// vulnerable, or not applicable; then, after an origin-bound comparison,
// a sentence per attack that it would fix or that would still work. Lines
// fit opts.Width.
func WriteProbeSummary(out io.Writer, r inspect.Report, opts Options) error {
	type counts struct{ protected, vulnerable, na int }
	any := false
	for _, t := range r.Targets {
		any = any || len(t.Probes) > 0
	}
	if !any {
		return nil
	}
	tw := terminal{w: &errWriter{w: out}, width: opts.width(), st: style{color: opts.Color}}
	fmt.Fprintln(tw.w)
	for _, line := range wrap("Summary: what an active network attacker could do", tw.width) {
		fmt.Fprintln(tw.w, tw.st.bold(line))
	}
	g := grid{indent: "  ", cols: []column{{header: "Target"}, {header: "Probe"}, {header: "Protected"}, {header: "Vulnerable"}, {header: "Not applicable"}}}
	for _, t := range r.Targets {
		var order []string
		byProbe := map[string]*counts{}
		for _, p := range t.Probes {
			c := byProbe[p.Name]
			if c == nil {
				c = &counts{}
				byProbe[p.Name] = c
				order = append(order, p.Name)
			}
			switch p.Verdict {
			case inspect.Protected:
				c.protected++
			case inspect.Vulnerable:
				c.vulnerable++
			default:
				c.na++
			}
		}
		for i, name := range order {
			c := byProbe[name]
			target := ""
			if i == 0 {
				target = targetName(t)
			}
			g.add([]string{target, name, fmt.Sprint(c.protected), fmt.Sprint(c.vulnerable), fmt.Sprint(c.na)})
		}
	}
	// Each probed target's details count its attempts per probe already:
	// the table is repeated only when everything is asked for.
	if opts.Verbose {
		g.render(tw.w, tw.width, tw.st)
	}
	for _, t := range r.Targets {
		if len(t.Probes) == 0 {
			continue
		}
		var vulnerable []string
		seen := map[string]bool{}
		for _, p := range t.Probes {
			key := p.Name + " " + p.Cookie
			if p.Verdict == inspect.Vulnerable && !seen[key] {
				seen[key] = true
				vulnerable = append(vulnerable, fmt.Sprintf("%s (%s)", p.Cookie, p.Name))
			}
		}
		if len(vulnerable) == 0 {
			tw.marked("", "OK", inert(targetName(t))+": every attack failed; its cookies are protected.")
		} else {
			tw.marked("", "VULNERABLE", inert(targetName(t))+": attacks worked on "+inert(strings.Join(vulnerable, ", "))+".")
		}
	}
	if c := r.OriginBoundComparison; c != nil {
		fmt.Fprintln(tw.w)
		for _, line := range wrap("With origin-bound cookies (Chrome's coming defence, measured in a second browser)", tw.width) {
			fmt.Fprintln(tw.w, tw.st.bold(line))
		}
		if c.Error != "" {
			tw.marked("", "ERROR", inert(c.Error))
		}
		for _, a := range c.Attacks {
			switch a.Change {
			case inspect.ChangeFixed:
				tw.marked("", "FIXED", inert(a.Target+": "+a.Sentence()))
			case inspect.ChangeStillVulnerable, inspect.ChangeNewlyVulnerable:
				tw.marked("", "VULNERABLE", inert(a.Target+": "+a.Sentence()))
			}
		}
	}
	return tw.w.err
}

// probeChrome says what Chrome did with a probe's attempt: accepted or
// blocked, "(emulated)" when cookiescope played the attacker, "-" for a
// row that made no attempt.
func probeChrome(p inspect.Probe) string {
	if p.Channel == "-" {
		return "-"
	}
	chrome := "blocked"
	if p.Accepted {
		chrome = "accepted"
	}
	if p.Emulated {
		chrome += " (emulated)"
	}
	return chrome
}

// plants writes a scenario's plant steps: what the emulated network
// attacker wrote into the victim's jar, and what Chrome decided.
func (tw terminal) plants(t inspect.Target) {
	if len(t.Plants) == 0 {
		return
	}
	tw.para("  ", "    ", "Planted by the emulated network attacker:")
	g := grid{indent: "  ", cols: []column{{header: "Line"}, {header: "Cookie"}, {header: "Over"}, {header: "From", moves: 2}, {header: "URL", moves: 1, label: "at"}, {header: "Chrome"}}}
	for _, p := range t.Plants {
		chrome := "refused"
		if p.Planted {
			chrome = "stored"
		}
		from := p.From
		if from == "" {
			from = "(a literal value)"
		}
		g.add([]string{fmt.Sprint(p.Line), p.Cookie, p.Over, from, p.URL, chrome}, p.Evidence)
	}
	g.render(tw.w, tw.width, tw.st)
}
