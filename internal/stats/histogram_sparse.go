package stats

import (
	"fmt"
	"math"
	"time"
)

// The sparse bucket list is how reports store histograms losslessly: a
// flat list of pairs (gap, count), one pair per bucket whose count is not
// zero, in increasing bucket order. gap is the number of bucket indexes
// skipped since the previous pair's bucket (for the first pair, since
// index 0), so the k-th pair's bucket index is the sum of the gaps of pairs
// 0..k plus k. A list relative to a base histogram holds the differences
// of the counts from the base's (any sign), and only the buckets that
// differ.
//
// Bucket indexes are those of HdrHistogram's counts array for a histogram
// of nanoseconds with 2 significant digits (lowest discernible value 1, 256
// sub-buckets: buckets 0..255 hold one value each, then each doubling
// [2^e, 2^(e+1)) holds 128 buckets of width 2^(e-7)), so a reader may
// rebuild an HdrHistogram bucket for bucket. Bucket numBuckets-1 also holds
// every value above about 2h26m.
//
// These bounds keep a list from a file from allocating without limit.
const (
	// SparseBuckets is the number of bucket indexes: valid indexes are
	// 0..SparseBuckets-1.
	SparseBuckets = numBuckets
)

// AppendSparse appends the sparse bucket list of s relative to base (nil:
// relative to an empty histogram) to dst and returns it. Only the buckets
// are encoded; Count, Sum, Min and Max travel beside the list.
func (s *HistogramSnapshot) AppendSparse(dst []int64, base *HistogramSnapshot) []int64 {
	if base == nil {
		base = &HistogramSnapshot{}
	}
	lo, hi := s.off, s.off+len(s.counts)
	if len(s.counts) == 0 {
		lo, hi = base.off, base.off
	}
	if len(base.counts) > 0 {
		lo, hi = min(lo, base.off), max(hi, base.off+len(base.counts))
	}
	next := 0 // the first index the next gap counts from
	for i := lo; i < hi; i++ {
		d := int64(s.at(i)) - int64(base.at(i))
		if d == 0 {
			continue
		}
		dst = append(dst, int64(i-next), d)
		next = i + 1
	}
	return dst
}

// at returns the count of bucket i (0 outside the stored range).
func (s *HistogramSnapshot) at(i int) uint64 {
	if j := i - s.off; j >= 0 && j < len(s.counts) {
		return s.counts[j]
	}
	return 0
}

// SetSparse makes s the histogram whose buckets are base's (nil: none)
// plus the sparse bucket list, with the given Count, Sum, Min and Max. It
// checks what a file may get wrong: pairs, bucket indexes in range, counts
// that stay non-negative, and a total equal to count; s is unchanged on
// error.
func (s *HistogramSnapshot) SetSparse(list []int64, base *HistogramSnapshot, count uint64, sum, lo, hi time.Duration) error {
	if len(list)%2 != 0 {
		return fmt.Errorf("bucket list has %d numbers; want (gap, count) pairs", len(list))
	}
	var out HistogramSnapshot
	if base != nil {
		out = base.Clone()
	}
	next := int64(0)
	for k := 0; k < len(list); k += 2 {
		gap, d := list[k], list[k+1]
		if gap < 0 || gap > SparseBuckets {
			return fmt.Errorf("bucket list pair %d: gap %d; want 0..%d", k/2, gap, SparseBuckets)
		}
		i := next + gap
		if i >= SparseBuckets {
			return fmt.Errorf("bucket list pair %d: bucket index %d; want 0..%d", k/2, i, SparseBuckets-1)
		}
		if d == 0 {
			return fmt.Errorf("bucket list pair %d: count 0; want the non-zero buckets only", k/2)
		}
		out.ensure(int(i), int(i)+1)
		c := &out.counts[int(i)-out.off]
		if d < 0 && uint64(-d) > *c {
			return fmt.Errorf("bucket list pair %d: bucket %d would go negative (%d%+d)", k/2, i, *c, d)
		}
		if d > 0 && *c > math.MaxInt64-uint64(d) {
			return fmt.Errorf("bucket list pair %d: bucket %d overflows (%d%+d)", k/2, i, *c, d)
		}
		*c = uint64(int64(*c) + d)
		next = i + 1
	}
	var total uint64
	for _, n := range out.counts {
		if total+n < total {
			return fmt.Errorf("buckets overflow a 64-bit count; want count %d", count)
		}
		total += n
	}
	if total != count {
		return fmt.Errorf("buckets hold %d values; want count %d", total, count)
	}
	if count > 0 && (lo < 0 || hi < lo || sum < 0) {
		return fmt.Errorf("min %d, max %d, sum %d; want 0 <= min <= max and sum >= 0", lo, hi, sum)
	}
	out.trim()
	out.Count, out.Sum, out.Min, out.Max = count, sum, lo, hi
	if count == 0 {
		out.Sum, out.Min, out.Max = 0, 0, 0
	}
	*s = out
	return nil
}
