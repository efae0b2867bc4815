//go:build unix

package report

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// dupDescriptor returns a copy of this process's descriptor fd, so that
// closing it leaves fd open.
func dupDescriptor(fd int) (*os.File, error) {
	syscall.ForkLock.RLock()
	nfd, err := syscall.Dup(fd)
	if err == nil {
		syscall.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("descriptor %d: %w", fd, err)
	}
	return os.NewFile(uintptr(nfd), "/dev/fd/"+strconv.Itoa(fd)), nil
}

// checkDescriptor reports whether this process's descriptor fd is open.
func checkDescriptor(fd int) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fmt.Errorf("descriptor %d is not open: %w", fd, err)
	}
	return nil
}

// checkAccess reports whether this process may open path for writing.
func checkAccess(path string) error {
	return syscall.Access(path, 2 /* W_OK */)
}
