package inspect

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Viewport is the size and kind of screen every page of a run is shown
// on: responsive sites lay themselves out by it, and hide controls a
// scenario may need to click. The zero value means DefaultViewport.
type Viewport struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// DeviceScaleFactor is the device pixel ratio (1 on a desktop).
	DeviceScaleFactor float64 `json:"deviceScaleFactor"`
	// Mobile lays the page out as a phone or tablet does (the meta
	// viewport tag applies); Touch gives it touch events.
	Mobile bool `json:"mobile"`
	Touch  bool `json:"touch"`
	// Device names the emulated device (--device), empty for a plain
	// viewport; UserAgent is the user agent it sends, empty for the
	// browser's own.
	Device    string `json:"device,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// DefaultViewport is a desktop window of 1280×720 CSS pixels, the size a
// QA engineer's scenarios are usually written against (and Playwright's
// default). Headless Chrome's own default, 800×600, hides the desktop
// layout of many admin screens.
var DefaultViewport = Viewport{Width: 1280, Height: 720, DeviceScaleFactor: 1}

// maxViewportSide bounds a viewport's width and height, as Chrome does for
// Emulation.setDeviceMetricsOverride (10,000,000 there; a page of that size
// would exhaust the renderer long before).
const maxViewportSide = 10000

// Devices are the phones and tablets --device emulates, by name: their
// viewport in CSS pixels, pixel ratio, and user agent, as each device's
// browser reports them.
var Devices = map[string]Viewport{
	"iphone-13": {Width: 390, Height: 844, DeviceScaleFactor: 3, Mobile: true, Touch: true,
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1"},
	"iphone-se": {Width: 375, Height: 667, DeviceScaleFactor: 2, Mobile: true, Touch: true,
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1"},
	"pixel-7": {Width: 412, Height: 915, DeviceScaleFactor: 2.625, Mobile: true, Touch: true,
		UserAgent: "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"},
	"galaxy-s9": {Width: 360, Height: 740, DeviceScaleFactor: 4, Mobile: true, Touch: true,
		UserAgent: "Mozilla/5.0 (Linux; Android 10; SM-G960U) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"},
	"ipad": {Width: 810, Height: 1080, DeviceScaleFactor: 2, Mobile: true, Touch: true,
		UserAgent: "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1"},
	"ipad-pro": {Width: 1024, Height: 1366, DeviceScaleFactor: 2, Mobile: true, Touch: true,
		UserAgent: "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1"},
	"desktop": DefaultViewport,
}

// DeviceNames lists Devices' names, sorted.
func DeviceNames() []string {
	names := make([]string, 0, len(Devices))
	for n := range Devices {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseViewport reads a viewport as WIDTHxHEIGHT in CSS pixels
// ("1280x720", also with × or X), each side from 1 to 10000.
func ParseViewport(s string) (Viewport, error) {
	w, h, ok := strings.Cut(strings.NewReplacer("×", "x", "X", "x").Replace(strings.TrimSpace(s)), "x")
	width, werr := strconv.Atoi(w)
	height, herr := strconv.Atoi(h)
	switch {
	case !ok || werr != nil || herr != nil:
		return Viewport{}, fmt.Errorf("%q: want WIDTHxHEIGHT in CSS pixels, such as 1280x720", s)
	case width < 1 || height < 1 || width > maxViewportSide || height > maxViewportSide:
		return Viewport{}, fmt.Errorf("%q: want each side from 1 to %d pixels", s, maxViewportSide)
	}
	return Viewport{Width: width, Height: height, DeviceScaleFactor: 1}, nil
}

// ParseDevice returns the named device's viewport (any case).
func ParseDevice(name string) (Viewport, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	v, ok := Devices[key]
	if !ok {
		return Viewport{}, fmt.Errorf("%q: not a device cookiescope knows (want one of %s)", name, strings.Join(DeviceNames(), ", "))
	}
	v.Device = key
	return v, nil
}

// OrDefault returns v, or DefaultViewport for the zero value.
func (v Viewport) OrDefault() Viewport {
	if v.Width == 0 || v.Height == 0 {
		return DefaultViewport
	}
	if v.DeviceScaleFactor == 0 {
		v.DeviceScaleFactor = 1
	}
	return v
}

// Describe says the viewport in a few words: "1280×720 (desktop)",
// "iphone-13: 390×844 at 3x, mobile, touch".
func (v Viewport) Describe() string {
	v = v.OrDefault()
	size := fmt.Sprintf("%d×%d", v.Width, v.Height)
	var traits []string
	if v.DeviceScaleFactor != 1 {
		traits = append(traits, "at "+strconv.FormatFloat(v.DeviceScaleFactor, 'g', -1, 64)+"x")
	}
	if v.Mobile {
		traits = append(traits, "mobile")
	}
	if v.Touch {
		traits = append(traits, "touch")
	}
	if len(traits) == 0 {
		traits = append(traits, "desktop")
	}
	if v.Device != "" && v.Device != "desktop" {
		return v.Device + ": " + size + " " + strings.Join(traits, ", ")
	}
	return size + " (" + strings.Join(traits, ", ") + ")"
}
