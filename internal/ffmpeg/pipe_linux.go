//go:build linux

package ffmpeg

import (
	"fmt"
	"os"
	"syscall"

	"github.com/hlsswarm/hlsswarm/internal/osfd"
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
	fd, err := osfd.Detach(r.f)
	if err != nil {
		return -1, fmt.Errorf("detach pipe: %w", err)
	}
	return fd, nil
}

// outputSendBuffer is the send buffer asked for ffmpeg's end of each
// output socket (the kernel caps it at net.core.wmem_max and doubles it):
// room for about 1300 of ffmpeg's writes (a debug-level live viewer makes
// about 40 a second, two per log line: 30 s of log) when the reader is
// slow; package parse's Poller reads every 2 s or sooner.
const outputSendBuffer = 512 << 10

// outputPair returns the read end (ours) and the write end (ffmpeg's) of
// the channel for one of ffmpeg's outputs. On Linux it is a SOCK_SEQPACKET
// Unix socket pair rather than a pipe: each of ffmpeg's writes is one
// message, which the kernel stamps when it is written (SO_TIMESTAMPNS), so
// a reader that reads in batches (pump.Poller) still knows when each line
// was written. Read still works (one message per read). If the socket
// pair cannot be made, it falls back to a pipe.
func outputPair() (r, w *os.File, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.Pipe()
	}
	_ = syscall.SetsockoptInt(fds[1], syscall.SOL_SOCKET, syscall.SO_SNDBUF, outputSendBuffer)
	_ = syscall.SetsockoptInt(fds[0], syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		_ = syscall.Close(fds[0])
		_ = syscall.Close(fds[1])
		return os.Pipe()
	}
	return os.NewFile(uintptr(fds[0]), "ffmpeg-output"), os.NewFile(uintptr(fds[1]), "ffmpeg-output-w"), nil
}
