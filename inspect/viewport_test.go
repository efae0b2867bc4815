package inspect

import (
	"strings"
	"testing"
)

func TestParseViewport(t *testing.T) {
	tests := []struct {
		description, in string
		w, h            int
		err             string
	}{
		{"a desktop size", "1280x720", 1280, 720, ""},
		{"the multiplication sign and a capital X", "390×844", 390, 844, ""},
		{"a capital X", "800X600", 800, 600, ""},
		{"no size at all", "0x0", 0, 0, "from 1 to 10000"},
		{"a side too large for any screen", "20000x10", 0, 0, "from 1 to 10000"},
		{"words", "abc", 0, 0, "want WIDTHxHEIGHT"},
		{"one side only", "1280", 0, 0, "want WIDTHxHEIGHT"},
		{"a negative side", "-5x10", 0, 0, "from 1 to 10000"},
	}
	for _, tt := range tests {
		v, err := ParseViewport(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: ParseViewport(%q) = %+v, %v; want an error with %q", tt.description, tt.in, v, err, tt.err)
		case tt.err == "" && (err != nil || v.Width != tt.w || v.Height != tt.h || v.DeviceScaleFactor != 1):
			t.Errorf("%s: ParseViewport(%q) = %+v, %v", tt.description, tt.in, v, err)
		}
	}
}

func TestDevicesAndDescriptions(t *testing.T) {
	phone, err := ParseDevice("iPhone-13")
	if err != nil || !phone.Mobile || !phone.Touch || phone.Width != 390 || phone.UserAgent == "" {
		t.Fatalf("ParseDevice(iPhone-13) = %+v, %v", phone, err)
	}
	if got := phone.Describe(); got != "iphone-13: 390×844 at 3x, mobile, touch" {
		t.Errorf("Describe = %q", got)
	}
	if got := (Viewport{}).Describe(); got != "1280×720 (desktop)" {
		t.Errorf("the zero viewport reads %q, want the default desktop", got)
	}
	if _, err := ParseDevice("nokia-3310"); err == nil || !strings.Contains(err.Error(), "iphone-13") {
		t.Errorf("an unknown device: %v; want an error listing the devices", err)
	}
}
