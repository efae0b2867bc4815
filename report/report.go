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

// writer is one output format: its renderer, and the file name endings
// that announce it (a file ending so is meant for this format).
type writer struct {
	format  Format
	write   func(io.Writer, inspect.Report, Options) error
	endings []string
}

// writers are the formats, in the order help lists them: adding a format is
// one entry here (and its renderer).
var writers = []writer{
	{FormatTable, writeTerminal, []string{".txt", ".log"}},
	{FormatJSON, func(w io.Writer, r inspect.Report, _ Options) error { return WriteJSON(w, r) }, []string{".json"}},
	{FormatSARIF, WriteSARIF, []string{".sarif", ".sarif.json", ".json"}},
	{FormatJUnit, WriteJUnit, []string{".xml"}},
	{FormatMarkdown, func(w io.Writer, r inspect.Report, _ Options) error { return WriteMarkdown(w, r) }, []string{".md", ".markdown"}},
	{FormatHTML, WriteHTML, []string{".html", ".htm"}},
}

// Formats lists every format, in the order help shows them.
func Formats() []Format {
	out := make([]Format, len(writers))
	for i, w := range writers {
		out[i] = w.format
	}
	return out
}

// FormatNames says the formats in words: "table, json, ... or html".
func FormatNames() string {
	names := make([]string, len(writers))
	for i, w := range writers {
		names[i] = string(w.format)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// lookup returns the writer of a format.
func lookup(f Format) (writer, bool) {
	for _, w := range writers {
		if w.format == f {
			return w, true
		}
	}
	return writer{}, false
}

// ParseFormat checks a --format value (any case).
func ParseFormat(s string) (Format, error) {
	if w, ok := lookup(Format(strings.ToLower(s))); ok {
		return w.format, nil
	}
	return "", fmt.Errorf("--format %q: want %s", s, FormatNames())
}

// CheckFileFor reports an error when the file's name ends as files of
// another format do and never as this one's ("report.json" for the table):
// the Nth --output takes the Nth --format, and a reordered pair would
// silently write one format under the other's name.
func CheckFileFor(f Format, path string) error {
	w, ok := lookup(f)
	if !ok {
		return fmt.Errorf("--format %q: want %s", f, FormatNames())
	}
	lower := strings.ToLower(path)
	for _, e := range w.endings {
		if strings.HasSuffix(lower, e) {
			return nil
		}
	}
	for _, other := range writers {
		for _, e := range other.endings {
			if strings.HasSuffix(lower, e) {
				return fmt.Errorf("--output %s would get the %s report, but its name ends as a %s report's: the Nth --output takes the Nth --format; give them in the same order", path, f, other.format)
			}
		}
	}
	return nil
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

// Write renders the report in the format; a format cookiescope does not
// know is an error.
func Write(w io.Writer, f Format, r inspect.Report, opts Options) error {
	wr, ok := lookup(f)
	if !ok {
		return fmt.Errorf("--format %q: want %s", f, FormatNames())
	}
	return wr.write(w, r, opts)
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
