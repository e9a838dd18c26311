package stats

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// Tests of the bucket words' slow paths (see Histogram): offsets that wrap,
// offsets too large for a word, values above maxValue, full counts.

func TestHistogramOffsetsWrap(t *testing.T) {
	t.Parallel()
	// 2^34 + 2^27 - 1 ns (17 s): bucket width 2^27, offset 2^27-1, so the
	// word's offsets wrap every 32 values; 4 writers race on the one word.
	const v = time.Duration(1<<34 + 1<<27 - 1)
	const writers, each = 4, 20_000
	var h Histogram
	recordFrom(&h, v, writers, each).Wait()
	var s HistogramSnapshot
	h.Snapshot(&s)
	n := uint64(writers * each)
	if s.Count != n || s.Sum != time.Duration(n)*v || s.Min != v || s.Max != v {
		t.Errorf("count %d sum %v min %v max %v; want %d %v %v %v", s.Count, s.Sum, s.Min, s.Max, n, time.Duration(n)*v, v, v)
	}
	if h.slowStarted.Load() < n/32 || h.slowStarted.Load() != h.slowEnded.Load() {
		t.Errorf("%d slow-path records started, %d ended; want about %d, all ended", h.slowStarted.Load(), h.slowEnded.Load(), n/32)
	}
}

func TestHistogramLargeValues(t *testing.T) {
	t.Parallel()
	// Offsets of 2^32 ns and more do not fit a word; values above maxValue
	// land in the last bucket with their excess in sum.
	vals := []time.Duration{
		1<<40 + 1<<32 + 12345,      // offset 2^32+12345 (bucket width 2^33)
		1<<42 + 1<<34 + 1,          // in the last chunk
		maxValue,                   // the last bucket's largest in-range value
		maxValue + 1,               // clamped
		5 * time.Hour,              // clamped
		1<<36 + 5,                  // small offset in a large bucket: fast path
		time.Duration(1<<50 + 987), // far beyond (13 days): still an exact sum
	}
	rng := rand.New(rand.NewPCG(2, 3))
	var h Histogram
	var sum time.Duration
	for range 1000 {
		d := vals[rng.IntN(len(vals))]
		h.Record(d)
		sum += d
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	if s.Count != 1000 || s.Sum != sum {
		t.Errorf("count %d sum %v; want 1000 %v", s.Count, s.Sum, sum)
	}
}

func TestHistogramFullCount(t *testing.T) {
	t.Parallel()
	// Fill one bucket's count to countMask-1 (as if after 4·10^9 values),
	// then record past it: the counts go on in the chunk's overflow counts.
	const v = time.Millisecond + 12345
	var h Histogram
	h.Record(v)
	i := bucketIndex(int64(v))
	c := h.chunks[i>>subBits].Load()
	w := &c.words[i&(subBuckets-1)]
	r := uint64(v) - uint64(bucketLow(i))
	const pre = countMask - 1
	w.Store(pre | (pre*r%resUnit)<<countBits)
	h.sum.Store(pre * r / resUnit * resUnit)
	for range 5 {
		h.Record(v)
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	if want := uint64(pre + 5); s.Count != want || s.Sum != time.Duration(want)*v {
		t.Errorf("count %d sum %v; want %d %v", s.Count, s.Sum, want, time.Duration(want)*v)
	}
	if got := w.Load() & countMask; got != countMask {
		t.Errorf("word count %d; want it full (%d)", got, uint64(countMask))
	}
	if c.over.Load() == nil || c.over.Load()[i&(subBuckets-1)].Load() != 4 {
		t.Error("want 4 values in the overflow counts")
	}
}

// TestHistogramSumWithCount checks that a snapshot's Sum is the sum of the
// values it counts while writers run: every value is v, so Sum must be
// Count×v whenever no slow-path record overlapped the reading (most
// readings), and it never goes down.
func TestHistogramSumWithCount(t *testing.T) {
	t.Parallel()
	const v = time.Duration(1<<30 + 1<<22 - 1) // offsets wrap every 1024 values
	const writers, each = 2, 200_000
	var h Histogram
	wg := recordFrom(&h, v, writers, each)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var s HistogramSnapshot
	var prev time.Duration
	var reads, exact int
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		h.Snapshot(&s)
		reads++
		if s.Sum < prev {
			t.Fatalf("sum went down from %v to %v", prev, s.Sum)
		}
		prev = s.Sum
		if s.Sum == time.Duration(s.Count)*v {
			exact++
		}
	}
	if n := uint64(writers * each); s.Count != n || s.Sum != time.Duration(n)*v {
		t.Errorf("count %d sum %v; want %d %v", s.Count, s.Sum, n, time.Duration(n)*v)
	}
	t.Logf("Sum = Count×v in %d of %d snapshots", exact, reads)
	if exact < reads/2 {
		t.Errorf("sum matched count in %d of %d snapshots; want most", exact, reads)
	}
}

// recordFrom starts writers goroutines that each record v into h each
// times; wait on the group returned for them.
func recordFrom(h *Histogram, v time.Duration, writers, each int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				h.Record(v)
			}
		})
	}
	return &wg
}
