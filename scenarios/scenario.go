// Package scenarios reads scripted flows (YAML scenario files), runs them in
// Chrome through package browser, and checks their cookie expectations.
// Every error in a file names file:line and what was expected there.
package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/yamlerr"
	"github.com/cookiescope/cookiescope/lab"
)

// Scenario is one scripted flow.
type Scenario struct {
	Name string
	// File and Line locate the scenario for error messages and reports.
	File string
	Line int
	// Lab names an embedded lab target (lab.Targets: "secure", "portal", ...) the
	// runner starts and targets; URL is a base URL otherwise. Relative goto
	// paths resolve against the one given.
	Lab string
	URL string
	// StepTimeout bounds each step (default DefaultStepTimeout);
	// TimeoutLine is the line of the scenario's timeout: key, 0 when the
	// default applies, for errors that say what decided a timeout.
	StepTimeout time.Duration
	TimeoutLine int
	// Viewport is the scenario's own viewport (its viewport: or device:
	// key), nil for the run's.
	Viewport *inspect.Viewport
	Steps    []Step
	// Secrets are the values substituted from the environment; they never
	// appear in any output.
	Secrets []string
}

// Step is one line of a flow. Kind says which fields matter.
type Step struct {
	Kind StepKind
	Line int
	// Target is the URL or path (goto), the CSS selector (fill, click,
	// press, submit, wait for a selector), the checkpoint name (capture),
	// the script (eval), or the probe name (probe).
	Target string
	// Value is what fill types, or the key press sends.
	Value string
	// Wait kinds: exactly one of these for a wait step. Parse refuses a
	// WaitFor longer than the scenario's StepTimeout, which bounds every
	// step; the wait also ends when the run's context does.
	WaitURL, WaitCookie string
	WaitFor             time.Duration
	Expect              *Expectation
	// Steps are an attacker block's steps, run in the attacker's browser.
	Steps []Step
	// Plant is what a plant step writes into the victim's jar.
	Plant *Plant
	// Session is what a session step loads and looks for.
	Session *SessionCheck
	// Crawl is what a crawl step walks.
	Crawl *CrawlStep
}

// builtinSourceDir is the folder of the built-in scenarios in cookiescope's
// repository, which the binary embeds.
const builtinSourceDir = "scenarios/builtin"

// SourcePath returns the path in cookiescope's repository of a built-in
// scenario file as Parse names it (builtin:fixation.yaml gives
// scenarios/builtin/fixation.yaml), for reports that locate results in
// files; ok is false for every other file.
func SourcePath(file string) (path string, ok bool) {
	name, ok := strings.CutPrefix(file, BuiltinPrefix)
	if !ok || name == "" || strings.ContainsAny(name, "/\\") {
		return "", false
	}
	return builtinSourceDir + "/" + name, true
}

// DefaultStepTimeout bounds each step of a scenario without timeout:.
const DefaultStepTimeout = 15 * time.Second

// TimeoutSource says what set the scenario's step timeout and where to
// raise it, for the error of a step that ran out of time.
func (s Scenario) TimeoutSource() string {
	if s.TimeoutLine > 0 {
		return fmt.Sprintf("the scenario's timeout: at %s:%d; raise it there", s.File, s.TimeoutLine)
	}
	return fmt.Sprintf("the default step timeout; set timeout: in %s to raise it", s.File)
}

// Error is a problem in a scenario file, at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// varRef matches ${NAME} references to the environment.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse reads one scenario file. lookup resolves ${VAR} references (use
// os.LookupEnv); a missing variable is an error at its line.
func Parse(file string, data []byte, lookup func(string) (string, bool)) ([]Scenario, error) {
	var docs []Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := yamlerr.Syntax(data, err)
			return nil, &Error{file, line, "not valid YAML: " + msg}
		}
		if len(root.Content) == 0 {
			continue
		}
		p := &parser{file: file, lookup: lookup}
		s, err := p.scenario(root.Content[0])
		if err != nil {
			return nil, err
		}
		docs = append(docs, s)
	}
	if len(docs) == 0 {
		return nil, &Error{file, 1, "no scenario in the file (want a mapping with name and steps)"}
	}
	return docs, nil
}

type parser struct {
	file    string
	lookup  func(string) (string, bool)
	secrets []string
	// stepTimeout is the scenario's timeout, read before its steps.
	stepTimeout time.Duration
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{p.file, n.Line, fmt.Sprintf(format, args...)}
}

// str reads a scalar, substituting ${VAR} from the environment.
func (p *parser) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.errorf(n, "%s: want a single value", what)
	}
	var missing []string
	out := varRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		name := varRef.FindStringSubmatch(ref)[1]
		v, ok := p.lookup(name)
		if !ok {
			missing = append(missing, name)
			return ref
		}
		if v != "" {
			p.secrets = append(p.secrets, v)
		}
		return v
	})
	if len(missing) > 0 {
		return "", p.errorf(n, "%s: environment variable %s is not set", what, strings.Join(missing, ", "))
	}
	return out, nil
}

func (p *parser) boolean(n *yaml.Node, what string) (*bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return nil, p.errorf(n, "%s: want true or false", what)
	}
	return &b, nil
}

func (p *parser) duration(n *yaml.Node, what string) (time.Duration, error) {
	s, err := p.str(n, what)
	if err != nil {
		return 0, err
	}
	d, err := inspect.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, p.errorf(n, "%s: %q is not a duration (want e.g. 500ms, 10s, 24h, 7d)", what, s)
	}
	return d, nil
}

// pairs walks a mapping node, calling fn for each key and value; unknown
// keys are reported with the allowed ones.
func (p *parser) pairs(n *yaml.Node, what string, allowed []string, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, "%s: want a mapping with %s", what, strings.Join(allowed, ", "))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			return p.errorf(k, "%s: unknown key %q (want one of %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if line, dup := seen[k.Value]; dup {
			return p.errorf(k, "%s: %s given twice (first at line %d)", what, k.Value, line)
		}
		seen[k.Value] = k.Line
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) scenario(n *yaml.Node) (Scenario, error) {
	s := Scenario{File: p.file, Line: n.Line, StepTimeout: DefaultStepTimeout}
	var stepsNode *yaml.Node
	var device *inspect.Viewport
	var size *yaml.Node
	err := p.pairs(n, "scenario", []string{"name", "lab", "url", "timeout", "viewport", "device", "steps"}, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "viewport":
			size = v
		case "device":
			var name string
			if name, err = p.str(v, "device"); err == nil {
				d, derr := inspect.ParseDevice(name)
				if derr != nil {
					return p.errorf(v, "device: %v", derr)
				}
				device = &d
			}
		case "name":
			s.Name, err = p.str(v, "name")
		case "lab":
			s.Lab, err = p.str(v, "lab")
			if err == nil && !slices.ContainsFunc(lab.Targets, func(t lab.Target) bool { return t.Name == s.Lab }) {
				err = p.errorf(v, "lab: %q is not a lab target (want %s)", s.Lab, labNames())
			}
		case "url":
			s.URL, err = p.str(v, "url")
			if err == nil {
				if cerr := inspect.CheckURL(s.URL); cerr != nil {
					err = p.errorf(v, "url: %v", cerr)
				}
			}
		case "timeout":
			s.StepTimeout, err = p.duration(v, "timeout")
			s.TimeoutLine = k.Line
		case "steps":
			stepsNode = v
		}
		return err
	})
	if err != nil {
		return s, err
	}
	if err := p.viewport(&s, device, size); err != nil {
		return s, err
	}
	switch {
	case s.Name == "":
		return s, p.errorf(n, "scenario: want a name")
	case s.Lab == "" && s.URL == "":
		return s, p.errorf(n, "scenario %q: want lab (%s) or url", s.Name, labNames())
	case s.Lab != "" && s.URL != "":
		return s, p.errorf(n, "scenario %q: give lab or url, not both", s.Name)
	case stepsNode == nil || stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0:
		return s, p.errorf(n, "scenario %q: want a list of steps", s.Name)
	}
	p.stepTimeout = s.StepTimeout
	checkpoints := map[string]int{}
	sessionLine := 0
	for _, sn := range stepsNode.Content {
		step, err := p.step(sn, false)
		if err != nil {
			return s, err
		}
		if err := p.checkpoints(step, checkpoints); err != nil {
			return s, err
		}
		if err := p.sessions(step, &sessionLine); err != nil {
			return s, err
		}
		s.Steps = append(s.Steps, step)
	}
	s.Secrets = p.secrets
	return s, nil
}

// checkpoints checks the checkpoint names a step (and an attacker block's
// steps) takes and uses against those taken before it, by line: a capture
// name is taken once, and rotated and plant's from name an earlier one.
func (p *parser) checkpoints(st Step, taken map[string]int) error {
	switch st.Kind {
	case StepAttacker:
		for _, nested := range st.Steps {
			if err := p.checkpoints(nested, taken); err != nil {
				return err
			}
		}
	case StepCapture:
		if st.Target == PlantedCheckpoint {
			return &Error{p.file, st.Line, fmt.Sprintf("capture: %q is the checkpoint plant steps take; choose another name", st.Target)}
		}
		if line, dup := taken[st.Target]; dup {
			return &Error{p.file, st.Line, fmt.Sprintf("capture: a checkpoint named %q was taken at line %d already", st.Target, line)}
		}
		taken[st.Target] = st.Line
	case StepPlant:
		if from := st.Plant.From; from != "" {
			if _, ok := taken[from]; !ok {
				return &Error{p.file, st.Line, fmt.Sprintf("plant: from: no earlier capture named %q", from)}
			}
		}
		taken[PlantedCheckpoint] = st.Line
	case StepExpect:
		for _, ref := range []struct{ key, checkpoint string }{{"rotated", st.Expect.Rotated}, {"invalidated", st.Expect.Invalidated}} {
			if _, ok := taken[ref.checkpoint]; ref.checkpoint != "" && !ok {
				return &Error{p.file, st.Expect.Line, fmt.Sprintf("expect: %s: no earlier capture named %q", ref.key, ref.checkpoint)}
			}
		}
	}
	return nil
}

// viewport sets the scenario's viewport from its device: and viewport:
// keys: the device's, its size replaced by viewport: WxH when both are
// given.
func (p *parser) viewport(s *Scenario, device *inspect.Viewport, size *yaml.Node) error {
	if device == nil && size == nil {
		return nil
	}
	v := inspect.DefaultViewport
	if device != nil {
		v = *device
	}
	if size != nil {
		text, err := p.str(size, "viewport")
		if err != nil {
			return err
		}
		wh, err := inspect.ParseViewport(text)
		if err != nil {
			return p.errorf(size, "viewport: %v", err)
		}
		v.Width, v.Height = wh.Width, wh.Height
	}
	s.Viewport = &v
	return nil
}

// labNames lists the lab targets a scenario's lab: may name.
func labNames() string {
	names := make([]string, len(lab.Targets))
	for i, t := range lab.Targets {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// sessions checks a step against the scenario's session step: a scenario
// measures one session (its line in *measured), and `expect: {session:
// ended}` needs it before, in the victim's browser.
func (p *parser) sessions(st Step, measured *int) error {
	switch {
	case st.Kind == StepSession && *measured != 0:
		return &Error{p.file, st.Line, fmt.Sprintf("session: a scenario measures one session, and line %d measures it already (split the flow into two scenarios to measure two)", *measured)}
	case st.Kind == StepSession:
		*measured = st.Line
	case st.Kind == StepExpect && st.Expect.Session != "" && *measured == 0:
		return &Error{p.file, st.Expect.Line, "expect session: ended: no earlier session step measured a session (add `- session: {check: URL, page: SELECTOR}` after the login)"}
	case st.Kind == StepAttacker:
		for _, nested := range st.Steps {
			if nested.Kind == StepExpect && nested.Expect.Session != "" {
				return &Error{p.file, nested.Expect.Line, "attacker: expect session: ended checks the victim's session; put it outside the attacker block"}
			}
		}
	}
	return nil
}

// Load reads scenario files and folders (every *.yaml and *.yml below a
// folder), sorted by file name, all before any browser starts.
func Load(paths []string, lookup func(string) (string, bool)) ([]Scenario, error) {
	var files []string
	var out []Scenario
	for _, path := range paths {
		if name, ok := strings.CutPrefix(path, BuiltinPrefix); ok {
			b, err := Builtin(name)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
			continue
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, path)
			continue
		}
		found, err := yamlFiles(path)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .yaml or .yml scenario files", path)
		}
		files = append(files, found...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s, err := Parse(f, data, lookup)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// Expectations is a convenience for tests and reports: every expectation
// of the scenario, attacker blocks' included, in order.
func (s Scenario) Expectations() []*Expectation {
	var out []*Expectation
	for _, st := range s.Steps {
		if st.Expect != nil {
			out = append(out, st.Expect)
		}
		for _, nested := range st.Steps {
			if nested.Expect != nil {
				out = append(out, nested.Expect)
			}
		}
	}
	return out
}

// yamlFiles lists the scenario files below dir, sorted.
func yamlFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, path)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
