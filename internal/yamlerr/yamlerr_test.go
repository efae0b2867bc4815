package yamlerr

import (
	"errors"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSyntaxNamesTheLineOfTheProblem(t *testing.T) {
	tests := []struct {
		description, yaml string
		line              int
		msg               string
	}{
		{"a list item indented too far: the library names the list's first line", "a: 1\nsteps:\n  - x: 1\n   - y: 2\n", 4, "did not find expected '-' indicator"},
		{"a key indented too far", "a:\n  b: 1\n   c: 2\n", 3, "mapping values are not allowed in this context"},
		{"a quote that never closes: the line it opens on", "a: \"abc\nb: 1\n", 1, "found unexpected end of stream"},
		{"a flow list that never closes", "a: 1\nb: [1,\n", 2, "did not find expected node content"},
	}
	for _, tt := range tests {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(tt.yaml), &n)
		if err == nil {
			t.Fatalf("%s: the YAML parsed", tt.description)
		}
		line, msg := Syntax([]byte(tt.yaml), err)
		if line != tt.line || msg != tt.msg {
			t.Errorf("%s: line %d %q, want line %d %q (library: %v)", tt.description, line, msg, tt.line, tt.msg, err)
		}
	}
}

func TestMessageKeepsLinesInsideTheText(t *testing.T) {
	line, msg := Message(errors.New(`yaml: line 4: did not find expected key while parsing a block mapping at line 2`))
	if line != 4 || msg != "did not find expected key while parsing a block mapping at line 2" {
		t.Errorf("line %d %q", line, msg)
	}
	if line, msg := Message(errors.New("yaml: unknown anchor 'x' referenced")); line != 0 || msg != "unknown anchor 'x' referenced" {
		t.Errorf("without a line: line %d %q", line, msg)
	}
}
