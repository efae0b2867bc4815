//go:build unix

package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cookiescope/cookiescope/internal/ci"
	"github.com/cookiescope/cookiescope/internal/schematest"
	"github.com/cookiescope/cookiescope/lab"
)

func TestBadOutputsExitTwoBeforeTheBrowserStarts(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		description string
		args        []string
		mentions    string
	}{
		{"an --output in a folder that does not exist", []string{"--output", "/nonexistent/dir/x.txt"},
			"--output /nonexistent/dir/x.txt: the folder /nonexistent/dir does not exist"},
		{"an --output that is a folder", []string{"--output", dir}, "--output " + dir + " is a folder"},
		{"the second of two outputs in a folder that does not exist", []string{"--format", "json", "--output", filepath.Join(dir, "ok.json"), "--format", "table", "--output", "/nonexistent/dir/x.txt"},
			"--output /nonexistent/dir/x.txt: the folder /nonexistent/dir does not exist"},
		{"two formats to stdout", []string{"--format", "json", "--output", "-", "--format", "table", "--output", "-"}, "only one format can go to stdout"},
		{"a baseline to update in a folder that does not exist", []string{"--baseline", "/nonexistent/dir/b.json", "--update-baseline"},
			"--baseline /nonexistent/dir/b.json: the folder /nonexistent/dir does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			// The trap browser fails: reaching the launch would exit 3.
			args := append([]string{"inspect", "--browser", trapBrowser(t)}, tt.args...)
			code, stdout, stderr := cookiescope(t, append(args, "https://app.test/")...)
			if code != exitUsage || !strings.Contains(stderr, tt.mentions) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, exitUsage, tt.mentions)
			}
			if stdout != "" {
				t.Errorf("a refused run wrote %q to stdout", stdout)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("the check left files behind: %v", left)
			}
		})
	}
}

func TestOutputsOfEveryKind(t *testing.T) {
	needBrowser(t)
	tests := []struct {
		description string
		// setup returns the --format/--output arguments and a check of the
		// run's stdout and of the files afterwards.
		setup func(t *testing.T, dir string) ([]string, func(t *testing.T, stdout string))
	}{
		{"--output - writes to stdout, next to a file", func(t *testing.T, dir string) ([]string, func(*testing.T, string)) {
			file := filepath.Join(dir, "report.txt")
			return []string{"--format", "json", "--output", "-", "--format", "table", "--output", file}, func(t *testing.T, stdout string) {
				schematest.Check(t, []byte(stdout))
				if data, _ := os.ReadFile(file); !strings.Contains(string(data), "header from /headers") {
					t.Errorf("the table file lacks the cookie's story:\n%s", data)
				}
			}
		}},
		{"a link to a report stays a link, and the report it points to is replaced", func(t *testing.T, dir string) ([]string, func(*testing.T, string)) {
			target, link := filepath.Join(dir, "report-1.json"), filepath.Join(dir, "latest.json")
			os.WriteFile(target, []byte("old"), 0o644)
			os.Symlink("report-1.json", link)
			return []string{"--format", "json", "--output", link}, func(t *testing.T, stdout string) {
				if fi, err := os.Lstat(link); err != nil || fi.Mode().Type() != fs.ModeSymlink {
					t.Errorf("%s is no longer a link: %v", link, err)
				}
				data, _ := os.ReadFile(target)
				schematest.Check(t, data)
				if left, _ := os.ReadDir(dir); len(left) != 2 {
					t.Errorf("files left behind: %v", left)
				}
			}
		}},
		{"a FIFO is written to its reader", func(t *testing.T, dir string) ([]string, func(*testing.T, string)) {
			fifo, got := fifoReader(t, dir)
			return []string{"--format", "json", "--output", fifo}, func(t *testing.T, stdout string) {
				schematest.Check(t, []byte(got()))
				if fi, err := os.Lstat(fifo); err != nil || fi.Mode().Type() != fs.ModeNamedPipe {
					t.Errorf("%s is no longer a FIFO: %v", fifo, err)
				}
			}
		}},
		{"/dev/null stays a character device", func(t *testing.T, dir string) ([]string, func(*testing.T, string)) {
			keepSystemFile(t, "/dev/null", fs.ModeDevice|fs.ModeCharDevice, func() error {
				if err := syscall.Mknod("/dev/null", syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
					return err
				}
				return os.Chmod("/dev/null", 0o666)
			})
			return []string{"--format", "json", "--output", "/dev/null"}, func(t *testing.T, stdout string) {
				if os.Geteuid() != 0 {
					ci.Skip(t, "only root can replace /dev/null, so only root can see the device kept")
				}
				if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode().Type() != fs.ModeDevice|fs.ModeCharDevice {
					t.Errorf("/dev/null is no longer a character device: %v %v", fi.Mode(), err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			args, check := tt.setup(t, t.TempDir())
			args = append([]string{"inspect", "--remote", testRemote}, args...)
			code, stdout, stderr := cookiescope(t, append(args, testLab.URL(true, lab.AppHost, "/headers"))...)
			if code != exitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			check(t, stdout)
		})
	}
}

// TestOutputDevStdout runs the real binary, because /dev/stdout is the
// process's own descriptor 1: whatever it is open on, a pipe or a regular
// file, the report goes there and /dev/stdout stays what it is.
func TestOutputDevStdout(t *testing.T) {
	needBrowser(t)
	bin := buildCookiescope(t)
	keepSystemFile(t, "/dev/stdout", fs.ModeSymlink, func() error { return os.Symlink("/proc/self/fd/1", "/dev/stdout") })
	tests := []struct {
		description string
		// stdout returns the command's stdout and how to read it afterwards.
		stdout func(t *testing.T) (io.Writer, func() []byte)
	}{
		{"stdout is a pipe", func(t *testing.T) (io.Writer, func() []byte) {
			var buf bytes.Buffer
			return &buf, buf.Bytes
		}},
		{"stdout is a regular file", func(t *testing.T) (io.Writer, func() []byte) {
			path := filepath.Join(t.TempDir(), "out.json")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f, func() []byte { data, _ := os.ReadFile(path); return data }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			out, read := tt.stdout(t)
			cmd := exec.Command(bin, "inspect", "--remote", testRemote, "--format", "json", "--output", "/dev/stdout", testLab.URL(true, lab.AppHost, "/headers"))
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = out, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v; stderr:\n%s", err, stderr.String())
			}
			schematest.Check(t, read())
		})
	}
}

// fifoReader makes a FIFO in dir and reads it in a goroutine; got waits
// (up to a minute) for what was read. The test's cleanup opens the FIFO for
// writing if nobody did, so the reader always ends.
func fifoReader(t *testing.T, dir string) (path string, got func() string) {
	t.Helper()
	path = filepath.Join(dir, "fifo")
	makeFIFO(t, path)
	read := make(chan string, 1)
	go func() {
		data, err := os.ReadFile(path)
		if err != nil {
			data = []byte("read error: " + err.Error())
		}
		read <- string(data)
	}()
	t.Cleanup(func() { releaseFIFO(path) })
	return path, func() string {
		select {
		case s := <-read:
			read <- s
			return s
		case <-time.After(time.Minute):
			return "nothing read within a minute"
		}
	}
}

// keepSystemFile checks after the test that path is still of its kind, and
// if a broken writer replaced it (as root, the old rename did), restores it
// with restore, so that one failed test does not break the machine.
func keepSystemFile(t *testing.T, path string, kind fs.FileMode, restore func() error) {
	t.Cleanup(func() {
		fi, err := os.Lstat(path)
		if err == nil && fi.Mode().Type() == kind {
			return
		}
		t.Errorf("%s was replaced (%v, %v); restoring it", path, fi.Mode(), err)
		os.Remove(path)
		if err := restore(); err != nil {
			t.Errorf("restore %s: %v", path, err)
		}
	})
}

// makeFIFO makes a FIFO at path.
func makeFIFO(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

// releaseFIFO opens the FIFO at path for writing and closes it, which ends
// a reader still waiting for a writer. With no reader left the open fails
// (ENXIO), and there is nothing to release.
func releaseFIFO(path string) {
	if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}
