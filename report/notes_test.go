package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
)

func TestATargetsNotesAreShownInTheTableAndHTML(t *testing.T) {
	note := "the service worker https://app.test/sw.js was still installing when cookiescope stopped waiting for it"
	rep := inspect.Report{Targets: []inspect.Target{{URL: "https://app.test/", Notes: []string{note}}}}
	for _, f := range []Format{FormatTable, FormatHTML} {
		var out bytes.Buffer
		if err := Write(&out, f, rep, Options{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), "Note: "+note) {
			t.Errorf("%s does not show the note %q:\n%s", f, note, out.String())
		}
	}
}
