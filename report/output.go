package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// WriteFile writes a report to path the way its kind of file needs:
//
//   - A regular file, or a path where no file is yet, is written through a
//     temporary file in the same folder and a rename, so a reader never sees
//     half a report and a failed write leaves the old file in place. An
//     existing file keeps its permission bits; a new one gets 0644.
//   - Symbolic links are followed first: the temporary file is made next to
//     the final target and renamed over it, so the link stays a link.
//   - Anything else is written through, never replaced: a character device
//     (/dev/null, a terminal), a FIFO, a descriptor of this process
//     (/dev/stdout, /dev/fd/N, /proc/self/fd/N, whatever they are open on),
//     other files under /proc, and a Unix socket (connected to). Opening a
//     FIFO waits until it has a reader, as a shell redirection does.
//
// Replacing a device with a regular file would break the machine for every
// other program (as root, /dev/null), which is why the kind is looked at
// before anything is created. A folder is an error. Errors start with path.
func WriteFile(path string, write func(io.Writer) error) error {
	d, err := locate(path)
	if err != nil {
		return err
	}
	switch {
	case d.fd >= 0:
		f, err := dupDescriptor(d.fd)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return writeThrough(path, f, write)
	case d.info != nil && d.info.IsDir():
		return fmt.Errorf("%s is a folder; name a file in it", path)
	case d.info != nil && d.info.Mode()&fs.ModeSocket != 0 && !d.proc:
		conn, err := net.Dial("unix", d.path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return writeThrough(path, conn, write)
	case d.proc || (d.info != nil && !d.info.Mode().IsRegular()):
		f, err := os.OpenFile(d.path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return writeThrough(path, f, write)
	}
	return replace(path, d, write)
}

// CheckWritable reports whether WriteFile could write path now, without
// writing to it and without leaving anything behind, so that a command can
// refuse a bad output before minutes of work. The folder of a regular or new
// file must exist and take a new file (a temporary file is created there and
// removed). Devices, FIFOs and sockets are only looked at (kind and write
// permission), never opened: opening has effects. Opening and closing the
// write end of a FIFO that already has a reader gives that reader end of
// file before the report comes (`cat fifo` would exit), and opening it
// without a reader blocks; some devices act on open and close. A descriptor
// of this process must be open.
func CheckWritable(path string) error {
	d, err := locate(path)
	if err != nil {
		return err
	}
	switch {
	case d.fd >= 0:
		if err := checkDescriptor(d.fd); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	case d.info != nil && d.info.IsDir():
		return fmt.Errorf("%s is a folder; name a file in it", path)
	case d.proc || (d.info != nil && !d.info.Mode().IsRegular()):
		if err := checkAccess(d.path); err != nil {
			return fmt.Errorf("%s: cannot write: %w", path, err)
		}
		return nil
	}
	dir := filepath.Dir(d.path)
	probe, err := os.CreateTemp(dir, "."+filepath.Base(d.path)+".*")
	if err != nil {
		return fmt.Errorf("%s: cannot create a file in %s: %w", path, dir, unwrapPath(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// destination is where a path leads once its symbolic links are followed.
type destination struct {
	// path is the file to replace or create, every link resolved, or the
	// special file to open.
	path string
	// info describes path; nil when there is no file yet.
	info fs.FileInfo
	// fd is the descriptor of this process that path names, or -1.
	fd int
	// proc is set for a path under /proc (but our own descriptors): it is
	// written through, never replaced, and its links are the kernel's.
	proc bool
}

// maxLinks bounds the symbolic links locate follows, as the kernel does.
const maxLinks = 40

// locate follows path's symbolic links, one at a time, to the file that
// would be written. The links of /proc (/proc/self/fd/1 -> "pipe:[1234]")
// are not paths: a path that reaches /proc stops there, and one that names a
// descriptor of this process says so.
func locate(path string) (destination, error) {
	if path == "" {
		return destination{}, errors.New("an empty path")
	}
	p := path
	if trimmed := strings.TrimRight(p, string(filepath.Separator)); trimmed != "" {
		p = trimmed
	}
	for links := 0; ; links++ {
		if links > maxLinks {
			return destination{}, fmt.Errorf("%s: more than %d symbolic links", path, maxLinks)
		}
		parent := filepath.Dir(p)
		dir, err := filepath.EvalSymlinks(parent)
		if err == nil {
			var fi fs.FileInfo
			if fi, err = os.Stat(dir); err == nil && !fi.IsDir() {
				err = syscall.ENOTDIR
			}
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return destination{}, fmt.Errorf("%s: the folder %s does not exist; create it first", path, parent)
		case errors.Is(err, syscall.ENOTDIR):
			return destination{}, fmt.Errorf("%s: %s is not a folder", path, parent)
		case err != nil:
			return destination{}, fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		p = filepath.Join(dir, filepath.Base(p))
		if fd, ok := ownDescriptor(p); ok {
			return destination{path: p, fd: fd}, nil
		}
		if strings.HasPrefix(p, "/proc/") {
			fi, err := os.Stat(p)
			if err != nil {
				return destination{}, fmt.Errorf("%s: %w", path, unwrapPath(err))
			}
			return destination{path: p, info: fi, fd: -1, proc: true}, nil
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return destination{path: p, fd: -1}, nil
		}
		if err != nil {
			return destination{}, fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return destination{path: p, info: fi, fd: -1}, nil
		}
		target, err := os.Readlink(p)
		if err != nil {
			return destination{}, fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		p = target
	}
}

// ownDescriptor reports whether p, with its folder resolved, names one of
// this process's descriptors: /proc/PID/fd/N or /proc/PID/task/TID/fd/N, as
// /dev/stdout, /dev/fd/N and /proc/self/fd/N resolve to on Linux.
func ownDescriptor(p string) (int, bool) {
	rest, ok := strings.CutPrefix(p, "/proc/")
	if !ok {
		return -1, false
	}
	parts := strings.Split(rest, "/")
	pid := strconv.Itoa(os.Getpid())
	switch {
	case len(parts) == 3 && parts[0] == pid && parts[1] == "fd":
	case len(parts) == 5 && parts[0] == pid && parts[1] == "task" && parts[3] == "fd":
	default:
		return -1, false
	}
	fd, err := strconv.Atoi(parts[len(parts)-1])
	return fd, err == nil && fd >= 0
}

// writeThrough writes to an open destination and closes it.
func writeThrough(path string, w io.WriteCloser, write func(io.Writer) error) error {
	err := write(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// replace writes d.path through a temporary file next to it and a rename.
func replace(path string, d destination, write func(io.Writer) error) error {
	perm := fs.FileMode(0o644)
	if d.info != nil {
		perm = d.info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(d.path), "."+filepath.Base(d.path)+".*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp.Name())
		}
	}()
	err = write(tmp)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		// Without it, a crash soon after the rename can leave an empty file
		// on some file systems instead of the old or the new report.
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), d.path)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	renamed = true
	return nil
}

// unwrapPath drops the operation and path of an *fs.PathError or
// *os.LinkError, which name a path the caller already names (or a temporary
// file the user never gave).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
