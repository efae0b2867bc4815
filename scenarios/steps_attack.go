package scenarios

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/cookiescope/cookiescope/attack"
	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
	"go.yaml.in/yaml/v3"
)

// The steps of an attack: probe runs one of attack's probes on a copy of
// the session, attacker runs its steps in a second browser of the
// attacker's own, plant has the emulated network attacker write a cookie
// into the victim's jar.
const (
	StepProbe    StepKind = "probe"
	StepAttacker StepKind = "attacker"
	StepPlant    StepKind = "plant"
)

// Plant is a plant step: the emulated network attacker writes Cookie into
// the victim's jar, with the value it had at the checkpoint From, or Value.
type Plant struct {
	Cookie string
	// From is a checkpoint (a capture in either browser); Value a literal.
	// Exactly one is set. Value is a cookie value: never show it.
	From, Value string
	// Over is the channel: "http" (the victim's host over plain http) or
	// "sibling" (a sibling subdomain over http, Domain=the parent domain).
	Over string
}

// PlantedCheckpoint is the checkpoint every plant step takes of the
// victim's jar right after the plant, for `rotated: planted`.
const PlantedCheckpoint = "planted"

// plant reads {cookie, from | value, over}.
func (p *parser) plant(v *yaml.Node) (*Plant, error) {
	pl := &Plant{}
	hasValue := false
	err := p.pairs(v, "plant", []string{"cookie", "from", "value", "over"}, func(key string, _, val *yaml.Node) error {
		var err error
		switch key {
		case "cookie":
			pl.Cookie, err = p.str(val, "plant cookie")
			if err == nil && (pl.Cookie == "" || strings.ContainsAny(pl.Cookie, "=; \t\r\n,")) {
				err = p.errorf(val, "plant cookie: %q is not a cookie name", pl.Cookie)
			}
		case "from":
			pl.From, err = p.str(val, "plant from")
		case "value":
			hasValue = true
			pl.Value, err = p.str(val, "plant value")
			if err == nil && strings.ContainsAny(pl.Value, ";\r\n") {
				// It goes into a Set-Cookie line: no attribute may ride along.
				err = p.errorf(val, "plant value: a cookie value cannot hold ; or a line break")
			}
		case "over":
			pl.Over, err = p.str(val, "plant over")
			if err == nil && pl.Over != "http" && pl.Over != "sibling" {
				err = p.errorf(val, "plant over: %q (want http or sibling)", pl.Over)
			}
		}
		return err
	})
	switch {
	case err != nil:
		return pl, err
	case pl.Cookie == "":
		return pl, p.errorf(v, "plant: want a cookie name (cookie:)")
	case (pl.From != "") == hasValue:
		return pl, p.errorf(v, "plant %s: want exactly one of from (a checkpoint) and value", pl.Cookie)
	case pl.Over == "":
		return pl, p.errorf(v, "plant %s: want over: http or over: sibling", pl.Cookie)
	}
	return pl, nil
}

// attackerSide returns the attacker's browser, opening it on first use: a
// browser context of its own, clean, with its own recording.
func (f *flow) attackerSide(ctx context.Context) (*side, error) {
	if f.attacker != nil {
		return f.attacker, nil
	}
	// On the victim's browser: the scenario is served by one browser, and
	// runs again elsewhere as a whole when that one is lost.
	aw, err := f.victim.w.NewSibling(ctx)
	if err != nil {
		return nil, err
	}
	if err := aw.BeginFlow(); err != nil {
		aw.Close()
		return nil, err
	}
	f.attacker = &side{w: aw, name: inspect.BrowserAttacker, current: f.base, last: map[string]string{}}
	return f.attacker, nil
}

// plant has the emulated network attacker write the cookie into the
// victim's jar (Worker.Forge), records what Chrome decided, and takes the
// checkpoint `planted` of the victim's jar. Chrome refusing the cookie is
// no error: it is the secure outcome. Errors never hold the value.
func (f *flow) plant(ctx context.Context, st Step, load browser.LoadOptions) error {
	pl := st.Plant
	value := pl.Value
	if pl.From != "" {
		c, ok := findCookie(f.checkpoints[pl.From], pl.Cookie)
		if !ok {
			return fmt.Errorf("the checkpoint %s holds no cookie %s to plant", pl.From, pl.Cookie)
		}
		value = c.Value
	}
	host := inspect.HostOf(f.victim.current)
	if host == "" {
		host = inspect.HostOf(f.base)
	}
	n := len(f.plants) + 1
	attackURL := fmt.Sprintf("http://%s/__cookiescope/plant-%d", host, n)
	line := pl.Cookie + "=" + value + "; Path=/"
	parent := ""
	if pl.Over == inspect.PlantOverSibling {
		var ok bool
		if parent, ok = attack.ParentDomain(host); !ok {
			return fmt.Errorf("%s has no parent domain a sibling subdomain could set a cookie for", host)
		}
		attackURL = fmt.Sprintf("http://%s/__cookiescope/plant-%d", attack.SiblingHost(parent), n)
		line = pl.Cookie + "=" + value + "; Domain=" + parent + "; Path=/"
	}
	upgraded, err := f.victim.w.Forge(ctx, attackURL, browser.ForgedResponse{SetCookie: []string{line}}, load)
	if err != nil {
		return err
	}
	jar, err := f.victim.w.Jar()
	if err != nil {
		return fmt.Errorf("read the victim's jar after the plant: %w", err)
	}
	planted := false
	var named []inspect.Cookie
	for _, c := range jar {
		if c.Name == pl.Cookie {
			named = append(named, c)
			planted = planted || c.Value == value
		}
	}
	var received *bool
	receivedWhy := ""
	if planted {
		received, receivedWhy = f.plantReceived(ctx, jar, pl.Cookie, value, host, load)
	}
	f.plants = append(f.plants, inspect.Plant{Cookie: pl.Cookie, Over: pl.Over, From: pl.From, URL: attackURL, Planted: planted, Received: received,
		Evidence: attack.PlantEvidence(pl.Cookie, host, parent, planted, upgraded, named, received, receivedWhy), Step: st.Describe(), File: f.s.File, Line: st.Line})
	snap := f.victim.w.Snapshot(f.victim.current)
	f.note(f.victim, snap)
	f.checkpoints[PlantedCheckpoint] = snap
	f.checkpointLines[PlantedCheckpoint] = st.Line
	return nil
}

// plantReceived measures whether the victim's https page gets a planted
// value: it loads the page (the victim's current one when it is https on
// host, else https://host/) in a worker of its own holding a copy of the
// victim's jar, so that neither the victim's page nor its jar changes, and
// judges what Chrome sent with it and what script read there
// (attack.PlantReceived). With origin-bound cookies a value planted over
// http is stored but bound to http, and the https page never gets it.
func (f *flow) plantReceived(ctx context.Context, jar []inspect.Cookie, name, value, host string, load browser.LoadOptions) (*bool, string) {
	page := f.victim.current
	if u, err := url.Parse(page); err != nil || u.Scheme != "https" || u.Hostname() != host {
		page = (&url.URL{Scheme: "https", Host: host, Path: "/"}).String()
		if u, err := url.Parse(f.base); err == nil && u.Scheme == "https" && u.Hostname() == host {
			page = (&url.URL{Scheme: "https", Host: u.Host, Path: "/"}).String()
		}
	}
	copyWorker, err := f.victim.w.NewSibling(ctx)
	if err != nil {
		return attack.PlantReceived(browser.Delivery{URL: page}, err, name, value)
	}
	defer copyWorker.Close()
	if err := copyWorker.SetJar(ctx, jar); err != nil {
		return attack.PlantReceived(browser.Delivery{URL: page}, err, name, value)
	}
	d, err := copyWorker.Delivered(ctx, page, load)
	return attack.PlantReceived(d, err, name, value)
}

func init() {
	registerSteps(
		stepSpec{kind: StepProbe, parse: parseProbe, run: runProbe},
		stepSpec{kind: StepAttacker, parse: parseAttacker,
			// No run: runOne runs an attacker block's steps in line, each in
			// the attacker's browser.
			describe: func(s Step) string { return fmt.Sprintf("attacker block of %d steps", len(s.Steps)) }},
		stepSpec{kind: StepPlant,
			parse: func(p *parser, v *yaml.Node, st *Step) error {
				var err error
				st.Plant, err = p.plant(v)
				return err
			},
			describe: describePlant,
			run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
				return f.plant(ctx, st, env.load)
			}},
	)
}

// parseProbe reads a probe step: one of attack's probes, by name.
func parseProbe(p *parser, v *yaml.Node, st *Step) error {
	var err error
	st.Target, err = p.str(v, "probe")
	if err == nil {
		if perr := attack.CheckNames([]string{st.Target}); perr != nil {
			err = p.errorf(v, "probe: %v", strings.TrimPrefix(perr.Error(), "--probe "))
		}
	}
	return err
}

// parseAttacker reads an attacker block: a list of the steps an attacker
// block may hold.
func parseAttacker(p *parser, v *yaml.Node, st *Step) error {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return p.errorf(v, "attacker: want a list of steps, run in the attacker's browser")
	}
	for _, sn := range v.Content {
		nested, err := p.step(sn, true)
		if err != nil {
			return err
		}
		st.Steps = append(st.Steps, nested)
	}
	return nil
}

// runProbe attacks a copy of the session as it stands (the jar cloned into
// a second worker's context, afresh for every attempt), so that a probe
// after login tests the logged-in cookies while the flow's own state stays
// as it is.
func runProbe(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
	session, err := sd.w.Jar()
	if err != nil {
		return fmt.Errorf("read the session to probe: %w", err)
	}
	pw, err := sd.w.NewSibling(ctx)
	if err != nil {
		return err
	}
	defer pw.Close()
	var measured *inspect.Session
	if f.measured != nil {
		measured = f.measured.session
	}
	target := attack.Probe(ctx, pw, sd.current, []string{st.Target}, attack.Options{Load: env.opts.Load, Config: env.opts.Config, Session: session, Measured: measured, Step: f.at, Emulate: attack.BrowserEmulator(env.b)})
	f.probes = append(f.probes, target.Probes...)
	f.crossSite = append(f.crossSite, target.CrossSite...)
	return nil
}

func describePlant(s Step) string {
	if s.Plant.From != "" {
		return fmt.Sprintf("plant %s over %s from %s", s.Plant.Cookie, s.Plant.Over, s.Plant.From)
	}
	return fmt.Sprintf("plant %s over %s (a literal value)", s.Plant.Cookie, s.Plant.Over)
}
