# cookiescope: the quick start is `make demo` and `make test`.
GO ?= go
BIN := ./cookiescope

.PHONY: all build demo test bench bench-memory chromium fuzz

all: build

build:
	$(GO) build -o $(BIN) ./cmd/cookiescope

# Makes sure a browser is there: installs Debian's chromium when root or
# sudo can, else says what to install and fails.
chromium:
	@scripts/ensure-chromium

# The main job on the embedded lab: every way a cookie is set, blocked, read.
demo: chromium build
	$(BIN) demo

# vet and the race-enabled tests. Browser tests skip on a machine without
# Chrome, except in CI (CI=true), where a missing browser fails them.
# scripts/testprogress prints a line per finished package, and per finished
# test of a package that has run for 10 s (the browser package takes
# minutes), and every failure in full; it exits with go test's code.
test:
	@scripts/ensure-chromium || [ "$${CI:-}" != "true" ] || exit 1
	$(GO) vet ./...
	@$(GO) build -o bin/testprogress ./scripts/testprogress
	bin/testprogress $(GO) test -race -json ./...

# Pages per second against the lab with 1, 2 and 4 workers and the bare
# chromedp floor, p50/p95 per target and the median of each phase of a
# target (navigate, settle, readability, jar, clean-up), the browser's CPU
# time per page and its memory, and the ratio ours/floor with one worker,
# also paired: blocks of pages loaded in turn, so both meet the same machine;
# then what a scenario's session step costs on the secure lab login (the
# login with and without it, and the replays per second of its measurement);
# then crawl pages per second over the lab's small site against a bare
# chromedp crawler of the same pages.
bench: chromium
	$(GO) test ./browser -run '^$$' -bench 'BenchmarkInspect|BenchmarkScriptWrite' -benchtime 100x -count 1 -timeout 30m
	$(GO) test ./scenarios -run '^$$' -bench 'BenchmarkSessionStep' -benchtime 10x -count 1 -timeout 10m
	$(GO) test ./browser -run '^$$' -bench 'BenchmarkCrawl' -benchtime 10x -count 1 -timeout 10m

# Memory over 1,000 targets in one run: the Go heap and the browser's PSS
# after every 250.
bench-memory: chromium
	$(GO) test ./browser -run '^$$' -bench 'BenchmarkManyTargets' -benchtime 1x -count 1 -timeout 30m

# go test -fuzz takes one target per run.
fuzz:
	$(GO) test ./inspect -run '^$$' -fuzz FuzzParseSetCookie -fuzztime 30s
	$(GO) test ./inspect -run '^$$' -fuzz FuzzScrub -fuzztime 30s
