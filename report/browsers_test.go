package report

import (
	"bytes"
	"strings"
	"testing"

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
