package browser_test

import (
	"os"
	"testing"

	"github.com/cookiescope/cookiescope/browser"
	"github.com/cookiescope/cookiescope/internal/browsertest"
	"github.com/cookiescope/cookiescope/lab"
)

// One lab and one browser serve every test of this package: launching
// Chrome per test would make the suite several times slower. They start as
// in every other package, through internal/browsertest; this file is in an
// external test package because browsertest imports browser.
var env = browsertest.Env{LabConfig: lab.Config{SecondHTTPS: true}}

func TestMain(m *testing.M) { os.Exit(browsertest.Main(handOver{m}, &env)) }

// handOver gives the started lab and browser to the package's own tests
// before they run, and stops the origin-bound browser some of them start.
type handOver struct{ m *testing.M }

// Run satisfies browsertest.Runner.
func (h handOver) Run() int {
	browser.UseTestEnv(env.Lab, env.Browser, env.NoBrowser)
	defer browser.CloseTestOriginBound()
	return h.m.Run()
}
