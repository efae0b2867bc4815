package inspect

import (
	"reflect"
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
	out.Cookies = redactCookies(t.Cookies)
	if t.EarlierCookies != nil {
		out.EarlierCookies = redactCookies(t.EarlierCookies)
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
		if p.Received != nil {
			r := *p.Received
			r.Sent = redactValueList(r.Sent, p.Forged)
			r.Readable = redactValueList(r.Readable, p.Forged)
			p.Received = &r
		}
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

// redactCookies copies cs with every value redacted, its writes' lines too.
func redactCookies(cs []Cookie) []Cookie {
	out := make([]Cookie, len(cs))
	for i, c := range cs {
		if c.Value != "" {
			c.Value = Redacted
		}
		c.SetBy = redactWrites(c.SetBy)
		out[i] = c
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
// into a scenario from the environment) is replaced by Redacted in every
// string the report holds: cookie values and lines, URLs, stacks, errors,
// expectations, dialog messages, and the fields the JSON leaves out (parsed
// lines, frame pairs, a probe's forged value). Each stretch of text that
// occurrences of secrets cover, overlapping ones included, becomes one
// Redacted, so no part of a secret survives next to another; empty secrets
// are ignored. r itself is not changed: the copy shares no slice, map or
// pointer with it.
//
// Scrub walks the report's values, never its encoding, so a secret that is
// also JSON syntax or a field name ("1234", "name", "{") cannot corrupt the
// report, and a field added later is scrubbed without a change here.
// Unexported fields are copied as they are, which leaves time.Time intact.
func (r Report) Scrub(secrets []string) Report {
	var live []string
	for _, s := range secrets {
		if s != "" {
			live = append(live, s)
		}
	}
	var out Report
	scrubCopy(reflect.ValueOf(&out).Elem(), reflect.ValueOf(r), live)
	return out
}

// scrubCopy sets dst, a settable value of src's type, to a deep copy of src
// with secrets scrubbed from every string reachable through exported fields.
// The report's types hold no pointer cycles; a cycle would not end.
func scrubCopy(dst, src reflect.Value, secrets []string) {
	switch src.Kind() {
	case reflect.String:
		dst.SetString(ScrubText(src.String(), secrets))
	case reflect.Struct:
		// Copies the unexported fields too: they are not walked.
		dst.Set(src)
		for i := range src.NumField() {
			if src.Type().Field(i).IsExported() {
				scrubCopy(dst.Field(i), src.Field(i), secrets)
			}
		}
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			scrubCopy(s.Index(i), src.Index(i), secrets)
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			scrubCopy(dst.Index(i), src.Index(i), secrets)
		}
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		p := reflect.New(src.Type().Elem())
		scrubCopy(p.Elem(), src.Elem(), secrets)
		dst.Set(p)
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		// Two keys that scrub to the same text keep one entry.
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			k := reflect.New(src.Type().Key()).Elem()
			scrubCopy(k, it.Key(), secrets)
			v := reflect.New(src.Type().Elem()).Elem()
			scrubCopy(v, it.Value(), secrets)
			m.SetMapIndex(k, v)
		}
		dst.Set(m)
	case reflect.Interface:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		v := reflect.New(src.Elem().Type()).Elem()
		scrubCopy(v, src.Elem(), secrets)
		dst.Set(v)
	default:
		dst.Set(src)
	}
}

// ScrubText returns text with each stretch covered by occurrences of
// secrets replaced by one Redacted. Occurrences may overlap ("abc" and "bcd"
// in "abcd", or "abab" twice in "ababab"): the whole stretch goes, so
// neither the order of secrets nor their overlap leaves a piece of one
// behind. Empty secrets are ignored.
func ScrubText(text string, secrets []string) string {
	var covered []bool // covered[i]: byte i of text is part of a secret
	for _, s := range secrets {
		if s == "" {
			continue
		}
		// end is where the marks of this secret's occurrences stop, so each
		// byte is marked once even when occurrences overlap.
		for from, end := 0, 0; ; {
			at := strings.Index(text[from:], s)
			if at < 0 {
				break
			}
			if covered == nil {
				covered = make([]bool, len(text))
			}
			at += from
			for i := max(at, end); i < at+len(s); i++ {
				covered[i] = true
			}
			from, end = at+1, at+len(s)
		}
	}
	if covered == nil {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		start := i
		for i < len(text) && covered[i] == covered[start] {
			i++
		}
		if covered[start] {
			b.WriteString(Redacted)
		} else {
			b.WriteString(text[start:i])
		}
	}
	return b.String()
}
