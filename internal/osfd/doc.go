// Package osfd hands an [os.File]'s descriptor over to code that reads it
// with system calls of its own (epoll, recvmmsg), out of Go's network
// poller. It is shared by internal/ffmpeg, whose viewer outputs are
// detached this way, and internal/pump, whose Poller reads them.
package osfd
