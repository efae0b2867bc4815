package ci

import (
	"strings"
	"testing"
)

// recordingTB notes whether Skip or Fatalf was called instead of stopping
// the test.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Skip(args ...any)                  { r.skipped = args[0].(string) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = format }

func TestSkipFailsInCIAndSkipsElsewhere(t *testing.T) {
	t.Setenv("CI", "true")
	in := &recordingTB{}
	Skip(in, "needs a thing")
	if in.failed == "" || in.skipped != "" {
		t.Errorf("in CI: failed %q, skipped %q; want a failure", in.failed, in.skipped)
	}
	if !strings.Contains(in.failed, "must run") {
		t.Errorf("the failure %q does not say the test must run in CI", in.failed)
	}
	t.Setenv("CI", "")
	out := &recordingTB{}
	Skip(out, "needs a thing")
	if out.skipped != "needs a thing" || out.failed != "" {
		t.Errorf("outside CI: failed %q, skipped %q; want a skip saying why", out.failed, out.skipped)
	}
}
