package attack

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/internal/browsertest"
)

// env is the lab and browser the real-Chrome tests of this package share.
var env browsertest.Env

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m, &env)) }

// newTestWorker opens a worker of the shared browser for one test.
func newTestWorker(t testing.TB) *browser.Worker {
	t.Helper()
	b := env.Need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := b.NewWorker(ctx)
	if err != nil {
		t.Fatalf("new worker: %v", err)
	}
	t.Cleanup(w.Close)
	return w
}
