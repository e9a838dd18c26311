package stats

import (
	"math"
	"time"
)

// HistogramSnapshot is a plain value of a histogram: exact Count, Sum, Min
// and Max, and bucket counts (see [Histogram] for the layout). Snapshots of
// the same kind of histogram merge exactly (bucket by bucket), and an earlier
// cumulative snapshot subtracts from a later one to give a window.
//
// Assigning a HistogramSnapshot shares its buckets; use [HistogramSnapshot.Clone]
// for an independent copy. The zero value is an empty histogram.
type HistogramSnapshot struct {
	Count uint64        // number of values
	Sum   time.Duration // sum of values
	Min   time.Duration // smallest value; 0 when Count is 0
	Max   time.Duration // largest value; 0 when Count is 0

	off    int      // bucket index of counts[0]
	counts []uint64 // counts of buckets off..off+len-1; first and last non-zero when trimmed
}

// Reset empties s, keeping its bucket storage for reuse.
func (s *HistogramSnapshot) Reset() {
	s.Count, s.Sum, s.Min, s.Max = 0, 0, 0, 0
	s.off = 0
	s.counts = s.counts[:0]
}

// Clone returns a copy of s that shares no memory with it.
func (s *HistogramSnapshot) Clone() HistogramSnapshot {
	c := *s
	c.counts = nil
	if len(s.counts) > 0 {
		c.counts = make([]uint64, len(s.counts))
		copy(c.counts, s.counts)
	}
	return c
}

// CopyFrom makes s a copy of o, reusing s's bucket storage.
func (s *HistogramSnapshot) CopyFrom(o *HistogramSnapshot) {
	buf := s.counts
	*s = *o
	s.counts = append(buf[:0], o.counts...)
}

// Mean returns the mean value, or 0 when Count is 0.
func (s *HistogramSnapshot) Mean() time.Duration {
	if s.Count == 0 {
		return 0
	}
	return time.Duration(int64(s.Sum) / int64(s.Count))
}

// Quantile returns the value at quantile q (0.5 for the median, 0.99 for
// p99): the midpoint of the bucket that holds the ceil(q*Count)-th smallest
// value, within [Min, Max]. Its relative error is at most 0.4 %. q <= 0
// gives Min, q >= 1 gives Max; an empty histogram or a NaN q gives 0.
func (s *HistogramSnapshot) Quantile(q float64) time.Duration {
	if s.Count == 0 || math.IsNaN(q) {
		return 0
	}
	if q <= 0 {
		return s.Min
	}
	if q >= 1 {
		return s.Max
	}
	rank := uint64(math.Ceil(q * float64(s.Count)))
	if rank < 1 {
		rank = 1
	}
	var cum uint64
	for i, n := range s.counts {
		cum += n
		if cum >= rank {
			if s.off+i == numBuckets-1 {
				return s.Max // the open-ended last bucket
			}
			return s.clamp(bucketMid(s.off + i))
		}
	}
	return s.Max
}

func (s *HistogramSnapshot) clamp(d time.Duration) time.Duration {
	return min(max(d, s.Min), s.Max)
}

// CountAtOrBelow returns how many values are at most d, at bucket
// resolution: the values of the bucket that holds d all count.
func (s *HistogramSnapshot) CountAtOrBelow(d time.Duration) uint64 {
	if s.Count == 0 || d < s.Min {
		return 0
	}
	if d >= s.Max {
		return s.Count
	}
	last := bucketIndex(int64(d)) - s.off
	var n uint64
	for i := 0; i <= last && i < len(s.counts); i++ {
		n += s.counts[i]
	}
	return n
}

// Buckets calls fn for each non-empty bucket in increasing order, with the
// bucket's value range [low, high] (inclusive; high is math.MaxInt64 for the
// open-ended last bucket, above about 2h26m) and its count.
func (s *HistogramSnapshot) Buckets(fn func(low, high time.Duration, count uint64)) {
	for i, n := range s.counts {
		if n == 0 {
			continue
		}
		fn(time.Duration(bucketLow(s.off+i)), time.Duration(bucketHigh(s.off+i)), n)
	}
}

// Merge adds the values of o to s: afterwards s equals the histogram of both
// sets of values, bucket for bucket. It allocates only when s's storage must
// grow.
func (s *HistogramSnapshot) Merge(o *HistogramSnapshot) {
	if o.Count == 0 && len(o.counts) == 0 {
		return
	}
	if len(o.counts) > 0 {
		s.ensure(o.off, o.off+len(o.counts))
		d := s.counts[o.off-s.off:]
		for i, n := range o.counts {
			d[i] += n
		}
	}
	if s.Count == 0 || o.Min < s.Min {
		s.Min = o.Min
	}
	if s.Count == 0 || o.Max > s.Max {
		s.Max = o.Max
	}
	s.Count += o.Count
	s.Sum += o.Sum
}

// Sub subtracts o, an earlier cumulative snapshot of the same series, from
// s, leaving the values recorded between the two. Count, Sum and the buckets
// are exact. Min (Max) is exact when the window holds a new minimum
// (maximum); otherwise it is taken from the first (last) non-empty bucket,
// within the bucket's 0.8 % width. Counts that would go negative (o is not
// earlier) become 0.
func (s *HistogramSnapshot) Sub(o *HistogramSnapshot) {
	if o.Count == 0 {
		return
	}
	for i, n := range o.counts {
		j := o.off + i - s.off
		if j >= 0 && j < len(s.counts) {
			s.counts[j] = sub0(s.counts[j], n)
		}
	}
	if o.Count >= s.Count {
		s.Reset()
		return
	}
	newMin, newMax := s.Min < o.Min, s.Max > o.Max
	cumMin, cumMax := s.Min, s.Max
	s.Count -= o.Count
	s.Sum = max(s.Sum-o.Sum, 0)
	first, last := s.nonZeroRange()
	if first > last {
		s.Reset()
		return
	}
	if !newMin {
		s.Min = max(time.Duration(bucketLow(s.off+first)), cumMin)
	}
	if !newMax {
		s.Max = min(time.Duration(bucketHigh(s.off+last)), cumMax)
	}
	s.trim()
}

// nonZeroRange returns the indexes into counts of the first and last
// non-zero bucket; first > last when there is none.
func (s *HistogramSnapshot) nonZeroRange() (first, last int) {
	first, last = 0, len(s.counts)-1
	for first <= last && s.counts[first] == 0 {
		first++
	}
	for last >= first && s.counts[last] == 0 {
		last--
	}
	return first, last
}

// ensure grows the bucket range of s to cover indexes [lo, hi), keeping its
// counts.
func (s *HistogramSnapshot) ensure(lo, hi int) {
	if len(s.counts) == 0 {
		s.off = lo
		s.counts = grow0(s.counts, hi-lo)
		return
	}
	end := s.off + len(s.counts)
	if lo >= s.off && hi <= end {
		return
	}
	lo, hi = min(lo, s.off), max(hi, end)
	n, shift := len(s.counts), s.off-lo
	if cap(s.counts) >= hi-lo {
		s.counts = s.counts[:hi-lo]
		copy(s.counts[shift:shift+n], s.counts[:n])
		clear(s.counts[:shift])
		clear(s.counts[shift+n:])
	} else {
		c := make([]uint64, hi-lo, max(hi-lo, min(2*cap(s.counts), numBuckets)))
		copy(c[shift:], s.counts)
		s.counts = c
	}
	s.off = lo
}

// grow0 returns buf resliced (or reallocated) to n zeroed elements.
func grow0(buf []uint64, n int) []uint64 {
	if cap(buf) < n {
		return make([]uint64, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// expand makes s cover every bucket, off 0, for merging live histograms.
func (s *HistogramSnapshot) expand() { s.ensure(0, numBuckets) }

// trim drops empty buckets at both ends of s and keeps Min and Max within
// the first and last non-empty bucket.
func (s *HistogramSnapshot) trim() {
	first, last := s.nonZeroRange()
	if first > last {
		s.off, s.counts = 0, s.counts[:0]
		return
	}
	if first > 0 {
		copy(s.counts, s.counts[first:last+1])
	}
	s.counts = s.counts[:last-first+1]
	s.off += first
	lo, hi := s.off, s.off+last-first
	s.Min = min(max(s.Min, time.Duration(bucketLow(lo))), time.Duration(bucketHigh(lo)))
	s.Max = min(max(s.Max, time.Duration(bucketLow(hi))), time.Duration(bucketHigh(hi)))
}

// add records one value into an expanded snapshot.
func (s *HistogramSnapshot) add(d time.Duration) {
	s.counts[bucketIndex(int64(d))-s.off]++
	if s.Count == 0 || d < s.Min {
		s.Min = d
	}
	if s.Count == 0 || d > s.Max {
		s.Max = d
	}
	s.Count++
	s.Sum += d
}
