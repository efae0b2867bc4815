package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cookiescope/cookiescope/internal/schematest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendering; run go test ./report -update and review the diff.\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestTableGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, findingsReport().Redact()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table-redacted.golden", buf.Bytes())
	if bytes.Contains(buf.Bytes(), []byte("s3cret")) {
		t.Error("the redacted table shows a cookie value")
	}
	buf.Reset()
	if err := WriteTable(&buf, fullReport()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table-values.golden", buf.Bytes())
	if !bytes.Contains(buf.Bytes(), []byte("s3cret")) {
		t.Error("with values shown, the table does not show the value")
	}
}

func TestJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, findingsReport().Redact()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report-redacted.json", buf.Bytes())
	schematest.Check(t, buf.Bytes())
}
