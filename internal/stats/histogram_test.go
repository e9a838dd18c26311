package stats

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestBucketLayout(t *testing.T) {
	t.Parallel()
	check := func(v int64) {
		t.Helper()
		i := bucketIndex(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketIndex(%d) = %d; want in [0, %d)", v, i, numBuckets)
		}
		lo, w := bucketLow(i), bucketWidth(i)
		if v < lo || v >= lo+w {
			t.Fatalf("value %d in bucket %d = [%d, %d)", v, i, lo, lo+w)
		}
		if lo >= 2*subBuckets && float64(w)/float64(lo) > 1.0/subBuckets {
			t.Fatalf("bucket %d: width %d is more than 1/%d of %d", i, w, subBuckets, lo)
		}
	}
	for v := range int64(1 << 16) {
		check(v)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100_000 {
		check(rng.Int64N(maxValue + 1))
		check(int64(1) << rng.IntN(maxExp) >> rng.IntN(3))
	}
	check(maxValue)
	for i := 1; i < numBuckets; i++ {
		if got, want := bucketLow(i), bucketLow(i-1)+bucketWidth(i-1); got != want {
			t.Fatalf("bucket %d starts at %d; want %d (end of bucket %d)", i, got, want, i-1)
		}
	}
	if got := bucketIndex(-5); got != 0 {
		t.Errorf("bucketIndex(-5) = %d; want 0", got)
	}
	if got := bucketIndex(math.MaxInt64); got != numBuckets-1 {
		t.Errorf("bucketIndex(MaxInt64) = %d; want %d", got, numBuckets-1)
	}
	if hour := bucketIndex(int64(time.Hour)); hour >= numBuckets-1 {
		t.Errorf("1h falls in the last (clamping) bucket")
	}
}

// refQuantile is the q-quantile of sorted values: the ceil(q*n)-th smallest.
func refQuantile(sorted []time.Duration, q float64) time.Duration {
	r := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(r, 1)-1]
}

func TestQuantileAccuracy(t *testing.T) {
	t.Parallel()
	dists := []struct {
		name string
		gen  func(*rand.Rand) time.Duration
	}{
		{"uniform 1ms..2s", func(r *rand.Rand) time.Duration {
			return time.Millisecond + time.Duration(r.Int64N(int64(2*time.Second)))
		}},
		{"uniform 1µs..1h", func(r *rand.Rand) time.Duration { return time.Microsecond + time.Duration(r.Int64N(int64(time.Hour))) }},
		{"lognormal median 20ms", func(r *rand.Rand) time.Duration { return lognormal(r, 20*time.Millisecond, 1.2) }},
		{"pareto xmin 5ms alpha 1.1", func(r *rand.Rand) time.Duration { return pareto(r, 5*time.Millisecond, 1.1) }},
		{"pareto xmin 1µs alpha 0.8", func(r *rand.Rand) time.Duration { return min(pareto(r, time.Microsecond, 0.8), time.Hour) }},
	}
	qs := []float64{0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999}
	for i, d := range dists {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			vals := make([]time.Duration, 200_000)
			var h Histogram
			for j := range vals {
				vals[j] = d.gen(rng)
				h.Record(vals[j])
			}
			slices.Sort(vals)
			var s HistogramSnapshot
			h.Snapshot(&s)
			for _, q := range qs {
				want := refQuantile(vals, q)
				got := s.Quantile(q)
				if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.01 {
					t.Errorf("Quantile(%v) = %v; want %v ± 1%% (off by %.3f%%)", q, got, want, 100*rel)
				} else if rel > 1.0/(2*subBuckets) {
					t.Errorf("Quantile(%v) = %v; want %v within half a bucket (off by %.3f%%)", q, got, want, 100*rel)
				}
			}
			if got, want := s.Quantile(0), vals[0]; got != want {
				t.Errorf("Quantile(0) = %v; want min %v", got, want)
			}
			if got, want := s.Quantile(1), vals[len(vals)-1]; got != want {
				t.Errorf("Quantile(1) = %v; want max %v", got, want)
			}
		})
	}
}

func TestHistogramExactStats(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 9))
	var h Histogram
	var sum time.Duration
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for range 10_000 {
		d := lognormal(rng, 30*time.Millisecond, 2)
		h.Record(d)
		sum += d
		lo, hi = min(lo, d), max(hi, d)
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	if s.Count != 10_000 || s.Sum != sum || s.Min != lo || s.Max != hi {
		t.Errorf("snapshot count %d sum %v min %v max %v; want 10000 %v %v %v", s.Count, s.Sum, s.Min, s.Max, sum, lo, hi)
	}
	if got, want := s.Mean(), sum/10_000; got != want {
		t.Errorf("Mean() = %v; want %v", got, want)
	}
}

func TestHistogramEdges(t *testing.T) {
	t.Parallel()
	var s HistogramSnapshot
	if s.Quantile(0.5) != 0 || s.Mean() != 0 || s.Quantile(math.NaN()) != 0 || s.CountAtOrBelow(time.Second) != 0 {
		t.Error("empty snapshot: quantile, mean and counts must be 0")
	}
	var h Histogram
	h.Record(-time.Second)  // recorded as 0
	h.Record(5 * time.Hour) // beyond the bucketed range: last bucket, exact max
	h.Record(0)
	h.Snapshot(&s)
	if s.Count != 3 || s.Min != 0 || s.Max != 5*time.Hour || s.Sum != 5*time.Hour {
		t.Errorf("got count %d min %v max %v sum %v; want 3 0 5h 5h", s.Count, s.Min, s.Max, s.Sum)
	}
	if got := s.Quantile(0.99); got != 5*time.Hour {
		t.Errorf("Quantile(0.99) = %v; want the exact max 5h", got)
	}
	if got := s.Quantile(0.5); got != 0 {
		t.Errorf("Quantile(0.5) = %v; want 0", got)
	}
	if s.Quantile(math.NaN()) != 0 || s.Quantile(-1) != 0 || s.Quantile(2) != 5*time.Hour {
		t.Error("out-of-range q: want 0 for NaN, Min for q<=0 and Max for q>=1")
	}
}

func TestCountAtOrBelowAndBuckets(t *testing.T) {
	t.Parallel()
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	if got := s.CountAtOrBelow(500 * time.Millisecond); got < 500 || got > 505 {
		t.Errorf("CountAtOrBelow(500ms) = %d; want 500 (within a bucket)", got)
	}
	if got := s.CountAtOrBelow(0); got != 0 {
		t.Errorf("CountAtOrBelow(0) = %d; want 0", got)
	}
	if got := s.CountAtOrBelow(time.Hour); got != 1000 {
		t.Errorf("CountAtOrBelow(1h) = %d; want 1000", got)
	}
	var n uint64
	prev := time.Duration(-1)
	s.Buckets(func(lo, hi time.Duration, c uint64) {
		if lo <= prev || hi < lo || c == 0 {
			t.Errorf("bucket [%v, %v] count %d after %v", lo, hi, c, prev)
		}
		prev = hi
		n += c
	})
	if n != 1000 {
		t.Errorf("Buckets counted %d; want 1000", n)
	}
}

// snapshotOf returns the snapshot of a histogram of vals.
func snapshotOf(vals []time.Duration) HistogramSnapshot {
	var h Histogram
	for _, v := range vals {
		h.Record(v)
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	return s
}

func sameHistogram(t *testing.T, what string, got, want *HistogramSnapshot) {
	t.Helper()
	if got.Count != want.Count || got.Sum != want.Sum || got.Min != want.Min || got.Max != want.Max {
		t.Errorf("%s: count %d sum %v min %v max %v; want %d %v %v %v", what,
			got.Count, got.Sum, got.Min, got.Max, want.Count, want.Sum, want.Min, want.Max)
	}
	if got.off != want.off || !slices.Equal(got.counts, want.counts) {
		t.Errorf("%s: buckets differ: offset %d, %d buckets; want offset %d, %d buckets", what,
			got.off, len(got.counts), want.off, len(want.counts))
	}
}

func TestMergeEqualsWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var all []time.Duration
	parts := make([]HistogramSnapshot, 50)
	for i := range parts {
		// Viewers with different ranges, so that merging must widen.
		n := rng.IntN(2000)
		vals := make([]time.Duration, n)
		for j := range vals {
			vals[j] = lognormal(rng, time.Duration(i+1)*time.Millisecond, 1.5)
		}
		all = append(all, vals...)
		parts[i] = snapshotOf(vals)
	}
	want := snapshotOf(all)

	var merged HistogramSnapshot
	for i := range parts {
		merged.Merge(&parts[i])
	}
	sameHistogram(t, "merged in order", &merged, &want)

	var rev HistogramSnapshot
	for i := len(parts) - 1; i >= 0; i-- {
		rev.Merge(&parts[i])
	}
	sameHistogram(t, "merged in reverse", &rev, &want)

	// Reuse: merging again after Reset gives the same, without allocating.
	allocs := testing.AllocsPerRun(10, func() {
		merged.Reset()
		for i := range parts {
			merged.Merge(&parts[i])
		}
	})
	sameHistogram(t, "merged after Reset", &merged, &want)
	if allocs != 0 {
		t.Errorf("Reset+Merge allocated %v times per run; want 0", allocs)
	}

	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		if merged.Quantile(q) != want.Quantile(q) {
			t.Errorf("merged Quantile(%v) = %v; want %v", q, merged.Quantile(q), want.Quantile(q))
		}
	}
	c := merged.Clone()
	merged.Reset()
	sameHistogram(t, "clone", &c, &want)
	var cp HistogramSnapshot
	cp.CopyFrom(&c)
	sameHistogram(t, "CopyFrom", &cp, &want)
}

func TestSubWindow(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	var h Histogram
	var early, late []time.Duration
	for range 5000 {
		d := lognormal(rng, 20*time.Millisecond, 0.5)
		early = append(early, d)
		h.Record(d)
	}
	var before HistogramSnapshot
	h.Snapshot(&before)
	for range 3000 {
		d := lognormal(rng, 80*time.Millisecond, 0.3) // within the earlier range
		late = append(late, min(max(d, before.Min), before.Max))
		h.Record(late[len(late)-1])
	}
	var after HistogramSnapshot
	h.Snapshot(&after)
	win := after.Clone()
	win.Sub(&before)
	want := snapshotOf(late)
	if win.Count != want.Count || win.Sum != want.Sum || win.off != want.off || !slices.Equal(win.counts, want.counts) {
		t.Fatalf("window: count %d sum %v, %d buckets at %d; want %d %v, %d at %d",
			win.Count, win.Sum, len(win.counts), win.off, want.Count, want.Sum, len(want.counts), want.off)
	}
	// No new extremes in the window: Min and Max come from the buckets.
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{{"min", win.Min, want.Min}, {"max", win.Max, want.Max}} {
		if rel := math.Abs(float64(c.got-c.want)) / float64(c.want); rel > 1.0/subBuckets {
			t.Errorf("window %s = %v; want %v within a bucket", c.name, c.got, c.want)
		}
	}
	for _, q := range []float64{0.5, 0.95, 0.99} {
		if got, w := win.Quantile(q), want.Quantile(q); got != w {
			t.Errorf("window Quantile(%v) = %v; want %v", q, got, w)
		}
	}

	// A new maximum and minimum inside the window are exact.
	h.Record(time.Minute)
	h.Record(time.Nanosecond)
	var last HistogramSnapshot
	h.Snapshot(&last)
	last.Sub(&after)
	if last.Count != 2 || last.Min != time.Nanosecond || last.Max != time.Minute {
		t.Errorf("window with new extremes: count %d min %v max %v; want 2 1ns 1m", last.Count, last.Min, last.Max)
	}
	// Subtracting everything leaves an empty histogram.
	all := after.Clone()
	all.Sub(&after)
	if all.Count != 0 || all.Quantile(0.5) != 0 || len(all.counts) != 0 {
		t.Errorf("after - after: count %d, %d buckets; want empty", all.Count, len(all.counts))
	}
	_ = early
}

func TestHistogramConcurrent(t *testing.T) {
	t.Parallel()
	const writers, each = 8, 20_000
	var h Histogram
	var wg sync.WaitGroup
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		var s HistogramSnapshot
		var prev uint64
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			h.Snapshot(&s)
			if s.Count < prev {
				readerDone <- errorf("count went down from %d to %d", prev, s.Count)
				return
			}
			prev = s.Count
		}
	}()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				h.Record(time.Duration(w*each+i) * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	n := int64(writers * each)
	if s.Count != uint64(n) || s.Sum != time.Duration(n*(n-1)/2)*time.Microsecond ||
		s.Min != 0 || s.Max != time.Duration(n-1)*time.Microsecond {
		t.Errorf("count %d sum %v min %v max %v; want %d %v 0 %v", s.Count, s.Sum, s.Min, s.Max,
			n, time.Duration(n*(n-1)/2)*time.Microsecond, time.Duration(n-1)*time.Microsecond)
	}
}

func TestHistogramNoAllocs(t *testing.T) {
	var h Histogram
	for i := range 1000 {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	if a := testing.AllocsPerRun(100, func() { h.Record(123 * time.Millisecond) }); a != 0 {
		t.Errorf("Record allocated %v times; want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { h.Snapshot(&s) }); a != 0 {
		t.Errorf("Snapshot into a reused snapshot allocated %v times; want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { _ = s.Quantile(0.99) }); a != 0 {
		t.Errorf("Quantile allocated %v times; want 0", a)
	}
}

func TestSnapshotIsPlainValue(t *testing.T) {
	t.Parallel()
	var h Histogram
	h.Record(time.Millisecond)
	var s HistogramSnapshot
	h.Snapshot(&s)
	c := s.Clone()
	h.Record(time.Second)
	h.Snapshot(&s)
	if c.Count != 1 || c.Max != time.Millisecond || !reflect.DeepEqual(c, snapshotOf([]time.Duration{time.Millisecond})) {
		t.Errorf("clone changed after the histogram did: %+v", c)
	}
}
