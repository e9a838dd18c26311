package parse

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"
)

// splitter finds lines in a byte stream. A line ends at "\n", "\r\n" or a
// lone "\r" (ffmpeg ends its -stats line with "\r", and HTTP header dumps
// with "\r\n"); a "\r\n" split across two reads is one terminator.
type splitter struct {
	skipLF bool // the previous chunk ended in '\r'
	// cr is the index of the next '\r' at or after the scan position in
	// the current chunk (len(chunk) for none, -1 for not searched yet), so a
	// chunk without '\r' is searched for it only once.
	cr int
}

// reset starts a new chunk.
func (s *splitter) reset() { s.cr = -1 }

// next finds the line that starts at off in chunk. It returns the line
// (without its terminator), the offset to continue from, and whether a
// complete line was found; if not, chunk[end:] is an unfinished line. Call
// reset before the first next of each chunk.
func (s *splitter) next(chunk []byte, off int) (line []byte, end int, ok bool) {
	if s.skipLF {
		if off >= len(chunk) {
			return nil, off, false
		}
		s.skipLF = false
		if chunk[off] == '\n' {
			off++
		}
	}
	if s.cr < off {
		s.cr = len(chunk)
		if i := bytes.IndexByte(chunk[off:], '\r'); i >= 0 {
			s.cr = off + i
		}
	}
	if off >= s.cr {
		if off >= len(chunk) {
			return nil, off, false
		}
	} else if i := bytes.IndexByte(chunk[off:s.cr], '\n'); i >= 0 {
		return chunk[off : off+i], off + i + 1, true
	}
	if cr := s.cr; cr < len(chunk) {
		switch {
		case cr+1 == len(chunk):
			s.skipLF = true
			return chunk[off:cr], cr + 1, true
		case chunk[cr+1] == '\n':
			return chunk[off:cr], cr + 2, true
		}
		return chunk[off:cr], cr + 1, true
	}
	return nil, off, false
}

// lineRec is one queued line: its place in the queue's byte ring and the
// time its read returned.
type lineRec struct {
	off, n int
	at     time.Time
}

// lineQueue is a bounded FIFO of complete lines between a reader goroutine
// (producer) and the parser goroutine (consumer). The producer never waits:
// a line that does not fit is dropped and counted. Lines are stored
// contiguously in a byte ring; the consumer reads them in place and frees
// them after parsing.
type lineQueue struct {
	mu      sync.Mutex
	data    []byte
	recs    []lineRec // a power of two long
	mask    int
	head    int // index of the oldest record
	count   int // records queued
	rpos    int // first live byte
	wpos    int // next free byte
	wrapped bool
	done    bool
	err     error

	notify chan struct{}

	read, dropped atomic.Uint64
}

func newLineQueue(bytes, lines int) *lineQueue {
	n := 1
	for n < lines {
		n <<= 1
	}
	return &lineQueue{
		data:   make([]byte, bytes),
		recs:   make([]lineRec, n),
		mask:   n - 1,
		notify: make(chan struct{}, 1),
	}
}

// push queues line; the caller holds q.mu. It returns false when the queue
// has no room.
func (q *lineQueue) push(line []byte, at time.Time) bool {
	n := len(line)
	if q.count == len(q.recs) {
		return false
	}
	if q.count == 0 {
		q.rpos, q.wpos, q.wrapped = 0, 0, false
	}
	off := -1
	switch {
	case !q.wrapped && q.wpos+n <= len(q.data):
		off = q.wpos
	case !q.wrapped && n <= q.rpos:
		q.wrapped, off = true, 0
	case q.wrapped && q.wpos+n <= q.rpos:
		off = q.wpos
	}
	if off < 0 {
		return false
	}
	copy(q.data[off:], line)
	q.wpos = off + n
	r := &q.recs[(q.head+q.count)&q.mask]
	r.off, r.n, r.at = off, n, at
	q.count++
	return true
}

// signal wakes the consumer without ever blocking.
func (q *lineQueue) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// drain hands every queued line to fn (outside the lock) and frees them. It
// returns the number of lines handled.
func (q *lineQueue) drain(fn func(line []byte, at time.Time)) int {
	q.mu.Lock()
	head, k := q.head, q.count
	q.mu.Unlock()
	for i := 0; i < k; i++ {
		r := &q.recs[(head+i)&q.mask]
		fn(q.data[r.off:r.off+r.n:r.off+r.n], r.at)
	}
	if k == 0 {
		return 0
	}
	q.mu.Lock()
	q.head = (q.head + k) & q.mask
	q.count -= k
	if q.count == 0 {
		// Start over at the front: an idle queue keeps touching the same
		// few pages.
		q.head, q.rpos, q.wpos, q.wrapped = 0, 0, 0, false
	} else {
		next := q.recs[q.head].off
		if q.wrapped && next < q.rpos {
			q.wrapped = false
		}
		q.rpos = next
	}
	q.mu.Unlock()
	return k
}

// finished reports whether the producer is done and every line was handled.
func (q *lineQueue) finished() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.done && q.count == 0
}
