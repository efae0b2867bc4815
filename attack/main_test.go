package attack

import (
	"os"
	"testing"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/internal/browsertest"
)

// env is the lab and browser the real-Chrome tests of this package share.
var env browsertest.Env

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m, &env)) }

// newTestWorker opens a worker of the shared browser for one test.
func newTestWorker(t testing.TB) *browser.Worker { return env.NewWorker(t) }
