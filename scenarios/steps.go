package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cookiescope/cookiescope/browser"
)

// StepKind names what a step does: the key of its line in a scenario file
// (`- goto: /login`).
type StepKind string

// stepSpec is everything one kind of step is: how its value is read from
// the file, how it is named in progress and errors, whether an attacker
// block may hold it, and how it runs in a flow. Each kind declares its
// spec beside its parsing and running, in the file of its group
// (steps_page.go, steps_check.go, steps_attack.go, session.go, crawl.go),
// and registers it with registerSteps; stepKinds orders them.
type stepSpec struct {
	kind StepKind
	// parse reads the step's value v into st; nil: any value is taken.
	parse func(p *parser, v *yaml.Node, st *Step) error
	// describe names the step without secret values; nil: the kind and
	// its Target.
	describe func(s Step) string
	// attacker is true for the kinds an attacker block may hold: the
	// attacker browses on its own; probes and plants act on the victim.
	attacker bool
	// run runs the step in the browser sd; nil for an attacker block,
	// whose steps runOne runs in line.
	run func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error
}

// stepEnv is what running a step may need beside its flow and browser.
type stepEnv struct {
	b    *browser.Browser
	opts RunOptions
	// load is how pages load within the step: under the scenario's
	// timeout, whose source a timeout error names.
	load browser.LoadOptions
	// timeout bounds the step (the scenario's timeout:).
	timeout time.Duration
}

// stepKinds is every kind of step, in the order the file format's
// messages list them; each has a spec (TestEveryStepKindIsRegisteredAndDocumented).
var stepKinds = []StepKind{StepGoto, StepFill, StepClick, StepPress, StepSubmit, StepWait, StepEval, StepCapture, StepExpect,
	StepProbe, StepClearCookies, StepAttacker, StepPlant, StepSession, StepCrawl}

// stepSpecs holds the registered specs by kind; it is written only by the
// init functions of the groups' files.
var stepSpecs = map[StepKind]*stepSpec{}

// registerSteps adds specs to stepSpecs; a kind registered twice is a
// programming error.
func registerSteps(specs ...stepSpec) {
	for _, s := range specs {
		if _, dup := stepSpecs[s.kind]; dup {
			panic("scenarios: step kind " + string(s.kind) + " registered twice")
		}
		stepSpecs[s.kind] = &s
	}
}

// kindNames lists the kinds an attacker block may hold (attackerOnly), or
// every kind, in stepKinds' order, for messages.
func kindNames(attackerOnly bool) string {
	var names []string
	for _, k := range stepKinds {
		if !attackerOnly || stepSpecs[k].attacker {
			names = append(names, string(k))
		}
	}
	return strings.Join(names, ", ")
}

// step reads one step; nested is true inside an attacker block.
func (p *parser) step(n *yaml.Node, nested bool) (Step, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return Step{}, p.errorf(n, "step: want one of %s, as `- kind: ...`", kindNames(nested))
	}
	k, v := n.Content[0], n.Content[1]
	st := Step{Kind: StepKind(k.Value), Line: k.Line}
	spec, known := stepSpecs[st.Kind]
	switch {
	case nested && known && !spec.attacker:
		return st, p.errorf(k, "attacker: a %s step cannot run in the attacker's browser (want one of %s)", st.Kind, kindNames(true))
	case nested && !known:
		return st, p.errorf(k, "unknown step %q in an attacker block (want one of %s)", st.Kind, kindNames(true))
	case !known:
		return st, p.errorf(k, "unknown step %q (want one of %s)", st.Kind, kindNames(false))
	case spec.parse == nil:
		return st, nil
	}
	return st, spec.parse(p, v, &st)
}

// Describe names the step for progress and errors, without secret values.
func (s Step) Describe() string {
	if spec, ok := stepSpecs[s.Kind]; ok && spec.describe != nil {
		return spec.describe(s)
	}
	return string(s.Kind) + " " + s.Target
}

// step runs one step in the browser sd.
func (f *flow) step(ctx context.Context, b *browser.Browser, sd *side, st Step, opts RunOptions) error {
	spec, ok := stepSpecs[st.Kind]
	if !ok || spec.run == nil {
		return fmt.Errorf("step %q does not run by itself", st.Kind)
	}
	env := stepEnv{b: b, opts: opts, load: opts.Load, timeout: f.s.StepTimeout}
	// A step runs under the scenario's timeout:, and an error that it ran
	// out says so (probe steps load under --timeout, opts.Load).
	env.load.Timeout, env.load.TimeoutHint = env.timeout, f.s.TimeoutSource()
	return spec.run(f, ctx, sd, st, env)
}

// parseTarget reads a step whose value is one non-empty string, its
// Target: goto's URL, click's and submit's selector, capture's checkpoint,
// eval's script.
func parseTarget(p *parser, v *yaml.Node, st *Step) error {
	var err error
	st.Target, err = p.str(v, string(st.Kind))
	if err == nil && st.Target == "" {
		err = p.errorf(v, "%s: want a value", st.Kind)
	}
	return err
}
