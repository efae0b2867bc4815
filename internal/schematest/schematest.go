// Package schematest checks JSON reports against docs/report.schema.json in
// tests.
package schematest

import (
	"bytes"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaPath is the absolute path of the JSON report's schema.
func SchemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "docs", "report.schema.json")
}

// Validate returns the schema's complaint about data, or nil when data is a
// report the schema accepts.
func Validate(data []byte) error {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile(SchemaPath())
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return schema.Validate(doc)
}

// Check fails the test when data is not a valid report.
func Check(t testing.TB, data []byte) {
	t.Helper()
	if err := Validate(data); err != nil {
		t.Fatalf("the report does not match %s:\n%v", SchemaPath(), err)
	}
}
