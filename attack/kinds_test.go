package attack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
)

// TestProbeKindsAreDocumentedEverywhere holds the schema, the report's
// documentation and the README to the list of probe kinds, so that a
// probe added or renamed in one place and not the others fails here.
func TestProbeKindsAreDocumentedEverywhere(t *testing.T) {
	rowKinds := kindNames(func(k *kind) bool { return k.run != nil })

	raw, err := os.ReadFile(schematest.SchemaPath())
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs struct {
			Probe struct {
				Properties struct {
					Name struct {
						Enum []string `json:"enum"`
					} `json:"name"`
				} `json:"properties"`
			} `json:"probe"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	if got := schema.Defs.Probe.Properties.Name.Enum; !slices.Equal(got, rowKinds) {
		t.Errorf("the schema's probe name enum is %v, the probes with rows are %v", got, rowKinds)
	}

	docs := filepath.Join(filepath.Dir(schematest.SchemaPath()))
	reportDoc := readText(t, filepath.Join(docs, "report.md"))
	nameRow := regexp.MustCompile("(?m)^\\| `name` \\| string \\| the probe: (.*) \\|$").FindStringSubmatch(reportDoc)
	if nameRow == nil {
		t.Fatal("docs/report.md has no `name` row for probes[]")
	}
	if got := backquoted(nameRow[1]); !slices.Equal(got, rowKinds) {
		t.Errorf("docs/report.md lists the probes %v, the kinds are %v", got, rowKinds)
	}

	readme := readText(t, filepath.Join(docs, "..", "README.md"))
	for _, k := range kinds {
		heading := "- **" + k.name + "**:"
		if k.run == nil {
			heading = "### The " + k.name + " probe"
		}
		if !strings.Contains(readme, heading) {
			t.Errorf("the README does not explain the %s probe (want a line %q)", k.name, heading)
		}
		if k.summary == "" || len(k.rules) == 0 {
			t.Errorf("the %s probe has no summary or no rule", k.name)
		}
	}
}

// TestProbeKindsRaiseTheirRules judges a target with one vulnerable row of
// each probe and wants exactly the rules its kind declares; the cross-site
// probe's rules must at least exist.
func TestProbeKindsRaiseTheirRules(t *testing.T) {
	for _, k := range kinds {
		for _, id := range k.rules {
			if _, ok := inspect.RuleByID(id); !ok {
				t.Errorf("%s raises %s, which inspect does not know", k.name, id)
			}
		}
		if k.run == nil {
			continue
		}
		target := inspect.Target{URL: "https://app.test/",
			Probes: []inspect.Probe{{Name: k.name, Cookie: "sid", Attack: "an attack", Channel: "header", Accepted: true, Verdict: inspect.Vulnerable, Explanation: "it worked"}}}
		var raised []string
		for _, f := range inspect.Judge(target, inspect.Config{}, time.Now()) {
			if f.RuleID >= "CS020" {
				raised = append(raised, f.RuleID)
			}
		}
		if !slices.Equal(raised, k.rules) {
			t.Errorf("a vulnerable %s row raised %v, its kind declares %v", k.name, raised, k.rules)
		}
	}
}

// readText returns a file's text or fails the test.
func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// backquoted returns the `quoted` words of s in order.
func backquoted(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
