package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cookiescope/cookiescope/internal/yamlerr"
)

// DefaultConfigFile is the configuration read when --config is not given
// and the file exists in the working folder.
const DefaultConfigFile = ".cookiescope.yaml"

// Config tunes the rules: which names count as session cookies, the
// thresholds, which findings are accepted, and what fails a run. The zero
// value is the defaults.
type Config struct {
	// SessionCookies are extra regular expressions for session cookie names,
	// on top of the built-in ones (sid, session, token, auth, ...).
	SessionCookies []Pattern `yaml:"sessionCookies"`
	// CSRFCookies are extra regular expressions for anti-CSRF token cookie
	// names, on top of the built-in ones (csrf, xsrf, _token): never
	// judged as sessions.
	CSRFCookies []Pattern  `yaml:"csrfCookies"`
	Thresholds  Thresholds `yaml:"thresholds"`
	// Accept lists findings that are fine by design, each with a reason.
	Accept []Acceptance `yaml:"accept"`
	// FailOn is the lowest severity that fails a run (exit code 1); nil
	// means findings never fail it. --fail-on overrides it.
	FailOn *Severity `yaml:"failOn"`
}

// Thresholds are the numbers rules compare against.
type Thresholds struct {
	// SessionMaxLifetime is how long a session cookie may live (CS010).
	SessionMaxLifetime Duration `yaml:"sessionMaxLifetime"`
	// MaxCookieBytes is the size past which a cookie is very large (CS011).
	MaxCookieBytes int `yaml:"maxCookieBytes"`
	// MaxCookiesPerHost is the count past which a host has many (CS012).
	MaxCookiesPerHost int `yaml:"maxCookiesPerHost"`
}

// Acceptance accepts findings for a cookie, or for a host: of the listed
// rules, or of all rules when Rules is empty. An entry gives Cookie or Host,
// never both. Reason is required: it is shown with every finding it accepts.
type Acceptance struct {
	// Cookie accepts the findings about cookies of this name.
	Cookie string `yaml:"cookie"`
	// Host accepts the findings about the host itself (those with no
	// cookie, such as CS012 and CS015) whose domain is this host name. It
	// never accepts a finding about a cookie on that host: accept those by
	// cookie name.
	Host   string   `yaml:"host"`
	Rules  []string `yaml:"rules"`
	Reason string   `yaml:"reason"`
}

// subject names what the entry accepts, for errors.
func (a Acceptance) subject() string {
	if a.Host != "" {
		return "host " + a.Host
	}
	return a.Cookie
}

// covers reports whether the entry accepts f.
func (a Acceptance) covers(f Finding) bool {
	switch {
	case a.Host != "":
		if f.Cookie != "" || !strings.EqualFold(trimDot(f.Domain), trimDot(a.Host)) {
			return false
		}
	case a.Cookie == "" || a.Cookie != f.Cookie:
		return false
	}
	return len(a.Rules) == 0 || slices.Contains(a.Rules, f.RuleID)
}

// Pattern is a regular expression read from the configuration.
type Pattern struct{ *regexp.Regexp }

// UnmarshalYAML compiles the pattern, naming its line when it is invalid.
func (p *Pattern) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		// A mapping's Value is "", which would compile to a pattern that
		// matches every name.
		return fmt.Errorf("line %d: cookie name pattern: want a regular expression, not a %s", n.Line, nodeKind(n))
	}
	re, err := regexp.Compile(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: cookie name pattern %q: %v", n.Line, n.Value, err)
	}
	p.Regexp = re
	return nil
}

// Duration is a time.Duration read with ParseDuration: "24h", "30m", "7d".
type Duration struct{ time.Duration }

// UnmarshalYAML reads the duration, naming its line when it is invalid.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	dur, err := ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || dur <= 0 {
		return fmt.Errorf("line %d: duration %q: want a positive duration such as 24h or 7d", n.Line, n.Value)
	}
	d.Duration = dur
	return nil
}

// day is the length ParseDuration gives a "d".
const day = 24 * time.Hour

// ParseDuration reads a duration as Go writes it (500ms, 90s, 1h30m, 24h)
// or with whole days in front (7d, 30d, 1d12h): the one syntax of every
// duration cookiescope reads, in configuration files, scenarios and flags.
// A day is 24 hours. Surrounding spaces are ignored.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	days, rest, found := strings.Cut(s, "d")
	if !found || days == "" || strings.TrimLeft(days, "0123456789") != "" {
		return time.ParseDuration(s)
	}
	n, err := strconv.ParseInt(days, 10, 64)
	if err != nil || n > int64(math.MaxInt64/day) {
		return 0, fmt.Errorf("duration %q: too many days", s)
	}
	d := time.Duration(n) * day
	if rest == "" {
		return d, nil
	}
	more, err := time.ParseDuration(rest)
	if err != nil || more < 0 || d > math.MaxInt64-more {
		return 0, fmt.Errorf("duration %q: want days then hours, minutes or seconds, such as 7d or 1d12h", s)
	}
	return d + more, nil
}

// FormatDuration writes d as people do: 30s, 2m, 20ms, 1h, not 2m0s or
// 1h0m0s; the counterpart of ParseDuration for messages and help.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// nodeKind names a YAML node's kind for errors.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// UnmarshalYAML reads a severity name, naming its line when it is invalid.
func (s *Severity) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSeverity(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("severity: want one of info, low, medium, high, not a %s", nodeKind(n))
	}
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*s = v
	return nil
}

// LoadConfig reads a configuration file. Errors name the file and line.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(path, data)
}

// ParseConfig reads a configuration from data; name is used in errors,
// which say name:line. Unknown keys and values of the wrong kind are
// errors, so that a misspelt setting does not silently do nothing.
func ParseConfig(name string, data []byte) (Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		var typeErr *yaml.TypeError
		if !errors.As(err, &typeErr) && !strings.HasPrefix(err.Error(), "line ") {
			// A syntax error: the library's line is where the enclosing block
			// began, not where the problem is.
			line, msg := yamlerr.Syntax(data, err)
			return Config{}, fmt.Errorf("%s:%d: not valid YAML: %s", name, line, msg)
		}
		return Config{}, fmt.Errorf("%s", configError(name, err))
	}
	lines := acceptLines(data)
	for i, a := range cfg.Accept {
		line := 1
		if i < len(lines) {
			line = lines[i]
		}
		at := fmt.Sprintf("%s:%d: accept entry %d", name, line, i+1)
		switch {
		case a.Cookie != "" && a.Host != "":
			return Config{}, fmt.Errorf("%s: give cookie or host, not both (cookie %s, host %s); write two entries to accept both", at, a.Cookie, a.Host)
		case a.Cookie == "" && a.Host == "":
			return Config{}, fmt.Errorf("%s: want a cookie (findings about cookies of that name) or a host (findings about the host itself), and a reason", at)
		case strings.TrimSpace(a.Reason) == "":
			return Config{}, fmt.Errorf("%s (%s): want a reason (an acceptance without a reason hides a finding for good)", at, a.subject())
		}
		for _, id := range a.Rules {
			if _, ok := RuleByID(id); !ok {
				return Config{}, fmt.Errorf("%s (%s): no rule %s; `cookiescope rules` lists them", at, a.subject(), id)
			}
		}
	}
	return cfg, nil
}

// acceptLines returns the line of each entry of the accept list, in order,
// for errors about an entry as a whole; data has decoded already.
func acceptLines(data []byte) []int {
	var lines []int
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return nil
	}
	doc := root.Content[0]
	for i := 0; doc.Kind == yaml.MappingNode && i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != "accept" {
			continue
		}
		for _, entry := range doc.Content[i+1].Content {
			lines = append(lines, entry.Line)
		}
	}
	return lines
}

// configError rewrites the YAML library's "line N: ..." messages as
// "FILE:N: ...", one per line.
func configError(name string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "line "); ok {
			if num, text, ok := strings.Cut(rest, ": "); ok {
				lines = append(lines, fmt.Sprintf("%s:%s: %s", name, num, text))
				continue
			}
		}
		if l != "" {
			lines = append(lines, name+": "+l)
		}
	}
	return strings.Join(lines, "\n")
}

func (c Config) withDefaults() Config {
	if c.Thresholds.SessionMaxLifetime.Duration <= 0 {
		c.Thresholds.SessionMaxLifetime.Duration = 24 * time.Hour
	}
	if c.Thresholds.MaxCookieBytes <= 0 {
		c.Thresholds.MaxCookieBytes = 2048
	}
	if c.Thresholds.MaxCookiesPerHost <= 0 {
		c.Thresholds.MaxCookiesPerHost = 50
	}
	return c
}

// accepted returns the reason when an acceptance covers f.
func (c Config) accepted(f Finding) (string, bool) {
	for _, a := range c.Accept {
		if a.covers(f) {
			return a.Reason, true
		}
	}
	return "", false
}

// Fails reports whether a finding fails a run at the failOn severity.
func Fails(f Finding, failOn *Severity) bool {
	return failOn != nil && !f.Accepted && f.Severity >= *failOn
}
