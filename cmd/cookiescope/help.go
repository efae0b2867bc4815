package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// errHelp is returned after -h printed a command's help.
var errHelp = errors.New("help shown")

// subcommand is one command's flags and help. Its flags are written with
// two dashes (--format) in help and errors, as the README writes them; Go's
// flag package, which reads both forms, would print one.
type subcommand struct {
	fs *flag.FlagSet
	// synopsis is the usage line after "Usage: cookiescope ", about what
	// the command does, in a few lines.
	synopsis, about string
	// stdout receives the help of -h and --help.
	stdout io.Writer
}

// newSubcommand makes a subcommand whose flags the caller registers on fs.
func newSubcommand(name, synopsis, about string, stdout io.Writer) *subcommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Errors and help are written by parse, not by the flag package.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &subcommand{fs: fs, synopsis: synopsis, about: about, stdout: stdout}
}

// name is the command's name, as typed after cookiescope.
func (s *subcommand) name() string { return s.fs.Name() }

// parse parses flags that may come before, between or after the
// positional arguments, and returns the positional ones. -h and --help
// print the help to stdout and return errHelp; a bad flag is a usageError
// that names it as --name and says where the flags are listed.
func (s *subcommand) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := s.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				s.writeHelp(s.stdout)
				return nil, errHelp
			}
			return nil, usageError{fmt.Errorf("%s: %s (cookiescope %s -h lists the flags)", s.name(), dashDash(err.Error()), s.name())}
		}
		args = s.fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// singleDash matches a flag named with one dash in the flag package's
// errors ("flag provided but not defined: -frobnicate").
var singleDash = regexp.MustCompile(`(^|\s)-([A-Za-z][A-Za-z0-9-]*)`)

// dashDash rewrites the flag package's -name as --name.
func dashDash(msg string) string { return singleDash.ReplaceAllString(msg, "$1--$2") }

// writeHelp writes the command's usage, what it does and its flags.
func (s *subcommand) writeHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: cookiescope %s\n\n%s\n", s.synopsis, s.about)
	if hasFlags(s.fs) {
		fmt.Fprintln(w, "\nFlags:")
		writeFlags(w, s.fs)
	}
}

// hasFlags reports whether fs defines any flag.
func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// deprecatedPrefix starts the usage of a flag kept only for old command
// lines; its help shows no default.
const deprecatedPrefix = "deprecated:"

// writeFlags lists the flags in alphabetical order as the README writes
// them: `--name VALUE`, then the usage, then the default when it is not
// the zero value. The value's name is the usage's `quoted` word, as in the
// flag package.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if value != "" {
			head += " " + strings.ToUpper(value)
		}
		fmt.Fprintln(w, head)
		fmt.Fprintf(w, "        %s", strings.ReplaceAll(usage, "\n", "\n        "))
		if !strings.HasPrefix(usage, deprecatedPrefix) && !isZeroDefault(f.DefValue) {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// isZeroDefault reports whether a flag's default says nothing worth
// showing.
func isZeroDefault(v string) bool {
	switch v {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}

// help runs `cookiescope help [COMMAND]` (and -h, --help): the overview, or
// a command's help, on stdout with exit 0; an unknown command is exit 2.
func help(args []string, stdout, stderr io.Writer, commandHelp func(name string) int) int {
	if len(args) == 0 || isHelpWord(args[0]) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprint(stdout, versionHelp)
		return exitOK
	}
	if !isCommand(args[0]) {
		fmt.Fprintf(stderr, "cookiescope: help %s: no such command (want one of %s)\n", args[0], strings.Join(commands, ", "))
		return exitUsage
	}
	return commandHelp(args[0])
}

// isHelpWord reports whether arg asks for help in place of a command.
func isHelpWord(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "--help" || arg == "-help"
}

// commands are the subcommands, in the order the overview lists them.
var commands = []string{"inspect", "probe", "run", "rules", "demo", "lab", "version", "help"}

// isCommand reports whether name is a subcommand that takes flags.
func isCommand(name string) bool {
	for _, c := range commands {
		if c == name && c != "help" && c != "version" {
			return true
		}
	}
	return false
}
