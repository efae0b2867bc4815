package scenarios

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/crawl"
	"github.com/cookiescope/cookiescope/inspect"
)

// CrawlStep is a crawl step: from the victim's page, the victim's own
// browser loads the same-site pages it links, breadth first (see
// crawl.Frontier), its jar and session kept, at most Max of them, and
// follows no link that a pattern matches.
type CrawlStep struct {
	Max int
	// Exclude are the patterns as the file gives them; ExcludeDefaults
	// says crawl.DefaultExcludes apply too (the default: the file's
	// patterns extend them). Patterns are all of them, compiled.
	Exclude         []string
	ExcludeDefaults bool
	Patterns        []*regexp.Regexp
}

// crawl reads {max, exclude, excludeDefaults}.
func (p *parser) crawl(v *yaml.Node) (*CrawlStep, error) {
	c := &CrawlStep{ExcludeDefaults: true}
	hasMax := false
	err := p.pairs(v, "crawl", []string{"max", "exclude", "excludeDefaults"}, func(key string, _, val *yaml.Node) error {
		switch key {
		case "max":
			hasMax = true
			s, err := p.str(val, "crawl max")
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return p.errorf(val, "crawl max: %q: want the most pages to load, a whole number 1 or more", s)
			}
			c.Max = n
		case "exclude":
			items := []*yaml.Node{val}
			if val.Kind == yaml.SequenceNode {
				items = val.Content
			}
			for _, item := range items {
				s, err := p.str(item, "crawl exclude")
				if err != nil {
					return err
				}
				if _, err := crawl.CompileExcludes([]string{s}); err != nil {
					return p.errorf(item, "crawl exclude: %v", err)
				}
				c.Exclude = append(c.Exclude, s)
			}
		case "excludeDefaults":
			b, err := p.boolean(val, "crawl excludeDefaults")
			if err != nil {
				return err
			}
			c.ExcludeDefaults = *b
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if !hasMax {
		return c, p.errorf(v, "crawl: want max: the most pages to load, 1 or more")
	}
	var patterns []string
	if c.ExcludeDefaults {
		patterns = append(patterns, crawl.DefaultExcludes...)
	}
	c.Patterns, err = crawl.CompileExcludes(append(patterns, c.Exclude...))
	return c, err
}

// crawl runs a crawl step in the victim's browser: it reads the links of
// the page the victim is on (not loaded again: it is where the victim is),
// then loads the pages they lead to, breadth first, each within the step
// timeout, recording what each did to the jar and what was sent for it.
// The victim stays on the last page loaded. A page that does not load ends
// the step there with its error; the pages loaded until then are kept.
func (f *flow) crawl(ctx context.Context, st Step, load browser.LoadOptions) error {
	w := f.victim.w
	start := w.CurrentURL()
	if _, ok := crawl.Normalize(start); !ok {
		return fmt.Errorf("the victim's browser shows no web page to crawl from (%q); load one first, with goto", start)
	}
	c := st.Crawl
	// The start page counts in the frontier's limit, but is not loaded.
	fr, err := crawl.NewFrontier([]string{start}, c.Max+1, c.Patterns)
	if err != nil {
		return fmt.Errorf("crawl from %s: %w", start, err)
	}
	from := fr.Next(1)[0]
	fr.Found(from, start, w.PageLinks(ctx))
	pages := []inspect.CrawlPage{}
	var stepErr error
	for {
		next := fr.Next(1)
		if len(next) == 0 || ctx.Err() != nil {
			break
		}
		link := next[0]
		page, links, err := f.crawlPage(ctx, link, load)
		pages = append(pages, page)
		if err != nil {
			stepErr = fmt.Errorf("%s: %w", link.URL, err)
			break
		}
		fr.Found(link, page.FinalURL, links)
	}
	summary := crawl.Report(fr.Summary(), []string{start}, c.Max, c.Patterns)
	summary.Visited, summary.Found = len(pages), summary.Found-1
	for _, p := range pages {
		if p.Skipped != "" {
			summary.Skipped++
		}
	}
	summary.Step, summary.File, summary.Line, summary.Pages = f.at, f.s.File, st.Line, pages
	if stepErr != nil {
		summary.Error = stepErr.Error()
	}
	f.crawls = append(f.crawls, summary)
	if now := w.CurrentURL(); strings.HasPrefix(now, "http") {
		f.victim.current = now
	}
	if stepErr == nil && ctx.Err() != nil {
		stepErr = ctx.Err()
	}
	return stepErr
}

// crawlPage loads one page of a crawl step in the victim's browser, says
// what it did to the jar, and returns its links.
func (f *flow) crawlPage(ctx context.Context, link crawl.Link, load browser.LoadOptions) (inspect.CrawlPage, []string, error) {
	w := f.victim.w
	out := inspect.CrawlPage{URL: link.URL, DiscoveredFrom: link.From, Set: []inspect.CookieChange{}, Changed: []inspect.CookieChange{}, Deleted: []inspect.CookieChange{},
		Sent: []inspect.RequestCookie{}, Withheld: []inspect.RequestCookie{}}
	before, err := w.Jar()
	if err != nil {
		return out, nil, fmt.Errorf("read the jar before the page: %w", err)
	}
	started := time.Now()
	page, loadErr := w.CrawlTo(ctx, link.URL, load, link.OnSite)
	out.DurationMS = time.Since(started).Milliseconds()
	out.FinalURL, out.Status, out.Skipped = page.FinalURL, page.Status, page.Skipped
	if page.Sent != nil {
		out.Sent, out.Withheld = page.Sent, page.Withheld
	}
	after, err := w.Jar()
	if err == nil {
		out.Set, out.Changed, out.Deleted = inspect.JarChanges(before, after)
	}
	if loadErr != nil {
		out.Error = loadErr.Error()
		return out, nil, loadErr
	}
	if err != nil {
		out.Error = "read the jar after the page: " + err.Error()
		return out, nil, fmt.Errorf("read the jar after the page: %w", err)
	}
	return out, page.Links, nil
}

// StepCrawl walks the site's links in the victim's browser.
const StepCrawl StepKind = "crawl"

func init() {
	registerSteps(stepSpec{kind: StepCrawl,
		parse: func(p *parser, v *yaml.Node, st *Step) error {
			var err error
			st.Crawl, err = p.crawl(v)
			return err
		},
		describe: func(s Step) string { return fmt.Sprintf("crawl: %d pages at most", s.Crawl.Max) },
		run: func(f *flow, ctx context.Context, sd *side, st Step, env stepEnv) error {
			return f.crawl(ctx, st, env.load)
		}})
}
