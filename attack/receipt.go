package attack

import (
	"errors"
	"slices"
	"strings"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// reach is what the target's https origin got after an attack: one page
// load there, read for the attacked name. A verdict that rests on it judges
// the attack as the site sees it: with origin-bound cookies Chrome stores a
// value forged over http and still never sends it to https.
type reach struct {
	d   browser.Delivery
	err error
}

// errNotReported means Chrome reported no cookie decision for the page's
// request (it never reached the network), so what it carried is unknown.
var errNotReported = errors.New("Chrome reported no cookies for the page's request")

// receive loads rawURL in the attack's context and reads what its origin
// got.
func (p *prober) receive(rawURL string) *reach {
	d, err := p.tab.Delivered(p.ctx, rawURL, p.opts.Load)
	return newReach(d, err)
}

// lastReceived reads what the origin got with the page Visit last loaded.
func (p *prober) lastReceived() *reach {
	return newReach(p.tab.LastDelivered(p.ctx, p.target), nil)
}

func newReach(d browser.Delivery, err error) *reach {
	if err == nil && !d.Reported {
		err = errNotReported
	}
	return &reach{d: d, err: err}
}

// got reports whether the origin got value under name: the server in the
// Cookie header, or page script in document.cookie.
func (r reach) got(name, value string) bool {
	if r.err != nil {
		return false
	}
	has := func(s string) bool {
		return slices.ContainsFunc(inspect.ParseDocumentCookie(s), func(p inspect.NameValue) bool { return p.Name == name && p.Value == value })
	}
	return has(r.d.Header) || (r.d.ScriptErr == nil && has(r.d.DocumentCookie))
}

// withheld returns Chrome's reasons for keeping value (under name) from the
// page's request.
func (r reach) withheld(name, value string) []string {
	for _, w := range r.d.Withheld {
		if w.Name == name && w.Value == value {
			return w.Reasons
		}
	}
	return nil
}

// receipt is the row's evidence of what the origin got under name.
func (r reach) receipt(name, forged string) *inspect.Receipt {
	rc := &inspect.Receipt{URL: r.d.URL, Sent: inspect.ValuesOf(r.d.Header, name), Readable: inspect.ValuesOf(r.d.DocumentCookie, name), Withheld: []string{}}
	if reasons := r.withheld(name, forged); reasons != nil {
		rc.Withheld = reasons
	}
	if r.d.ScriptErr != nil {
		rc.Readable = inspect.NotMeasuredValues
	}
	if r.err != nil {
		rc.Error = r.err.Error()
		rc.Sent, rc.Readable = inspect.NotMeasuredValues, inspect.NotMeasuredValues
	}
	return rc
}

// judgeReceived keeps the jar's verdict on an attack whose value the jar
// took (jarVerdict, jarWhy) only when the https origin then got that value:
// stored but never sent nor readable there, the attack changed nothing the
// site sees, and is protected. When the origin could not be read, the
// jar's verdict stands and says so.
func judgeReceived(jarVerdict inspect.Verdict, jarWhy, name, forged string, r reach) (inspect.Verdict, string) {
	switch {
	case jarVerdict != inspect.Vulnerable:
		return jarVerdict, jarWhy
	case r.err != nil:
		return jarVerdict, jarWhy + " (what " + r.d.URL + " then receives could not be measured: " + r.err.Error() + ")"
	case r.got(name, forged):
		return jarVerdict, jarWhy
	}
	return inspect.Protected, notReceived(name, forged, r)
}

// notReceived says why an attacker's value the jar holds never reached the
// https origin, from Chrome's own reasons for withholding it.
func notReceived(name, forged string, r reach) string {
	reasons := r.withheld(name, forged)
	if slices.Contains(reasons, "SchemeMismatch") {
		return "stored, but bound to http: the https site never receives it (Chrome withheld it from " + r.d.URL + ": " + strings.Join(reasons, ", ") + "; page script there cannot read it either)"
	}
	why := "named no reason"
	if len(reasons) > 0 {
		why = "withheld it: " + strings.Join(reasons, ", ")
	}
	return "stored, but the https site never received it: Chrome did not send it to " + r.d.URL + " (it " + why + ") and page script there could not read it"
}
