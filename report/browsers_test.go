package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
)

func TestTargetsNameTheirBrowserOnlyWhenTheRunUsedSeveralOrMovedOne(t *testing.T) {
	a := inspect.TargetBrowser{Endpoint: "ws://chrome-a:9222", Product: "Chrome/156.0.8078.79"}
	b := inspect.TargetBrowser{Endpoint: "ws://chrome-b:9222", Product: "Chrome/156.0.8078.79"}
	moved := a
	moved.Moved = "browser ws://chrome-b:9222 lost: browser connection lost; run again on ws://chrome-a:9222"
	target := func(u string, on inspect.TargetBrowser) inspect.Target {
		return inspect.Target{URL: u, FinalURL: u, Browser: on}
	}
	for _, tt := range []struct {
		description string
		targets     []inspect.Target
		want        []string
	}{
		{"one launched browser: nothing per target", []inspect.Target{target("https://a.test/", inspect.TargetBrowser{Endpoint: "launched", Product: "Chrome/1"}), target("https://b.test/", inspect.TargetBrowser{Endpoint: "launched", Product: "Chrome/1"})}, nil},
		{"two browsers: each target names its own", []inspect.Target{target("https://a.test/", a), target("https://b.test/", b)},
			[]string{"ws://chrome-a:9222 (Chrome/156.0.8078.79)", "ws://chrome-b:9222 (Chrome/156.0.8078.79)"}},
		{"one browser left, a target moved to it: the move is said", []inspect.Target{target("https://a.test/", moved), target("https://b.test/", a)},
			[]string{"ws://chrome-a:9222 (Chrome/156.0.8078.79); moved: browser ws://chrome-b:9222 lost: browser connection lost; run again on ws://chrome-a:9222", "ws://chrome-a:9222 (Chrome/156.0.8078.79)"}},
	} {
		r := inspect.Report{Targets: tt.targets}
		var table, md bytes.Buffer
		if err := Write(&table, FormatTable, r, Options{Width: 400}); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(&md, r); err != nil {
			t.Fatal(err)
		}
		tableLines := grepPrefix(table.String(), "  Browser: ")
		mdLines := grepPrefix(md.String(), "**Browser:** ")
		if len(tableLines) != len(tt.want) || len(mdLines) != len(tt.want) {
			t.Errorf("%s: table says %q, Markdown %q; want %d lines", tt.description, tableLines, mdLines, len(tt.want))
			continue
		}
		for i, want := range tt.want {
			if tableLines[i] != want {
				t.Errorf("%s: table target %d: %q, want %q", tt.description, i, tableLines[i], want)
			}
			if strings.ReplaceAll(mdLines[i], `\`, "") != want {
				t.Errorf("%s: Markdown target %d: %q, want %q", tt.description, i, mdLines[i], want)
			}
		}
	}
}

// grepPrefix returns the rest of each line of s that starts with prefix.
func grepPrefix(s, prefix string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			out = append(out, rest)
		}
	}
	return out
}

// reconnectedReport is a run on two --remote browsers: the first was lost
// and connected to again, the target it was serving ran again on it; the
// second was lost and dropped. Its cause carries an escape character: text
// from the network.
func reconnectedReport() inspect.Report {
	at := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	return inspect.Report{
		SchemaVersion: inspect.SchemaVersion, Tool: "cookiescope", Started: at,
		Browser: inspect.Browser{Product: "Chrome/156.0.8078.114", Reconnections: []inspect.Reconnection{
			{Endpoint: "ws://127.0.0.1:3000", At: at, Cause: "browser connection lost", Attempts: 2, TookMS: 1300, Reconnected: true},
			{Endpoint: "http://127.0.0.1:9222", At: at, Cause: "browser connection lost\x1b[31m", Attempts: 7, TookMS: 10000,
				Error: "browser connection lost\x1b[31m; connecting to it again failed 7 times in 10s: connection refused"},
		}},
		Targets: []inspect.Target{
			{URL: "https://app.test/a", FinalURL: "https://app.test/a", Browser: inspect.TargetBrowser{Endpoint: "ws://127.0.0.1:3000", Product: "Chrome/156.0.8078.114",
				Moved: "browser ws://127.0.0.1:3000 lost: browser connection lost; connected to again; run again, alone, on it"}},
			{URL: "https://app.test/b", FinalURL: "https://app.test/b", Browser: inspect.TargetBrowser{Endpoint: "ws://127.0.0.1:3000", Product: "Chrome/156.0.8078.114"}},
		},
	}
}

func TestEveryFormatSaysEachReconnection(t *testing.T) {
	reconnected := "--remote ws://127.0.0.1:3000 was lost (browser connection lost) and connected to again after 2 attempts in 1.3 s"
	dropped := "--remote http://127.0.0.1:9222 was lost and dropped for the rest of the run: browser connection lost"
	moved := "connected to again; run again, alone, on it"
	checkEveryFormat(t, reconnectedReport(), 1000, []formatWants{
		{FormatTable, []string{"Browser: " + reconnected, "Browser: " + dropped, moved}},
		{FormatMarkdown, []string{"Browser: " + reconnected, "Browser: " + dropped, moved}},
		{FormatHTML, []string{"Browser: " + reconnected, "Browser: " + dropped, moved}},
		{FormatJUnit, []string{`<property name="browser" value="ws://127.0.0.1:3000 (Chrome/156.0.8078.114); moved: browser ws://127.0.0.1:3000 lost`,
			`<property name="browserReconnection 1" value="` + reconnected, `<property name="browserReconnection 2" value="` + dropped}},
		{FormatSARIF, []string{`"browserReconnection 1": "` + reconnected, `"browserReconnection 2": "` + dropped}},
		{FormatJSON, []string{`"reconnections": [`, `"reconnected": true`, `"attempts": 7`, `"tookMs": 1300`}},
	})
}
