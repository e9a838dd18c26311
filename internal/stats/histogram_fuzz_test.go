package stats

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
	"time"
)

// FuzzHistogram checks, for any list of values: exact count, sum, min and
// max; every quantile within half a bucket of the sorted reference; the
// merge of two halves equal to the whole; the whole minus the first half
// equal to the second half, bucket for bucket.
func FuzzHistogram(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0}, uint8(1))
	f.Add(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1e9), 3e12), uint8(1))
	f.Add(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.MaxUint64), 255), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		var vals []time.Duration
		for len(data) >= 8 {
			// Keep sums from overflowing: values up to 2^50 ns (13 days).
			vals = append(vals, time.Duration(binary.LittleEndian.Uint64(data)>>14))
			data = data[8:]
		}
		cut := 0
		if len(vals) > 0 {
			cut = int(split) % (len(vals) + 1)
		}
		whole := snapshotOf(vals)
		first, second := snapshotOf(vals[:cut]), snapshotOf(vals[cut:])

		var sum time.Duration
		for _, v := range vals {
			sum += v
		}
		if whole.Count != uint64(len(vals)) || whole.Sum != sum {
			t.Fatalf("count %d sum %v; want %d %v", whole.Count, whole.Sum, len(vals), sum)
		}
		sorted := slices.Clone(vals)
		slices.Sort(sorted)
		if len(sorted) > 0 {
			if whole.Min != sorted[0] || whole.Max != sorted[len(sorted)-1] {
				t.Fatalf("min %v max %v; want %v %v", whole.Min, whole.Max, sorted[0], sorted[len(sorted)-1])
			}
			for _, q := range []float64{0.001, 0.25, 0.5, 0.9, 0.99, 0.999} {
				got, want := whole.Quantile(q), refQuantile(sorted, q)
				i := bucketIndex(int64(want))
				if i == numBuckets-1 {
					continue // open-ended bucket: reports Max
				}
				if got < time.Duration(bucketLow(i)) || got > time.Duration(bucketHigh(i)) {
					t.Fatalf("Quantile(%v) = %v; want in the bucket of %v", q, got, want)
				}
			}
		}

		var merged HistogramSnapshot
		merged.Merge(&first)
		merged.Merge(&second)
		if merged.Count != whole.Count || merged.Sum != whole.Sum || merged.Min != whole.Min ||
			merged.Max != whole.Max || merged.off != whole.off || !slices.Equal(merged.counts, whole.counts) {
			t.Fatalf("merge of halves differs from the whole")
		}

		win := whole.Clone()
		win.Sub(&first)
		if win.Count != second.Count || win.Sum != second.Sum || win.off != second.off || !slices.Equal(win.counts, second.counts) {
			t.Fatalf("whole - first half: count %d sum %v; want %d %v, same buckets", win.Count, win.Sum, second.Count, second.Sum)
		}
		if second.Count > 0 {
			// Min and Max of a window are exact or bounded by their buckets.
			lo, hi := bucketIndex(int64(second.Min)), bucketIndex(int64(second.Max))
			if win.Min > second.Min || win.Min < time.Duration(bucketLow(lo)) ||
				win.Max < second.Max || win.Max > time.Duration(bucketHigh(hi)) {
				t.Fatalf("window min %v max %v; second half min %v max %v", win.Min, win.Max, second.Min, second.Max)
			}
		}
	})
}
