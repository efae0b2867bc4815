package scenarios

import (
	"context"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cookiescope/cookiescope/inspect"
)

// The steps that drive a page as a user would, in either browser: load a
// URL, fill, click, press a key, submit, wait, run a script, clear the jar.
const (
	StepGoto         StepKind = "goto"
	StepFill         StepKind = "fill"
	StepClick        StepKind = "click"
	StepPress        StepKind = "press"
	StepSubmit       StepKind = "submit"
	StepWait         StepKind = "wait"
	StepEval         StepKind = "eval"
	StepClearCookies StepKind = "clear-cookies"
)

func init() {
	registerSteps(
		stepSpec{kind: StepGoto, parse: parseTarget, attacker: true, run: runGoto},
		stepSpec{kind: StepFill, attacker: true,
			parse: func(p *parser, v *yaml.Node, st *Step) error {
				err := p.selectorAnd(v, st, "value")
				if err == nil && st.Target == "" {
					err = p.errorf(v, "fill: want a selector")
				}
				return err
			},
			describe: func(s Step) string { return fmt.Sprintf("fill %q", s.Target) },
			run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
				return sd.w.Fill(ctx, st.Target, st.Value, env.timeout, env.load)
			}},
		stepSpec{kind: StepClick, parse: parseTarget, attacker: true,
			run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
				return sd.w.Click(ctx, st.Target, env.timeout, env.load)
			}},
		stepSpec{kind: StepPress, attacker: true,
			parse: func(p *parser, v *yaml.Node, st *Step) error {
				err := p.selectorAnd(v, st, "key")
				if err == nil && (st.Target == "" || st.Value == "") {
					err = p.errorf(v, "press: want selector and key")
				}
				return err
			},
			describe: func(s Step) string { return fmt.Sprintf("press %s in %q", s.Value, s.Target) },
			run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
				return sd.w.Press(ctx, st.Target, st.Value, env.timeout, env.load)
			}},
		stepSpec{kind: StepSubmit, parse: parseTarget, attacker: true,
			run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
				return sd.w.Submit(ctx, st.Target, env.timeout, env.load)
			}},
		stepSpec{kind: StepWait, parse: (*parser).wait, describe: describeWait, attacker: true, run: runWait},
		stepSpec{kind: StepEval, parse: parseTarget, attacker: true,
			describe: func(Step) string { return "eval" },
			run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
				return sd.w.Eval(ctx, st.Target, env.load)
			}},
		// Any value: `- clear-cookies: true`.
		stepSpec{kind: StepClearCookies,
			describe: func(Step) string { return "clear-cookies" },
			run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
				return sd.w.ClearCookies()
			}},
	)
}

// runGoto loads the step's URL, resolved against the scenario's, and
// makes it the browser's current page.
func runGoto(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
	u, err := f.resolve(st.Target)
	if err != nil {
		return err
	}
	sd.current = u
	return sd.w.Goto(ctx, u, env.load)
}

// selectorAnd reads a {selector, KEY} mapping (fill's value, press's key)
// into st.Target and st.Value.
func (p *parser) selectorAnd(v *yaml.Node, st *Step, key string) error {
	return p.pairs(v, string(st.Kind), []string{"selector", key}, func(k string, _, val *yaml.Node) error {
		var err error
		if k == "selector" {
			st.Target, err = p.str(val, string(st.Kind)+" selector")
		} else {
			st.Value, err = p.str(val, string(st.Kind)+" "+key)
		}
		return err
	})
}

// wait reads a wait step: a duration, or exactly one of selector, url,
// cookie and duration.
func (p *parser) wait(v *yaml.Node, st *Step) error {
	if v.Kind == yaml.ScalarNode {
		d, err := p.waitDuration(v, "wait")
		st.WaitFor = d
		return err
	}
	n := 0
	err := p.pairs(v, "wait", []string{"selector", "url", "cookie", "duration"}, func(key string, _, val *yaml.Node) error {
		n++
		var e error
		switch key {
		case "selector":
			st.Target, e = p.str(val, "wait selector")
		case "url":
			st.WaitURL, e = p.str(val, "wait url")
		case "cookie":
			st.WaitCookie, e = p.str(val, "wait cookie")
		case "duration":
			st.WaitFor, e = p.waitDuration(val, "wait duration")
		}
		return e
	})
	if err == nil && n != 1 {
		return p.errorf(v, "wait: want exactly one of selector, url, cookie, duration")
	}
	return err
}

// waitDuration reads a fixed wait, which the step timeout bounds like
// every step: `wait: 2562047h` would otherwise block for centuries.
func (p *parser) waitDuration(n *yaml.Node, what string) (time.Duration, error) {
	d, err := p.duration(n, what)
	if err == nil && d > p.stepTimeout {
		err = p.errorf(n, "wait %s is longer than the step timeout %s; raise timeout: or shorten the wait", inspect.FormatDuration(d), inspect.FormatDuration(p.stepTimeout))
	}
	return d, err
}

func describeWait(s Step) string {
	switch {
	case s.WaitURL != "":
		return fmt.Sprintf("wait for url %q", s.WaitURL)
	case s.WaitCookie != "":
		return "wait for cookie " + s.WaitCookie
	case s.WaitFor > 0:
		return "wait " + s.WaitFor.String()
	}
	return fmt.Sprintf("wait for %q", s.Target)
}

func runWait(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
	switch {
	case st.WaitURL != "":
		return sd.w.WaitURL(ctx, st.WaitURL, env.timeout, env.load)
	case st.WaitCookie != "":
		return sd.w.WaitCookie(ctx, st.WaitCookie, env.timeout, env.load)
	case st.WaitFor > 0:
		return pause(ctx, st.WaitFor)
	}
	return sd.w.WaitSelector(ctx, st.Target, env.timeout, env.load)
}

// pause waits for d, or until ctx ends (an interrupt must not wait out a
// scenario's fixed waits), and then returns ctx's error.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
