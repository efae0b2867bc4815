package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/internal/schematest"
)

// formatWants are the texts one format must write for a report.
type formatWants struct {
	format Format
	want   []string
}

// checkEveryFormat writes r in each format at width and checks that it
// holds every text it wants; the human formats must write no escape
// character (r carries one where page or network text goes), and JSON
// must match the schema.
func checkEveryFormat(t *testing.T, r inspect.Report, width int, cases []formatWants) {
	t.Helper()
	for _, tt := range cases {
		var buf bytes.Buffer
		if err := Write(&buf, tt.format, r, Options{Width: width}); err != nil {
			t.Fatalf("%s: %v", tt.format, err)
		}
		out := buf.String()
		for _, want := range tt.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", tt.format, want, out)
			}
		}
		if tt.format == FormatJSON {
			schematest.Check(t, buf.Bytes())
		} else if strings.Contains(out, "\x1b") {
			t.Errorf("%s writes an escape character raw", tt.format)
		}
	}
}
