package browser

import (
	"os"
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the browser when cookiescope dies,
// as chromedp does for the browsers it starts (we replace its hook on the
// command to write the profile, so we must do this part of its job too).
func dieWithParent(cmd *exec.Cmd) {
	if _, ok := os.LookupEnv("LAMBDA_TASK_ROOT"); ok {
		// chromedp leaves it out on AWS Lambda, where it fails.
		return
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
