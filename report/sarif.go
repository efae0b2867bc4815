package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cookiescope/cookiescope/inspect"
)

// SARIF 2.1.0 (OASIS) types: only what cookiescope writes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Results     []sarifResult     `json:"results"`
}

// sarifInvocation says whether the run completed, and what it could not
// measure (toolExecutionNotifications).
type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	HelpURI              string            `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID       string            `json:"ruleId"`
	RuleIndex    int               `json:"ruleIndex"`
	Level        string            `json:"level"`
	Message      sarifText         `json:"message"`
	Locations    []sarifLocation   `json:"locations"`
	Suppressions []sarifSuppress   `json:"suppressions,omitempty"`
	Properties   map[string]string `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifSuppress struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// expectationRuleID is the SARIF rule of a failed scenario expectation.
const expectationRuleID = "expectation"

// sarifLevel maps a severity to SARIF's level.
func sarifLevel(s inspect.Severity) string {
	switch s {
	case inspect.High:
		return "error"
	case inspect.Medium:
		return "warning"
	}
	return "note"
}

// WriteSARIF writes the findings as SARIF 2.1.0: one run, every rule with
// its metadata, and one result per finding located at the target's URL.
// Accepted findings carry an external suppression with the reason.
// Messages are shown to people (code scanning alerts), so their page text is
// made inert as in the table; locations and properties stay as recorded.
func WriteSARIF(w io.Writer, r inspect.Report, opts Options) error {
	driver := sarifDriver{Name: "cookiescope", Version: opts.ToolVersion}
	index := map[string]int{}
	for i, rule := range inspect.Rules {
		index[rule.ID] = i
		help := rule.Fix
		uri := ""
		if len(rule.References) > 0 {
			uri = rule.References[0].URL
		}
		driver.Rules = append(driver.Rules, sarifRule{
			ID: rule.ID, Name: ruleName(rule.Title), ShortDescription: sarifText{rule.Title}, FullDescription: sarifText{rule.Why},
			Help: sarifText{help}, HelpURI: uri, DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(rule.Severity)},
			Properties: map[string]string{"severity": rule.Severity.String()},
		})
	}
	// Failed scenario expectations are results of one more rule.
	expectationIndex := len(driver.Rules)
	driver.Rules = append(driver.Rules, sarifRule{
		ID: expectationRuleID, Name: "ScenarioExpectationFailed", ShortDescription: sarifText{"Scenario expectation failed"},
		FullDescription: sarifText{"A cookie expectation of a cookiescope scenario did not hold in Chrome."},
		Help:            sarifText{"Fix the cookie, or the expectation if the change was intended."}, DefaultConfiguration: sarifRuleConfig{Level: "error"},
		Properties: map[string]string{"severity": "high"},
	})
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, t := range r.Targets {
		for _, e := range t.Expectations {
			if e.Passed {
				continue
			}
			run.Results = append(run.Results, sarifResult{RuleID: expectationRuleID, RuleIndex: expectationIndex, Level: "error",
				Message:    sarifText{inert(fmt.Sprintf("%s: expect %s: %s", t.Scenario, e.Expectation, strings.Join(e.Failures, "; ")))},
				Locations:  []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: e.File}, Region: &sarifRegion{StartLine: max(e.Line, 1)}}}},
				Properties: map[string]string{"cookie": e.Cookie, "scenario": t.Scenario}})
		}
	}
	for _, t := range r.Targets {
		for _, f := range t.Findings {
			msg := f.Title + ": " + findingEvidence(f)
			switch {
			case f.Cookie != "" && f.Step != "":
				msg = f.Title + " (" + f.Cookie + ", at " + f.Step + "): " + findingEvidence(f)
			case f.Cookie != "":
				msg = f.Title + " (" + f.Cookie + "): " + findingEvidence(f)
			}
			res := sarifResult{RuleID: f.RuleID, RuleIndex: index[f.RuleID], Level: sarifLevel(f.Severity), Message: sarifText{inert(msg)},
				Locations:  []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: t.URL}}}},
				Properties: map[string]string{"severity": f.Severity.String(), "cookie": f.Cookie, "domain": f.Domain, "fix": f.Fix}}
			if f.Step != "" {
				res.Properties["step"] = f.Step
			}
			if f.Accepted {
				res.Suppressions = []sarifSuppress{{Kind: "external", Justification: f.Reason}}
			}
			run.Results = append(run.Results, res)
		}
	}
	// What was not measured is said, not left to read as "nothing found".
	var notes []sarifNotification
	for _, t := range r.Targets {
		if note := notMeasuredNote(t); note != "" {
			notes = append(notes, sarifNotification{Level: "warning", Message: sarifText{inert(targetName(t) + ": " + note)}})
		}
	}
	if r.Interrupted || len(notes) > 0 {
		run.Invocations = []sarifInvocation{{ExecutionSuccessful: !r.Interrupted, Notifications: notes}}
	}
	return writeJSON(w, sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// ruleName turns a title into SARIF's PascalCase rule name.
func ruleName(title string) string {
	var out []rune
	upper := true
	for _, c := range title {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if upper && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			upper = false
		default:
			upper = true
		}
	}
	return string(out)
}
