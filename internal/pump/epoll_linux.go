//go:build linux

package pump

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// epollSet is one epoll instance of the Poller. Waiting on a parked set
// parks the goroutine in Go's network poller (an epoll descriptor is
// itself pollable) rather than blocking a thread in epoll_wait: a thread
// that comes back from a long blocking system call wakes the runtime's
// monitor thread, which then polls at a high rate for a while: a cost per
// wait that a fleet would pay every round. Only a set whose
// events are rare may be parked: every event of a set in Go's poller wakes
// the runtime's poller thread, waiting or not, so the data set (an event
// per ffmpeg write) blocks instead, which it does only when idle.
type epollSet struct {
	fd int
	f  *os.File        // owns fd
	rc syscall.RawConn // f's; nil when the runtime does not poll it
}

func newEpollSet(parked bool) (*epollSet, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("parse: epoll_create1: %w", err)
	}
	// Non-blocking, so that os.NewFile hands it to the runtime's poller.
	var nbErr error
	if parked {
		nbErr = syscall.SetNonblock(fd, true)
	}
	e := &epollSet{fd: fd, f: os.NewFile(uintptr(fd), "epoll")}
	// A descriptor the runtime polls takes deadlines; one it does not
	// (it never should be) refuses them: then waits block a thread.
	if parked && nbErr == nil && e.f.SetReadDeadline(time.Time{}) == nil {
		e.rc, _ = e.f.SyscallConn()
	}
	return e, nil
}

// add watches fd for events (0: hang-ups and errors only, which epoll
// always reports).
func (e *epollSet) add(fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return syscall.EpollCtl(e.fd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

func (e *epollSet) del(fd int) {
	_ = syscall.EpollCtl(e.fd, syscall.EPOLL_CTL_DEL, fd, nil)
}

// wait fills events with what is ready, waiting up to d for something to
// be: d < 0 waits as long as it takes, 0 not at all. It returns 0 when d
// passed with nothing ready.
func (e *epollSet) wait(events []syscall.EpollEvent, d time.Duration) (int, error) {
	if d == 0 || e.rc == nil {
		ms := -1
		if d >= 0 {
			ms = int((d + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := syscall.EpollWait(e.fd, events, ms)
		if err == syscall.EINTR {
			return 0, nil
		}
		return n, err
	}
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	if err := e.f.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	var n int
	var werr error
	err := e.rc.Read(func(fd uintptr) bool {
		n, werr = syscall.EpollWait(int(fd), events, 0)
		if werr == syscall.EINTR {
			n, werr = 0, nil
		}
		return n > 0 || werr != nil
	})
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return n, werr
}

func (e *epollSet) close() { _ = e.f.Close() }
