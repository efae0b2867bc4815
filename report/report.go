// Package report renders an inspect.Report: a terminal report for people,
// a self-contained HTML page to show and share, Markdown for pull requests,
// and JSON, SARIF and JUnit for machines. Renderers never change the report: redaction happens
// before, in inspect.
package report

import (
	"encoding/json"
	"fmt"
	"io"
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
	FormatHTML     Format = "html"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatJSON, FormatSARIF, FormatJUnit, FormatMarkdown, FormatHTML:
		return f, nil
	}
	return "", fmt.Errorf("--format %q: want table, json, sarif, junit, markdown or html", s)
}

// Options are what renderers need besides the report.
type Options struct {
	// FailOn is the lowest severity that fails the run; nil: none does.
	FailOn *inspect.Severity
	// ToolVersion names the cookiescope build in SARIF.
	ToolVersion string
	// SARIFRoot is the folder SARIF's file locations are relative to: the
	// top level of the repository code scanning looks at. Empty: files are
	// located as the report names them.
	SARIFRoot string
	// SourcePath gives the path in cookiescope's repository of a scenario
	// the binary embeds (builtin:fixation.yaml), which has no file of its
	// own to locate; ok is false for every other file. Nil: none is
	// embedded.
	SourcePath func(file string) (path string, ok bool)
	// Width is the terminal report's width in columns: no line of it is
	// wider. Zero means DefaultWidth; less than 40 counts as 40. See
	// TerminalWidth.
	Width int
	// Color marks verdicts and severities with ANSI colours in the terminal
	// report. Set it only for a terminal, and never when NO_COLOR is set:
	// see UseColor.
	Color bool
	// Verbose makes the terminal report show everything: the evidence of
	// every finding, every probe attempt, every earlier write of a cookie.
	Verbose bool
}

// width is the terminal report's width.
func (o Options) width() int {
	if o.Width <= 0 {
		return DefaultWidth
	}
	return max(o.Width, minWidth)
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
	case FormatHTML:
		return WriteHTML(w, r, opts)
	}
	return writeTerminal(w, r, opts)
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
