package report

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cookiescope/cookiescope/inspect"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Page-supplied text (URLs, cookie names and values, stacks, dialog
// messages, errors) reaches people's terminals and pull requests. Each human
// format makes it inert at the one point where it writes lines or cells:
// printf and table here, mdf in markdown.go. The JSON stays faithful.

// inert makes text safe for a terminal: control characters (escape
// sequences, carriage returns, bells, NULs, line breaks), Unicode format
// characters (bidirectional overrides and isolates, zero-width marks) and
// line and paragraph separators are shown as \uXXXX escapes, and bytes that
// are not UTF-8 as \xXX, instead of acting on the terminal or reordering what
// it shows. Other text is unchanged.
func inert(s string) string {
	return escapeUnsafe(s, false)
}

// Inert is inert for callers outside the package that print page text to
// a person, such as the progress lines on stderr.
func Inert(s string) string { return inert(s) }

// inertCell is inert but keeps line breaks: a table draws them as lines
// inside the cell's borders, which is how a cell holds a list.
func inertCell(s string) string {
	return escapeUnsafe(s, true)
}

func escapeUnsafe(s string, keepNewline bool) string {
	safe := true
	for _, r := range s {
		if unsafeRune(r) && !(keepNewline && r == '\n') {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepNewline && r == '\n':
			b.WriteByte('\n')
		case unsafeRune(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r may act on a terminal or change how the text
// around it is shown: a control character (C0, DEL, C1), a format character
// (Cf: U+202A-U+202E, U+2066-U+2069, zero-width marks) or a line or
// paragraph separator. The invalid-UTF-8 marker counts too, as its bytes may
// be anything.
func unsafeRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// printf writes a line of human output: format is ours, and each argument
// that is text (a string of any named type, a fmt.Stringer, an error) is
// made inert first. Numbers and other values are written as they are.
func printf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format, textArgs(args, inert)...)
}

// textArgs returns args with each text argument passed through safe.
func textArgs(args []any, safe func(string) string) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case error:
			out[i] = safe(v.Error())
		case fmt.Stringer:
			out[i] = safe(v.String())
		default:
			if rv := reflect.ValueOf(a); rv.Kind() == reflect.String {
				out[i] = safe(rv.String())
			} else {
				out[i] = a
			}
		}
	}
	return out
}

// inertFields makes every string field reachable from v, a pointer to a
// struct of a report format's own types, inert as a cell is (inertCell):
// for formats such as JUnit whose text people read in CI, set just before
// encoding so no field is missed.
func inertFields(v any) {
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if v.CanSet() {
				v.SetString(inertCell(v.String()))
			}
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
}

// table is a terminal table whose cells are made inert as they are
// appended, so no row can carry page text to the terminal raw.
type table struct {
	t *tablewriter.Table
}

// newTable returns a table with headers written as given.
func newTable(w io.Writer) table {
	return table{tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowMaxWidth(70))}
}

// Header sets the column names, which are ours.
func (t table) Header(names ...any) {
	t.t.Header(names...)
}

// Append adds a row; each cell is made inert (inertCell).
func (t table) Append(cells []string) error {
	safe := make([]string, len(cells))
	for i, c := range cells {
		safe[i] = inertCell(c)
	}
	return t.t.Append(safe)
}

// Render writes the table.
func (t table) Render() error {
	return t.t.Render()
}

// findingSubject names a finding's cookie, with its partition when it is
// Partitioned: the same name can live in several partitions.
func findingSubject(f inspect.Finding) string {
	if p := f.Partition(); p != "" && f.Cookie != "" {
		return f.Cookie + " (" + p + ")"
	}
	return f.Cookie
}

// findingEvidence is a finding's evidence followed by why its cookie was
// judged a session credential, so that every human format says why a
// finding weighs as it does.
func findingEvidence(f inspect.Finding) string {
	if f.SessionLike == "" {
		return f.Evidence
	}
	return f.Evidence + " (judged a session credential: " + f.SessionLike + ")"
}
