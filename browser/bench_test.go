package browser

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/cookiescope/cookiescope/inspect"
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
// It ends with two ratios of the time per page, one worker against the
// floor: "ratio ours/floor" of the two runs made one after the other (ours
// includes opening and closing its worker, about 200 ms a run, the floor's
// tab is opened before its clock starts), and "paired ratio ours/floor",
// the median over blocks of pages loaded in turn (see "paired"), set-up
// excluded on both sides.
func BenchmarkInspect(b *testing.B) {
	br := needBrowser(b)
	perPage := map[string]time.Duration{}
	// phaseLines holds each sub-benchmark's last line (the 100-page run).
	phaseLines := map[string]string{}
	// pairedRatio is the paired sub-benchmark's ratio (0 when it did not
	// run).
	var pairedRatio float64
	lineOrder := []string{"workers=1", "workers=2", "workers=4", "floor", "paired"}
	for _, workers := range []int{1, 2, 4} {
		name := fmt.Sprintf("workers=%d", workers)
		b.Run(name, func(b *testing.B) {
			urls := benchPages(b.N)
			b.ResetTimer()
			cpuBefore := browserCPU(br)
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
			b.ReportMetric(float64(browserCPU(br)-cpuBefore)/float64(time.Millisecond)/float64(b.N), "chrome-cpu-ms/page")
			durations := make([]time.Duration, len(targets))
			for i, t := range targets {
				durations[i] = time.Duration(t.DurationMS) * time.Millisecond
			}
			b.ReportMetric(float64(percentile(durations, 95))/float64(time.Millisecond), "p95-ms")
			phaseLines[name] = fmt.Sprintf("%s: per target p50 %v, p95 %v; %s", name, percentile(durations, 50), percentile(durations, 95), phaseMedians(targets))
			if workers == 1 {
				b.ReportMetric(browserPSSMegabytes(b, br), "MB-PSS")
			}
		})
	}
	b.Run("floor", func(b *testing.B) {
		urls := benchPages(b.N)
		floor := newFloorTab(b, br)
		defer floor.close()
		b.ResetTimer()
		cpuBefore := browserCPU(br)
		start := time.Now()
		durations := make([]time.Duration, 0, len(urls))
		for _, u := range urls {
			pageStart := time.Now()
			floor.load(b, u)
			durations = append(durations, time.Since(pageStart))
		}
		elapsed := time.Since(start)
		b.StopTimer()
		perPage["floor"] = elapsed / time.Duration(b.N)
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pages/s")
		b.ReportMetric(float64(browserCPU(br)-cpuBefore)/float64(time.Millisecond)/float64(b.N), "chrome-cpu-ms/page")
		b.ReportMetric(float64(percentile(durations, 95))/float64(time.Millisecond), "p95-ms")
		phaseLines["floor"] = fmt.Sprintf("floor: per page p50 %v, p95 %v", percentile(durations, 50).Round(100*time.Microsecond), percentile(durations, 95).Round(100*time.Microsecond))
	})
	// The ratio above compares two runs made one after the other, so it
	// moves with the machine's speed between them. "paired" loads the pages
	// in blocks of pairedBlock, the floor's and one worker's in turn (ABBA),
	// so that both meet the same machine, and takes the ratio block pair by
	// block pair.
	b.Run("paired", func(b *testing.B) {
		floor := newFloorTab(b, br)
		defer floor.close()
		w, err := br.NewWorker(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		oursBlock := func(urls []string) time.Duration {
			start := time.Now()
			for _, u := range urls {
				t := w.Inspect(context.Background(), u, LoadOptions{})
				if t.Error != "" || len(t.Cookies) != 7 {
					b.Fatalf("%s: error %q, %d cookies (want 7)", t.URL, t.Error, len(t.Cookies))
				}
			}
			return time.Since(start)
		}
		floorBlock := func(urls []string) time.Duration {
			start := time.Now()
			for _, u := range urls {
				floor.load(b, u)
			}
			return time.Since(start)
		}
		urls := benchPages(2 * b.N)
		var ratios []float64
		var ours, bare time.Duration
		b.ResetTimer()
		for i := 0; i+2*pairedBlock <= len(urls); i += 2 * pairedBlock {
			a, f := urls[i:i+pairedBlock], urls[i+pairedBlock:i+2*pairedBlock]
			var o, fl time.Duration
			if (i/(2*pairedBlock))%2 == 0 {
				o = oursBlock(a)
				fl = floorBlock(f)
			} else {
				fl = floorBlock(f)
				o = oursBlock(a)
			}
			ours += o
			bare += fl
			ratios = append(ratios, float64(o)/float64(fl))
		}
		b.StopTimer()
		if len(ratios) == 0 {
			return
		}
		slices.Sort(ratios)
		median := ratios[len(ratios)/2]
		if len(ratios)%2 == 0 {
			median = (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
		}
		b.ReportMetric(median, "paired-ratio")
		pairedRatio = median
		phaseLines["paired"] = fmt.Sprintf("paired: ours %v, floor %v a page over %d block pairs of %d pages; ratio ours/floor, median of the pairs: %.2f (range %.2f-%.2f)",
			(ours / time.Duration(len(ratios)*pairedBlock)).Round(100*time.Microsecond), (bare / time.Duration(len(ratios)*pairedBlock)).Round(100*time.Microsecond),
			len(ratios), pairedBlock, median, ratios[0], ratios[len(ratios)-1])
	})
	for _, name := range lineOrder {
		if line, ok := phaseLines[name]; ok {
			fmt.Println(line)
		}
	}
	if ours, floor := perPage["workers=1"], perPage["floor"]; ours > 0 && floor > 0 {
		fmt.Printf("per page: ours %v, floor %v\nratio ours/floor: %.2f\n", ours.Round(time.Millisecond), floor.Round(time.Millisecond), float64(ours)/float64(floor))
	}
	if pairedRatio > 0 {
		fmt.Printf("paired ratio ours/floor: %.2f\n", pairedRatio)
	}
}

// pairedBlock is how many pages the paired benchmark loads in a block.
const pairedBlock = 10

// floorTab is the floor's bare chromedp tab, in a browser context of its
// own.
type floorTab struct {
	ctx       context.Context
	cancel    context.CancelFunc
	contextID cdp.BrowserContextID
}

func newFloorTab(b *testing.B, br *Browser) *floorTab {
	ctx, cancel := chromedp.NewContext(br.current().ctx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		b.Fatal(err)
	}
	return &floorTab{ctx: ctx, cancel: cancel, contextID: chromedp.FromContext(ctx).BrowserContextID}
}

// load does only what the floor does for a page: clear the cookies,
// navigate, read the cookies.
func (f *floorTab) load(b *testing.B, u string) {
	if _, err := chromedp.CallBrowser(f.ctx, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: f.contextID}); err != nil {
		b.Fatal(err)
	}
	if err := chromedp.Do(f.ctx, chromedp.Navigate(u)); err != nil {
		b.Fatal(err)
	}
	res, err := chromedp.CallBrowser(f.ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: f.contextID})
	if err != nil {
		b.Fatal(err)
	}
	if len(res.Cookies) == 0 {
		b.Fatalf("%s: no cookies", u)
	}
}

func (f *floorTab) close() { f.cancel() }

// percentile returns the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

// phaseMedians says where the targets' time went: the median of each
// phase the recorder timed.
func phaseMedians(targets []inspect.Target) string {
	phases := []struct {
		name string
		of   func(*inspect.Timings) float64
	}{
		{"navigate", func(t *inspect.Timings) float64 { return t.NavigateMS }},
		{"settle", func(t *inspect.Timings) float64 { return t.SettleMS }},
		{"readability", func(t *inspect.Timings) float64 { return t.ReadabilityMS }},
		{"jar", func(t *inspect.Timings) float64 { return t.JarMS }},
		{"clean-up", func(t *inspect.Timings) float64 { return t.CleanupMS }},
	}
	parts := make([]string, 0, len(phases))
	for _, phase := range phases {
		var values []float64
		for _, t := range targets {
			if t.Timings != nil {
				values = append(values, phase.of(t.Timings))
			}
		}
		if len(values) == 0 {
			continue
		}
		slices.Sort(values)
		parts = append(parts, fmt.Sprintf("%s %.1f", phase.name, values[len(values)/2]))
	}
	return "median ms: " + strings.Join(parts, ", ")
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

// browserCPU returns the CPU time (user and system) the browser's process
// tree has used so far, from /proc, that of its processes that exited
// included.
func browserCPU(br *Browser) time.Duration {
	p := br.Process()
	if p == nil {
		return 0
	}
	var ticks int64
	for _, pid := range processTree(p.Pid) {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			continue
		}
		// utime, stime, cutime and cstime are the 12th to 15th fields
		// after the ")" that ends the name.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 15 {
			continue
		}
		// utime, stime, and the same of its children that exited
		// (renderers are the zygote's children).
		for _, field := range fields[11:15] {
			n, _ := strconv.ParseInt(field, 10, 64)
			ticks += n
		}
	}
	// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ).
	return time.Duration(ticks) * 10 * time.Millisecond
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

// BenchmarkManyTargets inspects 1,000 lab pages in one run, one worker, and
// prints the memory at each quarter: the Go heap in use after a collection
// (cookiescope keeps every target's evidence for the report, so it grows
// with the targets) and the browser's PSS (which must not). Run it with
// make bench-memory; b.N is ignored.
func BenchmarkManyTargets(b *testing.B) {
	br := needBrowser(b)
	const total, step = 1000, 250
	urls := benchPages(total)
	var kept []inspect.Target
	fmt.Println("targets  go-heap-MB  browser-PSS-MB")
	for done := 0; done < total; done += step {
		targets, complete, err := br.InspectURLs(context.Background(), urls[done:done+step], 1, LoadOptions{}, nil)
		if err != nil || !complete {
			b.Fatalf("targets %d-%d: complete=%v, err=%v", done, done+step, complete, err)
		}
		for _, t := range targets {
			if t.Error != "" {
				b.Fatalf("%s: %s", t.URL, t.Error)
			}
		}
		kept = append(kept, targets...)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Printf("%7d  %10.1f  %14.1f\n", len(kept), float64(m.HeapInuse)/(1<<20), browserPSSMegabytes(b, br))
	}
	runtime.KeepAlive(kept)
}
