package attack

import (
	"fmt"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// A kind is one probe, declared in the file that runs it: its name, a
// line saying what it attempts, the finding rules its vulnerable rows
// raise, whether origin-bound cookies can change its verdicts, and how it
// runs. The CLI's --probe names and help, the report schema's enum of
// probes[].name, docs/report.md and the README are checked against this
// list by TestProbeKindsAreDocumentedEverywhere, and each kind's rules
// against inspect's by TestProbeKindsRaiseTheirRules.
//
// Adding a probe: a file with its kind and its attempts, its line in
// kinds, its rule in inspect/attackrules.go, and its name in the schema
// enum and the docs the test names.
type kind struct {
	name string
	// summary says in one line what the probe attempts (the help).
	summary string
	// rules are the IDs of the findings its vulnerable rows raise.
	rules []string
	// originBound: origin-bound cookies can change its verdicts, so
	// --compare-origin-bound runs it again (OriginBoundProbes): the attacks
	// over plain http (or from an http sibling), whose writes Chrome then
	// binds to http, and jar-overflow, since Chrome then evicts by the
	// scheme that set a cookie rather than by its Secure attribute
	// (measured with Chromium 156: page script on the https origin then
	// evicts a Secure cookie). prefix and cross-site gave the same rows
	// with and without them on the lab's login apps.
	originBound bool
	// ownCookies: it attacks the target's own cookies, and has nothing to
	// do when the target set none on its host.
	ownCookies bool
	// notHTTPS says why it cannot run against a plain-http target; empty
	// for the common reason (an attacker needs no trick there).
	notHTTPS string
	// run makes the attempts and returns one row each; nil for cross-site,
	// whose requests are a report section of their own (Probe runs it).
	run func(p *prober) []inspect.Probe
}

// kinds are the probes in the order they run.
var kinds = []*kind{&httpOverwriteKind, &pathShadowKind, &siblingTossKind, &fixationPlantKind, &jarOverflowKind, &prefixKind, &crossSiteKind}

// Names lists the probes in the order they run.
var Names = kindNames(func(*kind) bool { return true })

// OriginBoundProbes are the probes whose verdicts origin-bound cookies can
// change (see each kind's originBound).
var OriginBoundProbes = kindNames(func(k *kind) bool { return k.originBound })

// kindNames lists the names of the kinds keep accepts, in order.
func kindNames(keep func(*kind) bool) []string {
	var out []string
	for _, k := range kinds {
		if keep(k) {
			out = append(out, k.name)
		}
	}
	return out
}

// kindNamed returns the kind called name, or nil.
func kindNamed(name string) *kind {
	for _, k := range kinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// Summaries says in one line a probe what each attempts and the rules it
// raises, in run order ("http-overwrite (CS020): …"), for the probe
// command's help.
func Summaries() []string {
	out := make([]string, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k.name+" ("+strings.Join(k.rules, ", ")+"): "+k.summary)
	}
	return out
}

// CheckNames rejects unknown probe names.
func CheckNames(names []string) error {
	for _, n := range names {
		if kindNamed(n) == nil {
			return fmt.Errorf("--probe %q: want one of %s", n, strings.Join(Names, ", "))
		}
	}
	return nil
}
