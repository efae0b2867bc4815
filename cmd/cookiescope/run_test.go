package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/internal/schematest"
)

func TestRunFlawedFailsInEveryFormat(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	code, _, stderr := cookiescope(t, "run", "--format", "json", "--output", out("r.json"), "--format", "junit", "--output", out("r.xml"),
		"--format", "sarif", "--output", out("r.sarif"), "--format", "markdown", "--output", out("r.md"), "--format", "table", "--output", out("r.txt"),
		"../../testdata/scenarios")
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFindings, stderr)
	}
	read := func(name string) string {
		data, err := os.ReadFile(out(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	schematest.Check(t, []byte(read("r.json")))
	for name, want := range map[string]string{
		"r.json":  `"failures": [`,
		"r.xml":   `httpOnly: expected true, got false`,
		"r.sarif": `"ruleId": "expectation"`,
		"r.md":    "❌ flawed login",
		"r.txt":   "FAIL",
	} {
		if !strings.Contains(read(name), want) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
	if !strings.Contains(read("r.xml"), `failures="1"`) {
		t.Errorf("JUnit does not count the flawed scenario's failed expectation")
	}
}

func TestBrokenScenarioExitsTwoBeforeAnyBrowser(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: broken\nlab: secure\nsteps:\n  - goto: /login\n  - clik: \"#go\"\n"), 0o644)
	missing := filepath.Join(dir, "secret.yaml")
	os.WriteFile(missing, []byte("name: needs a secret\nlab: secure\nsteps:\n  - fill: {selector: \"#p\", value: \"${COOKIESCOPE_TEST_UNSET_PASSWORD}\"}\n"), 0o644)
	for _, tc := range []struct{ file, want string }{
		{bad, bad + `:5: unknown step "clik"`},
		{missing, missing + ":4: fill value: environment variable COOKIESCOPE_TEST_UNSET_PASSWORD is not set"},
	} {
		// --browser names no binary: reaching the launch would fail with exit 3.
		code, _, stderr := cookiescope(t, "run", "--browser", "/nonexistent/chrome", tc.file)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("exit %d, stderr %q; want %d with %q", code, stderr, exitUsage, tc.want)
		}
	}
}

func TestSecretsNeverAppear(t *testing.T) {
	needBrowser(t)
	t.Setenv("COOKIESCOPE_TEST_PASSWORD", "hunter2-very-secret")
	file := filepath.Join(t.TempDir(), "login.yaml")
	os.WriteFile(file, []byte(`name: login with a secret
lab: flawed
timeout: 2s
steps:
  - goto: /login
  - fill: {selector: "input[name=password]", value: "${COOKIESCOPE_TEST_PASSWORD}"}
  - eval: "document.cookie = 'typed=' + document.querySelector('input[name=password]').value"
  - fill: {selector: "#missing", value: "${COOKIESCOPE_TEST_PASSWORD}"}
`), 0o644)
	for _, format := range []string{"json", "table", "junit", "markdown"} {
		_, stdout, stderr := cookiescope(t, "run", "--format", format, "--show-values", file)
		if strings.Contains(stdout+stderr, "hunter2-very-secret") {
			t.Errorf("--format %s shows the secret", format)
		}
		if format == "json" && !strings.Contains(stdout, "#missing") {
			t.Errorf("the failed fill step is not named")
		}
	}
}
