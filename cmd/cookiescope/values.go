package main

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/inspect"
)

// durationValue is a duration flag read with inspect.ParseDuration, so that
// flags take what configuration files and scenarios take (7d as well as
// 24h).
type durationValue time.Duration

func (d *durationValue) String() string { return inspect.FormatDuration(time.Duration(*d)) }

func (d *durationValue) Set(s string) error {
	v, err := inspect.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (want e.g. 500ms, 30s, 2m, 1d)")
	}
	*d = durationValue(v)
	return nil
}

// deprecatedAlias is a flag kept so that old command lines still work: it
// sets the flag that replaced it and says so on stderr each time it is
// used.
type deprecatedAlias struct {
	name        string
	replacement *flag.Flag
	stderr      io.Writer
}

func (a deprecatedAlias) String() string {
	if a.replacement == nil {
		return ""
	}
	return a.replacement.Value.String()
}

func (a deprecatedAlias) Set(v string) error {
	fmt.Fprintf(a.stderr, "cookiescope: --%s is deprecated and will go; use --%s (it does the same)\n", a.name, a.replacement.Name)
	return a.replacement.Value.Set(v)
}

// aliasFlag registers name on fs as a deprecated alias of the flag
// replacement, which must be registered already.
func aliasFlag(fs *flag.FlagSet, name, replacement string, stderr io.Writer) {
	target := fs.Lookup(replacement)
	fs.Var(deprecatedAlias{name: name, replacement: target, stderr: stderr}, name, deprecatedPrefix+" use --"+replacement+" `N`")
}

// checkBrowser checks --browser, --remote and --trust-spki before anything
// is launched: a binary that is not there, a remote address that is no
// DevTools address, a key hash that is no SHA-256, and flags that a remote
// browser cannot honour.
func (c *commonFlags) checkBrowser() error {
	for _, r := range c.remotes {
		if err := browser.CheckRemote(r); err != nil {
			return err
		}
	}
	if len(c.remotes) > 0 {
		for _, f := range []struct {
			name  string
			given bool
		}{{"--browser", c.browser != ""}, {"--resolve", len(c.resolve) > 0}, {"--trust-spki", len(c.trustSPKI) > 0}} {
			if f.given {
				return fmt.Errorf("%s needs a browser cookiescope launches; it cannot be used with --remote", f.name)
			}
		}
	}
	if c.browser != "" {
		if _, err := exec.LookPath(c.browser); err != nil {
			return fmt.Errorf("--browser %s: not an executable file (%v)", c.browser, unwrapExec(err))
		}
	}
	for _, h := range c.trustSPKI {
		if raw, err := base64.StdEncoding.DecodeString(h); err != nil || len(raw) != sha256.Size {
			return fmt.Errorf("--trust-spki %q: want the base64 SHA-256 of a public key (44 characters)", h)
		}
	}
	return nil
}

// unwrapExec keeps the reason of an exec.LookPath error without repeating
// the path.
func unwrapExec(err error) error {
	var e *exec.Error
	if errors.As(err, &e) {
		return e.Err
	}
	return err
}

// checkURLs checks every target URL before the browser starts, naming the
// argument that is wrong.
func checkURLs(urls []string) error {
	for i, u := range urls {
		if err := inspect.CheckURL(u); err != nil {
			return fmt.Errorf("argument %d: %w", i+1, err)
		}
	}
	return nil
}

// sarifRoot returns the folder SARIF locations are relative to: dir (the
// --sarif-root given), which must be a folder, or else the top level of the
// git repository holding the working directory (the nearest folder up with
// a .git entry, a folder or, in a worktree, a file), or else the working
// directory. The result is absolute.
func sarifRoot(dir string) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("--sarif-root %s: %w", dir, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return "", fmt.Errorf("--sarif-root %s: not a folder", dir)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("--sarif-root: the working directory: %w", err)
	}
	for d := wd; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return wd, nil
		}
		d = parent
	}
}
