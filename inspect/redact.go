package inspect

import (
	"encoding/json"
	"strings"
)

// Redact returns a copy of r with every cookie value replaced by Redacted:
// jar values, and the values inside recorded cookie lines. Names and
// attributes stay. r itself is not changed.
func (r Report) Redact() Report {
	out := r
	out.Targets = make([]Target, len(r.Targets))
	for i, t := range r.Targets {
		out.Targets[i] = t.redact()
	}
	return out
}

func (t Target) redact() Target {
	out := t
	out.Cookies = make([]Cookie, len(t.Cookies))
	for i, c := range t.Cookies {
		if c.Value != "" {
			c.Value = Redacted
		}
		c.SetBy = redactWrites(c.SetBy)
		out.Cookies[i] = c
	}
	out.Writes = redactWrites(t.Writes)
	out.Blocked = make([]BlockedWrite, len(t.Blocked))
	for i, b := range t.Blocked {
		b.Write = b.Write.redact()
		out.Blocked[i] = b
	}
	out.Probes = make([]Probe, len(t.Probes))
	for i, p := range t.Probes {
		p.Before = redactValueList(p.Before, p.Forged)
		p.After = redactValueList(p.After, p.Forged)
		out.Probes[i] = p
	}
	if t.Probes == nil {
		out.Probes = nil
	}
	out.Frames = make([]Frame, len(t.Frames))
	for i, f := range t.Frames {
		f.DocumentCookie.Pairs, f.CookieStore.Pairs = nil, nil
		out.Frames[i] = f
	}
	return out
}

func redactWrites(ws []Write) []Write {
	if ws == nil {
		return nil
	}
	out := make([]Write, len(ws))
	for i, w := range ws {
		out[i] = w.redact()
	}
	return out
}

func (w Write) redact() Write {
	w.CookieLine = RedactCookieLine(w.CookieLine)
	if w.Parsed.Value != "" {
		w.Parsed.Value = Redacted
	}
	return w
}

// redactValueList redacts each value of a ValueList except the attacker's.
func redactValueList(list, forged string) string {
	// Placeholders such as "(absent)" or "(12 cookies)" are no values.
	if strings.HasPrefix(list, "(") && strings.HasSuffix(list, ")") {
		return list
	}
	values := strings.Split(list, valueSeparator)
	for i, v := range values {
		if v != forged {
			values[i] = Redacted
		}
	}
	return strings.Join(values, valueSeparator)
}

// Scrub returns a copy of r in which each of secrets (values substituted
// into a scenario from the environment) is replaced by Redacted wherever it
// appears: cookie values, cookie lines, errors, evidence. It works on the
// report's JSON form, so no field is missed; fields the JSON does not carry
// (parsed lines, frame pairs) are dropped.
func (r Report) Scrub(secrets []string) (Report, error) {
	var live []string
	for _, s := range secrets {
		if s != "" {
			live = append(live, s)
		}
	}
	if len(live) == 0 {
		return r, nil
	}
	data, err := json.Marshal(r)
	if err != nil {
		return r, err
	}
	text := string(data)
	for _, s := range live {
		quoted, _ := json.Marshal(s)
		text = strings.ReplaceAll(text, string(quoted[1:len(quoted)-1]), Redacted)
	}
	var out Report
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return r, err
	}
	return out, nil
}
