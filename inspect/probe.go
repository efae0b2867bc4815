package inspect

import (
	"strings"
)

// Verdict is a probe's plain judgement of one attempt.
type Verdict string

// The verdicts.
const (
	// Protected: the attack failed against this cookie.
	Protected Verdict = "protected"
	// Vulnerable: the attack worked; the explanation says what it bought.
	Vulnerable Verdict = "vulnerable"
	// NotApplicable: the probe could not run here, or the row is a control;
	// the explanation says why.
	NotApplicable Verdict = "not applicable"
)

// Probe is one attack attempt on a target and Chrome's answer to it.
type Probe struct {
	// Name is the probe: http-overwrite, path-shadow, sibling-toss,
	// fixation-plant, jar-overflow or prefix.
	Name string `json:"name"`
	// Cookie is the name of the cookie attacked (or attempted).
	Cookie string `json:"cookie"`
	// Attack says what was tried, in one line.
	Attack string `json:"attack"`
	// Channel is how: "header" or "script".
	Channel string `json:"channel"`
	// Emulated is true when cookiescope played the network attacker (with
	// the Fetch domain) or injected the attacking script itself.
	Emulated bool `json:"emulated"`
	// Accepted is Chrome's verdict on the forged write: did the jar take it.
	Accepted bool `json:"accepted"`
	// Reasons are Chrome's reasons when it gave any; for emulated responses
	// and script writes it gives none, and the jar is the evidence.
	Reasons []string `json:"reasons"`
	// Before and After are the values the jar held under the attacked name
	// (see ValueList) before and after the attempt. They are redacted unless
	// shown, except the attacker's own value, which is no secret.
	Before string `json:"before"`
	After  string `json:"after"`
	// Received is what the target's https origin got after an attack the
	// jar took, the evidence its verdict rests on: an attacker's value that
	// Chrome stores but never sends there (origin-bound cookies bind it to
	// http) changes nothing the site sees. Nil when the jar did not take the
	// attack, and for probes that judge by the jar alone (jar-overflow,
	// prefix).
	Received *Receipt `json:"received,omitempty"`
	// Verdict and Explanation are the plain judgement and its one line of why.
	Verdict     Verdict `json:"verdict"`
	Explanation string  `json:"explanation"`

	// Step says where in a scenario the probe ran (file:line and the step),
	// empty for `cookiescope probe`.
	Step string `json:"step,omitempty"`

	// Forged is the attacker's value, which redaction leaves visible.
	Forged string `json:"-"`
}

// Receipt is what the target's origin got after an attack the jar took,
// measured with one more page load there (URL): the values of the attacked
// name in the Cookie header Chrome sent with the page's request (what the
// server receives, in that order) and in document.cookie there (what page
// script reads), each as a ValueList, and Chrome's reasons when it kept the
// attacker's value from the request. Values are redacted unless shown, the
// attacker's own excepted.
type Receipt struct {
	URL      string `json:"url"`
	Sent     string `json:"sent"`
	Readable string `json:"readable"`
	// Withheld are Chrome's reasons for keeping the attacker's value from
	// the request (SchemeMismatch: bound to http); empty when it was sent,
	// or when Chrome kept it back without naming a reason.
	Withheld []string `json:"withheld"`
	// Error says why the receipt could not be measured; the verdict then
	// rests on the jar alone, and says so.
	Error string `json:"error,omitempty"`
}

// Absent is the ValueList of a name the jar does not hold.
const Absent = "(absent)"

// NotMeasuredValues is the ValueList of what could not be read.
const NotMeasuredValues = "(not measured)"

const valueSeparator = ", "

// ValueList lists the values of the cookies named name in jar, in jar order,
// or Absent.
func ValueList(jar []Cookie, name string) string {
	var values []string
	for _, c := range jar {
		if c.Name == name {
			values = append(values, c.Value)
		}
	}
	if len(values) == 0 {
		return Absent
	}
	return strings.Join(values, valueSeparator)
}

// ValuesOf lists the values of name in a Cookie header or a document.cookie
// string, in order, as a ValueList (Absent when none).
func ValuesOf(cookieString, name string) string {
	var values []string
	for _, p := range ParseDocumentCookie(cookieString) {
		if p.Name == name {
			values = append(values, p.Value)
		}
	}
	if len(values) == 0 {
		return Absent
	}
	return strings.Join(values, valueSeparator)
}
