package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
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
	// Properties say how the run was set up (thirdPartyCookies,
	// originBoundCookies).
	Properties map[string]string `json:"properties,omitempty"`
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
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []sarifSuppress   `json:"suppressions,omitempty"`
	Properties          map[string]string `json:"properties"`
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
	// URIBaseID is srcRoot for a path relative to the repository's top
	// level, empty for an absolute URI.
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// srcRoot is the conventional base of file locations: the root of the
// source tree being scanned.
const srcRoot = "%SRCROOT%"

// fingerprintKey names cookiescope's partial fingerprint, versioned so that
// a change of what it covers does not match old alerts by accident.
const fingerprintKey = "cookiescopeIdentity/v1"

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
// its metadata, and one result per failed expectation (at its line of the
// scenario file) and per finding (at the scenario file of a scenario's
// target, at the URL of an inspected or probed one). Accepted findings carry
// an external suppression with the reason.
//
// Code scanning keeps an alert's identity from run to run by its location
// and partialFingerprints, so neither depends on what changes between runs
// of the same check: file locations are relative to opts.SARIFRoot (an
// embedded scenario is located at opts.SourcePath), URLs lose their port
// (the lab's ports are random), and the fingerprint hashes the rule, the
// scenario's name or the port-less URL, the cookie's name, host and path
// and the step number, never a cookie value, a port or the results' order.
//
// Messages are shown to people (code scanning alerts), so their page text is
// made inert as in the table; properties stay as recorded.
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
	run.Properties = map[string]string{"originBoundCookies": strconv.FormatBool(r.OriginBoundCookies)}
	if r.ThirdPartyCookies != "" {
		run.Properties["thirdPartyCookies"] = string(r.ThirdPartyCookies)
	}
	if r.Viewport != nil {
		if run.Properties == nil {
			run.Properties = map[string]string{}
		}
		run.Properties["viewport"] = r.Viewport.Describe()
	}
	// What each scenario's session step measured and its crawl steps did,
	// and where each page of a crawl was found, by target.
	if r.Crawl != nil {
		run.Properties["crawl"] = inert(crawlSentence(*r.Crawl))
	}
	for i, s := range reconnectionSentences(r) {
		run.Properties[fmt.Sprintf("browserReconnection %d", i+1)] = inert(s)
	}
	for _, t := range r.Targets {
		for _, p := range append(sessionProperties(t), crawlProperties(r, t)...) {
			if p.Name != "crawl" {
				run.Properties[targetIdentity(t)+": "+inert(p.Name)] = inert(p.Value)
			}
		}
	}
	for _, t := range r.Targets {
		for _, e := range t.Expectations {
			if e.Passed {
				continue
			}
			run.Results = append(run.Results, sarifResult{RuleID: expectationRuleID, RuleIndex: expectationIndex, Level: "error",
				Message:             sarifText{inert(fmt.Sprintf("%s: expect %s: %s", t.Scenario, e.Expectation, strings.Join(e.Failures, "; ")))},
				Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: opts.artifact(e.File), Region: &sarifRegion{StartLine: max(e.Line, 1)}}}},
				PartialFingerprints: fingerprint(expectationRuleID, targetIdentity(t), e.Browser, e.Expectation, e.Cookie),
				Properties:          map[string]string{"cookie": e.Cookie, "scenario": t.Scenario}})
		}
	}
	for _, t := range r.Targets {
		for _, f := range t.Findings {
			msg := f.Title + ": " + findingEvidence(f)
			switch {
			case f.Cookie != "" && f.Step != "":
				msg = f.Title + " (" + findingSubject(f) + ", at " + f.Step + "): " + findingEvidence(f)
			case f.Cookie != "":
				msg = f.Title + " (" + findingSubject(f) + "): " + findingEvidence(f)
			}
			res := sarifResult{RuleID: f.RuleID, RuleIndex: index[f.RuleID], Level: sarifLevel(f.Severity), Message: sarifText{inert(msg)},
				Locations:           []sarifLocation{opts.targetLocation(t)},
				PartialFingerprints: fingerprint(f.RuleID, targetIdentity(t), f.Cookie, bareHost(f.Domain), f.Path, stepNumber(f.Step)),
				Properties:          map[string]string{"severity": f.Severity.String(), "cookie": f.Cookie, "domain": f.Domain, "fix": f.Fix}}
			if f.Step != "" {
				res.Properties["step"] = f.Step
			}
			if p := f.Partition(); p != "" {
				res.Properties["partition"] = p
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

// artifact locates a scenario file: its path in cookiescope's repository
// when the binary embeds it, else relative to SARIFRoot when it lies below
// it, else an absolute file URI.
func (opts Options) artifact(file string) sarifArtifact {
	if opts.SourcePath != nil {
		if p, ok := opts.SourcePath(file); ok {
			return sarifArtifact{URI: p, URIBaseID: srcRoot}
		}
	}
	if opts.SARIFRoot == "" {
		return sarifArtifact{URI: filepath.ToSlash(file)}
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return sarifArtifact{URI: filepath.ToSlash(file)}
	}
	rel, err := filepath.Rel(opts.SARIFRoot, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()}
	}
	return sarifArtifact{URI: filepath.ToSlash(rel), URIBaseID: srcRoot}
}

// targetLocation locates a finding: a scenario's at the scenario's line of
// its file, an inspected or probed URL's at the URL without its port.
func (opts Options) targetLocation(t inspect.Target) sarifLocation {
	if t.Scenario != "" && t.File != "" {
		return sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: opts.artifact(t.File), Region: &sarifRegion{StartLine: max(t.Line, 1)}}}
	}
	return sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: withoutPort(t.URL)}}}
}

// targetIdentity names a target the same way in every run: the scenario's
// name, or the URL without its port.
func targetIdentity(t inspect.Target) string {
	if t.Scenario != "" {
		return "scenario " + t.Scenario
	}
	return "url " + withoutPort(t.URL)
}

// withoutPort drops the port (and any user information) from a URL.
func withoutPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	u.User = nil
	u.Host = u.Hostname()
	if strings.Contains(u.Host, ":") {
		u.Host = "[" + u.Host + "]"
	}
	return u.String()
}

// bareHost drops a port from a cookie's or finding's domain, should it
// carry one, and the leading dot, which says nothing about identity.
func bareHost(domain string) string {
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domain = h
	}
	return strings.TrimPrefix(domain, ".")
}

// stepNumber keeps "step 9" of a finding's step ("step 9 (login.yaml:23)"):
// the file's path depends on where the run started.
func stepNumber(step string) string {
	n, _, _ := strings.Cut(step, " (")
	return n
}

// fingerprint hashes the parts that identify a result into SARIF's
// partialFingerprints.
func fingerprint(parts ...string) map[string]string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return map[string]string{fingerprintKey: hex.EncodeToString(sum[:16])}
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
