package inspect

import (
	"strings"
	"testing"
)

func TestParseThirdPartyCookies(t *testing.T) {
	tests := []struct {
		description string
		in          string
		want        ThirdPartyCookies
		wantErr     bool
	}{
		{"allow is a mode", "allow", ThirdPartyCookiesAllow, false},
		{"block is a mode", "block", ThirdPartyCookiesBlock, false},
		{"an empty value is refused: the default is given by leaving the flag out", "", "", true},
		{"modes are lower case, as the flag documents them", "Allow", "", true},
		{"anything else is refused", "partitioned", "", true},
	}
	for _, tt := range tests {
		got, err := ParseThirdPartyCookies(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: ParseThirdPartyCookies(%q) = %q, %v", tt.description, tt.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "want allow or block") {
			t.Errorf("%s: error %q does not say what is accepted", tt.description, err)
		}
	}
}

func TestTheZeroModeBlocks(t *testing.T) {
	var zero ThirdPartyCookies
	if zero.Allowed() || zero.OrDefault() != ThirdPartyCookiesBlock {
		t.Errorf("the zero mode: allowed=%v, default %q; want blocked", zero.Allowed(), zero.OrDefault())
	}
	if !ThirdPartyCookiesAllow.Allowed() || ThirdPartyCookiesBlock.Allowed() {
		t.Error("allow must allow and block must block")
	}
}

func TestPartitionTellsCookiesOfOneNameApart(t *testing.T) {
	own := Cookie{Name: "w", Domain: "widget.test", Path: "/", HostOnly: true, Partitioned: true, PartitionKey: "https://app.test"}
	embedded := own
	embedded.PartitionCrossSite = true
	elsewhere := own
	elsewhere.PartitionKey = "https://other.test"
	unpartitioned := Cookie{Name: "w", Domain: "widget.test", Path: "/", HostOnly: true}
	tests := []struct {
		description string
		c           Cookie
		want        string
	}{
		{"an unpartitioned cookie has no partition", unpartitioned, ""},
		{"a partitioned cookie names its top-level site", own, "partitioned under https://app.test"},
		{"one set in a cross-site frame says so: Chrome keys it apart", embedded, "partitioned under https://app.test, in a cross-site frame"},
		{"another top-level site is another partition", elsewhere, "partitioned under https://other.test"},
	}
	keys := map[CookieKey]string{}
	for _, tt := range tests {
		if got := tt.c.Partition(); got != tt.want {
			t.Errorf("%s: Partition() = %q, want %q", tt.description, got, tt.want)
		}
		if other, dup := keys[tt.c.Key()]; dup {
			t.Errorf("%s: same key as %q", tt.description, other)
		}
		keys[tt.c.Key()] = tt.description
		f := cookieFinding(tt.c, "", "evidence")
		if f.Partition() != tt.want {
			t.Errorf("%s: the finding's partition %q, want %q", tt.description, f.Partition(), tt.want)
		}
	}
}
