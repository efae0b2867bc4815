package scenarios

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// sessionBenchLogin is the secure lab login, and sessionBenchMeasured the
// same with a session step after it: the difference is what a session step
// costs on the lab.
const (
	sessionBenchLogin = `name: secure login
lab: secure
steps:
  - goto: /login
  - fill: {selector: "input[name=user]", value: demo}
  - fill: {selector: "input[name=password]", value: demo}
  - click: "button[type=submit]"
  - wait: {url: /account}
`
	sessionBenchMeasured = sessionBenchLogin + `  - session: {check: /account, page: "#account"}
`
)

// BenchmarkSessionStep runs the secure lab login without and with a
// session step, in turn, and reports the milliseconds each takes, what
// the session step adds, and the replays per second of its measurement.
func BenchmarkSessionStep(b *testing.B) {
	br := needBrowser(b)
	parse := func(yaml string) []Scenario {
		scs, err := Parse("bench.yaml", []byte(yaml), lookupFrom(nil))
		if err != nil {
			b.Fatal(err)
		}
		return scs
	}
	plain, measured := parse(sessionBenchLogin), parse(sessionBenchMeasured)
	var plainTime, measuredTime, measuring time.Duration
	replays := 0
	b.ResetTimer()
	for b.Loop() {
		for _, sc := range [][]Scenario{plain, measured} {
			start := time.Now()
			targets, complete, err := Run(context.Background(), br, sc, RunOptions{Parallel: 1, LabURL: labURL})
			took := time.Since(start)
			if err != nil || !complete || len(targets) != 1 || targets[0].Error != "" {
				b.Fatalf("run: complete=%v, err=%v, targets %+v", complete, err, targets)
			}
			if s := targets[0].Session; s != nil {
				if s.Error != "" || len(s.Credentials) != 1 {
					b.Fatalf("session: %+v", s)
				}
				measuredTime += took
				measuring += time.Duration(s.DurationMS) * time.Millisecond
				replays += s.Replays
			} else {
				plainTime += took
			}
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(plainTime.Milliseconds())/n, "ms/login")
	b.ReportMetric(float64(measuredTime.Milliseconds())/n, "ms/login+session")
	b.ReportMetric(float64((measuredTime-plainTime).Milliseconds())/n, "ms/session-step")
	b.ReportMetric(float64(replays)/measuring.Seconds(), "replays/s")
	fmt.Printf("session step on the secure lab login: %d replays a step, %.0f ms a login, %.0f ms with the session step, %.1f replays/s\n",
		replays/b.N, float64(plainTime.Milliseconds())/n, float64(measuredTime.Milliseconds())/n, float64(replays)/measuring.Seconds())
}
