package browser

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/lab"
)

// benchPages returns n distinct lab pages, each setting cookies by header,
// inline script and external script.
func benchPages(n int) []string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = testLab.URL(true, lab.AppHost, "/bench?n="+strconv.Itoa(i))
	}
	return urls
}

// BenchmarkInspect measures pages per second of the full recorder with 1, 2
// and 4 workers, and the floor: a bare chromedp loop in one warm tab doing
// only clear-cookies + navigate + Storage.getCookies. Run it with
// -benchtime 100x (make bench) so that each sub-benchmark loads 100 pages.
// It ends with the line "ratio ours/floor: X.XX" (time per page, 1 worker).
func BenchmarkInspect(b *testing.B) {
	br := needBrowser(b)
	perPage := map[string]time.Duration{}
	for _, workers := range []int{1, 2, 4} {
		name := fmt.Sprintf("workers=%d", workers)
		b.Run(name, func(b *testing.B) {
			urls := benchPages(b.N)
			b.ResetTimer()
			start := time.Now()
			targets, complete, err := br.InspectURLs(context.Background(), urls, workers, LoadOptions{}, nil)
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil || !complete || len(targets) != len(urls) {
				b.Fatalf("%d of %d targets, complete=%v, err=%v", len(targets), len(urls), complete, err)
			}
			for _, t := range targets {
				if t.Error != "" || len(t.Cookies) != 7 {
					b.Fatalf("%s: error %q, %d cookies (want 7)", t.URL, t.Error, len(t.Cookies))
				}
			}
			perPage[name] = elapsed / time.Duration(b.N)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pages/s")
			if workers == 1 {
				b.ReportMetric(browserPSSMegabytes(b, br), "MB-PSS")
			}
		})
	}
	b.Run("floor", func(b *testing.B) {
		urls := benchPages(b.N)
		ctx, cancel := chromedp.NewContext(br.current().ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		if err := chromedp.Do(ctx); err != nil {
			b.Fatal(err)
		}
		contextID := chromedp.FromContext(ctx).BrowserContextID
		b.ResetTimer()
		start := time.Now()
		for _, u := range urls {
			if _, err := chromedp.CallBrowser(ctx, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: contextID}); err != nil {
				b.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
				b.Fatal(err)
			}
			res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: contextID})
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Cookies) == 0 {
				b.Fatalf("%s: no cookies", u)
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		perPage["floor"] = elapsed / time.Duration(b.N)
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pages/s")
	})
	if ours, floor := perPage["workers=1"], perPage["floor"]; ours > 0 && floor > 0 {
		fmt.Printf("per page: ours %v, floor %v\nratio ours/floor: %.2f\n", ours.Round(time.Millisecond), floor.Round(time.Millisecond), float64(ours)/float64(floor))
	}
}

// browserPSSMegabytes sums the proportional set size of the browser's
// process tree, from /proc.
func browserPSSMegabytes(b *testing.B, br *Browser) float64 {
	p := br.Process()
	if p == nil {
		return 0
	}
	var kb int64
	for _, pid := range processTree(p.Pid) {
		kb += pssKilobytes(pid)
	}
	return float64(kb) / 1024
}

// processTree returns root and its descendants.
func processTree(root int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The parent PID is the second field after the ")" that ends the name.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], pid)
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}

func pssKilobytes(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "Pss:" {
			n, _ := strconv.ParseInt(fields[1], 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkScriptWrite measures what the recorder's hook costs a page that
// writes cookies: the page times 500 document.cookie writes itself, with the
// hook (engine-side attribution: a saved console.trace per write) and in a
// bare tab without any recorder. It reports microseconds per write, as the
// page saw them, and the whole target's time with the recorder.
func BenchmarkScriptWrite(b *testing.B) {
	br := needBrowser(b)
	page := testLab.URL(true, lab.AppHost, "/bench/writes?n=500")
	perWrite := func(b *testing.B, title string) float64 {
		us, err := strconv.ParseFloat(title, 64)
		if err != nil {
			b.Fatalf("the page's timing %q: %v", title, err)
		}
		return us
	}
	b.Run("hooked", func(b *testing.B) {
		w, err := br.NewWorker(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		var sum float64
		b.ResetTimer()
		for range b.N {
			t := w.Visit(context.Background(), page, LoadOptions{})
			if t.Error != "" || len(t.Writes) != 500 {
				b.Fatalf("error %q, %d writes recorded (want 500)", t.Error, len(t.Writes))
			}
			title, err := w.EvaluateInPage(context.Background(), "document.title")
			if err != nil {
				b.Fatal(err)
			}
			sum += perWrite(b, strings.Trim(string(title), `"`))
			if err := w.Reset(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(sum/float64(b.N), "µs/write")
	})
	b.Run("bare", func(b *testing.B) {
		ctx, cancel := chromedp.NewContext(br.current().ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		var sum float64
		b.ResetTimer()
		for range b.N {
			if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
				b.Fatal(err)
			}
			title, err := chromedp.Run(ctx, chromedp.Title())
			if err != nil {
				b.Fatal(err)
			}
			sum += perWrite(b, title)
		}
		b.ReportMetric(sum/float64(b.N), "µs/write")
	})
}
