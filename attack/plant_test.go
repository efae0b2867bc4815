package attack

import (
	"errors"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

func TestPlantEvidenceSaysWhatChromeDecided(t *testing.T) {
	secure := []inspect.Cookie{{Name: "sid", Value: "real-secret", Secure: true}}
	tests := []struct {
		description, name, parent string
		planted, upgraded         bool
		jar                       []inspect.Cookie
		want                      string
	}{
		{"stored over http", "sid", "", true, false, nil, "Chrome stored it: the victim's jar holds the planted value for app.test"},
		{"stored from a sibling", "sid", "test", true, false, nil, "Chrome stored it for Domain=test, so app.test receives it"},
		{"HSTS upgraded the request", "sid", "", false, true, nil, "Chrome refused it: HSTS turned the http request into https"},
		{"a __Host- name", "__Host-sid", "", false, false, nil, "Chrome refused it: a __Host- name cannot be set over http"},
		{"a __Secure- name", "__Secure-sid", "", false, false, nil, "Chrome refused it: a __Secure- name cannot be set over http"},
		{"an __Http- name", "__Http-sid", "", false, false, nil, "Chrome refused it: a __Http- name cannot be set over http (__Http- cookies must be Secure and HttpOnly"},
		{"a __Host-Http- name", "__Host-Http-sid", "", false, false, nil, "Chrome refused it: a __Host-Http- name cannot be set over http"},
		{"a lower-case __host- name", "__host-sid", "", false, false, nil, "Chrome refused it: a __Host- name cannot be set over http"},
		{"a Secure cookie of the name in the jar", "sid", "", false, false, secure, "strict secure cookies"},
		{"no reason to be found", "sid", "", false, false, nil, "Chrome did not store it"},
	}
	for _, tt := range tests {
		got := PlantEvidence(tt.name, "app.test", tt.parent, tt.planted, tt.upgraded, tt.jar, nil, "")
		if !strings.HasPrefix(got, tt.want) && !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.description, got, tt.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("%s: the evidence shows a value: %s", tt.description, got)
		}
	}
}

// With origin-bound cookies a plant over http is stored but never reaches
// the victim's https page: the evidence says so, from Chrome's reason.
func TestPlantEvidenceSaysWhetherTheHTTPSPageGotIt(t *testing.T) {
	page := "https://app.test/login"
	tests := []struct {
		description string
		d           browser.Delivery
		err         error
		received    *bool
		want        string
	}{
		{"sent with the page's request", browser.Delivery{URL: page, Reported: true, Header: "sid=planted-secret"}, nil, ptr(true),
			"Chrome stored it: the victim's jar holds the planted value for app.test (Chrome sends it to https://app.test/login)"},
		{"readable by the page's script only", browser.Delivery{URL: page, Reported: true, DocumentCookie: "sid=planted-secret"}, nil, ptr(true),
			"Chrome stored it: the victim's jar holds the planted value for app.test"},
		{"bound to http", browser.Delivery{URL: page, Reported: true, Header: "sid=real", Withheld: []browser.WithheldCookie{{Name: "sid", Value: "planted-secret", Reasons: []string{"SchemeMismatch", "PortMismatch"}}}}, nil, ptr(false),
			"Chrome stored it in the victim's jar, but bound to http: the https site never receives it (Chrome withheld it from https://app.test/login: SchemeMismatch, PortMismatch"},
		{"not sent, no reason named", browser.Delivery{URL: page, Reported: true}, nil, ptr(false),
			"Chrome stored it in the victim's jar, but the https site never received it: Chrome did not send it to https://app.test/login (it named no reason)"},
		{"the page could not be loaded", browser.Delivery{URL: page}, errors.New("load https://app.test/login: net::ERR_CONNECTION_REFUSED"), nil,
			"Chrome stored it: the victim's jar holds the planted value for app.test (what https://app.test/login receives could not be measured: load"},
	}
	for _, tt := range tests {
		received, why := PlantReceived(tt.d, tt.err, "sid", "planted-secret")
		if (received == nil) != (tt.received == nil) || received != nil && *received != *tt.received {
			t.Errorf("%s: received %v, want %v", tt.description, received, tt.received)
		}
		got := PlantEvidence("sid", "app.test", "", true, false, nil, received, why)
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.description, got, tt.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("%s: the evidence shows a value: %s", tt.description, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }
