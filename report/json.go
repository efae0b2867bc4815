package report

import (
	"io"

	"github.com/cookiescope/cookiescope/inspect"
)

// WriteJSON writes the report as JSON, in the format docs/report.md
// describes and docs/report.schema.json defines.
func WriteJSON(w io.Writer, r inspect.Report) error {
	// Empty lists are written as [] rather than null; the copies keep the
	// caller's report as it was.
	r.Targets = append([]inspect.Target{}, r.Targets...)
	for i := range r.Targets {
		t := &r.Targets[i]
		if t.Cookies == nil {
			t.Cookies = []inspect.Cookie{}
		}
		if t.Blocked == nil {
			t.Blocked = []inspect.BlockedWrite{}
		}
		if t.Frames == nil {
			t.Frames = []inspect.Frame{}
		}
		if t.Writes == nil {
			t.Writes = []inspect.Write{}
		}
		cookies := make([]inspect.Cookie, len(t.Cookies))
		for j, c := range t.Cookies {
			if c.SetBy == nil {
				c.SetBy = []inspect.Write{}
			}
			if c.ReadableOn == nil {
				c.ReadableOn = []string{}
			}
			c.Readability = c.Verdict()
			cookies[j] = c
		}
		t.Cookies = cookies
		frames := make([]inspect.Frame, len(t.Frames))
		for j, f := range t.Frames {
			if f.Readable == nil {
				f.Readable = []string{}
			}
			frames[j] = f
		}
		t.Frames = frames
		if t.Scripts == nil {
			t.Scripts = []string{}
		}
		if t.Findings == nil {
			t.Findings = []inspect.Finding{}
		}
		if t.Probes != nil {
			probes := make([]inspect.Probe, len(t.Probes))
			for j, p := range t.Probes {
				if p.Reasons == nil {
					p.Reasons = []string{}
				}
				probes[j] = p
			}
			t.Probes = probes
		}
	}
	return writeJSON(w, r)
}
