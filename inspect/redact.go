package inspect

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
	out.Frames = make([]Frame, len(t.Frames))
	for i, f := range t.Frames {
		f.Pairs = nil
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
