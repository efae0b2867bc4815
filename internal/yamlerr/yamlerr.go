// Package yamlerr turns the YAML library's syntax errors into a line and a
// message a person can act on.
//
// go.yaml.in/yaml/v3 reports a syntax error at the line where the enclosing
// block began (its "context mark") rather than where the problem is: a step
// indented one space too far in a list that starts on line 3 is reported at
// line 3. The library does not expose the problem's own position, so Syntax
// finds it: the first line at which the file, cut after that line, fails
// with the same message.
package yamlerr

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// linePrefix matches the "yaml: line N: " the library puts before messages.
var linePrefix = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// Message returns err's text without the library's "yaml: " and
// "line N: " prefixes, and the line it names (0 when none). Lines named
// inside the message ("already defined at line 4") are kept.
func Message(err error) (line int, msg string) {
	msg = err.Error()
	if m := linePrefix.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, msg[len(m[0]):]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// Syntax returns the line of the syntax error err that decoding data gave,
// and its message without the library's prefixes. The line is the first one
// at which data, cut after that line, fails with the same message; when no
// cut does (the message depends on what follows), it is the library's own.
// It is always at least 1.
func Syntax(data []byte, err error) (line int, msg string) {
	line, msg = Message(err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	for n := 1; n < len(lines); n++ {
		cut := bytes.Join(lines[:n], nil)
		if cerr := decodeAll(cut); cerr != nil {
			if _, cmsg := Message(cerr); cmsg == msg {
				return n, msg
			}
		}
	}
	return max(line, 1), msg
}

// decodeAll decodes every document of data into nodes and returns the
// first error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
