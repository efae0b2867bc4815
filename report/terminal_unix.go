//go:build unix

package report

import (
	"os"

	"golang.org/x/sys/unix"
)

// terminalColumns returns f's width when f is a terminal.
func terminalColumns(f *os.File) (int, bool) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 0, false
	}
	return int(ws.Col), true
}
