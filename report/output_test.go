//go:build unix

package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/internal/ci"
)

// content is what the tests write.
const content = "the report\n"

func writeContent(w io.Writer) error {
	_, err := io.WriteString(w, content)
	return err
}

// wantFile checks that path holds content.
func wantFile(t *testing.T, path string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != content {
		t.Errorf("%s holds %q (%v), want %q", path, got, err, content)
	}
}

// wantEntries checks that dir holds exactly these names: no temporary file
// was left behind.
func wantEntries(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// wantKind checks the kind of file at path, links not followed.
func wantKind(t *testing.T, path string, kind fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Type() != kind {
		t.Errorf("%s: %v (%v), want the kind %v", path, fi.Mode().Type(), err, kind)
	}
}

// needLinux skips what only Linux has (/proc descriptor paths, mkfifo).
func needLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		ci.Skip(t, "descriptor paths under /proc exist on Linux only")
	}
}

// fifoReader makes a FIFO in dir and reads it in a goroutine; got waits for
// what the reader read. The reader blocks until a writer opens the FIFO; the
// test's cleanup opens it itself if nobody did, so the goroutine always ends.
func fifoReader(t *testing.T, dir string) (path string, got func() string) {
	t.Helper()
	path = filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	read := make(chan string, 1)
	go func() {
		data, err := os.ReadFile(path)
		if err != nil {
			data = []byte("read error: " + err.Error())
		}
		read <- string(data)
	}()
	t.Cleanup(func() {
		// No reader left: ENXIO, and nothing to release.
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return path, func() string {
		select {
		case s := <-read:
			read <- s
			return s
		case <-time.After(10 * time.Second):
			return "nothing read within 10s"
		}
	}
}

// keepDevNull restores /dev/null if a broken writer replaced it with a
// regular file (as root, the old rename did), so that one failed test does
// not break the machine for everyone else.
func keepDevNull(t *testing.T) {
	t.Cleanup(func() {
		if fi, err := os.Lstat("/dev/null"); err == nil && fi.Mode().Type() != fs.ModeDevice|fs.ModeCharDevice {
			t.Errorf("/dev/null became %v; restoring it", fi.Mode())
			os.Remove("/dev/null")
			syscall.Mknod("/dev/null", syscall.S_IFCHR|0o666, 1<<8|3)
			os.Chmod("/dev/null", 0o666)
		}
	})
}

func TestWriteFileByKindOfPath(t *testing.T) {
	tests := []struct {
		description string
		// setup makes what the path names in dir and returns the path and a
		// check of everything that must hold after the write.
		setup func(t *testing.T, dir string) (path string, check func(t *testing.T))
	}{
		{"a new file in an existing folder is created, readable by all", func(t *testing.T, dir string) (string, func(*testing.T)) {
			path := filepath.Join(dir, "report.json")
			return path, func(t *testing.T) {
				wantFile(t, path)
				if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
					t.Errorf("mode %v, want 0644", fi.Mode())
				}
				wantEntries(t, dir, "report.json")
			}
		}},
		{"an existing file is replaced by a rename: a reader holding it sees the old report whole, and its permissions stay", func(t *testing.T, dir string) (string, func(*testing.T)) {
			path := filepath.Join(dir, "report.json")
			os.WriteFile(path, []byte("old"), 0o600)
			os.Chmod(path, 0o600)
			held, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { held.Close() })
			return path, func(t *testing.T) {
				wantFile(t, path)
				if old, _ := io.ReadAll(held); string(old) != "old" {
					t.Errorf("the file was written in place: its old reader sees %q", old)
				}
				if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
					t.Errorf("mode %v, want the old 0600", fi.Mode())
				}
				wantEntries(t, dir, "report.json")
			}
		}},
		{"a link to a file stays a link, and the file it points to gets the report", func(t *testing.T, dir string) (string, func(*testing.T)) {
			target, link := filepath.Join(dir, "target.json"), filepath.Join(dir, "link.json")
			os.WriteFile(target, []byte("old"), 0o644)
			os.Symlink("target.json", link)
			return link, func(t *testing.T) {
				wantKind(t, link, fs.ModeSymlink)
				wantFile(t, target)
				wantEntries(t, dir, "link.json", "target.json")
			}
		}},
		{"a relative link into another folder: the temporary file is made next to the target", func(t *testing.T, dir string) (string, func(*testing.T)) {
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			os.Mkdir(a, 0o755)
			os.Mkdir(b, 0o755)
			os.WriteFile(filepath.Join(b, "report.json"), []byte("old"), 0o644)
			link := filepath.Join(a, "latest.json")
			os.Symlink("../b/report.json", link)
			// Made read-only, a could not take a temporary file: the rename
			// must happen in b. Root ignores the mode; the listing below still
			// shows where the file went.
			os.Chmod(a, 0o555)
			t.Cleanup(func() { os.Chmod(a, 0o755) })
			return link, func(t *testing.T) {
				wantKind(t, link, fs.ModeSymlink)
				if got, _ := os.Readlink(link); got != "../b/report.json" {
					t.Errorf("the link now points to %q", got)
				}
				wantFile(t, filepath.Join(b, "report.json"))
				wantEntries(t, a, "latest.json")
				wantEntries(t, b, "report.json")
			}
		}},
		{"a chain of links ends at its last target, every link kept", func(t *testing.T, dir string) (string, func(*testing.T)) {
			os.WriteFile(filepath.Join(dir, "c.json"), []byte("old"), 0o644)
			os.Symlink(filepath.Join(dir, "c.json"), filepath.Join(dir, "b.json"))
			os.Symlink("b.json", filepath.Join(dir, "a.json"))
			return filepath.Join(dir, "a.json"), func(t *testing.T) {
				wantKind(t, filepath.Join(dir, "a.json"), fs.ModeSymlink)
				wantKind(t, filepath.Join(dir, "b.json"), fs.ModeSymlink)
				wantFile(t, filepath.Join(dir, "c.json"))
				wantEntries(t, dir, "a.json", "b.json", "c.json")
			}
		}},
		{"a link to no file yet creates the file it points to", func(t *testing.T, dir string) (string, func(*testing.T)) {
			link := filepath.Join(dir, "link.json")
			os.Symlink("new.json", link)
			return link, func(t *testing.T) {
				wantKind(t, link, fs.ModeSymlink)
				wantFile(t, filepath.Join(dir, "new.json"))
			}
		}},
		{"a FIFO is written through to its reader and stays a FIFO", func(t *testing.T, dir string) (string, func(*testing.T)) {
			needLinux(t)
			path, got := fifoReader(t, dir)
			return path, func(t *testing.T) {
				if s := got(); s != content {
					t.Errorf("the reader got %q", s)
				}
				wantKind(t, path, fs.ModeNamedPipe)
				wantEntries(t, dir, "fifo")
			}
		}},
		{"/dev/fd/N writes to that descriptor of this process and leaves it open", func(t *testing.T, dir string) (string, func(*testing.T)) {
			needLinux(t)
			return descriptorPath(t, "/dev/fd/%d")
		}},
		{"/proc/self/fd/N writes to that descriptor of this process and leaves it open", func(t *testing.T, dir string) (string, func(*testing.T)) {
			needLinux(t)
			return descriptorPath(t, "/proc/self/fd/%d")
		}},
		{"the null device is written through and stays a character device", func(t *testing.T, dir string) (string, func(*testing.T)) {
			keepDevNull(t)
			return "/dev/null", func(t *testing.T) {
				wantKind(t, "/dev/null", fs.ModeDevice|fs.ModeCharDevice)
				wantEntries(t, dir)
			}
		}},
		{"a Unix socket gets the report over a connection", func(t *testing.T, dir string) (string, func(*testing.T)) {
			needLinux(t)
			// A socket path must be short (108 bytes); the test's folder may not be.
			short, err := os.MkdirTemp("", "sock")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(short) })
			path := filepath.Join(short, "s")
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() }) // ends Accept if nobody connected
			read := make(chan string, 1)
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					read <- "accept: " + err.Error()
					return
				}
				defer conn.Close()
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				data, _ := io.ReadAll(conn)
				read <- string(data)
			}()
			return path, func(t *testing.T) {
				select {
				case s := <-read:
					if s != content {
						t.Errorf("the socket got %q", s)
					}
				case <-time.After(10 * time.Second):
					t.Errorf("nothing came through the socket within 10s")
				}
				wantKind(t, path, fs.ModeSocket)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			path, check := tt.setup(t, t.TempDir())
			if err := WriteFile(path, writeContent); err != nil {
				t.Fatalf("WriteFile(%s): %v", path, err)
			}
			check(t)
		})
	}
}

// descriptorPath opens a pipe and returns a path naming its write end by
// format (with %d), and a check that the report came through and that the
// descriptor is still open.
func descriptorPath(t *testing.T, format string) (string, func(*testing.T)) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return fmt.Sprintf(format, w.Fd()), func(t *testing.T) {
		if _, err := io.WriteString(w, "more\n"); err != nil {
			t.Errorf("the descriptor was closed: %v", err)
		}
		w.Close()
		if got, _ := io.ReadAll(r); string(got) != content+"more\n" {
			t.Errorf("the pipe got %q", got)
		}
	}
}

func TestWriteFileKeepsTheOldFileWhenTheWriteFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	os.WriteFile(path, []byte("old"), 0o644)
	failing := func(w io.Writer) error {
		w.Write([]byte("half"))
		return os.ErrClosed
	}
	if err := WriteFile(path, failing); !errors.Is(err, os.ErrClosed) || !strings.HasPrefix(err.Error(), path+": ") {
		t.Fatalf("WriteFile returned %v, want the writer's error after the path", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("a failed write left %q, want the old file", got)
	}
	wantEntries(t, dir, "report.json")
}

func TestBadPathsAreRefusedBeforeAndAtWriting(t *testing.T) {
	tests := []struct {
		description string
		setup       func(t *testing.T, dir string) string
		want        string
	}{
		{"a folder", func(t *testing.T, dir string) string { return dir }, "is a folder; name a file in it"},
		{"a folder with a trailing slash", func(t *testing.T, dir string) string { return dir + "/" }, "is a folder"},
		{"a file in a folder that does not exist", func(t *testing.T, dir string) string { return filepath.Join(dir, "missing", "x.json") }, "missing does not exist; create it first"},
		{"a file below a regular file", func(t *testing.T, dir string) string {
			os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
			return filepath.Join(dir, "file", "x.json")
		}, "file is not a folder"},
		{"a link to a file in a folder that does not exist", func(t *testing.T, dir string) string {
			os.Symlink("missing/x.json", filepath.Join(dir, "link"))
			return filepath.Join(dir, "link")
		}, "missing does not exist"},
		{"a loop of links", func(t *testing.T, dir string) string {
			os.Symlink("b", filepath.Join(dir, "a"))
			os.Symlink("a", filepath.Join(dir, "b"))
			return filepath.Join(dir, "a")
		}, "more than 40 symbolic links"},
		{"a descriptor that is not open", func(t *testing.T, dir string) string {
			needLinux(t)
			return "/dev/fd/999"
		}, "descriptor 999"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			before, _ := os.ReadDir(dir)
			for name, err := range map[string]error{"CheckWritable": CheckWritable(path), "WriteFile": WriteFile(path, writeContent)} {
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path) {
					t.Errorf("%s(%s): %v, want an error starting with the path and saying %q", name, path, err, tt.want)
				}
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("the folder changed: %v, was %v", after, before)
			}
		})
	}
}

func TestCheckWritableWritesNothing(t *testing.T) {
	tests := []struct {
		description string
		// setup returns the path to check and a check that nothing changed.
		setup func(t *testing.T, dir string) (string, func(*testing.T))
	}{
		{"a new file is not created", func(t *testing.T, dir string) (string, func(*testing.T)) {
			return filepath.Join(dir, "new.json"), func(t *testing.T) { wantEntries(t, dir) }
		}},
		{"an existing file is left as it was", func(t *testing.T, dir string) (string, func(*testing.T)) {
			path := filepath.Join(dir, "old.json")
			os.WriteFile(path, []byte(content), 0o644)
			return path, func(t *testing.T) { wantFile(t, path); wantEntries(t, dir, "old.json") }
		}},
		{"a link and its target are left as they were", func(t *testing.T, dir string) (string, func(*testing.T)) {
			os.WriteFile(filepath.Join(dir, "target.json"), []byte(content), 0o644)
			os.Symlink("target.json", filepath.Join(dir, "link.json"))
			return filepath.Join(dir, "link.json"), func(t *testing.T) {
				wantKind(t, filepath.Join(dir, "link.json"), fs.ModeSymlink)
				wantEntries(t, dir, "link.json", "target.json")
			}
		}},
		{"a FIFO with a reader is not opened: the reader gets the whole report later, not an early end of file", func(t *testing.T, dir string) (string, func(*testing.T)) {
			needLinux(t)
			path, got := fifoReader(t, dir)
			return path, func(t *testing.T) {
				if err := WriteFile(path, writeContent); err != nil {
					t.Fatal(err)
				}
				if s := got(); s != content {
					t.Errorf("the reader got %q: the check opened and closed the FIFO", s)
				}
			}
		}},
		{"a FIFO without a reader does not block the check", func(t *testing.T, dir string) (string, func(*testing.T)) {
			needLinux(t)
			path := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
			return path, func(t *testing.T) { wantKind(t, path, fs.ModeNamedPipe) }
		}},
		{"the null device stays a character device", func(t *testing.T, dir string) (string, func(*testing.T)) {
			keepDevNull(t)
			return "/dev/null", func(t *testing.T) { wantKind(t, "/dev/null", fs.ModeDevice|fs.ModeCharDevice) }
		}},
		{"this process's standard error", func(t *testing.T, dir string) (string, func(*testing.T)) {
			needLinux(t)
			return "/dev/stderr", func(t *testing.T) {}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			path, check := tt.setup(t, t.TempDir())
			if err := CheckWritable(path); err != nil {
				t.Fatalf("CheckWritable(%s): %v", path, err)
			}
			check(t)
		})
	}
}
