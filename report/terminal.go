package report

import (
	"io"
	"os"
	"strconv"
	"strings"
)

// TerminalWidth is the width of the terminal report written to out: COLUMNS
// when it holds a positive number (so that a pipe or a file can be given a
// width), else the terminal's width when out is a terminal, else
// DefaultWidth. getenv is os.Getenv outside tests.
func TerminalWidth(out io.Writer, getenv func(string) string) int {
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if f, ok := out.(*os.File); ok {
		if cols, ok := terminalColumns(f); ok {
			return cols
		}
	}
	return DefaultWidth
}

// UseColor reports whether the terminal report written to out may be
// coloured: out is a terminal, and NO_COLOR is unset or empty
// (https://no-color.org). Files, pipes and CI logs get plain text.
func UseColor(out io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	_, ok = terminalColumns(f)
	return ok
}
