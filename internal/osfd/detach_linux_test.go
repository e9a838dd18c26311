//go:build linux

package osfd

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// TestDetach: the duplicate reads what is written to the pipe, without
// blocking when nothing is there, and the original file is closed.
func TestDetach(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fd, err := Detach(r)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)

	buf := make([]byte, 16)
	if _, err := syscall.Read(fd, buf); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("read of an empty detached pipe: %v; want EAGAIN (non-blocking)", err)
	}
	if _, err := w.WriteString("line\n"); err != nil {
		t.Fatal(err)
	}
	n, err := syscall.Read(fd, buf)
	if err != nil || string(buf[:n]) != "line\n" {
		t.Fatalf("read %q, %v; want %q", buf[:n], err, "line\n")
	}
	if _, err := r.Read(buf); !errors.Is(err, os.ErrClosed) {
		t.Errorf("read of the original file: %v; want os.ErrClosed", err)
	}
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	if errno != 0 || flags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("descriptor flags %#x (%v); want close-on-exec", flags, errno)
	}
}

// TestDetachClosed: a closed file is an error, not a panic.
func TestDetachClosed(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	r.Close()
	if _, err := Detach(r); err == nil {
		t.Fatal("Detach of a closed file: no error")
	}
}
