package scenarios

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFiles embed.FS

// BuiltinPrefix names the built-in scenarios on the command line:
// `cookiescope run builtin:` runs all of them, builtin:NAME one file.
const BuiltinPrefix = "builtin:"

// Builtin returns the scenarios embedded in the binary: the lab login app's
// secure and flawed variants, and session fixation end to end against
// both. name selects one file (without .yaml); empty means all.
func Builtin(name string) ([]Scenario, error) {
	entries, err := fs.ReadDir(builtinFiles, "builtin")
	if err != nil {
		return nil, err
	}
	var out []Scenario
	var names []string
	for _, e := range entries {
		base := e.Name()[:len(e.Name())-len(path.Ext(e.Name()))]
		names = append(names, base)
		if name != "" && base != name {
			continue
		}
		data, err := builtinFiles.ReadFile("builtin/" + e.Name())
		if err != nil {
			return nil, err
		}
		s, err := Parse(BuiltinPrefix+e.Name(), data, func(string) (string, bool) { return "", false })
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	if len(out) == 0 {
		return nil, &Error{BuiltinPrefix + name, 1, "no such built-in scenario (want one of " + strings.Join(names, ", ") + ")"}
	}
	return out, nil
}
