//go:build !linux

package browser

import "os/exec"

// dieWithParent does nothing where the kernel cannot kill a child with its
// parent; chromedp does nothing there either.
func dieWithParent(*exec.Cmd) {}
