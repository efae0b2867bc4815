package scenarios

import (
	"os"
	"regexp"
	"slices"
	"testing"
	"time"
)

// Every kind of step is one entry of the registry, with its parsing,
// description and running together; the list that orders them, the
// registry and the file format's documentation must agree.
func TestEveryStepKindIsRegisteredAndDocumented(t *testing.T) {
	for _, k := range stepKinds {
		spec, ok := stepSpecs[k]
		if !ok {
			t.Errorf("step kind %q is in stepKinds but registers no spec", k)
			continue
		}
		if spec.run == nil && k != StepAttacker {
			t.Errorf("step kind %q cannot run: its spec has no run", k)
		}
	}
	for k := range stepSpecs {
		if !slices.Contains(stepKinds, k) {
			t.Errorf("step kind %q is registered but missing from stepKinds, which orders the kinds in messages", k)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The first table of the section "Steps" lists every kind once, in
	// stepKinds' order.
	table := regexp.MustCompile("(?s)\n## Steps\n.*?\n(\\| step \\|.*?)\n\n").FindSubmatch(readme)
	if table == nil {
		t.Fatal("scenarios/README.md has no table of steps under ## Steps")
	}
	var documented []StepKind
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|").FindAllSubmatch(table[1], -1) {
		documented = append(documented, StepKind(m[1]))
	}
	if !slices.Equal(documented, stepKinds) {
		t.Errorf("scenarios/README.md's table of steps lists %v, want %v", documented, stepKinds)
	}
}

// A step's description names it without its secret values; every kind
// has one.
func TestEveryStepKindDescribesItself(t *testing.T) {
	steps := map[StepKind]Step{
		StepGoto: {Target: "/login"}, StepFill: {Target: "#password", Value: "hunter2"}, StepClick: {Target: "#go"},
		StepPress: {Target: "#q", Value: "Enter"}, StepSubmit: {Target: "form"}, StepWait: {WaitFor: time.Second},
		StepEval: {Target: "document.cookie='a=hunter2'"}, StepCapture: {Target: "before"},
		StepExpect: {Expect: &Expectation{Cookie: "sid", Present: true}}, StepProbe: {Target: "http-overwrite"},
		StepClearCookies: {}, StepAttacker: {Steps: []Step{{Kind: StepGoto, Target: "/"}}},
		StepPlant:   {Plant: &Plant{Cookie: "sid", Value: "hunter2", Over: "http"}},
		StepSession: {Session: &SessionCheck{Check: "/account", Page: "#who"}}, StepCrawl: {Crawl: &CrawlStep{Max: 3}},
	}
	for _, k := range stepKinds {
		st, ok := steps[k]
		if !ok {
			t.Errorf("no sample step of kind %q: add one here", k)
			continue
		}
		st.Kind = k
		d := st.Describe()
		if d == "" || regexp.MustCompile("hunter2").MatchString(d) {
			t.Errorf("%s describes itself as %q: want a name without the value", k, d)
		}
	}
}
