package ffmpeg

import (
	"os"
	"sync"
	"time"
)

// pipeReader is the read end of one of ffmpeg's output pipes as handed to
// the caller. It only observes what the caller reads: it copies the end of
// each read into a tail ring (stderr) and notes when the pipe is drained
// (end of file, read error or Close). It never reads by itself.
type pipeReader struct {
	f       *os.File
	tail    *tailRing // nil for the progress pipe
	drained chan struct{}
	once    sync.Once
}

func newPipeReader(f *os.File, tail *tailRing) *pipeReader {
	return &pipeReader{f: f, tail: tail, drained: make(chan struct{})}
}

// Read reads from the pipe. After ffmpeg exits it returns the rest of what
// ffmpeg wrote, then io.EOF.
func (r *pipeReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if n > 0 && r.tail != nil {
		r.tail.Write(p[:n])
	}
	if err != nil {
		r.once.Do(func() { close(r.drained) })
	}
	return n, err
}

// Close closes the read end; ffmpeg gets EPIPE on its next write.
func (r *pipeReader) Close() error {
	r.once.Do(func() { close(r.drained) })
	return r.f.Close()
}

// SetReadDeadline sets the deadline for pending and future reads.
func (r *pipeReader) SetReadDeadline(t time.Time) error { return r.f.SetReadDeadline(t) }

// Observe passes a chunk read from the pipe's file descriptor by a reader
// that took it over with Detach (Linux), so that Exit.Tail still holds
// ffmpeg's last stderr lines.
func (r *pipeReader) Observe(p []byte) {
	if r.tail != nil {
		r.tail.Write(p)
	}
}

// ObserveBatch is Observe for the messages one read of a socket returned
// (package parse's BatchObserver): one lock of the tail ring for all.
func (r *pipeReader) ObserveBatch(msgs [][]byte) {
	if r.tail != nil {
		r.tail.WriteAll(msgs)
	}
}

// Drained tells a Process that a reader that took the pipe over with
// Detach read it to its end (or gave up on it); Process.Wait waits for it
// as it waits for end of file from Read.
func (r *pipeReader) Drained() { r.once.Do(func() { close(r.drained) }) }
