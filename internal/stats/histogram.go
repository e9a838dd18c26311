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
//
// A bucket is one 64-bit word: its count in the low countBits bits, and in
// the high resBits bits the sum, modulo resUnit, of its values' offsets
// above the bucket's low bound. Record is then one compare-and-swap of one
// word, count and offset together, instead of two atomic adds (a bucket
// count and a sum). The sum of all values is
//
//	sum + Σ over buckets (count × low bound + offsets)
//
// where sum holds what the words do not: a resUnit each time a bucket's
// offsets wrapped, offsets too large for a word (2^32 ns and more, in
// values from 2^40 ns, 18 minutes), the part of values above maxValue, and
// the offsets of values counted in a chunk's overflow counts (a bucket's
// count past countMask, 4·10^9 values). Records that touch sum take the
// slow path (as do a bucket's first value and a lost compare-and-swap):
// about one in 65,000 values around 20 ms, one in 2,000 around 1 s, one in
// 128 around 10 s. The slow path is bracketed by slowStarted and slowEnded,
// so that a snapshot can tell when its reading of sum and of the words may
// have split one of them.
type Histogram struct {
	sum         atomic.Uint64 // nanoseconds outside the bucket words (see above)
	min         atomic.Uint64 // min+1; 0 when nothing was recorded
	max         atomic.Int64
	slowStarted atomic.Uint64 // slow-path records begun
	slowEnded   atomic.Uint64 // slow-path records done
	chunks      [numChunks]atomic.Pointer[histChunk]
}

// Bucket word layout (see Histogram).
const (
	countBits = 32
	countMask = 1<<countBits - 1
	resBits   = 64 - countBits
	resUnit   = 1 << resBits // offsets are kept modulo resUnit in a word
)

// histChunk holds the bucket words of one doubling and a bitmap of which of
// them are non-zero, so that merging visits only non-empty buckets.
// over sits next to nonZero so that a snapshot reading both touches one
// cache line (at the end of the chunk it cost a third more time).
type histChunk struct {
	nonZero [subBuckets / 64]atomic.Uint64
	over    atomic.Pointer[[subBuckets]atomic.Uint64] // counts past countMask; allocated when a word's count fills
	words   [subBuckets]atomic.Uint64
}

// Record adds one value. Negative durations are recorded as 0.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(int64(d), 0))
	// Load min and max before the compare-and-swap: on x86 a load after a
	// LOCK-prefixed instruction waits for it to complete, before it, it
	// overlaps. A stale value is safe: min only falls and max only rises,
	// so a value that is not below an older min is not below the current
	// one either, and lowerMin and raiseMax re-check against the current.
	mn, mx := h.min.Load(), h.max.Load()
	u := min(v, maxValue)
	e := uint(bits.Len64(u|(2*subBuckets-1)) - (subBits + 1))
	i := int(e<<subBits) + int(u>>e)
	r := u & (1<<e - 1) // u's offset above its bucket's low bound
	done := false
	if c := h.chunks[i>>subBits].Load(); c != nil {
		p := &c.words[i&(subBuckets-1)]
		old := p.Load()
		// The fast path: the bucket is not empty (its first value sets its
		// bit in nonZero), its count is not full, and its offsets do not
		// wrap. A value above maxValue never qualifies: its offset
		// (maxValue's, 2^35-1) is larger than a word holds.
		done = old>>countBits+r < resUnit && old&countMask-1 < countMask-1 &&
			p.CompareAndSwap(old, old+1+r<<countBits)
	}
	if !done {
		h.recordSlow(v, r, i)
	}
	// min holds min+1, 0 when unset: then min-1 wraps to the largest uint64.
	if v < mn-1 {
		h.lowerMin(v + 1)
	}
	if int64(v) > mx {
		h.raiseMax(int64(v))
	}
}

// recordSlow counts value v, with offset r, in bucket i when Record's fast
// path does not apply.
func (h *Histogram) recordSlow(v, r uint64, i int) {
	ci, j := i>>subBits, i&(subBuckets-1)
	c := h.chunks[ci].Load()
	if c == nil {
		c = h.newChunk(ci)
	}
	p := &c.words[j]
	// extra is what goes to sum: the part of v above maxValue and the
	// offset bits a word does not hold.
	extra := v - min(v, maxValue) + r&^(resUnit-1)
	r &= resUnit - 1
	h.slowStarted.Add(1)
	for {
		old := p.Load()
		if old&countMask == countMask {
			c.overflow()[j].Add(1)
			extra += r
			break
		}
		if p.CompareAndSwap(old, old+1+r<<countBits) { // the offsets wrap modulo resUnit
			if old>>countBits+r >= resUnit {
				extra += resUnit
			}
			if old&countMask == 0 {
				c.nonZero[j>>6].Or(1 << uint(j&63))
			}
			break
		}
	}
	if extra != 0 {
		h.sum.Add(extra)
	}
	h.slowEnded.Add(1)
}

// overflow returns c's overflow counts, allocating them on first use.
func (c *histChunk) overflow() *[subBuckets]atomic.Uint64 {
	if o := c.over.Load(); o != nil {
		return o
	}
	o := new([subBuckets]atomic.Uint64)
	if c.over.CompareAndSwap(nil, o) {
		return o
	}
	return c.over.Load()
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
// matches them exactly even while writers run. So does Sum, the sum of the
// values counted, unless a slow-path record (see Histogram) overlapped the
// reading: then Sum alone is read again, and may include values recorded
// since the counts were read; after sumTries overlapped readings it is
// taken as read, and may be off by what those records had half done.
func (h *Histogram) mergeInto(dst *HistogramSnapshot) {
	var n, sum uint64
	for try := 1; ; try++ {
		ended, started := h.slowEnded.Load(), h.slowStarted.Load()
		var k uint64
		if try == 1 {
			n, k = h.scan(dst.counts)
		} else {
			_, k = h.scan(nil)
		}
		sum = h.sum.Load() + k
		if started == ended && h.slowStarted.Load() == started || try == sumTries {
			break
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
	dst.Sum += time.Duration(sum)
}

// sumTries bounds how many times mergeInto reads a histogram's sum while
// slow-path records overlap its reading. They are one record in thousands
// at most (but for values of seconds), so a second reading is rare and a
// sixteenth practically never needed.
const sumTries = 16

// scan reads h's buckets. It returns their total count and the sum of their
// values held in the words (counts times low bounds plus offsets), and adds
// their counts to dst (indexed by bucket) unless dst is nil.
func (h *Histogram) scan(dst []uint64) (n, sum uint64) {
	for ci := range h.chunks {
		c := h.chunks[ci].Load()
		if c == nil {
			continue
		}
		var d *[subBuckets]uint64
		if dst != nil {
			d = (*[subBuckets]uint64)(dst[ci<<subBits:])
		}
		// Bucket j of chunk ci starts at (base+j) << shift: base 0 and
		// shift 0 for chunk 0, base 128 and shift ci-1 above.
		base, shift := uint64(min(ci, 1))<<subBits, uint(max(ci-1, 0))
		for w := range c.nonZero {
			for m := c.nonZero[w].Load(); m != 0; m &= m - 1 {
				j := (w<<6 + bits.TrailingZeros64(m)) & (subBuckets - 1)
				x := c.words[j].Load()
				k := x & countMask
				if d != nil {
					d[j] += k
				}
				n += k
				sum += k*((base+uint64(j))<<shift) + x>>countBits
			}
		}
		if over := c.over.Load(); over != nil {
			for j := range over {
				k := over[j].Load()
				if d != nil {
					d[j] += k
				}
				n += k
				sum += k * ((base + uint64(j)) << shift)
			}
		}
	}
	return n, sum
}
