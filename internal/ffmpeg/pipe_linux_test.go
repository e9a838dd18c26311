//go:build linux

package ffmpeg

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// readFd reads fd (non-blocking) to end of file.
func readFd(t *testing.T, fd int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 4096)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := syscall.Read(fd, buf)
		switch {
		case n > 0:
			out = append(out, buf[:n]...)
		case err == syscall.EAGAIN || err == syscall.EINTR:
			if time.Now().After(deadline) {
				t.Fatal("no end of file after 10s")
			}
			time.Sleep(time.Millisecond)
		case err != nil:
			t.Fatalf("read: %v", err)
		default:
			return out
		}
	}
}

// TestDetachedPipes reads a process's pipes by file descriptor, as
// pump.Poller does: what was observed makes Exit.Tail, Drained lets Wait
// return without waiting out the drain timeout, and Read fails after
// Detach.
func TestDetachedPipes(t *testing.T) {
	p, err := Start(context.Background(), "/bin/sh", []string{"-c", "echo one >&2; echo two >&2; echo progress=end >&3; exit 3"},
		Options{DrainTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	type detacher interface {
		Detach() (int, error)
		Observe([]byte)
		Drained()
	}
	stderr, ok1 := p.Stderr().(detacher)
	progress, ok2 := p.Progress().(detacher)
	if !ok1 || !ok2 {
		t.Fatal("the pipes do not implement Detach, Observe and Drained")
	}
	efd, err := stderr.Detach()
	if err != nil {
		t.Fatal(err)
	}
	pfd, err := progress.Detach()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Stderr().Read(make([]byte, 8)); err == nil {
		t.Error("Read after Detach succeeded; want an error")
	}
	stderr.Observe(readFd(t, efd))
	if got := string(readFd(t, pfd)); got != "progress=end\n" {
		t.Errorf("progress = %q", got)
	}
	_ = syscall.Close(efd)
	_ = syscall.Close(pfd)
	begin := time.Now()
	stderr.Drained()
	progress.Drained()
	e := p.Wait()
	if time.Since(begin) > 2*time.Second || e.Undrained {
		t.Errorf("Wait took %s, Undrained %v; want it to see the pipes drained", time.Since(begin), e.Undrained)
	}
	if e.Kind != ExitError || e.Code != 3 || len(e.Tail) != 2 || e.Tail[0] != "one" || e.Tail[1] != "two" {
		t.Errorf("Exit = %+v; want error exit 3 with tail [one two]", e)
	}
	_ = p.Stderr().Close()
	_ = p.Progress().Close()
}
