//go:build linux

package osfd

import (
	"fmt"
	"os"
	"syscall"
)

// Detach returns a non-blocking, close-on-exec duplicate of f's descriptor,
// which the caller owns and closes, and closes f. Closing f takes the
// descriptor out of Go's network poller, which would otherwise wake a
// thread for every write to it with nobody waiting.
func Detach(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("detach %s: %w", f.Name(), err)
	}
	fd := -1
	var dupErr error
	if err := rc.Control(func(s uintptr) {
		r1, _, errno := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if errno != 0 {
			dupErr = errno
			return
		}
		fd = int(r1)
	}); err != nil {
		return -1, fmt.Errorf("detach %s: %w", f.Name(), err)
	}
	if dupErr != nil {
		return -1, fmt.Errorf("detach %s: dup: %w", f.Name(), dupErr)
	}
	_ = f.Close()
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return -1, fmt.Errorf("detach %s: %w", f.Name(), err)
	}
	return fd, nil
}
