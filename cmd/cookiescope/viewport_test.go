package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

func TestABadViewportOrDeviceExitsTwoBeforeAnyBrowserStarts(t *testing.T) {
	browserPath, mark := fakeBrowser(t)
	dir := t.TempDir()
	scenario := filepath.Join(dir, "phone.yaml")
	if err := os.WriteFile(scenario, []byte("name: phone\nlab: secure\nviewport: 0x0\nsteps:\n  - goto: /\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	device := filepath.Join(dir, "device.yaml")
	if err := os.WriteFile(device, []byte("name: phone\nlab: secure\ndevice: nokia\nsteps:\n  - goto: /\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		description string
		args        []string
		mentions    []string
	}{
		{"a viewport of no size", []string{"inspect", "--viewport", "0x0", "https://app.test/"}, []string{"--viewport", `"0x0"`, "from 1 to 10000"}},
		{"a viewport in words", []string{"probe", "--viewport", "abc", "https://app.test/"}, []string{"--viewport", `"abc"`, "want WIDTHxHEIGHT"}},
		{"an unknown device", []string{"run", "--device", "nokia", "builtin:secure-login"}, []string{"--device", `"nokia"`, "iphone-13"}},
		{"the demo with a bad viewport", []string{"demo", "--viewport", "1280"}, []string{"--viewport", "want WIDTHxHEIGHT"}},
		{"a scenario's viewport of no size", []string{"run", scenario}, []string{"phone.yaml:3: viewport:", "from 1 to 10000"}},
		{"a scenario's unknown device", []string{"run", device}, []string{"device.yaml:3: device:", `"nokia"`}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			args := append([]string{tt.args[0], "--browser", browserPath}, tt.args[1:]...)
			refusedBeforeLaunch(t, mark, args, tt.mentions)
		})
	}
}

func TestEveryReportStatesTheViewportThePagesWereShownOn(t *testing.T) {
	needBrowser(t)
	page := testLab.URL(true, lab.AppHost, "/responsive")
	for _, tt := range []struct {
		description string
		flags       []string
		device      string
		width       float64
		layout      string
	}{
		{"the default: a desktop window", nil, "", 1280, "desktop"},
		{"a phone", []string{"--device", "iphone-13"}, "iphone-13", 390, "mobile"},
		{"a phone's size on a desktop", []string{"--viewport", "700x900"}, "", 700, "mobile"},
	} {
		args := append([]string{"inspect", "--remote", testRemote, "--format", "json", "--show-values"}, tt.flags...)
		code, stdout, stderr := cookiescope(t, append(args, page)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d; stderr %s", tt.description, code, stderr)
		}
		schematest.Check(t, []byte(stdout))
		rep := decodeReport(t, stdout)
		vp, _ := rep["viewport"].(map[string]any)
		if vp == nil || vp["width"] != tt.width || (tt.device != "" && vp["device"] != tt.device) {
			t.Errorf("%s: viewport %v", tt.description, vp)
		}
		layout := ""
		for _, c := range rep["targets"].([]any)[0].(map[string]any)["cookies"].([]any) {
			if c := c.(map[string]any); c["name"] == "layout" {
				layout, _ = c["value"].(string)
			}
		}
		if layout != tt.layout {
			t.Errorf("%s: the page laid itself out as %q, want %q", tt.description, layout, tt.layout)
		}
	}
	code, stdout, _ := cookiescope(t, "inspect", "--remote", testRemote, "--device", "ipad", page)
	if code != exitOK || !strings.Contains(stdout, "Viewport: ipad: 810×1080 at 2x, mobile, touch") {
		t.Errorf("the table's first lines do not state the device (exit %d):\n%s", code, stdout[:min(len(stdout), 600)])
	}
}
