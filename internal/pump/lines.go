package pump

import (
	"sync"
	"sync/atomic"
	"time"
)

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
