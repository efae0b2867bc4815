//go:build !unix

package report

import "os"

// terminalColumns does not know terminals here: the report uses COLUMNS or
// DefaultWidth, without colour.
func terminalColumns(f *os.File) (int, bool) { return 0, false }
