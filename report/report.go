// Package report renders an inspect.Report: a terminal table for people and
// JSON for machines. Renderers never change the report: redaction happens
// before, in inspect.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// Format names an output format.
type Format string

// The formats cookiescope writes.
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatSARIF    Format = "sarif"
	FormatJUnit    Format = "junit"
	FormatMarkdown Format = "markdown"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatJSON, FormatSARIF, FormatJUnit, FormatMarkdown:
		return f, nil
	}
	return "", fmt.Errorf("--format %q: want table, json, sarif, junit or markdown", s)
}

// Options are what renderers need besides the report.
type Options struct {
	// FailOn is the lowest severity that fails the run; nil: none does.
	FailOn *inspect.Severity
	// ToolVersion names the cookiescope build in SARIF.
	ToolVersion string
}

// Write renders the report in the format.
func Write(w io.Writer, f Format, r inspect.Report, opts Options) error {
	switch f {
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatSARIF:
		return WriteSARIF(w, r, opts)
	case FormatJUnit:
		return WriteJUnit(w, r, opts)
	case FormatMarkdown:
		return WriteMarkdown(w, r)
	}
	return WriteTable(w, r)
}

// WriteAtomic writes a file through a temporary file in the same folder and
// a rename, so a reader never sees half a report and an interrupted write
// leaves the old file in place.
func WriteAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// jsonIndent is the indentation of the JSON report.
const jsonIndent = "  "

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", jsonIndent)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
