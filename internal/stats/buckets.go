package stats

import (
	"math"
	"math/bits"
	"time"
)

// Bucket layout shared by Histogram and HistogramSnapshot (log-linear, in
// nanoseconds):
//
//   - values 0..255 ns have one bucket each (exact);
//   - every doubling [2^e, 2^(e+1)) above that is split into subBuckets
//     equal buckets of width 2^(e-7).
//
// A bucket is therefore at most 1/128 of its lower bound wide; reporting its
// midpoint is off by at most 1/256 (0.39 %) of the true value. Values above
// maxValue (about 2.4 hours) land in the last bucket; Min, Max, Sum and Count
// stay exact whatever the value.
const (
	subBits    = 7
	subBuckets = 1 << subBits // buckets per doubling, and per chunk
	maxExp     = 43           // values < 2^maxExp ns (about 2h26m) are bucketed precisely
	numChunks  = maxExp - subBits + 1
	numBuckets = numChunks * subBuckets // 4736
	maxValue   = 1<<maxExp - 1
)

// bucketIndex returns the bucket of v (nanoseconds, negatives as 0).
func bucketIndex(v int64) int {
	if v < 0 {
		v = 0
	} else if v > maxValue {
		v = maxValue
	}
	u := uint64(v)
	e := bits.Len64(u|(2*subBuckets-1)) - (subBits + 1)
	return e<<subBits + int(u>>uint(e))
}

// bucketLow returns the smallest value in bucket i.
func bucketLow(i int) int64 {
	if i < 2*subBuckets {
		return int64(i)
	}
	e := i>>subBits - 1
	m := i - e<<subBits
	return int64(m) << uint(e)
}

// bucketWidth returns the number of values in bucket i.
func bucketWidth(i int) int64 {
	if i < 2*subBuckets {
		return 1
	}
	return 1 << uint(i>>subBits-1)
}

// bucketHigh returns the largest value in bucket i; the last bucket is
// open-ended.
func bucketHigh(i int) int64 {
	if i >= numBuckets-1 {
		return math.MaxInt64
	}
	return bucketLow(i) + bucketWidth(i) - 1
}

// bucketMid returns the value reported for bucket i: its midpoint.
func bucketMid(i int) time.Duration {
	return time.Duration(bucketLow(i) + (bucketWidth(i)-1)/2)
}
