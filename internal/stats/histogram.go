package stats

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram records durations into log-linear buckets with atomic counts.
// Any number of goroutines may Record and Snapshot concurrently; no lock is
// taken. Its relative error is at most 0.4 % at every quantile (see
// [HistogramSnapshot.Quantile]); Count, Sum, Min and Max are exact.
//
// Memory grows with the range of values recorded, not with their number:
// buckets come in chunks of 128 (1 KiB), one per doubling of the value,
// allocated on first use (a range of 1 ms..1 s touches 10 chunks). The zero
// value is ready to use; a Histogram must not be copied after first use.
type Histogram struct {
	sum    atomic.Int64  // nanoseconds
	min    atomic.Uint64 // min+1; 0 when nothing was recorded
	max    atomic.Int64
	chunks [numChunks]atomic.Pointer[histChunk]
}

// histChunk holds the counts of one doubling and a bitmap of which of them
// are non-zero, so that merging visits only non-empty buckets.
type histChunk struct {
	nonZero [subBuckets / 64]atomic.Uint64
	counts  [subBuckets]atomic.Uint64
}

// Record adds one value. Negative durations are recorded as 0.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(int64(d), 0))
	// Load min and max before the locked adds: on x86 a load after a
	// LOCK-prefixed instruction waits for it to complete, before it, it
	// overlaps. A stale value is safe: min only falls and max only rises,
	// so a value that is not below an older min is not below the current
	// one either, and lowerMin and raiseMax re-check against the current.
	mn, mx := h.min.Load(), h.max.Load()
	u := min(v, maxValue)
	e := bits.Len64(u|(2*subBuckets-1)) - (subBits + 1)
	i := e<<subBits + int(u>>uint(e))
	c := h.chunks[i>>subBits].Load()
	h.sum.Add(int64(v))
	if c == nil {
		c = h.newChunk(i >> subBits)
	}
	j := i & (subBuckets - 1)
	if c.counts[j].Add(1) == 1 {
		c.nonZero[j>>6].Or(1 << uint(j&63))
	}
	// min holds min+1, 0 when unset: then min-1 wraps to the largest uint64.
	if v < mn-1 {
		h.lowerMin(v + 1)
	}
	if int64(v) > mx {
		h.raiseMax(int64(v))
	}
}

func (h *Histogram) newChunk(ci int) *histChunk {
	c := new(histChunk)
	if h.chunks[ci].CompareAndSwap(nil, c) {
		return c
	}
	return h.chunks[ci].Load()
}

func (h *Histogram) lowerMin(m uint64) {
	for {
		old := h.min.Load()
		if old != 0 && old <= m {
			return
		}
		if h.min.CompareAndSwap(old, m) {
			return
		}
	}
}

func (h *Histogram) raiseMax(v int64) {
	for {
		old := h.max.Load()
		if old >= v {
			return
		}
		if h.max.CompareAndSwap(old, v) {
			return
		}
	}
}

// Snapshot stores the histogram's current state in dst, replacing what dst
// held. It allocates only while dst's buckets grow to their full size.
func (h *Histogram) Snapshot(dst *HistogramSnapshot) {
	dst.Reset()
	dst.expand()
	h.mergeInto(dst)
	dst.trim()
}

// mergeInto adds h's counts to dst, which must be expanded (see
// HistogramSnapshot.expand). Count is the sum of the buckets read, so it
// matches them exactly even while writers run.
func (h *Histogram) mergeInto(dst *HistogramSnapshot) {
	var n uint64
	for ci := range h.chunks {
		c := h.chunks[ci].Load()
		if c == nil {
			continue
		}
		base := ci << subBits
		for w := range c.nonZero {
			for m := c.nonZero[w].Load(); m != 0; m &= m - 1 {
				j := w<<6 + bits.TrailingZeros64(m)
				k := c.counts[j].Load()
				dst.counts[base+j] += k
				n += k
			}
		}
	}
	if n == 0 {
		return
	}
	// A writer that is half-way through Record may have counted its value
	// but not yet updated min and max: trim clamps them into the first and
	// last non-empty buckets.
	lo, hi := time.Duration(math.MaxInt64), time.Duration(h.max.Load())
	if m := h.min.Load(); m != 0 {
		lo = time.Duration(m - 1)
	}
	if dst.Count == 0 || lo < dst.Min {
		dst.Min = lo
	}
	if dst.Count == 0 || hi > dst.Max {
		dst.Max = hi
	}
	dst.Count += n
	dst.Sum += time.Duration(h.sum.Load())
}
