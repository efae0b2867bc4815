package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

func TestABadCrawlExitsTwoBeforeAnyBrowserStarts(t *testing.T) {
	browserPath, mark := fakeBrowser(t)
	dir := t.TempDir()
	scenario := func(name, step string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("name: crawl\nlab: portal\nsteps:\n  - goto: /admin/\n  - "+step+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		description string
		args        []string
		mentions    []string
	}{
		{"a crawl of no pages", []string{"inspect", "--crawl", "0", "https://app.test/"}, []string{"--crawl 0", "1 or more"}},
		{"a crawl of fewer than no pages", []string{"inspect", "--crawl", "-3", "https://app.test/"}, []string{"--crawl -3", "1 or more"}},
		{"a crawl of some pages", []string{"inspect", "--crawl", "many", "https://app.test/"}, []string{"--crawl", "many"}},
		{"an exclude pattern that is no regular expression", []string{"inspect", "--crawl", "5", "--crawl-exclude", "(logout", "https://app.test/"}, []string{"--crawl-exclude", `"(logout"`, "missing closing )"}},
		{"an exclude pattern without a crawl", []string{"inspect", "--crawl-exclude", "logout", "https://app.test/"}, []string{"--crawl-exclude needs --crawl N"}},
		{"more URLs than pages", []string{"inspect", "--crawl", "1", "https://app.test/a", "https://app.test/b"}, []string{"--crawl 1", "crawl 2 pages at least"}},
		{"a crawl step without max", []string{"run", scenario("nomax.yaml", "crawl: {exclude: [x]}")}, []string{"nomax.yaml:5: crawl: want max"}},
		{"a crawl step of no pages", []string{"run", scenario("zero.yaml", "crawl: {max: 0}")}, []string{"zero.yaml:5: crawl max: \"0\""}},
		{"a crawl step's bad exclude pattern", []string{"run", scenario("regex.yaml", "crawl: {max: 3, exclude: [\"a[\"]}")}, []string{"regex.yaml:5: crawl exclude: \"a[\"", "missing closing ]"}},
		{"a crawl step's unknown key", []string{"run", scenario("key.yaml", "crawl: {max: 3, follow: all}")}, []string{"key.yaml:5: crawl: unknown key \"follow\""}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			args := append([]string{tt.args[0], "--browser", browserPath}, tt.args[1:]...)
			code, _, stderr := cookiescope(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			for _, want := range tt.mentions {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q does not mention %q", stderr, want)
				}
			}
			if _, err := os.Stat(mark); err == nil {
				t.Error("the browser was started")
			}
		})
	}
}

func TestInspectCrawlReportsEveryPageWhereItWasFoundAndWhatTheLimitLeft(t *testing.T) {
	code, stdout, stderr := labInspect(t, []string{"--crawl", "10", "--crawl-exclude", `/logout$`, "--format", "json"}, lab.SitePath)
	if code != exitOK {
		t.Fatalf("exit %d; stderr %s", code, stderr)
	}
	schematest.Check(t, []byte(stdout))
	rep := decodeReport(t, stdout)
	targets, _ := rep["targets"].([]any)
	var want []string
	for _, p := range lab.SitePages {
		if p.Path != "/site/logout" && len(want) < 10 {
			want = append(want, p.Path+" <- "+p.From)
		}
	}
	if len(targets) != len(want) {
		t.Fatalf("%d targets, want %d", len(targets), len(want))
	}
	base := testLab.URL(true, lab.AppHost, "")
	for i, raw := range targets {
		tg := raw.(map[string]any)
		from, _ := tg["discoveredFrom"].(string)
		got := strings.TrimPrefix(tg["url"].(string), base) + " <- " + strings.TrimPrefix(from, base)
		if got != want[i] {
			t.Errorf("target %d: %s, want %s", i+1, got, want[i])
		}
	}
	crawl, _ := rep["crawl"].(map[string]any)
	if crawl["limitReached"] != true || crawl["unvisited"] != 1.0 || crawl["excluded"] != 1.0 || crawl["skipped"] != 2.0 {
		t.Errorf("crawl %v: want the limit reached with 1 page left, the logout excluded and 2 pages skipped", crawl)
	}
	for _, want := range []string{"[1 done, ", " found] " + testLab.URL(true, lab.AppHost, lab.SitePath) + ": 1 cookie", "skipped: not HTML (application/pdf)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the progress on stderr lacks %q:\n%s", want, stderr)
		}
	}
}
