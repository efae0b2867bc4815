package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// versionHelp is the help of `cookiescope version`.
const versionHelp = `Usage: cookiescope version

Prints the version of this build: the module version Go stamped into the
binary, and the commit it was built from when the build recorded one.
--version prints the same.
`

// build describes this binary, from the Go build information.
type build struct {
	// Version is the module version: a release tag (v1.2.0), a
	// pseudo-version (v0.0.0-20261123193800-cca9d32abcde+dirty), or, for
	// a binary built without version information (go run, go test, a
	// build outside version control), "devel" followed by the commit when
	// known. It names the build in reports (SARIF's driver.version).
	Version string
	// Revision, Time and Modified come from the version control system at
	// build time; Revision is empty when none was recorded.
	Revision, Time string
	Modified       bool
	// Go is the toolchain that built the binary.
	Go string
}

// develVersion is what Go stamps as the main module's version when the
// build had no version to give it.
const develVersion = "(devel)"

// buildOf reads what info records of the build; ok is false when the
// binary has no build information at all.
func buildOf(info *debug.BuildInfo, ok bool) build {
	if !ok || info == nil {
		return build{Version: "devel"}
	}
	b := build{Version: info.Main.Version, Go: info.GoVersion}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	if b.Version == "" || b.Version == develVersion {
		b.Version = "devel"
		if b.Revision != "" {
			b.Version += "-" + shortRevision(b.Revision)
			if b.Modified {
				b.Version += "+dirty"
			}
		}
	}
	return b
}

// shortRevision shortens a commit hash as git log --oneline does, longer.
func shortRevision(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// thisBuild describes the running binary.
func thisBuild() build { return buildOf(debug.ReadBuildInfo()) }

// write prints the build for `cookiescope version`: the version on the
// first line, then the commit and the toolchain when known.
func (b build) write(w io.Writer) {
	fmt.Fprintf(w, "cookiescope %s\n", b.Version)
	if b.Revision != "" {
		var details []string
		if b.Time != "" {
			details = append(details, b.Time)
		}
		if b.Modified {
			details = append(details, "with uncommitted changes")
		}
		line := "commit " + b.Revision
		if len(details) > 0 {
			line += " (" + strings.Join(details, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	} else {
		fmt.Fprintln(w, "commit unknown (built without version control information)")
	}
	if b.Go != "" {
		fmt.Fprintf(w, "built with %s\n", b.Go)
	}
}

// runVersion runs `cookiescope version`, which takes no arguments.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if isHelpWord(args[0]) {
			fmt.Fprint(stdout, versionHelp)
			return exitOK
		}
		fmt.Fprintf(stderr, "cookiescope: version takes no arguments, got %q\n", args[0])
		return exitUsage
	}
	thisBuild().write(stdout)
	return exitOK
}
