package browser

import (
	"strings"
	"testing"
)

func TestFindChromeNamesWhatIsWrong(t *testing.T) {
	if _, err := FindChrome("/nonexistent/chrome"); err == nil || !strings.Contains(err.Error(), "--browser /nonexistent/chrome") {
		t.Errorf("an explicit missing binary: %v, want an error naming --browser", err)
	}
	t.Setenv("CHROME_PATH", "/nonexistent/chrome")
	if _, err := FindChrome(""); err == nil || !strings.Contains(err.Error(), "CHROME_PATH=/nonexistent/chrome") {
		t.Errorf("a missing CHROME_PATH: %v, want an error naming CHROME_PATH", err)
	}
	if !strings.Contains(ErrNoBrowser.Error(), "apt-get install -y chromium") {
		t.Errorf("ErrNoBrowser does not say what to install: %v", ErrNoBrowser)
	}
}

func TestHostResolverRules(t *testing.T) {
	tests := []struct {
		description string
		in          []string
		want        string
		wantErr     string
	}{
		{"a host to an IPv4 address", []string{"app.test:127.0.0.1"}, "MAP app.test 127.0.0.1", ""},
		{"a wildcard suffix", []string{"*.test:127.0.0.1"}, "MAP *.test 127.0.0.1", ""},
		{"IPv6 in brackets", []string{"app.test:[::1]"}, "MAP app.test [::1]", ""},
		{"several rules are joined", []string{"a.test:127.0.0.1", "b.test:127.0.0.2"}, "MAP a.test 127.0.0.1, MAP b.test 127.0.0.2", ""},
		{"no address", []string{"app.test"}, "", "want HOST:IP"},
		{"a name instead of an address", []string{"app.test:localhost"}, "", "not an IP address"},
		{"a host with a comma would inject a rule", []string{"a.test,MAP x:127.0.0.1"}, "", "not a host name"},
	}
	for _, tt := range tests {
		got, err := HostResolverRules(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.description, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.description, got, err, tt.want)
		}
	}
}
