package attack

import (
	"strings"
	"testing"

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
		got := PlantEvidence(tt.name, "app.test", tt.parent, tt.planted, tt.upgraded, tt.jar)
		if !strings.HasPrefix(got, tt.want) && !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.description, got, tt.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("%s: the evidence shows a value: %s", tt.description, got)
		}
	}
}
