package attack

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

// jarOverflowName is the jar-overflow probe's name in reports and on the
// command line.
const jarOverflowName = "jar-overflow"

// jarOverflowKind is the jar-overflow probe: page script fills the jar until
// Chrome evicts the target's cookies.
var jarOverflowKind = kind{name: jarOverflowName, summary: "page script fills the jar until Chrome evicts the target's cookies", rules: []string{"CS024"}, originBound: true, ownCookies: true, run: (*prober).jarOverflow}

// The jar-overflow fill: page script writes one cookie at a time, and the
// jar is read after each write once Chrome holds it, so that every
// eviction is tied to the write that caused it. Reading after a batch of
// writes instead gives a different count each run: Chrome applies script
// writes asynchronously, so the jar lags the page by a varying number.
const (
	// overflowMaxWrites bounds the fill; Chrome's per-domain limit (180
	// cookies, purged down to 150) is reached well before.
	overflowMaxWrites = 500
	// overflowPurges is how many purges the fill waits for before it calls
	// the surviving cookies survivors: the first purge shows what goes
	// first, the second that the survivors outlast a repeat.
	overflowPurges = 2
	// overflowWriteWait bounds the wait for one write to reach the jar.
	overflowWriteWait = 2 * time.Second
)

// overflowName is the name of the fill's i-th cookie.
func overflowName(i int) string { return fmt.Sprintf("cs_overflow_%d", i) }

// fillObservation is what the fill saw: after which write each original
// cookie left the jar, and after which writes the domain's count fell.
type fillObservation struct {
	writes    int
	evictedAt map[inspect.CookieKey]int
	purgesAt  []int
	peak      int // the most cookies the domain held
}

func (p *prober) jarOverflow() []inspect.Probe {
	if err := p.begin(); err != nil {
		return []inspect.Probe{notApplicable(jarOverflowName, "could not run: "+err.Error())}
	}
	t := p.tab.Visit(p.ctx, p.target, p.opts.Load)
	if t.Error != "" {
		return []inspect.Probe{notApplicable(jarOverflowName, "could not reload the target: "+t.Error)}
	}
	var originals []inspect.Cookie
	for _, c := range t.Cookies {
		if !c.Partitioned && inspect.DomainMatches(p.host, c) {
			originals = append(originals, c)
		}
	}
	obs, err := p.fill(originals)
	if err != nil {
		return []inspect.Probe{notApplicable(jarOverflowName, "could not fill the jar: "+err.Error())}
	}
	return overflowRows(p.host, originals, obs)
}

// fill writes cookies from page script, one at a time, until every
// original was evicted or overflowPurges purges happened.
func (p *prober) fill(originals []inspect.Cookie) (fillObservation, error) {
	obs := fillObservation{evictedAt: map[inspect.CookieKey]int{}}
	previous := -1
	for i := 1; i <= overflowMaxWrites; i++ {
		if err := p.ctx.Err(); err != nil {
			return obs, err
		}
		script := fmt.Sprintf(`document.cookie = %q; true`, overflowName(i)+"=1; Path=/")
		if _, err := p.tab.EvaluateInPage(p.ctx, script); err != nil {
			return obs, fmt.Errorf("write %d: %w", i, err)
		}
		jar, err := p.awaitCookie(overflowName(i))
		if err != nil {
			return obs, fmt.Errorf("write %d: %w", i, err)
		}
		obs.writes = i
		present := map[inspect.CookieKey]bool{}
		count := 0
		for _, c := range jar {
			present[c.Key()] = true
			if inspect.DomainMatches(p.host, c) && !c.Partitioned {
				count++
			}
		}
		if previous >= 0 && count <= previous {
			obs.purgesAt = append(obs.purgesAt, i)
		}
		previous = count
		obs.peak = max(obs.peak, count)
		left := 0
		for _, c := range originals {
			if _, gone := obs.evictedAt[c.Key()]; gone {
				continue
			}
			if !present[c.Key()] {
				obs.evictedAt[c.Key()] = i
				continue
			}
			left++
		}
		if left == 0 || len(obs.purgesAt) >= overflowPurges {
			break
		}
	}
	return obs, nil
}

// awaitCookie reads the jar until it holds the named cookie: the write has
// reached Chrome's store, and with it any purge it caused.
func (p *prober) awaitCookie(name string) ([]inspect.Cookie, error) {
	deadline := time.Now().Add(overflowWriteWait)
	for {
		jar, err := p.tab.Jar()
		if err != nil {
			return nil, err
		}
		for _, c := range jar {
			if c.Name == name {
				return jar, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("Chrome did not store %s within %s", name, overflowWriteWait)
		}
		select {
		case <-p.ctx.Done():
			return nil, p.ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// overflowRows turns a fill into rows: one for the jar, saying where the
// purges came, and one per original cookie, evicted (with the write that
// did it) or survived.
func overflowRows(host string, originals []inspect.Cookie, obs fillObservation) []inspect.Probe {
	attack := fmt.Sprintf("page script on %s writes cookies one at a time (%d writes)", host, obs.writes)
	purges := "no purge"
	if len(obs.purgesAt) > 0 {
		var at []string
		for _, n := range obs.purgesAt {
			at = append(at, fmt.Sprint(n))
		}
		purges = "Chrome purged the domain's cookies after writes " + strings.Join(at, " and ")
	}
	rows := []inspect.Probe{{Name: jarOverflowName, Cookie: "(jar)", Attack: attack, Channel: "page script", Accepted: true, Reasons: []string{},
		Before: fmt.Sprintf("(%d cookies)", len(originals)), After: fmt.Sprintf("(at most %d cookies)", obs.peak), Verdict: inspect.NotApplicable,
		Explanation: fmt.Sprintf("%s; the domain held at most %d cookies", purges, obs.peak)}}
	sorted := append([]inspect.Cookie(nil), originals...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].Name < sorted[b].Name })
	for _, c := range sorted {
		row := inspect.Probe{Name: jarOverflowName, Cookie: c.Name, Attack: attack, Channel: "page script", Accepted: true, Reasons: []string{}, Before: c.Value}
		row.Verdict, row.Explanation = judgeOverflow(c, obs)
		row.After = c.Value
		if row.Verdict == inspect.Vulnerable {
			row.After = inspect.Absent
		}
		rows = append(rows, row)
	}
	return rows
}

// judgeOverflow says whether c was evicted by the fill, and after how many
// page-script writes.
func judgeOverflow(c inspect.Cookie, obs fillObservation) (inspect.Verdict, string) {
	if n, gone := obs.evictedAt[c.Key()]; gone {
		return inspect.Vulnerable, fmt.Sprintf("evicted after %d page-script writes: script can push it out of the jar and then set its own", n)
	}
	why := fmt.Sprintf("survived %d page-script writes and %d purges", obs.writes, len(obs.purgesAt))
	switch {
	case len(obs.purgesAt) == 0:
		return inspect.NotApplicable, fmt.Sprintf("Chrome never purged within %d writes, so nothing was shown", obs.writes)
	case c.Secure:
		why += ": Chrome evicts non-Secure cookies before Secure ones"
	case c.Priority == "High":
		why += ": Chrome keeps Priority=High cookies longest"
	}
	return inspect.Protected, why
}
