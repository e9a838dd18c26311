package stats

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmark names are fixed: they are compared side by side with the
// prior art's (go-ffmpeg-hls-swarm) on the same machine.

// BenchmarkIncrement does two counter increments per op, like the prior
// art's IncrementCounters.
func BenchmarkIncrement(b *testing.B) {
	v := NewAggregator(Options{}).AddViewer(1)
	b.ReportAllocs()
	// A b.N loop, not b.Loop: b.Loop keeps the calls in its body from being
	// inlined, and the parser's calls are inlined.
	for range b.N {
		v.AddRequest(KindSegment)
		v.AddBytes(1316)
	}
}

// BenchmarkIncrementFloor is the machine's floor for BenchmarkIncrement:
// two bare atomic adds on one cache line.
func BenchmarkIncrementFloor(b *testing.B) {
	var c [2]atomic.Uint64
	b.ReportAllocs()
	for range b.N {
		c[0].Add(1)
		c[1].Add(1316)
	}
}

// typicalViewer records the counts of a viewer some minutes into a run,
// with a few HTTP errors.
func typicalViewer(v *Viewer, i int, now time.Time) {
	v.Started(now.Add(-3 * time.Minute))
	v.FirstSegment(now.Add(-3*time.Minute + 800*time.Millisecond))
	for range 90 {
		v.AddRequest(KindManifest)
	}
	for range 88 {
		v.AddRequest(KindSegment)
	}
	v.AddRequest(KindInit)
	v.AddBytes(88 * 750_000)
	v.AddLines(StreamProgress, 2160, 0)
	v.AddLines(StreamStderr, 5400, 3)
	v.AddReconnect()
	v.AddHTTPError(KindSegment, 404)
	v.AddHTTPError(KindSegment, 404)
	v.AddHTTPError(KindManifest, 503)
	if i%10 == 0 {
		v.AddHTTPError(KindSegment, 500)
		v.AddTimeout()
	}
	v.ObserveProgress(now.Add(-2*time.Second), 177*time.Second, 1.0)
	v.ObserveProgress(now, 179*time.Second, 1.0)
}

func BenchmarkClientSummary(b *testing.B) {
	now := time.Now()
	v := NewAggregator(Options{}).AddViewer(1)
	typicalViewer(v, 0, now)
	var row ViewerRow
	v.Summary(&row)
	b.ReportAllocs()
	for b.Loop() {
		v.Summary(&row)
	}
	if row.HTTPErrors != 4 || len(row.Status) != 3 {
		b.Fatalf("summary: %d errors over %d codes; want 4 over 3", row.HTTPErrors, len(row.Status))
	}
}

func fleet(n int, withLatency bool) *Aggregator {
	now := time.Now()
	a := NewAggregator(Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		v := a.AddViewer(i)
		typicalViewer(v, i, now)
		if withLatency {
			for range 88 {
				v.ObserveLatency(KindSegment, lognormal(rng, 20*time.Millisecond, 0.8))
			}
			for range 90 {
				v.ObserveLatency(KindManifest, lognormal(rng, 5*time.Millisecond, 0.8))
			}
		}
	}
	return a
}

// BenchmarkAggregate100 snapshots 100 viewers without histograms (the prior
// art's Aggregate has none).
func BenchmarkAggregate100(b *testing.B) {
	a := fleet(100, false)
	var s Snapshot
	a.SnapshotParts(&s, 0)
	b.ReportAllocs()
	for b.Loop() {
		a.SnapshotParts(&s, 0)
	}
	if s.Clients.Active != 100 || len(s.Status) != 3 {
		b.Fatalf("snapshot: %d active, %d codes", s.Clients.Active, len(s.Status))
	}
}

// BenchmarkAggregate100Histograms is BenchmarkAggregate100 with the segment,
// manifest and startup histograms (the fleet's two latency histograms, and
// each viewer's startup time).
func BenchmarkAggregate100Histograms(b *testing.B) {
	a := fleet(100, true)
	var s Snapshot
	a.Snapshot(&s, false)
	b.ReportAllocs()
	for b.Loop() {
		a.Snapshot(&s, false)
	}
}

// BenchmarkAggregate1000Rows snapshots 1000 viewers with histograms and
// per-viewer rows.
func BenchmarkAggregate1000Rows(b *testing.B) {
	a := fleet(1000, true)
	var s Snapshot
	a.Snapshot(&s, true)
	b.ReportAllocs()
	for b.Loop() {
		a.Snapshot(&s, true)
	}
}

func BenchmarkAddClient(b *testing.B) {
	a := NewAggregator(Options{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a.AddViewer(i)
		i++
		if i%4096 == 0 { // bound memory: start over with a fresh aggregator
			b.StopTimer()
			a = NewAggregator(Options{})
			b.StartTimer()
		}
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]time.Duration, 1024)
	for i := range vals {
		vals[i] = lognormal(rng, 20*time.Millisecond, 1)
	}
	var h Histogram
	for _, d := range vals {
		h.Record(d)
	}
	b.ReportAllocs()
	for i := range b.N {
		h.Record(vals[i&1023])
	}
}

// BenchmarkHistogramMerge100 merges 100 viewers' histogram snapshots (1000
// values each) into one.
func BenchmarkHistogramMerge100(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	snaps := make([]HistogramSnapshot, 100)
	for i := range snaps {
		var h Histogram
		for range 1000 {
			h.Record(lognormal(rng, 20*time.Millisecond, 1))
		}
		h.Snapshot(&snaps[i])
	}
	var dst HistogramSnapshot
	b.ReportAllocs()
	for b.Loop() {
		dst.Reset()
		for i := range snaps {
			dst.Merge(&snaps[i])
		}
	}
	if dst.Count != 100_000 {
		b.Fatalf("merged count %d; want 100000", dst.Count)
	}
}

func BenchmarkHistogramQuantile(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	var h Histogram
	for range 100_000 {
		h.Record(lognormal(rng, 20*time.Millisecond, 1))
	}
	var s HistogramSnapshot
	h.Snapshot(&s)
	b.ReportAllocs()
	var q time.Duration
	for b.Loop() {
		q = s.Quantile(0.99)
	}
	if q <= 0 {
		b.Fatal("p99 is 0")
	}
}
