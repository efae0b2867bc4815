package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/report"
)

func runRules(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "table or markdown")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	switch strings.ToLower(*format) {
	case "table":
		return report.WriteRules(stdout)
	case "markdown":
		return report.WriteRulesMarkdown(stdout)
	}
	return usageError{fmt.Errorf("--format %q: want table or markdown", *format)}
}
