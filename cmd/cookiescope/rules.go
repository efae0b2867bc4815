package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/report"
)

func runRules(args []string, stdout, stderr io.Writer) error {
	cmd := newSubcommand("rules", "rules [--format table|markdown]", "Lists the rules findings come from: ID, severity, what each checks, the fix and references.", stdout)
	format := cmd.fs.String("format", "table", "output `FORMAT`: table or markdown")
	positional, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageError{fmt.Errorf("rules takes no arguments, got %q", positional[0])}
	}
	switch strings.ToLower(*format) {
	case "table":
		return report.WriteRules(stdout)
	case "markdown":
		return report.WriteRulesMarkdown(stdout)
	}
	return usageError{fmt.Errorf("--format %q: want table or markdown", *format)}
}
