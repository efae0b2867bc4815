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
		t.Requests = jsonRequests(t.Requests)
		if t.CrossSite != nil {
			crossSite := make([]inspect.CrossSite, len(t.CrossSite))
			for j, cs := range t.CrossSite {
				kinds := make([]inspect.CrossSiteRequest, len(cs.Requests))
				for k, r := range cs.Requests {
					if r.Request != nil {
						req := jsonRequests([]inspect.Request{*r.Request})[0]
						r.Request = &req
					}
					kinds[k] = r
				}
				cs.Requests = kinds
				crossSite[j] = cs
			}
			t.CrossSite = crossSite
		}
		t.Cookies = jsonCookies(t.Cookies)
		if t.EarlierCookies != nil {
			t.EarlierCookies = jsonCookies(t.EarlierCookies)
		}
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

// jsonRequests copies rs with empty lists as [].
func jsonRequests(rs []inspect.Request) []inspect.Request {
	out := make([]inspect.Request, len(rs))
	for j, r := range rs {
		if r.Sent == nil {
			r.Sent = []inspect.RequestCookie{}
		}
		if r.Withheld == nil {
			r.Withheld = []inspect.RequestCookie{}
		}
		out[j] = r
	}
	return out
}

// jsonCookies copies cs with empty lists as [] and the readability verdict
// set.
func jsonCookies(cs []inspect.Cookie) []inspect.Cookie {
	out := make([]inspect.Cookie, len(cs))
	for j, c := range cs {
		if c.SetBy == nil {
			c.SetBy = []inspect.Write{}
		}
		if c.ReadableOn == nil {
			c.ReadableOn = []string{}
		}
		c.Readability = c.Verdict()
		out[j] = c
	}
	return out
}
