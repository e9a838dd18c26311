//go:build linux

package ffmpeg

import (
	"fmt"
	"syscall"
)

// Detach hands the pipe's read end over to a reader that reads its file
// descriptor itself (package parse's Poller, which reads many viewers'
// pipes from one goroutine): it returns a non-blocking, close-on-exec
// duplicate that the caller owns and closes, and closes the pipe's own
// descriptor, which takes it out of Go's network poller (that poller would
// otherwise wake a thread for each of ffmpeg's writes, nobody waiting). After
// Detach, Read and SetReadDeadline fail; pass what is read to Observe and
// call Drained at end of file. Close still marks the pipe drained.
func (r *pipeReader) Detach() (int, error) {
	rc, err := r.f.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("detach pipe: %w", err)
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
		return -1, fmt.Errorf("detach pipe: %w", err)
	}
	if dupErr != nil {
		return -1, fmt.Errorf("detach pipe: dup: %w", dupErr)
	}
	_ = r.f.Close()
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return -1, fmt.Errorf("detach pipe: %w", err)
	}
	return fd, nil
}
